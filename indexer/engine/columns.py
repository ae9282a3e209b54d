"""Per-document columns and field lengths, read in blocks from Whoosh's files.

Whoosh reads a column value by value, and a document's field length from its column
file at every scored posting. Search reads them once per index generation, straight
from Whoosh 2.7's on-disk layout (RefBytes columns, one-byte length columns): this
module is the one place that knows that layout.
"""
from __future__ import annotations

import sys
from array import array
from typing import Optional

import numpy as np
from whoosh import columns, scoring
from whoosh.codec import whoosh3
from whoosh.util.numeric import byte_to_length


def read_column(reader, name: str, total: int) -> list:
    """Every document's value of a column, in document order.

    Read once per index generation, for the whole index (160,000 passages for
    1,000 hours): RefBytes columns are read segment by segment in one block
    each, instead of value by value, which made a new generation visible ~0.6 s
    later on a large archive.
    """
    if not reader.has_column(name):
        return [b""] * total
    column = reader.column_reader(name, translate=False)
    segments = getattr(column, "_readers", None) or [column]
    # A segment without the column (one holding only recording documents, as the first
    # build of an archive with no transcript yet) is left out of _readers: place each
    # segment's values at its own document offset.
    offsets = getattr(column, "_doc_offsets", None) or [0]
    values: list = [b""] * total
    for offset, segment in zip(offsets, segments):
        part = (_ref_bytes_values(segment) if isinstance(segment, columns.RefBytesColumn.Reader)
                else list(segment))
        if offset + len(part) > total:
            return [b""] * total
        values[offset:offset + len(part)] = part
    return values


def _ref_bytes_values(segment) -> list[bytes]:
    # Whoosh's RefBytes layout: one big-endian reference per document, then the
    # unique values (whoosh/columns.py, RefBytesColumn.Reader).
    size = segment._doccount * segment._itemsize
    refs = array(segment._typecode, segment._dbfile.get(segment._basepos, size))
    if sys.byteorder == "little" and refs.itemsize > 1:
        refs.byteswap()
    uniques = segment._uniques
    return [uniques[r] for r in refs]


class LengthListBM25F(scoring.BM25F):
    """Whoosh's BM25F, the same scores, with each segment's field lengths read once into a
    list (and an array, for indexer.engine.column_scores): Whoosh reads a document's length from
    its column file at every scored posting (struct unpacking through two method calls),
    a third of the time spent ranking. ``lengths`` is shared by the searchers of one index
    generation (one per thread), so that each segment's lengths are read once, not once
    per thread."""

    def __init__(self, lengths: dict, **kwargs):
        super().__init__(**kwargs)
        self.lengths = lengths  # (segment id, field name) -> (list, array), or None

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, scoring.BM25FScorer):
            reader = searcher.reader()
            key = (getattr(reader, "_segid", None), fieldname)
            if key not in self.lengths:  # two threads may both read them once: same values
                self.lengths[key] = _field_lengths(reader, fieldname)
            if self.lengths[key] is not None:
                scorer.dfl = self.lengths[key][0].__getitem__
                scorer.field_lengths = self.lengths[key][1]
        return scorer


_BYTE_TO_LENGTH = [None] + [byte_to_length(b) for b in range(1, 256)]  # 0: no length (Whoosh returns None)
# The same table as arrays, to decode a whole column at once: the lengths themselves (ints, or
# None), and as floats (NaN for None).
_LENGTH_OBJECTS = np.array(_BYTE_TO_LENGTH, dtype=object)
_LENGTH_FLOATS = np.array([np.nan if n is None else n for n in _BYTE_TO_LENGTH], np.float64)


def _field_lengths(reader, fieldname: str) -> Optional[tuple[list, np.ndarray]]:
    """What ``reader.doc_field_length(docnum, fieldname, 1)`` answers, for every docnum of one
    segment: as a list, and as an array of floats (NaN where Whoosh has no length: it would
    fail to score such a document). None where that is not a whoosh3 segment with a one-byte
    lengths column (Whoosh's own lookup is then kept). Read when a search first scores the
    field in the segment: decoded by table lookups over the whole column (a Python loop over
    each document took ~7 ms per segment and field at 1,000 hours, in a first search's time)."""
    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, whoosh3.W3PerDocReader):
        return None
    column = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    if column is None:
        lengths = [1] * (perdoc._doccount + 1)  # no lengths: the default asked for
        return lengths, np.ones(len(lengths), np.float64)
    if not (isinstance(column, columns.NumericColumn.Reader) and column._fixedlen == 1):
        return None
    data = np.frombuffer(column._dbfile.get(column._basepos, column._count), np.uint8)
    # Past the column's end, Whoosh reads its default (0), hence None.
    codes = np.zeros(max(len(data), perdoc._doccount + 1), np.uint8)
    codes[:len(data)] = data
    return _LENGTH_OBJECTS[codes].tolist(), _LENGTH_FLOATS[codes]
