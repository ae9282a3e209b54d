"""Pages: search (results, citations, concordance), recording, and local audio.

Every page renders the search document (indexer.search) as it is; the exports
(exports.py) and the citation files (citations.py) render the same documents. Every page
works without JavaScript; the scripts in static/ only add the player's synchronisation
and the "copy" buttons.
"""
from __future__ import annotations

import math
import os
import zlib
from typing import Optional
from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template, request, send_from_directory, url_for

from indexer.corpus.manifest import local_audio_file
from indexer.links import recording_path, seconds_text
from indexer.query import clean_query
from indexer.search import CONCORDANCE_NEEDS_WORDS, FACETS, FACETS_BY_NAME, NO_VALUE, SearchParams

from . import fail, safe_url, search_service
from .citations import CITATION_FORMATS, citations, coins, reference
from .links import clean_links, export_url, search_params, search_url, site_url, parse_time_range

bp = Blueprint("views", __name__)

FACETS_SHOWN = 8  # values shown before "voir plus" in a facet
SORT_LABELS = {"relevance": "pertinence", "date": "date"}
MODE_LABELS = {"results": "Résultats", "citations": "Citations", "concordance": "Concordance"}


@bp.app_context_processor
def footer_credits() -> dict:
    """The credits of corpus.yaml, as the current index holds them (none while it is unavailable)."""
    try:
        state = search_service().snapshot().state
    except Exception:  # noqa: BLE001  (an error page must still render: no index, a broken one …)
        state = {}
    site = safe_url(state.get("site")) or ""
    site = site if site.startswith(("http://", "https://")) else ""
    return {"site_credits": {"lines": state.get("credits") or [], "site": site,
                             "site_name": urlsplit(site).netloc.removeprefix("www.") if site else ""}}

# --------------------------------------------------------------------------- search page


@bp.get("/")
def search():
    params = search_params()
    service = search_service()
    doc = clean_links(service.search(params))
    params.page = doc["page"]  # past the last page, the document is the last one (with a notice)
    needs_words = doc["needs_words"]
    if needs_words:  # said in the page's own words below, not twice
        doc["notices"] = [n for n in doc["notices"] if n != CONCORDANCE_NEEDS_WORDS]
    recordings = doc.get("recordings") or {}
    distinguish_titles(doc.get("results") or [])
    return render_template(
        "search.html",
        params=params,
        doc=doc,
        needs_words=needs_words,
        needs_words_notice=CONCORDANCE_NEEDS_WORDS,
        concordance_lines=sum(len(p.get("kwic") or []) for p in doc.get("passages") or []),
        chosen_speakers=[FACETS_BY_NAME["speaker"].page_label(v) for v in params.filters.get("speaker", [])],
        chosen_interviewers=[v for v in params.filters.get("speaker", []) if v in service.snapshot().interviewers],
        facets=facet_panels(params, doc),
        chips=active_filters(params),
        clear_filters_url=search_url(params, page=1, **{name: [] for name in params.filters}),
        pages=pagination(params, doc),
        recordings=recordings,
        citations=citations(doc, recordings) if params.mode == "citations" else [],
        modes=[(mode, label, search_url(params, mode=mode, page=1)) for mode, label in MODE_LABELS.items()],
        sorts=[(sort, label, search_url(params, sort=sort, page=1)) for sort, label in SORT_LABELS.items()
               if params.q.strip() or sort == "date"],
        export_csv=export_url(params, "csv"),
        export_excel=export_url(params, "csv", sep="semicolon"),
        export_json=export_url(params, "json"),
        search_url=lambda **changes: search_url(params, **changes),
        browsing=not params.q.strip() and not params.filters,
    )


def distinguish_titles(results: list[dict]):
    """Results sharing a title (four "LLV – afterwork-cybersécurité") get what tells them
    apart in their heading: the people interviewed, else the kind of text."""
    titles = [r["recording"]["title"] for r in results]
    for result in results:
        rec = result["recording"]
        if titles.count(rec["title"]) > 1:
            guests = [s["name"] for s in rec["speakers"] if not s["interviewer"]]
            result["distinct"] = ", ".join(guests) or (FACETS_BY_NAME["kind"].page_label(rec["kind"])
                                                       if rec.get("kind") else None)


def facet_panels(params: SearchParams, doc: dict) -> list[dict]:
    panels = []
    for facet in FACETS:
        name = facet.name
        values = list(doc["facets"].get(name) or [])
        active = params.filters.get(name, [])
        # A chosen value that no longer matches anything stays listed, so it can be unticked.
        listed = {v["value"] for v in values}
        values += [{"value": v, "count": 0, "label": facet.display(v)} for v in active if v not in listed]
        if not values:
            continue
        top = max(v["count"] for v in values) or 1
        items = []
        for value in values:
            selected = value["value"] in active
            changed = [v for v in active if v != value["value"]] if selected else [*active, value["value"]]
            anchor = facet_anchor(name, value["value"])
            items.append({
                "value": value["value"],
                "id": anchor,
                "label": facet.page_label(value["value"]),
                "interviewer": bool(value.get("interviewer")),
                "missing": value["value"] == NO_VALUE,
                "count": value["count"],
                "units": facet.count_units(value["value"], value["count"]),
                "selected": selected,
                # The fragment brings the keyboard (and the eye) back to the filter just used.
                "url": search_url(params, page=1, **{name: changed}) + "#" + anchor,
                # Bar widths in steps of 5 % through CSS classes: no inline style (CSP).
                "bar": 0 if not value["count"] else max(5, 5 * math.ceil(20 * value["count"] / top)),
            })
        hidden_selected = any(item["selected"] for item in items[FACETS_SHOWN:])
        panels.append({"name": name, "label": facet.label, "items": items,
                       "active": bool(active), "open_more": hidden_selected})
    return panels


