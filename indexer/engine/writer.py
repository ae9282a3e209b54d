"""How the build writes the Whoosh index: writer settings, and Whoosh 2.7 functions
replaced for speed (none of which changes what is indexed or found) or fixed.

Measured on profiles of the build (docs/performance.md, "Build after the exact fields").
Installed by ``install_writer_patches()`` (indexer/index.py, before writing); each replaced
function is registered in indexer/engine/patches.py WHOOSH_ORIGINALS, and
tests/test_index_writer.py writes an archive with Whoosh's own functions and with these,
and compares postings, hits, scores and order.
"""
from __future__ import annotations

import heapq
import itertools
import operator
import pickle
from array import array

from whoosh import formats
from whoosh.codec import whoosh3
from whoosh.multiproc import MpWriter
from whoosh.system import pack_ushort
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from .patches import replace
from .reading import install_reading_fixes

# Postings each writer process keeps in memory before sorting them into a run on disk
# (TermPool's estimate, a little under the real size). Runs are pickled a batch of terms at
# a time, so spilling costs little: two writer processes and the process reading the
# corpus stay within 1.5 GB at 1,000 hours.
WRITER_POOL_MB = 256

# A term found in fewer passages than this keeps its postings in its term-index entry
# instead of a compressed block of its own in the postings file: most word pairs of the
# exact fields are rare, and one pickled, zlib-compressed block per pair was the largest
# single cost of writing a segment (and of its size on disk).
INLINE_POSTINGS = 8


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

    def of_field(self, fieldname):
        """The field's length in each passage, by document number (None: not scorable)."""
        return self._lengths.get(fieldname)


class TermPool:
    """The postings of a segment being written, grouped by term as documents come.

    Replaces Whoosh 2.7's PostingPool, which keeps one tuple per posting (field, term,
    document, weight, value), sorts them all at commit and hands them one by one to the
    postings writer: most of the writing time went into those per-posting steps. Here
    each term of each field holds a flat list [docnum, weight, value, docnum, …]:
    documents come in increasing number, so each list is already in order; only the
    terms are sorted, and a term's postings are written a block at a time (_write_term).

    When the estimated size passes ``limitmb``, the terms are sorted into a run on disk
    (pickled in batches); at commit the runs are merged by term, a term's lists joined
    in run order (earlier runs hold earlier documents).

    Whoosh's MpWriter without ``multisegment`` reads its sub-writers' runs of postings
    itself: not supported (the build writes one segment per writer process).
    """

    # Bytes of Python objects per new term and per posting (three list slots, and a
    # value's own bytes object when it holds several positions): a little under the real size.
    TERM_BYTES = 250
    POSTING_BYTES = 36
    RUN_BATCH = 1024  # terms pickled together in a run
    MAX_RUNS_MERGED = 64  # runs open at once when merging

    def __init__(self, tempstore, segment=None, limitmb=128, **kwargs):
        self.tempstore = tempstore
        self.segment = segment
        self.limit = limitmb * 1024 * 1024
        self.fieldnames = set()
        self.fields: dict[str, dict[bytes, list]] = {}
        self.currentsize = 0
        self.runs: list[str] = []

    def add(self, item):
        """One posting (fieldname, btext, docnum, weight, vbytes), as Whoosh adds them."""
        self.add_field(item[0], item[2], ((item[1], 1, item[3], item[4]),), 1.0, False)

    def add_field(self, fieldname, docnum, items, fieldboost, scorable) -> int:
        """A document's (btext, freq, weight, vbytes) items for one field; returns the
        field's length (the sum of the frequencies) when the field is scorable."""
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        length = 0
        size = 0
        for btext, freq, weight, vbytes in items:
            if fieldboost != 1.0:
                weight *= fieldboost
            length += freq
            postings = terms.get(btext)
            if postings is None:
                terms[btext] = [docnum, weight, vbytes]
                size += self.TERM_BYTES + len(btext)
            else:
                postings += (docnum, weight, vbytes)
            size += self.POSTING_BYTES if freq == 1 else self.POSTING_BYTES + 33 + len(vbytes or b"")
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()
        return length if scorable else 0

    def _sorted_terms(self):
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for btext in sorted(terms):
                yield fieldname, btext, terms[btext]

    def save(self):
        """Sorts the terms in memory into a run on disk."""
        if self.fields:
            self.runs.append(self._write_run(self._sorted_terms()))
        self.fields = {}
        self.currentsize = 0

    def _write_run(self, terms) -> str:
        path = "%s.run" % random_name()
        with self.tempstore.create_file(path).raw_file() as f:
            batch = []
            for term in terms:
                batch.append(term)
                if len(batch) >= self.RUN_BATCH:
                    pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
                    batch = []
            if batch:
                pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
        return path

    def _read_run(self, path):
        f = self.tempstore.open_file(path).raw_file()
        try:
            while True:
                try:
                    batch = pickle.load(f)
                except EOFError:
                    break
                yield from batch
        finally:
            f.close()
            self.tempstore.delete_file(path)

    def _merged(self, paths):
        """The terms of several runs (given in the order they were written), merged by term."""
        merged = heapq.merge(*(self._read_run(path) for path in paths), key=lambda term: term[:2])
        last = None
        for term in merged:  # equal keys come in the order of the runs: earlier documents first
            if last is not None and term[1] == last[1] and term[0] == last[0]:
                last[2].extend(term[2])
                continue
            if last is not None:
                yield last
            last = term
        if last is not None:
            yield last

    def iter_terms(self):
        """(fieldname, btext, [docnum, weight, vbytes, …]) for every term, in order."""
        if not self.runs:
            yield from self._sorted_terms()
            return
        self.save()
        runs, self.runs = self.runs, []
        while len(runs) > self.MAX_RUNS_MERGED:  # consecutive runs merged first: order kept
            runs = [self._write_run(self._merged(runs[i:i + self.MAX_RUNS_MERGED]))
                    for i in range(0, len(runs), self.MAX_RUNS_MERGED)]
        yield from self._merged(runs)

    def iter_postings(self):
        """Whoosh's interface: one (fieldname, btext, docnum, weight, vbytes) per posting."""
        for fieldname, btext, postings in self.iter_terms():
            for i in range(0, len(postings), 3):
                yield fieldname, btext, postings[i], postings[i + 1], postings[i + 2]

    def cleanup(self):
        for path in self.runs:
            try:
                self.tempstore.delete_file(path)
            except OSError:
                pass
        self.runs = []
        self.fields = {}


