"""Known names in running text: whole names only, whatever the accents and hyphens."""
from __future__ import annotations

import re

from indexer.gazetteer import Gazetteer, fold_text

NAMES = {"Lens": [], "Loos-en-Gohelle": ["Loos"], "Gohelle": [], "Avion": [], "Saint-Étienne": ["St-Étienne"]}

TEXTS = [
    "à Lens", "Lensois", "xLens", "_Lens", "Lens_", "Lens2", "2Lens", "Liévin-Lens", "(Lens)",
    "Loos en Gohelle", "Loos-en--Gohelle", "xLoos en Gohelle", "xLoos en Gohelle Gohelle", "un avion",
    "xxAvion Avion", "Saint Etienne", "St-Etienne", "ÉLens", "élens", "", "Gohellex Gohelle",
]


def _reference(names, text):
    """The regular expression the gazetteer stands for, with its look-behind."""
    found = []
    for name, aliases in names.items():
        forms = sorted({fold_text(f) for f in [name, *aliases]}, key=len, reverse=True)
        alternation = "|".join(r"[\s\-]+".join(re.escape(p) for p in re.split(r"[\s\-]+", f) if p) for f in forms)
        if re.search(r"(?<!\w)(?:%s)(?!\w)" % alternation, fold_text(text)):
            found.append(name)
    return found


def test_whole_names_found_as_the_regular_expression_finds_them():
    gazetteer = Gazetteer(NAMES)
    assert gazetteer.find("à Lens et à Loos en Gohelle") == ["Lens", "Loos-en-Gohelle", "Gohelle"]
    assert gazetteer.find("un avion, xLens, _Lens") == []
    for text in TEXTS:
        assert gazetteer.find(text) == _reference(NAMES, text), text
    assert gazetteer.find(*TEXTS) == _reference(NAMES, "\n".join(TEXTS))