def facet_anchor(name: str, value: str) -> str:
    """A stable id for a facet value's link, whatever characters the value has."""
    return f"f-{name}-{zlib.crc32(value.encode('utf-8')):08x}"


def active_filters(params: SearchParams) -> list[dict]:
    chips = []
    for facet in FACETS:
        for value in params.filters.get(facet.name, []):
            remaining = [v for v in params.filters[facet.name] if v != value]
            chips.append({"facet": facet.label, "label": facet.page_label(value),
                          "url": search_url(params, page=1, **{facet.name: remaining})})
    return chips


def pagination(params: SearchParams, doc: dict) -> list[Optional[dict]]:
    """Page links around the current page, first and last always; None marks a gap."""
    last = doc["pages"]
    if last <= 1:
        return []
    shown = sorted({1, last, *range(max(1, params.page - 2), min(last, params.page + 2) + 1)})
    items: list[Optional[dict]] = []
    for number in shown:
        if items and items[-1] and number - items[-1]["number"] > 1:
            items.append(None)
        items.append({"number": number, "url": search_url(params, page=number), "current": number == params.page})
    return items

# --------------------------------------------------------------------------- recording page


@bp.get("/enregistrement/<path:rec_id>")
def recording(rec_id: str):
    q = recording_query()
    rec = clean_links(search_service().recording(rec_id, q))
    if rec is None:
        fail(404, f"Aucun enregistrement « {rec_id[:80]} » dans l'index. Il a peut-être été renommé "
                  f"lors de la dernière indexation : cherchez-le depuis la page de recherche.")
    start, end = parse_time_range(request.args.get("t"))
    passages = rec["passages"]
    verbatim = [p for p in passages if p["verbatim"]]
    editorial = [p for p in passages if not p["verbatim"]]
    timed = [p for p in verbatim if p["start"] is not None]
    duration = max((p["end"] or p["start"] for p in timed), default=0.0)
    hits = set(rec["hits"])
    current = None
    if start is not None:
        current = next((p["n"] for p in timed if p["start"] <= start < (p["end"] or p["start"])), None)
        if current is None:
            before = [p for p in timed if p["start"] <= start]
            current = before[-1]["n"] if before else None
    audio_src = site_url(rec["audio_url"])
    if audio_src and start is not None:
        # A media fragment: the browser starts there even without JavaScript.
        # (Its end is left to player.js, which stops there once: a fragment end would stop every replay.)
        audio_src += f"#t={seconds_text(start)}"
    return render_template(
        "recording.html",
        rec=rec,
        q=q,
        start=start,
        end=end,
        verbatim=verbatim,
        editorial=editorial,
        hits=hits,
        hit_passages=[p for p in passages if p["n"] in hits],
        timeline=timeline(timed, hits, duration),
        duration=duration,
        current=current,
        audio_src=audio_src,
        seek_url=lambda p, at=None: seek_url(rec["id"], p, q, at),
        seconds_text=seconds_text,
        back_url=url_for("views.search", q=q) if q else None,
        ref=reference(rec, start),
        coins=coins(reference(rec, start)),
        # Opened at a moment (?t=, a link to the words found): the citation files point there too.
        cite_urls={fmt: url_for("citations.cite", fmt=fmt, rec_id=rec["id"],
                                t=seconds_text(start) if start is not None else None)
                   for fmt in CITATION_FORMATS},
    )


def recording_query() -> str:
    """?q= of a recording page, read as every search reads its query (clean_query)."""
    return " ".join(clean_query(request.args.get("q", ""))[0].split())


def seek_url(rec_id: str, passage: dict, q: str, at: Optional[float] = None) -> str:
    """Reload at this passage, or at ``at`` in it (no JavaScript); with JavaScript the click just seeks."""
    start = at if at is not None else passage["start"]
    return site_url(recording_path(rec_id, start, passage["end"], q, anchor=f"p{passage['n']}"))


def timeline(timed: list[dict], hits: set[int], duration: float) -> list[dict]:
    """Marks of the passages matching the query, in a 0-1000 SVG viewBox."""
    if not duration:
        return []
    marks = []
    for p in timed:
        if p["n"] not in hits:
            continue
        x = 1000 * p["start"] / duration
        width = max(6.0, 1000 * ((p["end"] or p["start"]) - p["start"]) / duration)
        marks.append({"passage": p, "x": round(min(x, 994.0), 1), "width": round(min(width, 1000 - x), 1)})
    return marks

# --------------------------------------------------------------------------- audio


@bp.get("/audio/<path:filename>")
def audio(filename: str):
    """Local audio, with HTTP Range requests (206) so browsers can seek.

    Nothing outside CORPUS_DIR/audio is served, however the path is written or
    encoded (../, %2e%2e, absolute paths → 404): send_from_directory joins safely,
    and a symbolic link inside the folder that points outside it is refused too
    (the file's real path must be inside the folder's real path).
    """
    audio_dir = os.path.realpath(os.path.join(current_app.config["CORPUS_DIR"], "audio"))
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in filename):
        fail(404, "Aucun fichier audio à cette adresse.")
    target = os.path.realpath(os.path.join(audio_dir, filename))
    if os.path.commonpath([audio_dir, target]) != audio_dir or not os.path.isfile(target):
        fail(404, "Aucun fichier audio à cette adresse.")
    if local_audio_file(current_app.config["CORPUS_DIR"], filename) is None:  # audio/ itself a link out
        fail(404, "Aucun fichier audio à cette adresse.")
    return send_from_directory(audio_dir, filename, conditional=True, max_age=3600)
