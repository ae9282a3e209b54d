"""A polite HTTP client for one site: what a well-behaved crawler does, and what
an untrusted remote must not be allowed to do to us.

- robots.txt honoured (urllib.robotparser), its Crawl-delay too (bounded);
- a delay between requests, a clear User-Agent;
- every request bounded in total time, not only each socket read (a server
  sending one byte a second is cut): ``timeout`` for a page, and for a media
  file ``timeout`` plus the time its bytes take at MIN_MEDIA_RATE;
- at most MAX_REDIRECTS redirects, each one paced like any request;
- conditional GET (If-None-Match / If-Modified-Since) and Range requests;
- only the site's hosts, http(s); a redirect elsewhere is refused;
- the content type is checked and every body is read with a size limit.
"""
from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
import urllib.robotparser
import zlib
from dataclasses import dataclass
from typing import Callable, Iterator, Optional
from urllib.parse import urljoin, urlsplit

USER_AGENT = "artoiscast-search/0.1 (robot d'indexation ; respecte robots.txt)"
ROBOTS_AGENT = "artoiscast-search"
MAX_ROBOTS_BYTES = 512 * 1024
MAX_CRAWL_DELAY = 30.0  # a hostile robots.txt must not stall the run
CHUNK = 64 * 1024
MAX_REDIRECTS = 5
MIN_MEDIA_RATE = 16 * 1024  # bytes per second: slower than this, a media download is cut (resumed next run)
REDIRECT_CODES = (301, 302, 303, 307, 308)


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


class TooSlow(Interrupted):
    """Cut by its deadline (the server answers, too slowly): that URL fails, the site is not offline."""


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


class Watchdog:
    """Cuts a request that outlives its deadline, however slowly its server trickles bytes.

    A socket timeout bounds each read only. The watchdog holds the request's sockets
    and, once the deadline passes, shuts them down: the read under way returns at once
    and the request fails with a message naming the URL. The deadline can grow with
    the bytes received (``allow``), for media files read at a minimum rate.
    """

    def __init__(self, url: str, seconds: float):
        self.url, self.started = url, time.monotonic()
        self.deadline = self.started + seconds
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: Optional[threading.Timer] = None
        self._arm()

    def _arm(self):
        self._timer = threading.Timer(max(self.deadline - time.monotonic(), 0.01), self._check)
        self._timer.daemon = True
        self._timer.start()

    def _check(self):
        with self._lock:
            if self._timer is None:
                return  # stopped
            if time.monotonic() < self.deadline:
                self._arm()  # the deadline was extended meanwhile
                return
            self.fired = True
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def watch(self, sock: socket.socket):
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                sock.shutdown(socket.SHUT_RDWR)

    def allow(self, seconds: float):
        """Push the deadline to ``seconds`` after the start (never earlier)."""
        self.deadline = max(self.deadline, self.started + seconds)

    def stop(self):
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def message(self) -> str:
        return (f"délai dépassé : {self.url[:200]} coupé après {time.monotonic() - self.started:.0f} s "
                "(serveur trop lent ; --timeout)")


class Response:
    """An open response (or a 304, with no body)."""

    def __init__(self, status: int, url: str, raw=None, watchdog: Optional[Watchdog] = None,
                 min_rate: Optional[float] = None, grace: float = 0.0):
        self.status, self.url, self.raw = status, url, raw
        self.headers = raw.headers if raw is not None else {}
        self.watchdog, self.min_rate, self.grace = watchdog, min_rate, grace

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
                # read1: what one socket read brings; read(n) would wait for n bytes, however slowly they come.
                chunk = self.raw.read1(CHUNK) if hasattr(self.raw, "read1") else self.raw.read(CHUNK)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                if self.watchdog is not None and self.watchdog.fired:
                    raise TooSlow(self.watchdog.message()) from None
                raise Interrupted(f"connexion interrompue ({exc})") from exc
            if not chunk:
                if self.watchdog is not None and self.watchdog.fired:
                    raise TooSlow(self.watchdog.message())
                return
            read += len(chunk)
            if self.watchdog is not None and self.min_rate:
                self.watchdog.allow(self.grace + read / self.min_rate)
            if read > limit:
                raise Refused(f"plus de {limit // 1024} Kio : trop volumineux, ignoré")
            yield chunk

    def read(self, limit: int) -> bytes:
        """The body as sent (Content-Encoding not undone): for media files."""
        return b"".join(self.chunks(limit))

    @property
    def content_encoding(self) -> str:
        return (self.headers.get("Content-Encoding") or "identity").strip().lower()

    def text_body(self, limit: int) -> bytes:
        """The body with its Content-Encoding undone (gzip, deflate), at most ``limit`` bytes once
        decompressed (a compression bomb is refused, not expanded). Refused for another encoding."""
        encoding = self.content_encoding
        if encoding in ("identity", ""):
            return self.read(limit)
        if encoding not in ("gzip", "x-gzip", "deflate"):
            raise Refused(f"encodage de contenu « {encoding[:40]} » non pris en charge pour {self.url[:200]} : ignoré")
        # wbits 47: gzip or zlib header, detected; a raw deflate stream (some servers) is tried after.
        decoder = zlib.decompressobj(47)
        raw, out = self.read(limit), bytearray()
        try:
            out += decoder.decompress(raw, limit + 1)
        except zlib.error:
            decoder = zlib.decompressobj(-15)
            try:
                out = bytearray(decoder.decompress(raw, limit + 1))
            except zlib.error:
                raise Refused(f"contenu compressé ({encoding}) illisible pour {self.url[:200]} : ignoré") from None
        if len(out) > limit or decoder.unconsumed_tail:
            raise Refused(f"plus de {limit // 1024} Kio une fois décompressé : trop volumineux, ignoré")
        return bytes(out)

    def close(self):
        if self.watchdog is not None:
            self.watchdog.stop()
        if self.raw is not None:
            self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects come back as HTTPError: PoliteClient follows them itself, paced and checked."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _watched_connection(connection_class, watchdog_of: Callable[[], Optional[Watchdog]]):
    """A connection factory for urllib's do_open whose sockets the current request's watchdog holds."""

    def make(host, **kwargs):
        connection = connection_class(host, **kwargs)
        connect = connection.connect

        def watched_connect():
            connect()
            watchdog = watchdog_of()
            if watchdog is not None:
                watchdog.watch(connection.sock)

        connection.connect = watched_connect
        return connection

    return make


