"""Pages: search (results, citations, concordance), recording, exports and local audio.

Every page works without JavaScript; the scripts in static/ only add the
player's synchronisation and the "copy" buttons.
"""
from __future__ import annotations

import csv
import io
import math
import os
import re
import time
import zlib
from typing import Optional
from urllib.parse import quote, urlencode, urlsplit

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory, url_for
from unidecode import unidecode
from werkzeug.datastructures import MultiDict

from indexer.corpus.manifest import local_audio_file
from indexer.query import MAX_QUERY_CHARS, cut_query
from indexer.search import CONCORDANCE_NEEDS_WORDS, FACETS_BY_NAME, MAX_EXPORT, NO_VALUE, SearchParams, timecode

from . import clean_text, fail, link_base, safe_url, search_service

bp = Blueprint("views", __name__)

# The order a student reads the facets in (the service's FACETS order is the index's).
FACET_ORDER = ["theme", "speaker", "organisation", "place", "year", "type", "audio", "kind"]
FACETS_SHOWN = 8  # values shown before "voir plus" in a facet
SORT_LABELS = {"relevance": "pertinence", "date": "date"}
MODE_LABELS = {"results": "Résultats", "citations": "Citations", "concordance": "Concordance"}


# --------------------------------------------------------------------------- links


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


def recording_url(rec_id: str, start: Optional[float] = None, end: Optional[float] = None, q: str = "",
                  anchor: str = "") -> str:
    """/enregistrement/<id>?t=22,36&q=… as a site path (see site_url, absolute_url); the comma is
    left as it is, so that a cited link stays readable."""
    args = []
    if start is not None:
        args.append("t=" + seconds_text(start) + (f",{seconds_text(end)}" if end is not None else ""))
    if q:
        args.append(urlencode({"q": q}))
    path = "/enregistrement/" + quote(rec_id, safe="")
    return path + ("?" + "&".join(args) if args else "") + (f"#{anchor}" if anchor else "")


def search_url(params: SearchParams, **changes) -> str:
    pairs = params.url_args(**changes)
    return url_for("views.search") + ("?" + urlencode(pairs) if pairs else "")


def export_url(params: SearchParams, fmt: str, **extra) -> str:
    pairs = params.url_args(page=1, per_page=10) + list(extra.items())
    return url_for(f"views.export_{fmt}") + ("?" + urlencode(pairs) if pairs else "")


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


def search_args(args) -> tuple[MultiDict, list[str]]:
    """The request's arguments with the query made printable and cut to the parser's length,
    so that a huge query is neither echoed nor copied into every link of the page."""
    args = MultiDict(args)
    notices = []
    q = clean_text(args.get("q", ""))
    if len(q) > MAX_QUERY_CHARS:
        q = " ".join(q.split())
        if len(q) > MAX_QUERY_CHARS:
            q = cut_query(q)  # between words, no dangling OR: the page and its exports read the same query
            notices.append(f"La recherche a été coupée à {MAX_QUERY_CHARS} caractères.")
    if "q" in args:
        args.setlist("q", [q])
    return args, notices


def search_params(args=None) -> SearchParams:
    args, notices = search_args(request.args if args is None else args)
    params = SearchParams.from_args(args)
    params.notices[:0] = notices
    return params


@bp.get("/")
def search():
    params = search_params()
    service = search_service()
    doc = clean_links(service.search(params))
    params.page = doc["page"]  # past the last page, the service answers the last one (with a notice)
    needs_words = doc["needs_words"]
    if needs_words:  # said in the page's own words below, not twice
        doc["notices"] = [n for n in doc["notices"] if n != CONCORDANCE_NEEDS_WORDS]
    recordings = recordings_of(doc.get("passages") or [])
    distinguish_titles(doc.get("results") or [])
    return render_template(
        "search.html",
        params=params,
        doc=doc,
        needs_words=needs_words,
        needs_words_notice=CONCORDANCE_NEEDS_WORDS,
        concordance_lines=sum(len(p.get("kwic") or []) for p in doc.get("passages") or []),
        chosen_speakers=[facet_label("speaker", v) for v in params.filters.get("speaker", [])],
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
            result["distinct"] = ", ".join(guests) or facet_label("kind", rec.get("kind") or "") or None


def facet_panels(params: SearchParams, doc: dict) -> list[dict]:
    panels = []
    for name in FACET_ORDER:
        facet = FACETS_BY_NAME[name]
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
                "label": facet_label(name, value["label"]),
                "interviewer": bool(value.get("interviewer")),
                "missing": value["value"] == NO_VALUE,
                "count": value["count"],
                "units": facet_count_units(name, value["value"], value["count"]),
                "selected": selected,
                # The fragment brings the keyboard (and the eye) back to the filter just used.
                "url": search_url(params, page=1, **{name: changed}) + "#" + anchor,
                # Bar widths in steps of 5 % through CSS classes: no inline style (CSP).
                "bar": 0 if not value["count"] else max(5, 5 * math.ceil(20 * value["count"] / top)),
            })
        hidden_selected = any(item["selected"] for item in items[FACETS_SHOWN:])
        panels.append({"name": name, "label": facet_heading(name, facet.label), "items": items,
                       "active": bool(active), "open_more": hidden_selected})
    return panels


