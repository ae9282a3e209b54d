"""The web application: search page, recording pages, exports, audio and a JSON API.

    app = create_app({"INDEX_DIR": "var/index", "CORPUS_DIR": "corpus"})

One SearchService per application: it is thread-safe (one searcher per thread)
and follows index swaps by itself, so the app never opens a searcher per request
and never needs a restart after ``artoiscast index``.

Configuration keys (besides Flask's own):

- INDEX_DIR, CORPUS_DIR: the index (a link to its current generation) and the corpus;
- BASE_URL: e.g. "https://recherche.example.org", for absolute links (API, citations, exports).
  Without it, links never follow the request's Host header (anyone can send "Host: evil.example"):
  they use SERVER_ADDRESS (the address `serve` listens on, when it is a real one), else stay
  relative; X-Forwarded-Host/Proto are honoured only from TRUSTED_PROXIES;
- TRUSTED_PROXIES: addresses or networks ("127.0.0.1, 10.0.0.0/8") of the reverse proxies
  whose X-Forwarded-* headers are believed (werkzeug's ProxyFix); from anyone else they are dropped;
- SEARCH_TIME_LIMIT: seconds for a whole search (matching, any-word retry, scoring; default 3);
  past it the results are partial and the page says so;
- EXPENSIVE_SLOTS: how many expensive requests (broad prefixes, exports, any-word retries)
  run at once (default 2); the others get a 503 with Retry-After, ordinary searches are not held up;
- INDEX_BUILD: set by `serve` to its background build (has ``running()``): while it runs
  and there is no index yet, pages say the index is being built (503).

Reliability and security, whatever the request (see tests/test_security.py):

- every response - pages, JSON, errors, static files, audio - carries the security
  headers (SECURITY_HEADERS, added by a WSGI middleware so nothing escapes them);
- only GET and HEAD are answered; any other method is a 405 (French page or JSON);
- no user input can produce a 5xx: odd parameters are corrected with a notice, and an
  unexpected exception is logged and answered by a French 500 without a stack trace;
- a missing, unreadable or damaged index (even damaged while serving) is a 503 that says
  how to rebuild it, and the app picks up the rebuilt index without a restart;
- dynamic responses carry "Cache-Control: no-store" (static files and audio keep their own);
- every text is escaped by the templates, and links from the corpus are rendered only
  when they are http(s) or site-relative (safe_url): no "javascript:" link ever.
"""
from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, default_exceptions
from werkzeug.middleware.proxy_fix import ProxyFix

from indexer.schema import IndexUnavailable
from indexer.links import timecode
from indexer.search import EXPENSIVE_SLOTS, Overloaded, SearchService

# Scripts and styles come only from webapp/static (no inline code, no CDN);
# audio may come from the site itself or from the original pages' hosts.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' https: http:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
ALLOWED_METHODS = ("GET", "HEAD")

ERROR_TITLES = {
    400: "Requête incorrecte",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    416: "Plage demandée invalide",
    500: "Erreur interne",
    503: "Index indisponible",
}
BUSY_TITLE = "Serveur très sollicité"
BUILDING_MESSAGE = ("L'index de recherche est en construction : la recherche sera disponible dans quelques "
                    "instants. Rechargez cette page un peu plus tard.")
DYNAMIC_CACHE_CONTROL = "no-store"  # search results, API answers and errors are never stored by a cache
ERROR_MESSAGES = {
    400: "La requête n'a pas pu être comprise.",
    416: "Cette partie du fichier n'existe pas.",
    404: "Cette adresse ne correspond à aucune page ni à aucun enregistrement.",
    405: "Cette adresse ne s'utilise pas avec la méthode {method} : ce site ne fait que des lectures (GET).",
    500: "Une erreur inattendue s'est produite. Réessayez ; si elle persiste, signalez-la.",
}
INDEX_HINT = ("Construisez ou reconstruisez l'index avec « artoiscast index --rebuild », "
              "puis rechargez cette page (inutile de redémarrer le serveur).")
# The last resort, when even the error template cannot be rendered.
BARE_500 = ('<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Erreur interne</title></head>'
            "<body><h1>Erreur interne</h1><p>" + ERROR_MESSAGES[500] + "</p></body></html>")