def _cancel_mp_writer(self):
    # MpWriter.cancel (Whoosh 2.7) only flags its writer processes' objects in this process:
    # the processes go on waiting for passages, and Python waits for them at exit. A build
    # that fails or is interrupted while the corpus is read would hang: they are stopped.
    try:
        for task in self.tasks:
            task.terminate()
        for task in self.tasks:
            task.join()
    finally:
        SegmentWriter.cancel(self)


_segment_writer_init = SegmentWriter.__init__


def _init_segment_writer(self, ix, *args, limitmb=128, **kwargs):
    # SegmentWriter.__init__ (Whoosh 2.7), with a TermPool instead of a PostingPool.
    _segment_writer_init(self, ix, *args, limitmb=limitmb, **kwargs)
    self.pool = TermPool(self._tempstorage, self.newsegment, limitmb=limitmb)


def _add_document(self, **fields):
    # SegmentWriter.add_document (Whoosh 2.7), each field's postings handed to the pool
    # together (TermPool.add_field) instead of one call per posting.
    self._check_state()
    perdocwriter = self.perdocwriter
    schema = self.schema
    docnum = self.docnum
    pool = self.pool
    docboost = self._doc_boost(fields)
    fieldnames = sorted([name for name in fields.keys() if not name.startswith("_")])
    self._check_fields(schema, fieldnames)
    perdocwriter.start_doc(docnum)
    try:
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                length = pool.add_field(fieldname, docnum, field.index(value), fieldboost, field.scorable)
            if field.separate_spelling():
                spellfield = field.spelling_fieldname(fieldname)
                for word in field.spellable_words(value):
                    pool.add((spellfield, word.encode("utf-8"), 0, 1, None))
            if field.vector:
                vitems = field.vector.word_values(value, field.analyzer, mode="index")
                vitems = sorted((text, weight, vbytes) for text, _, weight, vbytes in vitems)
                perdocwriter.add_vector_items(fieldname, field, vitems)
            customval = fields.get("_stored_%s" % fieldname, value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
    except Exception:
        perdocwriter.cancel_doc()
        raise
    perdocwriter.finish_doc()
    self._added = True
    self.docnum += 1


def _flush_segment(self):
    # SegmentWriter._flush_segment (Whoosh 2.7), the pool written term by term
    # (_write_term), the field lengths read once (_FieldLengths).
    self.perdocwriter.close()
    perdoc = self.per_document_reader() if self.codec.length_stats else None
    lengths = _FieldLengths(perdoc, self.schema.scorable_names()) if perdoc else None
    fieldwriter = self.fieldwriter
    for fieldname, terms in itertools.groupby(self.pool.iter_terms(), key=operator.itemgetter(0)):
        fieldwriter.start_field(fieldname, self.schema[fieldname])
        field_lengths = lengths.of_field(fieldname) if lengths else None
        inline = fieldwriter._postwriter._inlinelimit * 3
        for _, btext, postings in terms:
            if len(postings) < inline:
                _write_inline_term(fieldwriter, btext, postings, field_lengths)
                continue
            fieldwriter.start_term(btext)
            _write_term(fieldwriter._postwriter, postings, field_lengths)
            fieldwriter.finish_term()
        fieldwriter.finish_field()
    fieldwriter.close()
    if perdoc:
        perdoc.close()


def _write_term(postwriter, postings, field_lengths):
    """One term's postings [docnum, weight, vbytes, …] into a W3PostingsWriter a block at
    a time: the blocks and statistics its add_posting() makes one posting at a time."""
    ids, weights, values = postings[0::3], postings[1::3], postings[2::3]
    limit = postwriter._blocklimit
    for start in range(0, len(ids), limit):
        if start:
            postwriter._write_block()
        _fill_block(postwriter, ids[start:start + limit], weights[start:start + limit],
                    values[start:start + limit], field_lengths)


def _write_inline_term(fieldwriter, btext, postings, field_lengths):
    """A term with fewer postings than the inline limit: its term info, postings inlined,
    straight into the term index - what start_term(), add_posting() and finish_term()
    make of it, without setting up a posting list it will not have."""
    postwriter = fieldwriter._postwriter
    _fill_block(postwriter, postings[0::3], postings[1::3], postings[2::3], field_lengths)
    info = whoosh3.W3TermInfo()
    info.add_block(postwriter)
    info.set_inlined(postwriter._ids, postwriter._weights, postwriter._values)
    fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + btext, info.to_bytes())


