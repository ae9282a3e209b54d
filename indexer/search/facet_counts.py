"""Facet counts - how many recordings have each value among some passages - with numpy.

A facet counts recordings, not passages: a recording with 300 matching passages
counts once. A search matching a fifth of a large archive (a short prefix) has
100,000 passages; counting them one by one in Python sets was a quarter of its
time. Here every passage has a number, a "unit", chosen when the index
generation is opened: its recording, for the facets of recordings (theme, place
…), or its (recording, speakers) or (recording, type of text) pair, for the
facets of passages. A table lists each unit's values; the units present among the
passages are marked in one array operation, and the values of the marked units
counted in another.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np


class ValueTable:
    """Rows of (unit, recording, value): the values each unit has, and its recording."""

    def __init__(self, rows: Iterable[tuple[int, int, str]], units: int, per_recording: bool):
        self.units = units
        self.per_recording = per_recording  # a unit is a recording: its (recording, value) rows are distinct
        numbers: dict[str, int] = {}
        unit, recording, value = [], [], []
        for u, r, v in dict.fromkeys(rows):  # a value twice for a unit counts once
            unit.append(u)
            recording.append(r)
            value.append(numbers.setdefault(v, len(numbers)))
        self.values = list(numbers)
        self.unit = np.array(unit, np.int64)
        self.recording = np.array(recording, np.int64)
        self.value = np.array(value, np.int64)

    def counts(self, present: np.ndarray) -> dict[str, int]:
        """Recordings per value, over the units marked ``present``."""
        selected = present[self.unit]
        values = self.value[selected]
        if not self.per_recording:
            # Two units of one recording (two pairs with the same speaker) count it once.
            distinct = np.unique(self.recording[selected] * len(self.values) + values)
            values = distinct % len(self.values)
        counted = np.bincount(values, minlength=len(self.values))
        return {self.values[i]: int(counted[i]) for i in np.flatnonzero(counted)}


class PassageUnits:
    """Each passage's unit for one kind of facet (-1: a passage of no recording)."""

    def __init__(self, unit_of_passage, units: int):
        self.of_passage = np.asarray(unit_of_passage, np.int64)
        self.units = units

    def present(self, passages: np.ndarray) -> np.ndarray:
        marked = np.zeros(self.units + 1, bool)  # the last one for -1, never read by a table
        marked[self.of_passage[passages]] = True
        return marked


def passage_array(passages) -> np.ndarray:
    """Document numbers (a set, a frozenset …) as an array."""
    return np.fromiter(passages, np.int64, len(passages))


def pair_units(recording: np.ndarray, values: list) -> tuple[np.ndarray, list[tuple[int, tuple]]]:
    """Each passage's unit for a facet of passages: the number of its (recording, values)
    pair (-1 for a passage of no recording); and each unit's (recording, values). ``recording``
    holds each passage's recording number (-1: none), ``values`` each passage's values (a
    tuple; equal tuples are best the same object, as interned column values are)."""
    numbers: dict[tuple, int] = {}
    value_ids = np.fromiter((numbers.setdefault(v, len(numbers)) for v in values), np.int64, len(values))
    width = max(1, len(numbers))
    keys = recording * width + value_ids
    has_recording = recording >= 0
    pairs, unit = np.unique(keys[has_recording], return_inverse=True)
    of_passage = np.full(len(recording), -1, np.int64)
    of_passage[has_recording] = unit
    by_number = list(numbers)
    return of_passage, [(key // width, by_number[key % width]) for key in pairs.tolist()]
