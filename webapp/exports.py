"""Exports: the search document's passages as CSV (plain, or for a French Excel) and JSON files.

The rows are the passages holding the words, the same the page counts (SearchService.export
is the same search document, without paging); in concordance mode, one row per occurrence.
"""
from __future__ import annotations

import csv
import io
import re

from flask import Blueprint, Response, current_app, request
from unidecode import unidecode

from indexer.links import seconds_text
from indexer.search import SearchParams

from . import search_service
from .citations import approximate_names_note, attribution_note, automatic_note, passage_at
from .links import absolute_url, clean_links, search_params

bp = Blueprint("exports", __name__)


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


def export_document(params: SearchParams) -> tuple[dict, list[dict]]:
    """The search's export document, and its rows: one per passage; in concordance mode, one
    per occurrence (left context, match, right context)."""
    doc = clean_links(search_service().export(params))
    passages, recordings = doc["passages"], doc["recordings"]
    if params.mode == "concordance":
        return doc, concordance_rows(passages, recordings)
    return doc, [{**passage_cells(p, recordings.get(p["recording_id"], {})),
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


@bp.get("/export.csv", endpoint="csv")
def export_csv():
    """Comma-separated; with sep=semicolon, as a French Excel opens it by a double click."""
    params = search_params()
    _, rows = export_document(params)
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


@bp.get("/export.json", endpoint="json")
def export_json():
    params = search_params()
    doc, rows = export_document(params)
    document = {
        "query": params.q,
        "filters": params.filters,
        "mode": params.mode,
        "sort": params.sort,
        "count": len(rows),
        "truncated": doc["truncated"],
        # why the rows are few or none (a concordance without words, nothing to search …)
        "notices": doc["notices"],
        "columns": export_columns(params),
        "column_labels": {column: EXPORT_HEADERS[column] for column in export_columns(params)},
        # a concordance's rows are occurrences (several in one passage), the others passages
        "occurrences" if params.mode == "concordance" else "passages": rows,
    }
    response = current_app.json.response(document)
    response.headers["Content-Disposition"] = f'attachment; filename="{export_filename(params, "json")}"'
    return response
