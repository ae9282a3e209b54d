"""Speaker names written in the text itself: "GASTON : …", "Odile Marchal: …", "[NOM] …".

Used by the formats that have no speaker markup.  In subtitles (SRT, and WebVTT
outside <v>) a label names its own cue or dialogue line only (subtitle_chunks);
in typed transcripts (timestamped text, oTranscribe) a name goes on until the
next one (chunks_by_speaker).
"""
from __future__ import annotations

import re
from typing import Optional

from indexer.transcripts.common import collapse_spaces

# "NOM :" - \s also matches the (narrow) non-breaking space of French typography.
# The name starts with a non-space: else a long run of spaces is tried n² ways.
COLON_PREFIX = re.compile(r"^\s*(?P<name>[^:\[\]()\s][^:\[\]()]{0,39}?)\s*:(?:\s+|$)(?P<text>.*)$", re.DOTALL)
BRACKET_PREFIX = re.compile(r"^\s*\[(?P<name>[^\]]{1,40})\]\s*(?P<text>.*)$", re.DOTALL)
DIALOGUE_DASH = re.compile(r"^\s*[-–—]\s+")

# Lower-case words allowed inside a name ("Jean de la Tour").
NAME_PARTICLES = {"de", "du", "des", "la", "le", "d'", "d’", "van", "von", "der", "den", "da", "di"}

# Capitalised single words that often start a sentence with a colon, or are
# sound events in brackets - never taken for a speaker.
NOT_NAMES = {
    "alors", "bref", "donc", "voilà", "voila", "enfin", "ensuite", "puis", "mais", "et", "ou",
    "oui", "non", "bon", "ben", "bah", "eh", "ah", "oh", "bien", "ok", "sinon", "aussi", "après",
    "avant", "exemple", "attention", "remarque", "note", "conclusion", "résultat", "rappel",
    "rires", "rire", "musique", "applaudissements", "inaudible", "incompréhensible", "silence",
    "bruit", "bruits", "pause", "toux", "soupir", "générique", "jingle", "coupure", "off",
}


def looks_like_name(name: str) -> bool:
    """Is `name` (the part before ":" or inside "[…]") a speaker, not the start of a sentence?

    Accepted: all capitals ("GASTON", "ODILE MARCHAL", "SPEAKER_01", "Q"),
    one capitalised word that is not a common French word ("Gaston"),
    or 2-5 capitalised words with name particles ("Mélodie Carpentier", "Jean de la Tour").
    """
    words = name.split()
    if not words or len(words) > 5 or not any(ch.isalpha() for ch in name):
        return False
    if name.lower() in NOT_NAMES:  # "[MUSIQUE]", "RIRES :" are sound events
        return False
    if any(ch.isdigit() for ch in name) and not name.isupper():
        return False
    if name.isupper():
        return True
    if len(words) == 1:
        return words[0][0].isupper() and words[0].lower() not in NOT_NAMES
    if not (words[0][0].isupper() and words[-1][0].isupper()):
        return False
    return all(word[0].isupper() or word.lower() in NAME_PARTICLES for word in words)


def split_speaker(line: str) -> tuple[Optional[str], str]:
    """'GASTON : Bonjour.' -> ('GASTON', 'Bonjour.') ; 'Bonjour.' -> (None, 'Bonjour.').

    "[Claire]" names a speaker only when words follow it on the line: a bracket
    alone ("[PORTE QUI CLAQUE]") is a sound event.
    """
    for pattern in (BRACKET_PREFIX, COLON_PREFIX):
        match = pattern.match(line)
        if pattern is BRACKET_PREFIX and match and not match.group("text").strip():
            continue
        if match and looks_like_name(match.group("name").strip()):
            return collapse_spaces(match.group("name")), match.group("text")
    return None, line


def subtitle_chunks(lines: list[str]) -> list[tuple[Optional[str], str]]:
    """The lines of one subtitle cue -> [(speaker, text)], empty texts dropped.

    In subtitles a label names who speaks in that cue only ("[Claire] …"), or,
    in a two-speaker cue, on that dialogue line only ("- [Claire] …" / "- Oui.").
    A cue or dash line without a label is nobody's: it does not go on with the
    last speaker named.  A line without a dash continues the line above.
    """
    chunks: list[tuple[Optional[str], list[str]]] = []
    for line in lines:
        dash = DIALOGUE_DASH.match(line)
        line = DIALOGUE_DASH.sub("", line)
        named, line = split_speaker(line)
        if named is not None or dash or not chunks:
            chunks.append((named, []))
        if line.strip():
            chunks[-1][1].append(line)
    texts = [(who, collapse_spaces(" ".join(parts))) for who, parts in chunks]
    return [(who, text) for who, text in texts if text]


def chunks_by_speaker(lines: list[str], speaker: Optional[str]) -> tuple[list[tuple[Optional[str], str]], Optional[str]]:
    """Split the text lines of one cue where a line names a new speaker.

    `speaker` is the one still talking from the previous cue: a cue without a
    name goes on with the last speaker named.  A leading dialogue dash "- " is
    removed (it says the speaker changes, but not who speaks).
    Returns ([(speaker, text), …] without empty texts, speaker talking at the end).
    """
    chunks: list[tuple[Optional[str], list[str]]] = []
    for line in lines:
        line = DIALOGUE_DASH.sub("", line)
        named, line = split_speaker(line)
        if named is not None and named != speaker:
            speaker = named
            chunks.append((speaker, []))
        if not chunks:
            chunks.append((speaker, []))
        if line.strip():
            chunks[-1][1].append(line)
    texts = [(who, collapse_spaces(" ".join(parts))) for who, parts in chunks]
    return [(who, text) for who, text in texts if text], speaker
