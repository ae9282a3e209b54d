"""Fixes of Whoosh 2.7's reading side: what a search finds, and reading an index.

Installed by ``install_reading_fixes()`` where an index is opened (indexer/schema.py
open_index) and before one is written; each is registered in indexer/engine/patches.py.
Apart from the writer's replacements (indexer/engine/writer.py), which only change how
fast an index is written: these change what a search finds or reads.
"""
from __future__ import annotations

from whoosh.codec import whoosh3
from whoosh.matching import binary, mcore

from .patches import replace


def _list_matcher_copy(self):
    # Inlined postings are read through a ListMatcher, whose copy() (Whoosh 2.7) forgets
    # its term and term info: a copied matcher would no longer report the term it
    # matched, and its block quality (BM25 top-k skipping) would fail on the missing info.
    return self.__class__(self._ids, self._weights, self._values, self._format, self._scorer,
                          self._i, self._all_weights, term=self._term, terminfo=self._terminfo)




def _and_not_find_first(self):
    # An exclusion's matcher (Whoosh 2.7) moves past its first document only when the
    # excluded part is already on that very document: when the excluded part starts
    # earlier, a first document holding an excluded word was kept ("mine -charbon" found a
    # passage with "charbon"). _find_next moves the excluded part up to the document first.
    if self.a.is_active() and self.b.is_active():
        self._find_next()


def _cached_reader(self, fieldname, column):
    # Whoosh 2.7 caches a column reader only when the column exists, so a field
    # without lengths (a KEYWORD filter) costs one stat() per posting at commit:
    # 1.6 million calls for 100 hours of transcripts. Cache the absence too.
    if fieldname not in self._readers:
        self._readers[fieldname] = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
    return self._readers[fieldname]


def install_reading_fixes():
    """Installs the fixes (registered; installing twice is harmless)."""
    replace("reading", mcore.ListMatcher, "copy", _list_matcher_copy)
    replace("reading", binary.AndNotMatcher, "_find_first", _and_not_find_first)
    replace("reading", whoosh3.W3PerDocReader, "_cached_reader", _cached_reader)