def facet_count_units(name: str, value: str, count: int) -> str:
    """What a facet count counts, read after it by screen readers: facets count recordings and
    site texts alike; speakers and genres other than the site's texts are recordings only."""
    plural = count > 1
    if name == "kind" and value == "texte de la page":
        return "textes du site" if plural else "texte du site"
    if name in ("kind", "speaker"):
        return "enregistrements" if plural else "enregistrement"
    return "résultats (enregistrements ou textes du site)" if plural else "résultat (enregistrement ou texte du site)"


def facet_anchor(name: str, value: str) -> str:
    """A stable id for a facet value's link, whatever characters the value has."""
    return f"f-{name}-{zlib.crc32(value.encode('utf-8')):08x}"


def facet_heading(name: str, label: str) -> str:
    return {"type": "Type de texte", "kind": "Genre"}.get(name, label)


def facet_label(name: str, label: str) -> str:
    if name == "audio":
        return {"oui": "Avec audio", "non": "Sans audio"}.get(label, label)
    if name == "type":
        return {"transcription (verbatim)": "Transcription (verbatim)",
                "résumé, présentation": "Résumé, présentation"}.get(label, label)
    if name == "kind" and label == "texte de la page":
        return "Texte du site (pas un enregistrement)"
    return label[:1].upper() + label[1:] if name == "kind" else label


def active_filters(params: SearchParams) -> list[dict]:
    chips = []
    for name in FACET_ORDER:
        facet = FACETS_BY_NAME[name]
        for value in params.filters.get(name, []):
            remaining = [v for v in params.filters[name] if v != value]
            chips.append({"facet": facet_heading(name, facet.label), "label": facet_label(name, facet.display(value)),
                          "url": search_url(params, page=1, **{name: remaining})})
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


def recordings_of(passages: list[dict]) -> dict[str, dict]:
    """The recordings of passage-level results (citations, concordance), by id."""
    service = search_service()
    known = service.snapshot().recordings
    return {rec_id: clean_links(service.recording_json(known[rec_id]))
            for rec_id in dict.fromkeys(p["recording_id"] for p in passages) if rec_id in known}


# --------------------------------------------------------------------------- citations


def approximate_names_note(passage: dict) -> Optional[str]:
    """The known names speech recognition misspelled in the passage, for exports (the text stays as heard)."""
    notes = [f"nom reconnu approximativement : {a['name']} (entendu « {a['heard']} »)"
             for a in passage.get("approximate_names") or []]
    return " ; ".join(notes) or None


def automatic_note(passage: dict) -> Optional[str]:
    """How a passage from speech recognition is labelled wherever it is quoted; None otherwise."""
    info = passage.get("automatic")
    if not info:
        return None
    return "transcription automatique non relue (" + ", ".join(filter(None, [info.get("model"), info.get("date")])) + ")"


def attribution_note(passage: dict) -> Optional[str]:
    """How a speaker named by voice (not by a person) is labelled wherever it is quoted; None otherwise."""
    found = passage.get("speaker_attribution")
    if not found:
        return None
    return f"locuteur attribué automatiquement d'après sa voix (confiance {found['confidence']:.0%})".replace("%", " %")


def citation_text(passage: dict, recording: dict) -> str:
    """« words » — Name, role, « title », artoiscast.fr, date, à mm:ss, link
    (an automatic passage: « locuteur non identifié » and its provenance; never a guessed name)"""
    words = " ".join((passage.get("text") or "").split())
    at = passage_at(passage)  # the second of the words quoted, not of the passage start
    link = absolute_url(recording_url(passage["recording_id"], at, passage.get("end")))
    parts = [
        passage.get("speaker") or ("locuteur non identifié" if passage.get("automatic") else None),
        passage.get("speaker_role"),
        f"« {recording['title']} »",
        "artoiscast.fr",
        recording.get("date_label") or recording.get("date"),
        f"à {timecode(at)}" if at is not None else None,
        link,
        automatic_note(passage),
        attribution_note(passage),
        approximate_names_note(passage),
    ]
    return f"« {words} » — " + ", ".join(p for p in parts if p)