class _WatchedHTTP(urllib.request.HTTPHandler):
    def __init__(self, client: "PoliteClient"):
        super().__init__()
        self.client = client

    def http_open(self, req):
        return self.do_open(_watched_connection(http.client.HTTPConnection, lambda: self.client._watchdog), req)


class _WatchedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, client: "PoliteClient"):
        super().__init__()
        self.client = client

    def https_open(self, req):
        return self.do_open(_watched_connection(http.client.HTTPSConnection, lambda: self.client._watchdog), req,
                            context=self._context)


class PoliteClient:
    def __init__(self, hosts: set[str], delay: float = 1.0, timeout: float = 20.0,
                 user_agent: str = USER_AGENT, sleep: Callable[[float], None] = time.sleep):
        self.hosts = {h.lower() for h in hosts}
        self.delay, self.timeout, self.user_agent, self.sleep = delay, timeout, user_agent, sleep
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._last: Optional[float] = None
        self._opener = urllib.request.build_opener(_NoRedirects(), _WatchedHTTP(self), _WatchedHTTPS(self))
        self._watchdog: Optional[Watchdog] = None  # the request under way's
        self.requests = 0
        self.robots_problems: dict[str, str] = {}  # origin -> why its robots.txt could not be read (French)

    # ---------------------------------------------------------------- rules

    def on_site(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and parts.netloc.lower() in self.hosts

    def check(self, url: str, redirect: bool = False, robots: bool = True):
        """Refused unless ``url`` is on the site and robots.txt allows it (``robots=False``: robots.txt
        itself, being fetched)."""
        if not self.on_site(url):
            raise Refused(f"redirection vers un autre site refusée ({url[:200]})" if redirect
                          else f"hors du site ({url[:200]}), ignoré")
        if robots and not self.robots(url).can_fetch(ROBOTS_AGENT, url):
            problem = self.robots_problems.get(origin(url))
            raise Refused(f"interdit par robots.txt ({url[:200]})"
                          + (f" : robots.txt illisible ({problem}), tout le site est considéré comme interdit"
                             if problem else ""))

    def robots(self, url: str) -> urllib.robotparser.RobotFileParser:
        """The site's robots.txt, read once per run (RFC 9309: 4xx allows all, 5xx forbids all)."""
        key = origin(url)
        if key not in self._robots:
            parser = urllib.robotparser.RobotFileParser(key + "/robots.txt")
            try:
                with self._request(key + "/robots.txt", {}, robots_file=True) as response:
                    body = response.text_body(MAX_ROBOTS_BYTES)
                parser.parse(body.decode("utf-8", errors="replace").splitlines())
            except HttpStatus as exc:
                parser.disallow_all = exc.code >= 500
                parser.allow_all = exc.code < 500
            except Refused as exc:  # too large, redirected elsewhere or in a loop: ask nothing of the site
                parser.disallow_all = True
                self.robots_problems[key] = str(exc)
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
            max_bytes: Optional[int] = None, headers: Optional[dict] = None, media: bool = False) -> Response:
        """GET ``url`` (a 304 Response when unchanged). Checks host, robots.txt, type and announced size.

        ``media``: a large file, whose time is bounded by a minimum rate (MIN_MEDIA_RATE) rather than
        by ``timeout`` alone."""
        self.check(url)
        request_headers = dict(headers or {})
        request_headers.update((validators or Validators()).headers())
        response = self._request(url, request_headers, media=media)
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

    def _request(self, url: str, headers: dict, media: bool = False, robots_file: bool = False) -> Response:
        """One GET, following at most MAX_REDIRECTS redirects (each paced and checked)."""
        first = url
        for _ in range(MAX_REDIRECTS + 1):
            response = self._request_once(url, headers, media)
            if isinstance(response, str):  # a redirect: the next URL
                url = urljoin(url, response)
                self.check(url, redirect=True, robots=not robots_file)
                continue
            return response
        raise Refused(f"plus de {MAX_REDIRECTS} redirections à partir de {first[:200]} : abandonné")

    def _request_once(self, url: str, headers: dict, media: bool) -> "Response | str":
        """The response, or the Location of a redirect."""
        self._pause(url)
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, **headers})
        self.requests += 1
        watchdog = self._watchdog = Watchdog(url, self.timeout)
        try:
            raw = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            watchdog.stop()
            location = exc.headers.get("Location") if exc.headers else None
            exc.close()
            if exc.code == 304:
                return Response(304, url)
            if exc.code in REDIRECT_CODES and location:
                return location
            raise HttpStatus(exc.code, url) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            watchdog.stop()
            if watchdog.fired:
                raise TooSlow(watchdog.message()) from None
            raise Unreachable(str(getattr(exc, "reason", None) or exc)) from None
        finally:
            self._watchdog = None
            self._last = time.monotonic()
        return Response(raw.status, url, raw, watchdog, MIN_MEDIA_RATE if media else None, self.timeout)