def create_app(config: Optional[Mapping] = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR="var/index",
        CORPUS_DIR="corpus",
        BASE_URL="",  # e.g. "https://recherche.example.org": used for absolute links (API, citations, exports)
        SERVER_ADDRESS="",  # e.g. "http://127.0.0.1:5000", set by `serve`: links when BASE_URL is empty
        TRUSTED_PROXIES="",  # e.g. "127.0.0.1": the only clients whose X-Forwarded-* headers count
        SEARCH_TIME_LIMIT=3.0,
        EXPENSIVE_SLOTS=EXPENSIVE_SLOTS,
        INDEX_BUILD=None,
        DEBUG=False,
        PROPAGATE_EXCEPTIONS=False,
        # GET and HEAD only: no automatic OPTIONS answer (see refuse_other_methods).
        PROVIDE_AUTOMATIC_OPTIONS=False,
    )
    if config:
        app.config.from_mapping(config)
    app.debug = False  # never show the Werkzeug debugger or a stack trace
    app.json.ensure_ascii = False
    app.json.sort_keys = False  # keep the order of the search document, as the CLI prints it

    app.extensions["search_service"] = SearchService(
        app.config["INDEX_DIR"], base_url="", time_limit=float(app.config["SEARCH_TIME_LIMIT"]),
        expensive_slots=int(app.config["EXPENSIVE_SLOTS"]))

    from . import api, citations, exports, links, views

    for blueprint in (views.bp, exports.bp, citations.bp, api.bp):
        app.register_blueprint(blueprint)
    app.add_template_global(timecode, "timecode")
    app.add_template_global(links.site_url, "site_url")
    app.add_template_global(safe_url, "safe_url")
    app.add_template_filter(links.in_guillemets, "guillemets")
    app.add_template_global(links.page_section_url, "page_section_url")

    register_error_handlers(app)

    @app.before_request
    def refuse_other_methods():
        # Runs before routing errors are raised, so any path answers 405 to POST, PUT …
        if request.method not in ALLOWED_METHODS:
            raise MethodNotAllowed(valid_methods=list(ALLOWED_METHODS))

    @app.after_request
    def no_store(response):
        # Static files and audio set their own caching (send_file); everything else is
        # computed per request - and may be an error - so no cache keeps it.
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = DYNAMIC_CACHE_CONTROL
        return response

    @app.after_request
    def relative_redirects(response):
        # Werkzeug's own redirects (the 308 that merges "//" in a path) build an absolute
        # Location from the client's Host header: keep only the path, so that no client
        # can make the site send a browser to another host.
        location = response.headers.get("Location")
        if location and 300 <= response.status_code < 400:
            parts = urlsplit(location)
            if parts.netloc and parts.netloc == request.host:
                path = "/" + parts.path.lstrip("/")  # never "//host": that would be another host again
                response.headers["Location"] = path + (f"?{parts.query}" if parts.query else "")
        return response

    app.wsgi_app = SecurityHeaders(TrustedProxy(app.wsgi_app, app.config["TRUSTED_PROXIES"]))
    return app


class TrustedProxy:
    """WSGI middleware: X-Forwarded-For/Proto/Host/Port/Prefix applied (werkzeug's ProxyFix,
    one proxy) when the request comes from a configured proxy, and removed otherwise, so
    that no client can choose the host or scheme of the links it is sent."""

    FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                 "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX")

    def __init__(self, wsgi_app, trusted):
        self.wsgi_app = wsgi_app
        self.proxied = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
        items = trusted.split(",") if isinstance(trusted, str) else list(trusted or [])
        self.networks = [ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip()]

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.networks and self.trusts(environ.get("REMOTE_ADDR", "")):
            environ["artoiscast.forwarded_host"] = bool(environ.get("HTTP_X_FORWARDED_HOST"))
            return self.proxied(environ, start_response)
        for key in self.FORWARDED:
            environ.pop(key, None)
        return self.wsgi_app(environ, start_response)


def link_base() -> str:
    """What site links start with, outside of the browser's own pages: BASE_URL; else the
    host a trusted proxy forwarded; else the address `serve` listens on; else nothing
    (relative links). Never the Host header a client sent."""
    config = current_app.config
    if config.get("BASE_URL"):
        return config["BASE_URL"].rstrip("/")
    if request.environ.get("artoiscast.forwarded_host"):
        return request.url_root.rstrip("/")
    return (config.get("SERVER_ADDRESS") or "").rstrip("/") + request.script_root


