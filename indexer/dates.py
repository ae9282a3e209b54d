"""French dates as printed on the page, kept at the precision printed.

Runs ("7-9 juin 2024", "26 mars-21 juillet 2025") and bounds ("jusqu'au 2 juin 2025")
are found as such, so that the run of an exhibition or a deadline is never taken
for the day a recording was made.

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

_WEEKDAY = r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?"
_DAY = r"(\d{1,2})(?:er)?"
_TO = r"\s*(?:-|–|au|à)\s*"

NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})/" + _YEAR + r"\b")
DAY_MONTH_YEAR = re.compile(r"\b" + _WEEKDAY + _DAY + r"\s+" + _MONTH + r"\s+" + _YEAR + r"\b", re.I)
DAY_MONTH = re.compile(r"\b" + _WEEKDAY + _DAY + r"\s+" + _MONTH + r"\b(?!\s+(?:19|20)\d\d)", re.I)
MONTH_YEAR = re.compile(r"\b" + _MONTH + r"\s+" + _YEAR + r"\b", re.I)
YEAR = re.compile(r"(?<![\d/-])" + _YEAR + r"(?![\d/-])")
# Runs: "7-9 juin 2024", "du 16 au 19 octobre 2012", "26 mars-21 juillet 2025",
# "24 septembre 2024 - 2 juin 2025", "du 02/12/2024 au 05/01/2025".
DAY_RANGE = re.compile(r"\b" + _DAY + _TO + _DAY + r"\s+" + _MONTH + r"\s+" + _YEAR + r"\b", re.I)
DATE_RANGE = re.compile(r"\b" + _DAY + r"\s+" + _MONTH + r"(?:\s+" + _YEAR + r")?" + _TO
                        + _DAY + r"\s+" + _MONTH + r"\s+" + _YEAR + r"\b", re.I)
NUMERIC_RANGE = re.compile(r"\b(\d{1,2})/(\d{1,2})/" + _YEAR + _TO + r"(\d{1,2})/(\d{1,2})/" + _YEAR + r"\b")
# A bound, not a day something happened: "jusqu'au 2 juin 2025", "à partir du 24 septembre".
BOUND = re.compile(r"(?:jusqu['’]\s*(?:au|à|en)|avant le|au plus tard le|à partir du|à partir de|d[èe]s le"
                   r"|date limite(?: d['’]\w+)?\s*:?|depuis le|ouvert[es]* depuis)\s+$", re.I)


@dataclass
class FoundDate:
    iso: str  # "2025", "2025-03", "2025-03-14", or "--06-29" (day and month, year unknown)
    label: str  # as printed
    kind: str = "point"  # "point": a day/month/year; "range": a run (iso = its start); "bound": "jusqu'au …"
    end: Optional[str] = None  # the last day of a range

    @property
    def precision(self) -> int:
        return len([p for p in self.iso.split("-") if p])

    @property
    def year(self) -> Optional[str]:
        return None if self.iso.startswith("--") else self.iso[:4]


def _month(name: str) -> int:
    return MONTHS[unidecode(name).lower()]


def _valid(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _ranges(text: str):
    """(span, start iso, end iso) of each run printed in the text."""
    for m in NUMERIC_RANGE.finditer(text):
        d1, m1, y1, d2, m2, y2 = m.groups()
        if _valid(int(d1), int(m1)) and _valid(int(d2), int(m2)):
            yield m.span(), f"{y1}-{int(m1):02d}-{int(d1):02d}", f"{y2}-{int(m2):02d}-{int(d2):02d}"
    for m in DATE_RANGE.finditer(text):
        d1, mo1, y1, d2, mo2, y2 = m.groups()
        if not (_valid(int(d1), 1) and _valid(int(d2), 1)):
            continue
        yield m.span(), f"{y1 or y2}-{_month(mo1):02d}-{int(d1):02d}", f"{y2}-{_month(mo2):02d}-{int(d2):02d}"
    for m in DAY_RANGE.finditer(text):
        d1, d2, mo, y = m.groups()
        if not (_valid(int(d1), 1) and _valid(int(d2), 1)):
            continue
        yield m.span(), f"{y}-{_month(mo):02d}-{int(d1):02d}", f"{y}-{_month(mo):02d}-{int(d2):02d}"


def find_dates(text: str, years: bool = True) -> list[FoundDate]:
    """Every date in ``text``: runs first, then the most precise forms, in order of appearance
    within a form. A date right after "jusqu'au", "à partir du" … is a bound (kind "bound")."""
    found: list[FoundDate] = []
    taken = bytearray(len(text))  # characters already part of a date: linear, whatever the text

    def free(span) -> bool:
        return not any(taken[span[0]:span[1]])

    def take(span, iso, label, kind="point", end=None):
        if kind == "point" and BOUND.search(text, max(0, span[0] - 40), span[0]):
            kind = "bound"
        found.append(FoundDate(iso, label, kind, end))
        taken[span[0]:span[1]] = b"\x01" * (span[1] - span[0])

    if "-" in text or "–" in text or " au " in text or " à " in text:
        for span, start, end in _ranges(text):
            if free(span):
                take(span, start, text[span[0]:span[1]], "range", end)
    for m in NUMERIC.finditer(text):
        day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
        if _valid(day, month) and free(m.span()):
            take(m.span(), f"{year}-{month:02d}-{day:02d}", m.group(0))
    for m in DAY_MONTH_YEAR.finditer(text):
        if free(m.span()):
            take(m.span(), f"{m.group(3)}-{_month(m.group(2)):02d}-{int(m.group(1)):02d}", m.group(0))
    for m in MONTH_YEAR.finditer(text):
        if free(m.span()):
            take(m.span(), f"{m.group(2)}-{_month(m.group(1)):02d}", m.group(0))
    for m in DAY_MONTH.finditer(text):
        if free(m.span()):
            take(m.span(), f"--{_month(m.group(2)):02d}-{int(m.group(1)):02d}", m.group(0))
    if years:
        for m in YEAR.finditer(text):
            if free(m.span()):
                take(m.span(), m.group(1), m.group(0))
    return found


def is_recording_date(found: FoundDate) -> bool:
    """Could this be the day a recording was made? Not a run, not a deadline."""
    return found.kind == "point"


def span_date(ranges: list[FoundDate]) -> Optional[FoundDate]:
    """What the first run's two ends share: "7-9 juin 2024" -> 2024-06, "26 mars-21 juillet 2025"
    -> 2025, "24 septembre 2024 - 2 juin 2025" -> nothing."""
    for found in ranges:
        if not found.end:
            continue
        start, end = found.iso.split("-"), found.end.split("-")
        common = []
        for a, b in zip(start, end):
            if a != b:
                break
            common.append(a)
        if common:
            return FoundDate("-".join(common), found.label)
        return None
    return None


def best_date(candidates: list[FoundDate]) -> Optional[FoundDate]:
    """The first candidate with a year, made more precise by a later candidate of the same year.

    A day without a year ("jeudi 29 juin") takes the year of the first dated candidate. Runs
    and bounds are not candidates (see ``span_date``).
    """
    candidates = [c for c in candidates if c.kind == "point"]
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
    found = find_dates(text)
    return best_date(found) or span_date([d for d in found if d.kind == "range"])
