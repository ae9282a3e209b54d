"""Snippets and concordance lines: where the query's words are in a passage.

The passage is re-analyzed with the same French analyzer, so a query for
"énergie" marks "énergétiques" and "Énergies" exactly where the index matched.
Everything returned as HTML is escaped first; only our own <mark> tags are added.

What one passage costs here is bounded and linear: only its first
MAX_HIGHLIGHT_CHARS characters are analyzed (the indexer cuts passages below
that; older indexes and page texts may hold longer ones), and the densest
window is found in one pass over the matches.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from markupsafe import escape

from .analysis import EXACT_WORDS, FRENCH

SNIPPET_CHARS = 260
CONTEXT_CHARS = 70
MAX_KWIC = 5
MAX_HIGHLIGHT_CHARS = 20_000


@dataclass
class Match:
    start: int
    end: int
    name: Optional[str] = None  # a known name heard misspelled here (approximate_matches)


APPROXIMATE_NOTE = "nom reconnu approximativement"


def approximate_matches(approximate: list | None, terms: set[str], phrases: list[tuple[str, ...]] = (),
                        exact_phrases: list[tuple[str, ...]] = ()) -> list[Match]:
    """The heard words of the known names the query asks for (``approximate``: a passage's
    [start, end, name, heard, spelling], indexer/names.py), each one Match named after the name:
    the index holds the name's words at these words' positions, so a query word that is one of
    the name's words (alone, or in a phrase that goes on past the name) was found there."""
    if not approximate:
        return []
    french = set(terms).union(*phrases)
    exact = set().union(*exact_phrases)
    found = []
    for start, end, name, _, form in approximate:
        for spelling in dict.fromkeys((name, form)):
            if french & {t.text for t in FRENCH(spelling, mode="query")} \
                    or exact & {t.text for t in EXACT_WORDS(spelling, mode="query")}:
                found.append(Match(int(start), int(end), name))
                break
    return found


def with_approximate(matches: list[Match], approximate: list[Match]) -> list[Match]:
    """The text's matches and the approximate names' in text order; a name's span wins over
    a match of one of its heard words."""
    if not approximate:
        return matches
    kept = [m for m in matches if not any(m.start < a.end and a.start < m.end for a in approximate)]
    return sorted(kept + approximate, key=lambda m: m.start)


def _open_mark(m: Match | None) -> str:
    if m is None or not m.name:
        return "<mark>"
    return f'<mark class="approx" title="{APPROXIMATE_NOTE} : {escape(m.name)}">'


def find_matches(text: str, terms: set[str], phrases: list[tuple[str, ...]] = (),
                 exact_phrases: list[tuple[str, ...]] = ()) -> list[Match]:
    """Where the query's words are: each single term wherever it occurs, and each
    phrase only where its words follow each other (stop words between them
    allowed, as in the index), marked as one span. ``exact_phrases`` (quoted
    phrases, a prefix's words) are found among the exact words (EXACT_WORDS)."""
    if not (terms or phrases or exact_phrases) or not text:
        return []
    text = text[:MAX_HIGHLIGHT_CHARS]
    spans = []
    if terms or phrases:
        tokens = [(t.text, t.startchar, t.endchar) for t in FRENCH(text, chars=True, positions=False, mode="query")]
        spans += [(start, end) for word, start, end in tokens if word in terms]
        spans += _phrase_spans(tokens, phrases)
    if exact_phrases:
        tokens = [(t.text, t.startchar, t.endchar) for t in EXACT_WORDS(text, chars=True, mode="query")]
        single = {p[0] for p in exact_phrases if len(p) == 1}
        spans += [(start, end) for word, start, end in tokens if word in single]
        spans += _phrase_spans(tokens, [p for p in exact_phrases if len(p) > 1])
    matches: list[Match] = []
    for start, end in sorted(spans):
        if matches and start < matches[-1].end:
            matches[-1].end = max(matches[-1].end, end)  # overlapping: one mark
        else:
            matches.append(Match(start, end))
    return matches


def _phrase_spans(tokens: list[tuple[str, int, int]], phrases) -> list[tuple[int, int]]:
    spans = []
    words = [word for word, _, _ in tokens]
    for phrase in phrases:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if tuple(words[i:i + n]) == phrase:
                spans.append((tokens[i][1], tokens[i + n - 1][2]))
    return spans


def _snap_left(text: str, i: int) -> int:
    if i <= 0:
        return 0
    space = text.rfind(" ", max(0, i - 24), i)  # never a scan back through a long text
    return space + 1 if space >= 0 and i - space < 25 else i


def _snap_right(text: str, i: int) -> int:
    if i >= len(text):
        return len(text)
    space = text.find(" ", i, i + 25)
    return space if 0 <= space and space - i < 25 else i


def mark(text: str, matches: list[Match], start: int = 0, end: int | None = None) -> str:
    """text[start:end] as escaped HTML with the matches in <mark>."""
    end = len(text) if end is None else end
    out, cursor = [], start
    for m in matches:
        if m.start < start or m.end > end:
            continue
        out.append(str(escape(text[cursor:m.start])))
        out.append(f"{_open_mark(m)}{escape(text[m.start:m.end])}</mark>")
        cursor = m.end
    out.append(str(escape(text[cursor:end])))
    return "".join(out)