class SecurityHeaders:
    """WSGI middleware: the security headers on every response the app sends,
    whatever produced it (a view, an error handler, send_file, a routing redirect)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers = list(headers) + [(k, v) for k, v in SECURITY_HEADERS.items() if k.lower() not in present]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


# --------------------------------------------------------------------------- links and input

_SCHEME = re.compile(r"^([^:/?#]*):")


def safe_url(link) -> Optional[str]:
    """The link if a browser may follow it: http(s), or relative to the site; else None.

    Corpus values (page_url, audio_url) come from pages and corpus.yaml: a
    "javascript:", "data:" or "vbscript:" address - however cased or spaced - is
    never rendered as a link. Control characters (which browsers drop inside a
    scheme: "java\\tscript:") and protocol-relative "//host" links are refused too.
    """
    if not isinstance(link, str):
        return None
    text = link.strip(" ")
    if not text or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text) or "\\" in text[:2]:
        return None
    if text.startswith("//"):
        return None
    scheme = _SCHEME.match(text)
    if scheme is None:
        return text  # relative: "/audio/…", "page.html", "?q=…", "#p3"
    if scheme.group(1).lower() not in ("http", "https"):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.netloc else None


def search_service() -> SearchService:
    return current_app.extensions["search_service"]


def fail(status: int, message: str):
    """Aborts with a French message (shown on the error page, or as {"error": …} under /api/)."""
    exc = default_exceptions[status](message)
    exc.french = True
    raise exc


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def error_response(status: int, message: str, title: Optional[str] = None, hint: Optional[str] = None):
    """A French error, as JSON under /api/ and as a page elsewhere - never a stack trace."""
    if wants_json():
        response = jsonify({"error": message})
        response.status_code = status
        return response
    return render_template("error.html", status=status, title=title or ERROR_TITLES.get(status, "Erreur"),
                           message=message, hint=hint), status


def index_building() -> bool:
    build = current_app.config.get("INDEX_BUILD")
    return bool(build is not None and build.running())


def index_message() -> str:
    """What the person is told when the index cannot be read: what is wrong, and the way out.
    The details (paths, the exception) go to the log, not to the page."""
    if index_building():
        return BUILDING_MESSAGE
    index_dir = Path(current_app.config["INDEX_DIR"])
    if not index_dir.exists():
        what = "L'index de recherche n'a pas encore été construit."
    else:
        what = "L'index de recherche est illisible (fichier endommagé, ou construction interrompue)."
    return f"{what} {INDEX_HINT}"


def register_error_handlers(app: Flask):
    @app.errorhandler(IndexUnavailable)
    def index_unavailable(exc):
        app.logger.warning("Index indisponible : %s", exc)
        response = app.make_response(error_response(503, index_message(), hint=None))
        response.headers["Retry-After"] = "10" if index_building() else "30"
        return response

    @app.errorhandler(Overloaded)
    def overloaded(exc):
        app.logger.warning("Requête coûteuse refusée (serveur occupé) : %s", request.full_path[:300])
        response = app.make_response(error_response(503, str(exc), title=BUSY_TITLE))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc):
        status = exc.code or 500
        if getattr(exc, "french", False):
            message = exc.description  # our own aborts: French already, and may quote the request
        else:  # Werkzeug's defaults are English
            message = ERROR_MESSAGES.get(status, "").replace("{method}", request.method[:20])
        response = app.make_response(error_response(status, message or ERROR_TITLES.get(status, "Erreur")))
        # Keep what the exception says in headers: Allow (405), Content-Range (416) …
        for key, value in exc.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        if status == 405:
            response.headers["Allow"] = ", ".join(ALLOWED_METHODS)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc):
        app.logger.exception("Erreur non gérée sur %s %s", request.method, request.path)
        try:
            return error_response(500, ERROR_MESSAGES[500])
        except Exception:  # the error page itself failed: a fixed page, still French
            app.logger.exception("La page d'erreur elle-même a échoué")
            return app.response_class(BARE_500, status=500, mimetype="text/html")
