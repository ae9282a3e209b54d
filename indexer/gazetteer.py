"""Finding known names (places, organisations) in running text.

Matching is on accent-folded text with hyphens read as spaces, so
"Loos-en--Gohelle" and "Loos en Gohelle" are Loos-en-Gohelle; it stays
case-sensitive so that the commune "Avion" is not every "avion".
"""
from __future__ import annotations

import re

from unidecode import unidecode


def _normalise(text: str) -> str:
    text = unidecode(text)  # also turns ’ into '
    return re.sub(r"[\s\-–]+", " ", text)


class Gazetteer:
    def __init__(self, entries: dict[str, list[str]]):
        """``entries``: canonical name -> other spellings."""
        self._patterns: list[tuple[str, re.Pattern]] = []
        for name, aliases in entries.items():
            forms = sorted({_normalise(f) for f in [name, *aliases] if f.strip()}, key=len, reverse=True)
            alternation = "|".join(re.escape(f) for f in forms)
            self._patterns.append((name, re.compile(r"(?<!\w)(?:%s)(?!\w)" % alternation)))

    def find(self, *texts: str) -> list[str]:
        """Canonical names found in any of the texts, in the gazetteer's order."""
        joined = _normalise("\n".join(t for t in texts if t))
        return [name for name, pattern in self._patterns if pattern.search(joined)]
