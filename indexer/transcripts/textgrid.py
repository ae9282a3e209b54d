"""Praat (.TextGrid), long and short text formats (UTF-8, or UTF-16 as Praat saves non-ASCII text).

Long:   File type = "ooTextFile" / Object class = "TextGrid" / xmin = 0 / … /
        item [1]: class = "IntervalTier" name = "Claire" xmin = 0 xmax = 12.5
        intervals: size = 2  intervals [1]: xmin = 0 xmax = 1.2 text = "" …
Short:  the same values alone, one a line: "IntervalTier" "Claire" 0 12.5 2 0 1.2 "" …

Both are read the way Praat reads them: as a sequence of numbers, strings
("…", a quote doubled inside) and flags (<exists>), whatever words, "="
and "[1]" stand around them.  Each interval tier is a speaker (its name);
empty intervals are silences, not cues.  Point tiers (TextTier) carry no
speech and are not read.  Forced-alignment tiers ("Claire - words",
"Claire - phones") are the speaker's words; phone tiers are left out.
Problems give the line of the interval's xmin.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional, Union

from indexer.transcripts.model import Transcript

TOKEN = re.compile(
    r'"(?P<string>(?:[^"]|"")*)"'  # a string; "" is one quote
    r"|(?P<flag><[a-z]+>)"
    r"|(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![^\s\]])"
    r"|(?P<bad>[-+]?[\d.][^\s\]]*)"  # "1,5", "12s": meant as a number, unreadable
    r"|!.*"  # a comment, to the end of the line
    r"|\[[^\]\n]*\]"  # "item [1]:" - an index, not a value
    r"|[^\s\"<\[!]+",  # any other word: "xmin", "=", "class"
)
SILENCES = {"", "sil", "sp", "spn", "<sil>", "#", "_"}
PHONE_TIER = re.compile(r"\s+-\s+(?:phones?|phonemes?|segments?)$", re.IGNORECASE)
WORD_TIER = re.compile(r"\s+-\s+words?$", re.IGNORECASE)


class Unreadable(str):
    """A value that looks like a number but is not one."""


class Flag(str):
    """<exists>, <absent>."""


@dataclass
class Token:
    value: Union[str, float]
    line: int


class TextGridError(ValueError):
    """The file stops making sense here: str(error) is the French reason, .line where."""

    def __init__(self, reason: str, line: Optional[int]):
        super().__init__(reason)
        self.line = line


def tokens(text: str) -> list[Token]:
    """The numbers, strings and flags of the file, each with its line."""
    found: list[Token] = []
    line = 1
    position = 0
    for match in TOKEN.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        if match.group("string") is not None:
            found.append(Token(match.group("string").replace('""', '"'), line))
        elif match.group("flag") is not None:
            found.append(Token(Flag(match.group("flag")), line))
        elif match.group("number") is not None:
            found.append(Token(float(match.group("number")), line))
        elif match.group("bad") is not None:
            found.append(Token(Unreadable(match.group("bad")), line))
    return found


def is_string(value) -> bool:
    return isinstance(value, str) and not isinstance(value, (Unreadable, Flag))


class Reader:
    def __init__(self, items: list[Token]):
        self.items = items
        self.index = 0

    @property
    def line(self) -> Optional[int]:
        return self.items[min(self.index, len(self.items) - 1)].line if self.items else None

    def next(self) -> Token:
        if self.index >= len(self.items):
            raise TextGridError("fichier tronqué", self.items[-1].line if self.items else None)
        token = self.items[self.index]
        self.index += 1
        return token

    def number(self, what: str) -> float:
        token = self.next()
        if not isinstance(token.value, float):
            raise TextGridError(f"{what} : nombre attendu, « {str(token.value)[:30]} » trouvé", token.line)
        return token.value

    def count(self, what: str) -> int:
        """A number of tiers or intervals: a whole number, not negative."""
        value = self.number(what)
        if not math.isfinite(value) or value < 0 or value != int(value):
            raise TextGridError(f"{what} impossible « {value} »", self.items[self.index - 1].line)
        return int(value)

    def string(self, what: str) -> str:
        token = self.next()
        if not is_string(token.value):
            raise TextGridError(f"{what} : texte entre guillemets attendu, « {token.value} » trouvé", token.line)
        return token.value


def read_textgrid(transcript: Transcript, text: str) -> None:
    reader = Reader(tokens(text.lstrip("\ufeff")))
    try:
        file_type, object_class = reader.string("type de fichier"), reader.string("classe d'objet")
        if not file_type.startswith("ooTextFile") or object_class != "TextGrid":
            transcript.fail(f"ce n'est pas un TextGrid Praat en texte (« {file_type} », « {object_class} »)", 1)
            return
        reader.number("xmin"), reader.number("xmax")
        if reader.next().value != "<exists>":
            return  # a TextGrid without tiers
        for _ in range(reader.count("nombre de tiers")):
            read_tier(transcript, reader)
    except TextGridError as error:
        # The rest of the file cannot be placed: what was read is kept.
        transcript.skip(error.line, str(error))


def read_tier(transcript: Transcript, reader: Reader) -> None:
    kind = reader.string("classe de tier")
    name = reader.string("nom de tier").strip()
    reader.number("xmin"), reader.number("xmax")
    size = reader.count("nombre d'intervalles")
    if kind == "TextTier":
        for _ in range(size):
            reader.number("temps du point"), reader.string("texte du point")
        return
    if kind != "IntervalTier":
        raise TextGridError(f"classe de tier inconnue « {kind} »", reader.line)
    phones = bool(PHONE_TIER.search(name))
    speaker = WORD_TIER.sub("", name) or None
    for _ in range(size):
        first, second, third = reader.next(), reader.next(), reader.next()
        line = first.line
        start, end, value = first.value, second.value, third.value
        if not (isinstance(start, float) and isinstance(end, float)):
            transcript.skip(line, f"intervalle aux bornes illisibles « {start} », « {end} »")
            continue
        if not is_string(value):
            transcript.skip(line, f"intervalle sans texte entre guillemets (« {value} » trouvé)")
            continue
        if phones or value.strip() in SILENCES:
            continue
        if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end < start:
            transcript.skip(line, f"intervalle impossible ({start} → {end})")
            continue
        if not transcript.add_spoken(start, end, value, speaker, line, angle_marks=True):
            transcript.skip(line, "texte vide")