def passage_at(passage: dict) -> Optional[float]:
    """Where a passage's links open the audio: its first word found ("at", see
    indexer/anchors.py), else its start."""
    return passage["at"] if passage.get("at") is not None else passage.get("start")


def citations(doc: dict, recordings: dict[str, dict]) -> list[dict]:
    out = []
    for passage in doc.get("passages") or []:
        recording = recordings.get(passage["recording_id"])
        # Only words actually spoken are offered as quotations, never a summary.
        if recording is None or not passage.get("verbatim"):
            continue
        out.append({"passage": passage, "recording": recording, "text": citation_text(passage, recording)})
    return out


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
        cite_urls={fmt: url_for("views.cite", fmt=fmt, rec_id=rec["id"],
                                t=seconds_text(start) if start is not None else None)
                   for fmt in CITATION_FORMATS},
    )


def recording_query() -> str:
    """?q= of a recording page: printable, at most MAX_QUERY_CHARS."""
    return " ".join(clean_text(request.args.get("q", "")[:4 * MAX_QUERY_CHARS]).split())[:MAX_QUERY_CHARS]


def seek_url(rec_id: str, passage: dict, q: str, at: Optional[float] = None) -> str:
    """Reload at this passage, or at ``at`` in it (no JavaScript); with JavaScript the click just seeks."""
    start = at if at is not None else passage["start"]
    return site_url(recording_url(rec_id, start, passage["end"], q, anchor=f"p{passage['n']}"))


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


def seconds_text(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- exports


# The JSON export's keys (stable, documented in README.md) and the CSV's French headers.
EXPORT_HEADERS = {
    "recording_id": "identifiant", "title": "titre", "speaker": "locuteur", "role": "rôle",
    "speaker_attribution": "attribution du locuteur", "start": "début (s)", "end": "fin (s)",
    "at": "mots à (s)", "verbatim": "nature", "label": "libellé", "date": "date", "theme": "thème",
    "text": "texte", "left": "contexte gauche", "match": "occurrence", "right": "contexte droit",
    "link": "lien", "automatic": "provenance", "approximate_names": "noms approximatifs",
}
# Every row says whether it is speech or the site's words, and where it comes from.
EXPORT_COLUMNS = ["recording_id", "title", "speaker", "role", "speaker_attribution", "start", "end", "at", "verbatim",
                  "label", "date", "theme", "text", "link", "automatic", "approximate_names"]
CONCORDANCE_COLUMNS = ["recording_id", "title", "speaker", "role", "speaker_attribution", "start", "end", "at",
                       "verbatim", "label", "left", "match", "right", "date", "link", "automatic",
                       "approximate_names"]


def export_columns(params: SearchParams) -> list[str]:
    return CONCORDANCE_COLUMNS if params.mode == "concordance" else EXPORT_COLUMNS


def export_rows(params: SearchParams) -> list[dict]:
    """One row per passage; in concordance mode, one row per occurrence (left context, match, right context)."""
    service = search_service()
    passages = clean_links(service.export(params))
    recordings = recordings_of(passages)
    if params.mode == "concordance":
        return concordance_rows(passages, recordings)
    return [{**passage_cells(p, recordings.get(p["recording_id"], {})),
             "theme": recordings.get(p["recording_id"], {}).get("theme"),
             "text": p.get("text")}
            for p in passages]


def concordance_rows(passages: list[dict], recordings: dict[str, dict]) -> list[dict]:
    """One row per occurrence: the passage's cells and the occurrence's contexts."""
    return [{**passage_cells(p, recordings.get(p["recording_id"], {})),
             "at": line.get("at"), "link": absolute_url(line["link"]) if line.get("link") else None,
             "left": line["left"], "match": line["match"], "right": line["right"]}
            for p in passages for line in p.get("kwic") or []]


def passage_cells(p: dict, rec: dict) -> dict:
    """The cells every export row has (their order is the columns' lists above)."""
    return {
        "recording_id": p["recording_id"],
        "title": rec.get("title"),
        "speaker": p.get("speaker"),
        "role": p.get("speaker_role"),
        "speaker_attribution": attribution_note(p),
        "start": p.get("start"),
        "end": p.get("end"),
        "at": passage_at(p),
        "verbatim": bool(p.get("verbatim")),
        "label": p.get("label"),
        "date": rec.get("date"),
        "link": absolute_url(p.get("link")) if p.get("link") else None,
        "automatic": automatic_note(p),
        "approximate_names": approximate_names_note(p),
    }


def provenance(row: dict) -> str:
    """Where a row's words come from, said in every CSV row (the JSON's "automatic" is null
    unless speech recognition wrote them)."""
    if row.get("automatic"):
        return row["automatic"]
    return "transcription du corpus" if row.get("verbatim") else "texte du site"


def csv_value(row: dict, column: str):
    """A cell of the CSV exports, in the values' French."""
    if column == "verbatim":
        return "verbatim" if row["verbatim"] else "éditorial"
    if column == "automatic":
        return provenance(row)
    return row[column]


def export_filename(params: SearchParams, extension: str, variant: str = "") -> str:
    """artoiscast-energie.csv, artoiscast-energie-excel.csv …: the variants of one export do not
    overwrite each other in a downloads folder."""
    slug = re.sub(r"[^a-z0-9]+", "-", unidecode(params.q).lower()).strip("-")[:40]
    mode = "" if params.mode == "results" else f"-{params.mode}"
    return f"artoiscast-{slug or 'tout'}{mode}{variant}.{extension}"


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (int, float)):
        return seconds_text(value)
    return str(value)


