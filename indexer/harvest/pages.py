"""Pages: the menu of the home page, and downloading one page into pages/<id>.html."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup
from bs4.dammit import EncodingDetector

from ..corpus_files import CorpusFileError, resolve_corpus_path
from ..corpus_writes import write_atomic
from .client import PoliteClient, Refused, Validators

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


# The text encodings of the WHATWG Encoding Standard, as Python names them (latin-1 and ascii
# labels mean windows-1252 there). Any other label a page gives (punycode, idna, utf-7, rot13 …)
# is ignored: some Python codecs decode in super-linear time, others are not text at all.
WHATWG_ENCODINGS = {
    "utf-8": "utf-8", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    "ibm866": "cp866", "866": "cp866", "cp866": "cp866",
    **{f"iso-8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
    **{f"iso8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
    **{f"iso_8859-{n}": f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
    "latin2": "iso8859-2", "latin9": "iso8859-15", "l2": "iso8859-2",
    "koi8-r": "koi8-r", "koi8r": "koi8-r", "koi8-u": "koi8-u",
    "macintosh": "mac-roman", "mac": "mac-roman", "x-mac-roman": "mac-roman", "x-mac-cyrillic": "mac-cyrillic",
    "windows-874": "cp874", "tis-620": "cp874",
    **{f"windows-{n}": f"cp{n}" for n in range(1250, 1259)},
    **{f"cp{n}": f"cp{n}" for n in range(1250, 1259)},
    **{f"x-cp{n}": f"cp{n}" for n in range(1250, 1259)},
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "l1": "cp1252", "ascii": "cp1252",
    "us-ascii": "cp1252", "iso_8859-1": "cp1252",
    "gbk": "gbk", "gb2312": "gbk", "x-gbk": "gbk", "gb18030": "gb18030",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs",
    "euc-jp": "euc_jp", "iso-2022-jp": "iso2022_jp", "shift_jis": "shift_jis", "sjis": "shift_jis",
    "windows-31j": "cp932", "euc-kr": "euc_kr", "ks_c_5601-1987": "euc_kr",
    "utf-16be": "utf-16-be", "utf-16le": "utf-16-le", "utf-16": "utf-16-le",
}


def text_encoding(label: Optional[str]) -> Optional[str]:
    """The Python codec for a charset label, if it is a text encoding of the WHATWG list; else None."""
    return WHATWG_ENCODINGS.get(label.strip().strip("\"'").lower()) if label else None


def decode_html(body: bytes, charset: Optional[str]) -> str:
    """Text of a page: the charset the server gives, else UTF-8, else the page's own <meta>,
    else windows-1252; only real text encodings (WHATWG list), the last resort is UTF-8 with
    replacement characters."""
    declared = EncodingDetector.find_declared_encoding(body[:4096], is_html=True)
    for encoding in dict.fromkeys(filter(None, (text_encoding(charset), "utf-8", text_encoding(declared), "cp1252"))):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return body.decode("utf-8", errors="replace")


def binary_reason(text: str) -> Optional[str]:
    """Why a decoded page is not text (NUL characters, mostly control characters), or None."""
    sample = text[:65536]
    if "\0" in sample:
        return "contenu binaire (caractères nuls), pas une page HTML : ignorée"
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r\f") + sample.count("\ufffd")
    if sample and controls > len(sample) // 10:
        return "contenu binaire ou illisible (caractères de contrôle), pas une page HTML : ignorée"
    return None


def page_title(html: str) -> Optional[str]:
    """The page's own heading (<h1>); else its <title>, without the site's name before it
    ("Artoiscast.fr - les fêtes" -> "les fêtes")."""
    soup = BeautifulSoup(html, "html.parser")
    heading = soup.find("h1")
    text = " ".join(heading.get_text(" ").split()) if heading else ""
    if not text and soup.title:
        text = re.sub(r"^[\w.-]+\.[a-z]{2,6}\s*[-–|:]\s*(?=\S)", "", " ".join(soup.title.get_text(" ").split()),
                      flags=re.I)
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
        body = response.text_body(max_bytes)
        charset, fresh = response.charset, response.validators
    digest = hashlib.sha256(body).hexdigest()
    entry.update(etag=fresh.etag, last_modified=fresh.last_modified, size=len(body))
    text = decode_html(body, charset)
    binary = binary_reason(text)
    if binary:
        raise Refused(f"{url[:200]} : {binary}")
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
