"""Pages: the menu of the home page, and downloading one page into pages/<id>.html."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, UnicodeDammit

from ..corpus_files import CorpusFileError, resolve_corpus_path
from ..corpus_writes import write_atomic
from .client import PoliteClient, Validators

HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGE_SUFFIXES = {"", ".html", ".htm", ".shtml"}


def canonical_url(url: str) -> str:
    """Scheme and host in lower case, no fragment, "/" for an empty path."""
    parts = urlsplit(urldefrag(url)[0])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


@dataclass
class Link:
    url: str
    text: str


def page_links(html: str, base_url: str, client: PoliteClient) -> list[Link]:
    """The links of a page to other HTML pages of the site (the menu, on the home page).

    Media, documents, images, other hosts and URLs with a query string (no static
    page has one; a calendar or a search form can have infinitely many) are left out.
    """
    soup = BeautifulSoup(html, "html.parser")
    base_tag = soup.find("base", href=True)
    base = urljoin(base_url, base_tag["href"]) if base_tag else base_url
    links: dict[str, Link] = {}
    for anchor in soup.find_all("a", href=True):
        url = canonical_url(urljoin(base, anchor["href"].strip()))
        parts = urlsplit(url)
        if parts.query or not client.on_site(url) or PurePosixPath(parts.path).suffix.lower() not in PAGE_SUFFIXES:
            continue
        links.setdefault(url, Link(url, " ".join(anchor.get_text(" ").split())[:200]))
    return list(links.values())


def decode_html(body: bytes, charset: Optional[str]) -> str:
    """Text of a page: the charset the server gives, else the page's own <meta>, else a guess."""
    if charset:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    dammit = UnicodeDammit(body, ["utf-8", "windows-1252"], is_html=True)
    return dammit.unicode_markup if dammit.unicode_markup is not None else body.decode("cp1252", errors="replace")


def page_title(html: str) -> Optional[str]:
    title = BeautifulSoup(html, "html.parser").title
    text = " ".join(title.get_text(" ").split()) if title else ""
    return text[:200] or None


@dataclass
class PageFetch:
    status: str  # "new", "changed", "unchanged"
    text: Optional[str]  # the page, when it was downloaded (None on 304)
    size: int = 0


def fetch_page(client: PoliteClient, url: str, root: Path, name: str, entry: dict, max_bytes: int) -> PageFetch:
    """Downloads ``url`` to the corpus file ``name`` (UTF-8) unless it is unchanged; updates ``entry``
    (the manifest's). A 304, or a 200 with the same bytes as last time, leaves the file alone.

    The file is written with write_atomic: never through a link planted in the corpus.
    """
    existed = _is_corpus_file(root, name)
    validators = Validators.of(entry) if existed else None
    with client.get(url, validators=validators, accept=HTML_TYPES, max_bytes=max_bytes) as response:
        if response.status == 304:
            return PageFetch("unchanged", None)
        body = response.read(max_bytes)
        charset, fresh = response.charset, response.validators
    digest = hashlib.sha256(body).hexdigest()
    entry.update(etag=fresh.etag, last_modified=fresh.last_modified, size=len(body))
    text = decode_html(body, charset)
    if digest == entry.get("sha256") and existed:
        return PageFetch("unchanged", text, len(body))
    write_atomic(root, name, text.encode("utf-8", errors="replace"))
    entry["sha256"] = digest
    return PageFetch("changed" if existed else "new", text, len(body))


def _is_corpus_file(root: Path, name: str) -> bool:
    """A regular file inside the corpus (a link leading out of it does not count)."""
    try:
        resolve_corpus_path(root, name)
    except CorpusFileError:
        return False
    return True