def _fill_block(postwriter, ids, weights, values, field_lengths):
    """A block's postings and statistics, as add_posting() leaves them."""
    postwriter._ids = array("I", ids)
    postwriter._weights = array("f", weights)
    postwriter._maxweight = max(0, max(weights))
    postwriter._values = [value for value in values if value]
    lengths = [length for length in map(field_lengths.__getitem__, ids) if length] if field_lengths else None
    postwriter._minlength = min(lengths) if lengths else None
    postwriter._maxlength = max(lengths) if lengths else 0


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


def install_writer_patches():
    """The writer's replacements of Whoosh functions, and the reading fixes (a build reads
    segments too: merging, frequent terms). Each is registered; installing twice is harmless."""
    install_reading_fixes()
    # Whoosh 2.7's postings writer calls ``terminfo.set_inline(...)``, a method that does not
    # exist (it is ``set_inlined``): inlining works only with this alias.
    replace("writer", whoosh3.W3TermInfo, "set_inline", whoosh3.W3TermInfo.set_inlined)
    replace("writer", MpWriter, "cancel", _cancel_mp_writer)
    replace("writer", SegmentWriter, "__init__", _init_segment_writer)
    replace("writer", SegmentWriter, "add_document", _add_document)
    replace("writer", SegmentWriter, "_flush_segment", _flush_segment)
    replace("writer", whoosh3.W3PostingsWriter, "add_posting", _add_posting)
    replace("writer", formats.Positions, "encode", _encode_one_position)