def snippet(text: str, matches: list[Match], width: int = SNIPPET_CHARS) -> str:
    """The densest window of the passage, as escaped HTML with <mark>s.

    ``matches`` in text order, as find_matches gives them."""
    if len(text) <= width:
        return mark(text, matches)
    best_start, best_count = 0, 0
    following = 0  # index of the first match starting past the window of matches[i]
    for i, m in enumerate(matches):
        following = max(following, i)
        while following < len(matches) and matches[following].start < m.start + width - 40:
            following += 1
        if following - i > best_count:
            best_start, best_count = m.start, following - i
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


def mark_with_events(text: str, matches: list[Match], events: list | None, uncertain: list | None = None) -> str:
    """The passage as HTML: matches in <mark>, the words speech recognition was unsure of
    (``uncertain``, see mark_uncertain) underlined, and the transcript's sound events
    ("[rires]") put back at their offsets as <span class="event"> - shown, but not part
    of the text searched."""
    def piece(start: int, end: int) -> str:
        return mark_uncertain(text, matches, uncertain, start, end) if uncertain else mark(text, matches, start, end)

    if not events:
        return piece(0, len(text))
    out, cursor = [], 0
    for offset, event in sorted(((int(at), str(label)) for at, label in events), key=lambda e: e[0]):
        offset = max(cursor, min(offset, len(text)))
        inside = next((m for m in matches if m.start < offset < m.end), None)
        if inside is not None:  # never cut a <mark>: the event goes after it
            offset = inside.end
        out.append(piece(cursor, offset))
        before = " " if offset > 0 and not text[offset - 1].isspace() else ""
        after = " " if offset < len(text) and not text[offset].isspace() else ""
        out.append(f'{before}<span class="event">{escape(event)}</span>{after}')
        cursor = offset
    out.append(piece(cursor, len(text)))
    return "".join(out)


def mark_uncertain(text: str, matches: list[Match], uncertain: list, start: int = 0, end: int | None = None) -> str:
    """Like mark(), with the words speech recognition was unsure of (``uncertain``:
    [start, end] char spans) in <span class="incertain">. Each piece is wrapped on
    its own, so a mark and an uncertain word may overlap and the HTML stays valid.
    One pass over the sorted cut points (linear, whatever the number of words)."""
    end = len(text) if end is None else end
    spans = sorted((max(start, min(int(s[0]), end)), max(start, min(int(s[1]), end)))
                   for s in uncertain if len(s) >= 2)
    marks = [(m.start, m.end, m) for m in matches if start <= m.start and m.end <= end]
    cuts = sorted({start, end, *(p for m in marks for p in m[:2]), *(p for span in spans for p in span)})
    out, in_span, in_mark = [], 0, 0
    for a, b in zip(cuts, cuts[1:]):
        while in_span < len(spans) and spans[in_span][1] <= a:
            in_span += 1
        while in_mark < len(marks) and marks[in_mark][1] <= a:
            in_mark += 1
        piece = str(escape(text[a:b]))
        if in_span < len(spans) and spans[in_span][0] <= a:
            piece = f'<span class="incertain" title="mot incertain (reconnaissance automatique)">{piece}</span>'
        if in_mark < len(marks) and marks[in_mark][0] <= a:
            piece = f"{_open_mark(marks[in_mark][2])}{piece}</mark>"
        out.append(piece)
    return "".join(out)


def mark_cues(text: str, matches: list[Match], events: list | None, uncertain: list | None,
              cues: list[tuple[int, int, float, float]]) -> str:
    """Like mark_with_events, each cue's words in <span class="cue" data-start data-end>
    (``cues``: (first char, end char, start, end) in text order, see anchors.cue_spans), so
    that the player can mark the cue being heard. A mark across two cues is cut in two."""
    if not cues:
        return mark_with_events(text, matches, events, uncertain)
    out = [str(escape(text[:cues[0][0]]))]
    events = [(int(at), label) for at, label in events or []]
    for i, (first, last, start, end) in enumerate(cues):
        final = i == len(cues) - 1
        words_end = first + len(text[first:last].rstrip())

        def inside(a: int, b: int) -> bool:
            return a < last and b > first

        piece_matches = [Match(max(m.start, first) - first, min(m.end, words_end) - first, m.name)
                         for m in matches if inside(m.start, m.end) and min(m.end, words_end) > max(m.start, first)]
        piece_uncertain = [[max(int(u[0]), first) - first, min(int(u[1]), words_end) - first]
                           for u in uncertain or [] if len(u) >= 2 and inside(int(u[0]), int(u[1]))]
        piece_events = [(at - first, label) for at, label in events
                        if first <= at < last or (final and at >= last) or (i == 0 and at < first)]
        html = mark_with_events(text[first:words_end], piece_matches, piece_events, piece_uncertain)
        out.append(f'<span class="cue" data-start="{start}" data-end="{end}">{html}</span>')
        out.append(str(escape(text[words_end:last])))
    return "".join(out)
