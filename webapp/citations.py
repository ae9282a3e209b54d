"""Citations: a passage quoted with who said it, where and when (the citations mode, and
exports' notes), and a recording's reference in the formats reference managers import
(RIS, BibTeX, CSL-JSON, and COinS in its page, read by Zotero's connector).

A summary is never offered as a quote: only words actually spoken are cited, and words
from speech recognition, or a speaker named by voice, say so wherever they are quoted.
"""
from __future__ import annotations

import re
import time
from typing import Optional
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request
from unidecode import unidecode

from indexer.links import recording_path, timecode

from . import fail, search_service
from .links import absolute_url, clean_links, parse_time_range

bp = Blueprint("citations", __name__)


# --------------------------------------------------------------------------- a passage quoted


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
    link = absolute_url(recording_path(passage["recording_id"], at, passage.get("end")))
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
        "url": absolute_url(recording_path(rec["id"], at)),
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
    rec = search_service().recording_info(rec_id)
    if rec is None:
        fail(404, f"Aucun enregistrement « {rec_id[:80]} » dans l'index.")
    at, _ = parse_time_range(request.args.get("t"))
    ref = reference(clean_links(rec), at)
    mimetype, extension = CITATION_FORMATS[fmt]
    if fmt == "json":
        body = current_app.json.dumps(csl_json(ref))
    else:
        body = ris(ref) if fmt == "ris" else bibtex(ref)
    filename = re.sub(r"[^a-z0-9]+", "-", unidecode(rec_id).lower()).strip("-")[:60] or "enregistrement"
    return Response(body.encode("utf-8"), mimetype=mimetype,
                    headers={"Content-Type": f"{mimetype}; charset=utf-8",
                             "Content-Disposition": f'attachment; filename="artoiscast-{filename}.{extension}"'})
