"""French dates as printed on the page, kept at the precision printed.

    "mars 2025" -> "2025-03"; "(06/02/2025)" -> "2025-02-06"; "© octobre 2012" -> "2012-10";
    "16 juin 2023" -> "2023-06-16"; "jeudi 29 juin" -> day and month, year unknown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from unidecode import unidecode

MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}
_MONTH = r"(janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre)"
_YEAR = r"((?:19|20)\d\d)"

NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})/" + _YEAR + r"\b")
DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})(?:er)?\s+" + _MONTH + r"\s+" + _YEAR + r"\b", re.I)
DAY_MONTH = re.compile(r"\b(\d{1,2})(?:er)?\s+" + _MONTH + r"\b(?!\s+(?:19|20)\d\d)", re.I)
MONTH_YEAR = re.compile(r"\b" + _MONTH + r"\s+" + _YEAR + r"\b", re.I)
YEAR = re.compile(r"(?<![\d/-])" + _YEAR + r"(?![\d/-])")


@dataclass
class FoundDate:
    iso: str  # "2025", "2025-03", "2025-03-14", or "--06-29" (day and month, year unknown)
    label: str  # as printed

    @property
    def precision(self) -> int:
        return len([p for p in self.iso.split("-") if p])

    @property
    def year(self) -> Optional[str]:
        return None if self.iso.startswith("--") else self.iso[:4]


def _month(name: str) -> int:
    return MONTHS[unidecode(name).lower()]


def find_dates(text: str, years: bool = True) -> list[FoundDate]:
    """Every date in ``text``, most precise forms first, in order of appearance within a form."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []

    def free(m):
        return all(m.end() <= a or m.start() >= b for a, b in taken)

    for m in NUMERIC.finditer(text):
        day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
        if 1 <= day <= 31 and 1 <= month <= 12:
            found.append(FoundDate(f"{year}-{month:02d}-{day:02d}", m.group(0)))
            taken.append(m.span())
    for m in DAY_MONTH_YEAR.finditer(text):
        if free(m):
            found.append(FoundDate(f"{m.group(3)}-{_month(m.group(2)):02d}-{int(m.group(1)):02d}", m.group(0)))
            taken.append(m.span())
    for m in MONTH_YEAR.finditer(text):
        if free(m):
            found.append(FoundDate(f"{m.group(2)}-{_month(m.group(1)):02d}", m.group(0)))
            taken.append(m.span())
    for m in DAY_MONTH.finditer(text):
        if free(m):
            found.append(FoundDate(f"--{_month(m.group(2)):02d}-{int(m.group(1)):02d}", m.group(0)))
            taken.append(m.span())
    if years:
        for m in YEAR.finditer(text):
            if free(m):
                found.append(FoundDate(m.group(1), m.group(0)))
                taken.append(m.span())
    return found


def best_date(candidates: list[FoundDate]) -> Optional[FoundDate]:
    """The first candidate with a year, made more precise by a later candidate of the same year.

    A day without a year ("jeudi 29 juin") takes the year of the first dated candidate.
    """
    dated = [c for c in candidates if c.year]
    if not dated:
        return None
    first = dated[0]
    best = first
    for c in dated[1:]:
        if c.year == first.year and c.precision > best.precision and c.iso.startswith(best.iso):
            best = c
    if best.precision < 3:
        for c in candidates:
            if c.year is None:
                iso = f"{first.year}{c.iso[1:]}"
                if iso.startswith(best.iso) or best.precision == 1:
                    return FoundDate(iso, f"{c.label} {first.year}")
    return best


ISO = re.compile(r"^((?:19|20)\d\d)(?:-(\d\d)(?:-(\d\d))?)?$")


def parse_date(value) -> Optional[FoundDate]:
    """A date written by a person in corpus.yaml: ISO ("2019", "2019-05", "2019-05-14",
    or a YAML date) or French ("mai 2019", "14/05/2019")."""
    text = str(value).strip()
    m = ISO.match(text)
    if m:
        year, month, day = m.groups()
        if (month is None or 1 <= int(month) <= 12) and (day is None or 1 <= int(day) <= 31):
            return FoundDate(text, text)
        return None
    return best_date(find_dates(text))
