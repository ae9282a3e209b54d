"""Editorial text of a recording (or of a section) cut into labelled passages."""
from __future__ import annotations

import re

from ..records import Passage
from .lines import Line
from .patterns import NUMBERED, SUMMARY_LABELS, TRAILING_SYNTHESIS

MAX_PASSAGE_CHARS = 700
LEADING_BULLET = re.compile(r"^[-–]\s+")  # "- Gazonor": a list's dash, not the passage's words


def passages(lines: list[Line], label: str) -> list[Passage]:
    """Cut at labels ("Résumé de l'entretien"), numbered parts, or size."""
    out: list[Passage] = []
    chunk: list[Line] = []
    size = 0
    current = label

    def flush():
        nonlocal size
        if chunk:
            text = ""
            for ln in chunk:
                if text:
                    # A capture's wrapped sentence is joined again; an HTML <br> stays a line break.
                    text += " " if ln.joined_to_previous and not ln.hard_break else "\n"
                text += ln.text
            text = LEADING_BULLET.sub("", text)
            out.append(Passage(text=text, verbatim=False, label=current, line=chunk[0].number))
            chunk.clear()
            size = 0

    for line in lines:
        new_label = next((lab for pattern, lab in SUMMARY_LABELS if pattern.match(line.text)), None)
        if new_label:
            flush()
            current = new_label
        elif chunk and ((NUMBERED.match(line.text) and size > 200) or size + len(line.text) > MAX_PASSAGE_CHARS):
            flush()
        if TRAILING_SYNTHESIS.match(line.text):
            # "(Synthèse de René Lavergne)" closes a synthesis printed *above* it.
            flush()
            for passage in out[1:]:
                if passage.label == "présentation":
                    passage.label = "synthèse"
            current = "synthèse"
        chunk.append(line)
        size += len(line.text)
    flush()
    return out
