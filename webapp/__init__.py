"""The web application: search page, recording pages, exports, audio and a JSON API.

    app = create_app({"INDEX_DIR": "var/index", "CORPUS_DIR": "corpus"})

One SearchService per application: it is thread-safe (one searcher per thread)
and follows index swaps by itself, so the app never opens a searcher per request
and never needs a restart after ``artoiscast index``.
"""
from __future__ import annotations

from typing import Mapping, Optional

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, default_exceptions

from indexer.index import IndexUnavailable
from indexer.search import SearchService, timecode

# Scripts and styles come only from webapp/static (no inline code, no CDN);
# audio may come from the site itself or from the original pages' hosts.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' https: http:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

ERROR_TITLES = {
    400: "Requête incorrecte",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    416: "Plage demandée invalide",
    500: "Erreur interne",
    503: "Index indisponible",
}
ERROR_MESSAGES = {
    400: "La requête n'a pas pu être comprise.",
    416: "Cette partie du fichier n'existe pas.",
    404: "Cette adresse ne correspond à aucune page ni à aucun enregistrement.",
    405: "Cette adresse ne s'utilise pas avec la méthode {method}.",
    500: "Une erreur inattendue s'est produite. Réessayez ; si elle persiste, signalez-la.",
}


def create_app(config: Optional[Mapping] = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR="var/index",
        CORPUS_DIR="corpus",
        BASE_URL="",  # e.g. "https://recherche.example.org": used for absolute links (API, citations, exports)
        DEBUG=False,
        PROPAGATE_EXCEPTIONS=False,
    )
    if config:
        app.config.from_mapping(config)
    app.debug = False  # never show the Werkzeug debugger or a stack trace
    app.json.ensure_ascii = False
    app.json.sort_keys = False  # keep the order of the search document, as the CLI prints it

    app.extensions["search_service"] = SearchService(app.config["INDEX_DIR"], base_url="")

    from . import api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.add_template_global(timecode, "timecode")
    app.add_template_global(views.site_url, "site_url")

    register_error_handlers(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response

    return app


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


def register_error_handlers(app: Flask):
    @app.errorhandler(IndexUnavailable)
    def index_unavailable(exc):
        app.logger.warning("Index indisponible : %s", exc)
        return error_response(
            503, str(exc), hint="Construisez ou reconstruisez l'index avec « artoiscast index --rebuild », "
                                "puis rechargez cette page (inutile de redémarrer le serveur).")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        status = exc.code or 500
        # Our own aborts carry a French description; Werkzeug's defaults are English.
        message = exc.description if getattr(exc, "french", False) else ERROR_MESSAGES.get(status, "")
        response = app.make_response(
            error_response(status, message.format(method=request.method) or ERROR_TITLES.get(status, "Erreur")))
        # Keep what the exception says in headers: Allow (405), Content-Range (416) …
        for key, value in exc.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc):
        app.logger.exception("Erreur non gérée sur %s", request.path)
        return error_response(500, ERROR_MESSAGES[500])