# What Excel would run as a formula (OWASP, "CSV injection"): = + @, a tab or a carriage
# return first, or "-" before a digit or an operator ("-2+3", "-=…"). "- oui" or "-solaire",
# dialogue dashes and words, are text, and stay as written (no stray apostrophe shown).
FORMULA_START = re.compile(r"[=+@\t\r]|-[\d=+\-*/@(.,]")


def spreadsheet_safe(value) -> str:
    """A cell Excel shows as text. Only for the Excel variant: the plain CSV keeps the
    data exactly as it is."""
    text = cell_text(value)
    return "'" + text if FORMULA_START.match(text) else text


@bp.get("/export.csv")
def export_csv():
    """Comma-separated; with sep=semicolon, as a French Excel opens it by a double click."""
    params = search_params()
    rows = export_rows(params)
    out = io.StringIO()
    out.write("\ufeff")  # the BOM tells Excel the file is UTF-8, so accents survive
    excel = request.args.get("sep") in ("semicolon", ";")
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n")
    columns = export_columns(params)
    cell = spreadsheet_safe if excel else cell_text
    writer.writerow([EXPORT_HEADERS[column] for column in columns])
    for row in rows:
        writer.writerow([cell(csv_value(row, column)) for column in columns])
    filename = export_filename(params, "csv", "-excel" if excel else "")
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Content-Type": "text/csv; charset=utf-8"})


@bp.get("/export.json")
def export_json():
    params = search_params()
    rows = export_rows(params)
    document = {
        "query": params.q,
        "filters": params.filters,
        "mode": params.mode,
        "sort": params.sort,
        "count": len(rows),
        "truncated": len(rows) >= MAX_EXPORT,
        "columns": export_columns(params),
        "column_labels": {column: EXPORT_HEADERS[column] for column in export_columns(params)},
        # a concordance's rows are occurrences (several in one passage), the others passages
        "occurrences" if params.mode == "concordance" else "passages": rows,
    }
    response = current_app.json.response(document)
    response.headers["Content-Disposition"] = f'attachment; filename="{export_filename(params, "json")}"'
    return response


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


# --------------------------------------------------------------------------- cite a recording
# A recording's reference in the formats reference managers import (RIS, BibTeX,
# CSL-JSON), and embedded in its page (Dublin Core meta tags and COinS) so that
# Zotero's browser connector sees it: author = the people interviewed.

CITATION_FORMATS = {
    "ris": ("application/x-research-info-systems", "ris"),
    "bib": ("application/x-bibtex", "bib"),
    "json": ("application/vnd.citationstyles.csl+json", "json"),
}
PUBLISHER = "artoiscast.fr"


# A speaker's name starting with one of these is a group, cited whole ("L'équipe de l'ESAD").
COLLECTIVE_WORDS = {"equipe", "collectif", "service", "association", "ville", "mairie", "direction", "eleves",
                    "etudiants", "classe", "groupe", "ensemble", "compagnie", "club", "comite", "conseil"}
# French genres for the corpus' kinds that are English words (CSL's genre is printed as is).
GENRES = {"interview": "entretien", "texte de la page": "texte du site"}


