"""Transcription conventions that are not speech.

Oral corpora write sound events and marks among the words:

    [musique]  [rires]  {rire}  (rires)  (PORTE QUI CLAQUE)  *Applaudissements*  ♪  ♪ la la ♪
    <  >  +  //  ///            overlap and pause marks

None of them is something a person said: they are never indexed as words nor
quoted.  Events stay visible: a cue keeps its spoken words in `text` and each
event, as written, at its character offset in that text (Cue.events); the
recording page puts them back, styled as events.  Overlap and pause marks are
simply dropped ("<" and ">" only in linguists' formats: subtitles and ASR
output write them as text).  Brackets, braces and notes always hold events;
parentheses and asterisks only sound words or capitals, so that "(enfin je
crois)" and "*très*" stay words.
"""
from __future__ import annotations

import re
from typing import Iterable

# Words that, alone between parentheses, describe a sound rather than say something.
EVENT_WORDS = {
    "rire", "rires", "rit", "rient", "sourire", "musique", "applaudissements", "applaudissement",
    "toux", "tousse", "silence", "pause", "soupir", "soupire", "souffle", "bruit", "bruits",
    "inaudible", "incompréhensible", "inintelligible", "brouhaha", "générique", "jingle",
    "chant", "chante", "chantent", "sifflement", "sifflet", "hésitation", "coupure", "off",
    "musical", "musicale", "fond", "de", "en", "du", "la", "le", "des",
}

EVENT = re.compile(
    r"\[[^\[\]\n]*\]"  # [musique]
    r"|\{[^{}\n]*\}"  # {rire}
    r"|\*(?P<star>[^*\s][^*\n]*?)\*"  # *Applaudissements* - but *très* is emphasis, see is_event
    r"|♪[^♪\n]*♪|[♪♫]+"  # a song between notes, or lone notes
    r"|\((?P<paren>[^()\n]*)\)"  # (rires), (MUSIQUE) - only when describing a sound, see is_event
)
# Overlap marks; "+" and "/" runs (pauses) standing alone or at a word's edge.
MARKS = re.compile(r"[<>]|(?<!\S)[+/]+|[+/]+(?!\S)")
PAUSE_MARKS = re.compile(r"(?<!\S)[+/]+|[+/]+(?!\S)")


def is_event(match: re.Match) -> bool:
    """Brackets, braces and notes always hold events; parentheses and asterisks only
    when they hold sound words or capitals ("(rires)", "(RIRES)", "*Applaudissements*")."""
    inside = match.group("paren") if match.group("paren") is not None else match.group("star")
    if inside is None:
        return True
    words = inside.split()
    if not words:
        return False
    letters = [c for c in inside if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return True
    return all(word.lower().strip(".,;:!?") in EVENT_WORDS for word in words) and any(
        word.lower().strip(".,;:!?") not in {"de", "en", "du", "la", "le", "des", "fond"} for word in words)


def clean_speech(text: str, angle_marks: bool = False) -> str:
    """Spoken words only: marks removed, spaces collapsed."""
    pattern = MARKS if angle_marks else PAUSE_MARKS
    return " ".join(pattern.sub(" ", text).split())


def speech_and_events(text: str, angle_marks: bool = False) -> tuple[str, list[tuple[int, str]]]:
    """'c'est sûr [rires] c'est vrai' -> ("c'est sûr c'est vrai", [(9, "[rires]")]).

    angle_marks=True drops "<" and ">" as the overlap marks of linguists' formats
    (Transcriber, ELAN, Praat, CHAT); subtitles and ASR output keep them as text.
    """
    text = " ".join(text.split())  # an event written over two lines is still one
    speech: list[str] = []
    events: list[tuple[int, str]] = []
    length = 0
    cursor = 0

    def add_speech(piece: str) -> None:
        nonlocal length
        words = clean_speech(piece, angle_marks)
        if words and speech and words[0] in ".,…":
            speech[-1] += words  # "samedis {rire}." -> "samedis."
            length += len(words)
        elif words:
            speech.append(words)
            length += len(words) + (1 if len(speech) > 1 else 0)

    for match in EVENT.finditer(text):
        if not is_event(match):
            continue
        add_speech(text[cursor:match.start()])
        events.append((length, " ".join(match.group(0).split())))
        cursor = match.end()
    add_speech(text[cursor:])
    return " ".join(speech), events


def only_numbers(text: str) -> bool:
    """'0.643', '12 3,5': what Transcriber annotation "speakers" (durations, counts) hold."""
    return bool(re.fullmatch(r"[\d\s.,:;]+", text)) and any(c.isdigit() for c in text)


def join_texts(parts: Iterable[tuple[str, list[tuple[int, str]]]]) -> tuple[str, list[tuple[int, str]]]:
    """Join (text, events) pieces with single spaces, moving each event to its offset in the whole."""
    texts: list[str] = []
    events: list[tuple[int, str]] = []
    length = 0
    for text, piece_events in parts:
        offset = length + (1 if texts and text else 0)
        events.extend((offset + at if text else length, event) for at, event in piece_events)
        if text:
            length = offset + len(text)
            texts.append(text)
    return " ".join(texts), events
