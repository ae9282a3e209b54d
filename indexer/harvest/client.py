"""A polite HTTP client for one site: what a well-behaved crawler does, and what
an untrusted remote must not be allowed to do to us.

- robots.txt honoured (urllib.robotparser), its Crawl-delay too (bounded);
- a delay between requests, a clear User-Agent, a timeout on every request;
- conditional GET (If-None-Match / If-Modified-Since) and Range requests;
- only the site's hosts, http(s); a redirect elsewhere is refused;
- the content type is checked and every body is read with a size limit.
"""
from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass
from typing import Callable, Iterator, Optional
from urllib.parse import urlsplit

USER_AGENT = "artoiscast-search/0.1 (robot d'indexation ; respecte robots.txt)"
ROBOTS_AGENT = "artoiscast-search"
MAX_ROBOTS_BYTES = 512 * 1024
MAX_CRAWL_DELAY = 30.0  # a hostile robots.txt must not stall the run
CHUNK = 64 * 1024


class HarvestError(Exception):
    """A URL that could not be fetched; the message is French, for the user."""


class Refused(HarvestError):
    """Not fetched by choice: robots.txt, another host, a wrong type, too large."""


class WrongType(Refused):
    """Not the content expected (an HTML error page where a media file should be …)."""


class HttpStatus(HarvestError):
    def __init__(self, code: int, url: str):
        super().__init__(f"le site a répondu {code} pour {url}")
        self.code = code


class Unreachable(HarvestError):
    """The host could not be reached (offline, connection lost, timeout); the message is the reason."""


class Interrupted(Unreachable):
    """The connection ended before the whole body came (a .part file is kept, to be resumed)."""


@dataclass
class Validators:
    etag: Optional[str] = None
    last_modified: Optional[str] = None

    @classmethod
    def of(cls, entry: Optional[dict]) -> "Validators":
        entry = entry or {}
        return cls(entry.get("etag"), entry.get("last_modified"))

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class Response:
    """An open response (or a 304, with no body)."""

    def __init__(self, status: int, url: str, raw=None):
        self.status, self.url, self.raw = status, url, raw
        self.headers = raw.headers if raw is not None else {}

    @property
    def validators(self) -> Validators:
        return Validators(self.headers.get("ETag"), self.headers.get("Last-Modified"))

    @property
    def content_type(self) -> str:
        return self.raw.headers.get_content_type() if self.raw is not None else ""

    @property
    def charset(self) -> Optional[str]:
        return self.raw.headers.get_content_charset() if self.raw is not None else None

    @property
    def length(self) -> Optional[int]:
        value = self.headers.get("Content-Length")
        return int(value) if value and value.strip().isdigit() else None

    def chunks(self, limit: int) -> Iterator[bytes]:
        """The body, chunk by chunk; Refused past ``limit`` bytes; Unreachable if the connection drops."""
        read = 0
        while True:
            try:
                chunk = self.raw.read(CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                raise Interrupted(f"connexion interrompue ({exc})") from exc
            if not chunk:
                return
            read += len(chunk)
            if read > limit:
                raise Refused(f"plus de {limit // 1024} Kio : trop volumineux, ignoré")
            yield chunk

    def read(self, limit: int) -> bytes:
        return b"".join(self.chunks(limit))

    def close(self):
        if self.raw is not None:
            self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class _SameSiteRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an allowed host, and where robots.txt allows."""

    max_redirections = 5

    def __init__(self, client: "PoliteClient"):
        self.client = client

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.client.check(newurl, redirect=True)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class PoliteClient:
    def __init__(self, hosts: set[str], delay: float = 1.0, timeout: float = 20.0,
                 user_agent: str = USER_AGENT, sleep: Callable[[float], None] = time.sleep):
        self.hosts = {h.lower() for h in hosts}
        self.delay, self.timeout, self.user_agent, self.sleep = delay, timeout, user_agent, sleep
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._last: Optional[float] = None
        self._opener = urllib.request.build_opener(_SameSiteRedirects(self))
        self.requests = 0

    # ---------------------------------------------------------------- rules

    def on_site(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and parts.netloc.lower() in self.hosts

    def check(self, url: str, redirect: bool = False):
        """Refused unless ``url`` is on the site and robots.txt allows it."""
        if not self.on_site(url):
            raise Refused(f"redirection vers un autre site refusée ({url[:200]})" if redirect
                          else f"hors du site ({url[:200]}), ignoré")
        if not self.robots(url).can_fetch(ROBOTS_AGENT, url):
            raise Refused(f"interdit par robots.txt ({url[:200]})")

    def robots(self, url: str) -> urllib.robotparser.RobotFileParser:
        """The site's robots.txt, read once per run (RFC 9309: 4xx allows all, 5xx forbids all)."""
        key = origin(url)
        if key not in self._robots:
            parser = urllib.robotparser.RobotFileParser(key + "/robots.txt")
            try:
                with self._request(key + "/robots.txt", {}) as response:
                    body = response.read(MAX_ROBOTS_BYTES)
                parser.parse(body.decode("utf-8", errors="replace").splitlines())
            except HttpStatus as exc:
                parser.disallow_all = exc.code >= 500
                parser.allow_all = exc.code < 500
            except Refused:  # robots.txt too large or redirected elsewhere: ask nothing of the site
                parser.disallow_all = True
            self._robots[key] = parser
        return self._robots[key]

    def _pause(self, url: str):
        robots = self._robots.get(origin(url))
        crawl_delay = robots.crawl_delay(ROBOTS_AGENT) if robots else None
        delay = max(self.delay, min(float(crawl_delay or 0), MAX_CRAWL_DELAY))
        if self._last is not None and delay > 0:
            wait = delay - (time.monotonic() - self._last)
            if wait > 0:
                self.sleep(wait)

    # ---------------------------------------------------------------- requests

    def get(self, url: str, *, validators: Optional[Validators] = None, accept: tuple[str, ...] = (),
            max_bytes: Optional[int] = None, headers: Optional[dict] = None) -> Response:
        """GET ``url`` (a 304 Response when unchanged). Checks host, robots.txt, type and announced size."""
        self.check(url)
        request_headers = dict(headers or {})
        request_headers.update((validators or Validators()).headers())
        response = self._request(url, request_headers)
        if response.status == 304:
            return response
        if accept and not response.content_type.startswith(accept):
            response.close()
            raise WrongType(f"type de contenu inattendu « {response.content_type} » pour {url[:200]}")
        if max_bytes is not None and (response.length or 0) > max_bytes:
            response.close()
            raise Refused(f"{response.length // 1024} Kio annoncés (limite {max_bytes // 1024} Kio) : "
                          f"trop volumineux, ignoré")
        return response

    def _request(self, url: str, headers: dict) -> Response:
        self._pause(url)
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, **headers})
        self.requests += 1
        try:
            raw = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 304:
                return Response(304, url)
            raise HttpStatus(exc.code, url) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise Unreachable(str(getattr(exc, "reason", None) or exc)) from None
        finally:
            self._last = time.monotonic()
        return Response(raw.status, raw.geturl(), raw)