def is_corporate(name: str, organisation: Optional[str] = None) -> bool:
    """An organisation, or a group of people, as author: cited whole, never split into
    given and family names ("L'équipe de l'ESAD" is not "l'ESAD, L'équipe de")."""
    words = [w for w in re.split(r"[\s'’]+", unidecode(name).lower()) if w]
    if not words:
        return False
    first = words[1] if len(words) > 1 and words[0] in ("l", "d") else words[0]
    org = unidecode(organisation or "").lower().strip()
    return first in COLLECTIVE_WORDS or bool(org and re.search(rf"(?<!\w){re.escape(org)}(?!\w)",
                                                               unidecode(name).lower()))


def person_parts(name: str, corporate: bool = False) -> dict:
    """CSL name: "Vincent Vanherpe" -> given Vincent, family Vanherpe; one word, or a group, stays literal."""
    words = name.split()
    if len(words) < 2 or corporate:
        return {"literal": name}
    return {"family": words[-1], "given": " ".join(words[:-1])}


def inverted_name(name: str, corporate: bool = False) -> str:
    """"Vanherpe, Vincent", as RIS and BibTeX write authors; a group whole ("L'équipe de l'ESAD",
    which callers mark as corporate in their format)."""
    parts = person_parts(name, corporate)
    return f"{parts['family']}, {parts['given']}" if "family" in parts else name


def reference(rec: dict, at: Optional[float] = None) -> dict:
    """What every format says about a recording; its URL opens the audio at ``at`` (the
    words cited) when given."""
    guests = [s["name"] for s in rec["speakers"] if not s["interviewer"]]
    interviewers = [s["name"] for s in rec["speakers"] if s["interviewer"]]
    corporate = {s["name"] for s in rec["speakers"] if is_corporate(s["name"], s.get("organisation"))}
    kind = rec.get("kind") or ""
    date_parts = [int(p) for p in (rec.get("date") or "").split("-") if p.isdigit()]
    return {
        "id": rec["id"],
        "title": rec["title"],
        "authors": guests,
        "interviewers": interviewers,
        "corporate": corporate,
        "date": rec.get("date") or "",
        "date_parts": date_parts,
        # a site text belongs to no recording: it is cited as a web page
        "kind": {"video": "video", "audio": "audio"}.get(rec.get("media") or "", "page"),
        "genre": GENRES.get(kind.lower(), kind).capitalize(),
        "url": absolute_url(recording_url(rec["id"], at)),
        "source": safe_page_url(rec),
        "accessed": time.strftime("%Y-%m-%d", time.gmtime()),
        "theme": rec.get("theme") or "",
    }


def safe_page_url(rec: dict) -> str:
    url = rec.get("page_url")
    return url if url and url.startswith(("http://", "https://")) else ""


def ris_name(name: str, ref: dict) -> str:
    """An author in RIS: "Family, Given"; a group whole, with the trailing comma that marks a
    corporate author for EndNote and Zotero."""
    return name + "," if name in ref["corporate"] else inverted_name(name)


def ris(ref: dict) -> str:
    lines = [("TY", {"audio": "SOUND", "video": "VIDEO"}.get(ref["kind"], "ELEC")), ("TI", ref["title"])]
    lines += [("AU", ris_name(n, ref)) for n in ref["authors"]]
    lines += [("A2", ris_name(n, ref)) for n in ref["interviewers"]]
    if ref["date_parts"]:
        lines.append(("PY", str(ref["date_parts"][0])))
        lines.append(("DA", "/".join(f"{p:02d}" for p in ref["date_parts"])))
    lines += [("PB", PUBLISHER), ("UR", ref["url"]), ("Y2", ref["accessed"].replace("-", "/")),
              ("M3", ref["genre"] or "Entretien")]
    if ref["source"]:
        lines.append(("N1", f"Source : {ref['source']}"))
    lines.append(("ER", ""))
    # One line per tag: a line break inside a value would start a new (wrong) tag.
    return "\r\n".join(f"{tag}  - {' '.join(value.split())}".rstrip() for tag, value in lines) + "\r\n"


BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")


def bibtex_text(value: str) -> str:
    return BIBTEX_SPECIAL.sub(lambda m: "\\" + m.group(1) if m.group(1) not in "\\^~" else " ", " ".join(value.split()))


def bibtex_name(name: str, ref: dict) -> str:
    """An author in BibTeX: "Family, Given"; a group in braces, which BibTeX never splits."""
    return "{" + bibtex_text(name) + "}" if name in ref["corporate"] else bibtex_text(inverted_name(name))


MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def bibtex(ref: dict) -> str:
    """@misc with classic BibTeX fields (howpublished, year, month, note with the access date),
    which every style reads, and biblatex's (date, url, urldate) beside them."""
    key = re.sub(r"[^A-Za-z0-9]+", "-", unidecode(ref["id"])).strip("-")[:60] or "enregistrement"
    medium = {"video": "Enregistrement vidéo", "audio": "Enregistrement audio"}.get(ref["kind"], "Page web")
    fields = [("title", "{" + bibtex_text(ref["title"]) + "}"),
              ("author", " and ".join(bibtex_name(n, ref) for n in ref["authors"])),
              ("howpublished", medium + (f", {bibtex_text(ref['genre'].lower())}" if ref["genre"] else "")),
              ("publisher", PUBLISHER)]
    if ref["date_parts"]:
        fields += [("year", str(ref["date_parts"][0])), ("date", ref["date"])]
        if len(ref["date_parts"]) > 1 and 1 <= ref["date_parts"][1] <= 12:
            fields.append(("month", MONTHS[ref["date_parts"][1] - 1]))
    notes = []
    if ref["interviewers"]:
        notes.append("Entretien mené par " + bibtex_text(", ".join(ref["interviewers"])))
    notes.append(f"consulté le {ref['accessed']}")
    fields.append(("note", " ; ".join(notes)))
    fields += [("url", ref["url"]), ("urldate", ref["accessed"])]
    # month is a macro (jan, feb …): unbraced, as BibTeX styles expect it
    body = ",\n".join(f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
                      for name, value in fields if value)
    return f"@misc{{artoiscast-{key},\n{body}\n}}\n"


def csl_json(ref: dict) -> list[dict]:
    item = {
        "id": ref["id"],
        "type": "webpage" if ref["kind"] == "page" else "interview",
        "title": ref["title"],
        "author": [person_parts(n, n in ref["corporate"]) for n in ref["authors"]],
        "interviewer": [person_parts(n, n in ref["corporate"]) for n in ref["interviewers"]],
        "publisher": PUBLISHER,
        "container-title": PUBLISHER,
        "medium": {"video": "enregistrement vidéo", "audio": "enregistrement audio"}.get(ref["kind"], "page web"),
        "genre": ref["genre"] or "Entretien",
        "URL": ref["url"],
        "accessed": {"date-parts": [[int(p) for p in ref["accessed"].split("-")]]},
        "language": "fr-FR",
    }
    if ref["date_parts"]:
        item["issued"] = {"date-parts": [ref["date_parts"]]}
    if ref["source"]:
        item["note"] = f"Source : {ref['source']}"
    return [item]


def coins(ref: dict) -> str:
    """A COinS (OpenURL ContextObject in a span's title), read by Zotero's connector."""
    pairs = [("ctx_ver", "Z39.88-2004"), ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
             ("rft.type", {"audio": "audioRecording", "video": "videoRecording"}.get(ref["kind"], "webpage")),
             ("rft.title", ref["title"])]
    pairs += [("rft.creator", n) for n in ref["authors"]]
    pairs += [("rft.contributor", n) for n in ref["interviewers"]]
    pairs += [("rft.date", ref["date"]), ("rft.publisher", PUBLISHER), ("rft.identifier", ref["url"]),
              ("rft.language", "fr")]
    return urlencode([(k, v) for k, v in pairs if v])


@bp.get("/citation/<any(ris, bib, json):fmt>/<path:rec_id>")
def cite(fmt: str, rec_id: str):
    rec = search_service().snapshot().recordings.get(rec_id)
    if rec is None:
        fail(404, f"Aucun enregistrement « {rec_id[:80]} » dans l'index.")
    at, _ = parse_time_range(request.args.get("t"))
    ref = reference(clean_links(search_service().recording_json(rec)), at)
    mimetype, extension = CITATION_FORMATS[fmt]
    if fmt == "json":
        body = current_app.json.dumps(csl_json(ref))
    else:
        body = ris(ref) if fmt == "ris" else bibtex(ref)
    filename = re.sub(r"[^a-z0-9]+", "-", unidecode(rec_id).lower()).strip("-")[:60] or "enregistrement"
    return Response(body.encode("utf-8"), mimetype=mimetype,
                    headers={"Content-Type": f"{mimetype}; charset=utf-8",
                             "Content-Disposition": f'attachment; filename="artoiscast-{filename}.{extension}"'})
