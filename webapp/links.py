"""Links as the web app writes them: safe, below the app's mount point, absolute when the
site's address is known, and the URL of a search (its whole state) with changes."""
from __future__ import annotations

import math
import re
from typing import Optional
from urllib.parse import quote, urlencode

from flask import request, url_for

from indexer.search import SearchParams

from . import link_base, safe_url, search_service


ONE_QUOTED_PHRASE = re.compile(r'^\s*(?:"([^"]*)"|«\s*([^«»]*?)\s*»|“([^“”]*)”)\s*$')


def in_guillemets(query: str) -> str:
    """A query as the page quotes it: « énergie solaire »; a query that is one quoted
    phrase already is quoted once (« pompe à chaleur », not « « pompe à chaleur » »)."""
    match = ONE_QUOTED_PHRASE.match(query or "")
    inner = next((g for g in match.groups() if g is not None), "") if match else query
    return f"« {inner.strip()} »"


SECTION_WORDS = 8  # words of the link's text a page link points at


def page_section_url(recording: dict) -> Optional[str]:
    """The recording's place on its artoiscast.fr page, not the top of a long page: a text
    fragment (#:~:text=, which Chromium, Safari and Firefox follow) on the words of its own
    "écouter …" link, when no other link of the page holds the same words (three "écouter" in
    one section, or "écouter le reportage" inside "écouter le reportage de …"); the page otherwise."""
    url = safe_url(recording.get("page_url"))
    snap = search_service().snapshot()
    stored = snap.recordings.get(recording.get("id")) or {}
    words = link_words(stored)
    if not url or "#" in url or not words:
        return url
    links_of_page = snap.cached(("link texts per page",), lambda: _link_texts_per_page(snap.recordings.values()))
    if sum(f" {words} " in f" {other} " for other in links_of_page.get(stored.get("page_url"), ())) != 1:
        return url
    # "-", "," and "&" have a meaning in a text directive: encoded like the rest.
    return f"{url}#:~:text={quote(words, safe='').replace('-', '%2D')}"


def link_words(rec: dict) -> str:
    return " ".join((rec.get("link_text") or "").split()[:SECTION_WORDS])


def _link_texts_per_page(recordings) -> dict[str, list[str]]:
    pages: dict[str, list[str]] = {}
    for rec in recordings:
        if rec.get("link_text"):
            pages.setdefault(rec.get("page_url"), []).append(" ".join(rec["link_text"].split()))
    return pages


def site_url(link: Optional[str]) -> Optional[str]:
    """A link from the service ("/enregistrement/…", "/audio/…") as seen from this request
    (the app may be mounted below a prefix); other links are returned as they are if
    http(s), and as None if a browser should not follow them (see safe_url)."""
    link = safe_url(link)
    if link and link.startswith("/"):
        return request.script_root + link
    return link


URL_KEYS = ("link", "audio_url", "source_audio_url", "page_url")


def clean_links(data):
    """A service document with every link a browser could run ("javascript:" …) removed.

    A recording whose only audio was such a link is no longer said to have audio here."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            out[key] = safe_url(value) if key in URL_KEYS and value is not None else clean_links(value)
        if out.get("has_audio") and "audio_url" in out and not out["audio_url"]:
            out["has_audio"] = False
        return out
    if isinstance(data, list):
        return [clean_links(item) for item in data]
    return data


def absolute_url(link: Optional[str]) -> Optional[str]:
    """The same link, absolute when the site's address is known (see webapp.link_base),
    never from the request's Host header; else as it is (site-relative)."""
    if not link or not link.startswith("/"):
        return link
    return link_base() + link


def search_url(params: SearchParams, **changes) -> str:
    pairs = params.url_args(**changes)
    return url_for("views.search") + ("?" + urlencode(pairs) if pairs else "")


def export_url(params: SearchParams, fmt: str, **extra) -> str:
    pairs = params.url_args(page=1, per_page=10) + list(extra.items())
    return url_for(f"exports.{fmt}") + ("?" + urlencode(pairs) if pairs else "")


def parse_time_range(value: Optional[str]) -> tuple[Optional[float], Optional[float]]:
    """"t=83", "t=83.5,120" or "t=1:23" -> (start, end); anything odd is ignored."""
    if not value:
        return None, None
    first, _, second = value.partition(",")
    start, end = parse_seconds(first), parse_seconds(second)
    if start is None:
        return None, None
    if end is not None and end <= start:
        end = None
    return start, end


def parse_seconds(text: str) -> Optional[float]:
    text = text.strip()
    if not re.fullmatch(r"(\d{1,2}:){0,2}\d{1,6}(\.\d+)?", text):
        return None
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds if math.isfinite(seconds) else None


def search_params(args=None) -> SearchParams:
    """The search a request asks for (its query cleaned and cut once, by SearchParams)."""
    return SearchParams.from_args(request.args if args is None else args)
