"""Finding known names (places, organisations) in running text.

A name matches whatever the accents and hyphens ("Loos-en--Gohelle", "Loos en
Gohelle", "Lievin"), but stays case-sensitive so that the commune "Avion" is
not every "avion". Patterns carry the accent variants themselves, so long
texts are searched as they are, without being folded first.
"""
from __future__ import annotations

import re

from unidecode import unidecode

_ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜŸ"


def _letter_class(c: str) -> str:
    base = unidecode(c)
    if len(base) != 1 or not base.isalpha():
        return re.escape(c)
    variants = [base] + [a for a in _ACCENTED if unidecode(a) == base]
    return "[" + "".join(variants) + "]" if len(variants) > 1 else re.escape(c)


def name_pattern(name: str) -> str:
    parts = [p for p in re.split(r"[\s\-–]+", name) if p]
    return r"[\s\-–]+".join("".join(_letter_class(c) for c in part).replace("'", "['’]") for part in parts)


class Gazetteer:
    def __init__(self, entries: dict[str, list[str]]):
        """``entries``: canonical name -> other spellings."""
        self._patterns: list[tuple[str, re.Pattern]] = []
        for name, aliases in entries.items():
            forms = sorted({f for f in [name, *aliases] if f.strip()}, key=len, reverse=True)
            alternation = "|".join(name_pattern(f) for f in forms)
            self._patterns.append((name, re.compile(r"(?<!\w)(?:%s)(?!\w)" % alternation)))

    def find(self, *texts: str) -> list[str]:
        """Canonical names found in any of the texts, in the gazetteer's order."""
        joined = "\n".join(t for t in texts if t)
        return [name for name, pattern in self._patterns if pattern.search(joined)]
