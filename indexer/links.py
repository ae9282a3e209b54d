"""The one way a link to a recording is written, and how times are shown.

    recording_path("puits-12", 83.5, 120, q="terril")  ->  /enregistrement/puits-12?t=83.5,120&q=terril

The search service prefixes it with the site's address when it knows it; the web app with
the path it is mounted at. The comma of ``t=`` stays as it is, so that a cited link is readable.
"""
from __future__ import annotations

from typing import Optional
from urllib.parse import quote, urlencode


def recording_path(rec_id: str, start: Optional[float] = None, end: Optional[float] = None, q: str = "",
                   anchor: str = "") -> str:
    """/enregistrement/<id>?t=22,36&q=…#anchor: the recording's page, opened at ``start``."""
    args = []
    if start is not None:
        args.append(("t", seconds_text(start) + ("," + seconds_text(end) if end is not None else "")))
    if q:
        args.append(("q", q))
    path = "/enregistrement/" + quote(rec_id, safe="")
    return path + ("?" + urlencode(args, safe=",") if args else "") + (f"#{anchor}" if anchor else "")


def audio_path(filename: str) -> str:
    """/audio/<file>: a local audio file of the corpus, served with Range requests."""
    return "/audio/" + quote(filename)


def seconds_text(value: float) -> str:
    """83.5, 120: seconds as a link writes them (at most milliseconds, no trailing zeros)."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def timecode(seconds: Optional[float]) -> str:
    """12:34 or 1:02:03."""
    if seconds is None:
        return ""
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
