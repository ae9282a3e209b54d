"""How the build writes the Whoosh index: writer settings, and Whoosh 2.7 functions
replaced for speed (none of which changes what is indexed or found) or fixed.

Measured on profiles of the build (docs/performance.md, "Build after the exact fields").
Imported by indexer/index.py, so the fixes also apply where indexes are read.
tests/test_index_writer.py writes an archive with Whoosh's own functions
(WHOOSH_ORIGINALS) and with these, and compares postings, hits, scores and order.
"""
from __future__ import annotations

import pickle
from typing import Callable

from whoosh import formats
from whoosh.codec import whoosh3
from whoosh.matching import binary, mcore
from whoosh.writing import PostingPool, SegmentWriter

# Postings each writer process keeps in memory before sorting them into a run on disk
# (Whoosh's estimate, close to the real size). With batched runs (below) spilling costs
# little, so two writer processes stay within 1.5 GB at 1,000 hours with the corpus read.
WRITER_POOL_MB = 256

# Whoosh's own functions replaced below, by (class, name): the build's tests compare
# an index written with them against one written with ours.
WHOOSH_ORIGINALS: dict[tuple[type, str], Callable] = {}


def _replace(cls: type, name: str, function: Callable):
    WHOOSH_ORIGINALS.setdefault((cls, name), getattr(cls, name))
    setattr(cls, name, function)


# A term found in fewer passages than this keeps its postings in its term-index entry
# instead of a compressed block of its own in the postings file: most word pairs of the
# exact fields are rare, and one pickled, zlib-compressed block per pair was the largest
# single cost of writing a segment (and of its size on disk).
INLINE_POSTINGS = 8
# Whoosh 2.7's postings writer calls ``terminfo.set_inline(...)``, a method that does not
# exist (it is ``set_inlined``): inlining works only with this alias.
whoosh3.W3TermInfo.set_inline = whoosh3.W3TermInfo.set_inlined


def _list_matcher_copy(self):
    # Inlined postings are read through a ListMatcher, whose copy() (Whoosh 2.7) forgets
    # its term and term info: a copied matcher would no longer report the term it
    # matched, and its block quality (BM25 top-k skipping) would fail on the missing info.
    return self.__class__(self._ids, self._weights, self._values, self._format, self._scorer,
                          self._i, self._all_weights, term=self._term, terminfo=self._terminfo)


_replace(mcore.ListMatcher, "copy", _list_matcher_copy)


def _and_not_find_first(self):
    # An exclusion's matcher (Whoosh 2.7) moves past its first document only when the
    # excluded part is already on that very document: when the excluded part starts
    # earlier, a first document holding an excluded word was kept ("mine -charbon" found a
    # passage with "charbon"). _find_next moves the excluded part up to the document first.
    if self.a.is_active() and self.b.is_active():
        self._find_next()


_replace(binary.AndNotMatcher, "_find_first", _and_not_find_first)


def writer_codec() -> whoosh3.W3Codec:
    return whoosh3.W3Codec(inlinelimit=INLINE_POSTINGS)


class _FieldLengths:
    """The field lengths of a segment being written, read once per passage and field.

    Whoosh asks the per-document reader for a length at every posting it writes (to keep
    each block's shortest and longest document): millions of column reads over 1,000
    hours. The same values, read once into lists."""

    def __init__(self, perdoc, fieldnames):
        count = perdoc.doc_count_all()
        self._lengths = {name: [perdoc.doc_field_length(n, name) for n in range(count)]
                         for name in fieldnames if perdoc.has_column(whoosh3._lenfield(name))}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self._lengths.get(fieldname)
        return lengths[docnum] if lengths is not None else default


def _flush_segment(self):
    # SegmentWriter._flush_segment (Whoosh 2.7) with the lengths read once (_FieldLengths).
    self.perdocwriter.close()
    perdoc = self.per_document_reader() if self.codec.length_stats else None
    lengths = _FieldLengths(perdoc, self.schema.scorable_names()) if perdoc else None
    self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
    self.fieldwriter.close()
    if perdoc:
        perdoc.close()


_replace(SegmentWriter, "_flush_segment", _flush_segment)


def _pool_add(self, item):
    # PostingPool.add (Whoosh 2.7) without its per-posting type assertions: the same size
    # estimate (150 bytes of Python objects, plus the strings), so the same runs on disk.
    self.fieldnames.add(item[0])
    self.currentsize += 150 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
    if self.currentsize > self.limit:
        self.save()
    self.current.append(item)


_replace(PostingPool, "add", _pool_add)

# Over a few hundred hours a writer's postings no longer fit its memory (limitmb): they
# are sorted in runs written to temporary files and merged at commit. Whoosh 2.7 pickles
# and unpickles each posting on its own there; whole batches of postings are much cheaper.
RUN_BATCH = 4096


def _write_run(self, f, items):
    if isinstance(items, list):  # a sorted pool (the merges of runs are generators)
        for start in range(0, len(items), RUN_BATCH):
            pickle.dump(items[start:start + RUN_BATCH], f, pickle.HIGHEST_PROTOCOL)
        f.close()
        return
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= RUN_BATCH:
            pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
            batch = []
    if batch:
        pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
    f.close()


def _read_run(self, path):
    f = self._open_run(path)
    try:
        while True:
            try:
                batch = pickle.load(f)
            except EOFError:
                return
            yield from batch
    finally:
        f.close()
        self._remove_run(path)


_replace(PostingPool, "_write_run", _write_run)
_replace(PostingPool, "_read_run", _read_run)


def _add_posting(self, id_, weight, vbytes, length=None):
    # W3PostingsWriter.add_posting (Whoosh 2.7) without its four per-posting type
    # assertions (the postings come from our own pool): the same blocks.
    if len(self._ids) >= self._blocklimit:
        self._write_block()
    self._ids.append(id_)
    self._weights.append(weight)
    if weight > self._maxweight:
        self._maxweight = weight
    if vbytes:
        self._values.append(vbytes)
    if length:
        if self._minlength is None or length < self._minlength:
            self._minlength = length
        if length > self._maxlength:
            self._maxlength = length


_replace(whoosh3.W3PostingsWriter, "add_posting", _add_posting)

_encode_positions = formats.Positions.encode
_ONE_POSITION: dict[int, bytes] = {}


def _encode_one_position(self, poslist):
    # Most postings of the exact fields (word pairs) hold one position: its encoding
    # (a length and a pickled list) is made once per position, not once per posting.
    if len(poslist) != 1:
        return _encode_positions(self, poslist)
    value = _ONE_POSITION.get(poslist[0])
    if value is None:
        value = _encode_positions(self, poslist)
        if len(_ONE_POSITION) < 100_000:
            _ONE_POSITION[poslist[0]] = value
    return value


_replace(formats.Positions, "encode", _encode_one_position)
