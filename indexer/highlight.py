"""Snippets and concordance lines: where the query's words are in a passage.

The passage is re-analyzed with the same French analyzer, so a query for
"énergie" marks "énergétiques" and "Énergies" exactly where the index matched.
Everything returned as HTML is escaped first; only our own <mark> tags are added.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import escape

from .analysis import FRENCH

SNIPPET_CHARS = 260
CONTEXT_CHARS = 70
MAX_KWIC = 5


@dataclass
class Match:
    start: int
    end: int


def find_matches(text: str, terms: set[str], phrases: list[tuple[str, ...]] = ()) -> list[Match]:
    """Where the query's words are: each single term wherever it occurs, and each
    phrase only where its words follow each other (stop words between them
    allowed, as in the index), marked as one span."""
    if not (terms or phrases) or not text:
        return []
    tokens = [(t.text, t.startchar, t.endchar) for t in FRENCH(text, chars=True, positions=False, mode="query")]
    spans = [(start, end) for word, start, end in tokens if word in terms]
    words = [word for word, _, _ in tokens]
    for phrase in phrases:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if tuple(words[i:i + n]) == phrase:
                spans.append((tokens[i][1], tokens[i + n - 1][2]))
    matches: list[Match] = []
    for start, end in sorted(spans):
        if matches and start < matches[-1].end:
            matches[-1].end = max(matches[-1].end, end)  # overlapping: one mark
        else:
            matches.append(Match(start, end))
    return matches


def _snap_left(text: str, i: int) -> int:
    if i <= 0:
        return 0
    space = text.rfind(" ", 0, i)
    return space + 1 if space >= 0 and i - space < 25 else i


def _snap_right(text: str, i: int) -> int:
    if i >= len(text):
        return len(text)
    space = text.find(" ", i)
    return space if 0 <= space and space - i < 25 else i


def mark(text: str, matches: list[Match], start: int = 0, end: int | None = None) -> str:
    """text[start:end] as escaped HTML with the matches in <mark>."""
    end = len(text) if end is None else end
    out, cursor = [], start
    for m in matches:
        if m.start < start or m.end > end:
            continue
        out.append(str(escape(text[cursor:m.start])))
        out.append(f"<mark>{escape(text[m.start:m.end])}</mark>")
        cursor = m.end
    out.append(str(escape(text[cursor:end])))
    return "".join(out)


def snippet(text: str, matches: list[Match], width: int = SNIPPET_CHARS) -> str:
    """The densest window of the passage, as escaped HTML with <mark>s."""
    if len(text) <= width:
        return mark(text, matches)
    best_start, best_count = 0, 0
    for m in matches:
        count = sum(1 for other in matches if m.start <= other.start < m.start + width - 40)
        if count > best_count:
            best_start, best_count = m.start, count
    start = _snap_left(text, max(0, best_start - 40)) if matches else 0
    end = _snap_right(text, min(len(text), start + width))
    html = mark(text, matches, start, end)
    return ("… " if start > 0 else "") + html + (" …" if end < len(text) else "")


def kwic(text: str, matches: list[Match], limit: int = MAX_KWIC) -> list[dict]:
    """Concordance lines: left context, the match, right context (plain text)."""
    lines = []
    for m in matches[:limit]:
        left_start = _snap_left(text, max(0, m.start - CONTEXT_CHARS))
        right_end = _snap_right(text, min(len(text), m.end + CONTEXT_CHARS))
        lines.append({
            "left": " ".join(text[left_start:m.start].split()) + (" " if text[m.start - 1:m.start].isspace() else ""),
            "match": text[m.start:m.end],
            "right": (" " if text[m.end:m.end + 1].isspace() else "") + " ".join(text[m.end:right_end].split()),
        })
    return lines


def mark_uncertain(text: str, matches: list[Match], uncertain: list) -> str:
    """Like mark(), with the words speech recognition was unsure of (``uncertain``:
    [start, end] char spans) in <span class="incertain">. Each piece is wrapped on
    its own, so a mark and an uncertain word may overlap and the HTML stays valid."""
    if not uncertain:
        return mark(text, matches)
    cuts = sorted({0, len(text), *(p for m in matches for p in (m.start, m.end)),
                   *(min(max(p, 0), len(text)) for span in uncertain for p in span[:2])})
    out = []
    for start, end in zip(cuts, cuts[1:]):
        piece = str(escape(text[start:end]))
        if any(s <= start and end <= e for s, e in (span[:2] for span in uncertain)):
            piece = f'<span class="incertain" title="mot incertain (reconnaissance automatique)">{piece}</span>'
        if any(m.start <= start and end <= m.end for m in matches):
            piece = f"<mark>{piece}</mark>"
        out.append(piece)
    return "".join(out)
