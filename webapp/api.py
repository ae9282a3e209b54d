"""JSON API: the same documents as ``artoiscast search --json``, with absolute links when the
site's address is known (BASE_URL, a trusted proxy's forwarded host, or the address `serve`
listens on - never the request's Host header), site-relative ones otherwise.

    GET /api/search?q=énergie&theme=…&mode=citations
    GET /api/recordings
    GET /api/recordings/<id>?q=…

Errors are {"error": "message en français"} with their HTTP status (see
webapp.error_response): 400 bad parameter, 404 unknown recording or address,
405 wrong method, 503 index missing, unreadable or being built, or too many expensive
requests at once (broad prefixes, exports: see SearchService; with Retry-After).
"""
from __future__ import annotations

import re

from flask import Blueprint, jsonify, request

from indexer.search import MODES, SORTS

from . import fail, search_service
from .links import absolute_url, clean_links, search_params
from .views import recording_query

bp = Blueprint("api", __name__, url_prefix="/api")

LINK_KEYS = ("link", "audio_url")


def absolute_links(data):
    """Every site-relative link of a document made absolute, so API clients can follow them;
    links a browser should not follow ("javascript:" … from the corpus) are null."""
    return _absolute(clean_links(data))


def _absolute(data):
    if isinstance(data, dict):
        return {key: absolute_url(value) if key in LINK_KEYS and isinstance(value, str) else _absolute(value)
                for key, value in data.items()}
    if isinstance(data, list):
        return [_absolute(item) for item in data]
    return data


def check_search_args(args):
    """The page corrects odd values with a notice; a program gets a clear 400 instead."""
    mode = args.get("mode")
    if mode and mode not in MODES:
        fail(400, f"Mode inconnu « {mode[:40]} » : choisissez parmi {', '.join(MODES)}.")
    sort = args.get("sort")
    if sort and sort not in SORTS:
        fail(400, f"Tri inconnu « {sort[:40]} » : choisissez parmi {', '.join(SORTS)}.")
    for name in ("page", "per_page"):
        value = args.get(name)
        if value not in (None, "") and not re.fullmatch(r"[0-9]+", value.strip()):
            fail(400, f"Le paramètre « {name} » doit être un nombre entier (reçu « {value[:40]} »).")


@bp.get("/search")
def search():
    check_search_args(request.args)
    params = search_params()
    return jsonify(absolute_links(search_service().search(params)))


@bp.get("/recordings")
def recordings():
    return jsonify({"recordings": absolute_links(search_service().recordings())})


@bp.get("/recordings/<path:rec_id>")
def recording(rec_id: str):
    data = search_service().recording(rec_id, recording_query())
    if data is None:
        fail(404, f"Aucun enregistrement « {rec_id[:80]} » dans l'index.")
    return jsonify(absolute_links(data))
