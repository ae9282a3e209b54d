"""The postings of frequent terms, decoded once when the index is built (issue 13).

Reading a term's postings from Whoosh's file means unpickling and decompressing it
block by block: for the terms found in hundreds of passages or more (the words
of everyday speech, their pairs, and what short prefixes expand to: 13,000 terms
holding three quarters of the postings at 1,000 hours), that decoding was most of a
search's time. When a generation is written, each
segment's frequent terms (in at least FREQUENT_DOCS passages of the segment) get
their document ids and term frequencies written as two flat arrays (``.npy``),
with a JSON table of where each term's run is. The search service maps them
(read-only, shared by worker processes through the page cache) and scores a
frequent term from them (indexer.engine.column_scores); the same ids and frequencies as
in Whoosh's postings, so the same scores.

Whoosh never rewrites a segment: an update hard-links the previous generation's
files, these included, and adds the tables of its new segment.
"""
from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path
from typing import Optional

import numpy as np
from whoosh import index
from whoosh.codec import whoosh3

from .column_scores import read_postings

FREQUENT_DOCS = 256  # passages of a segment a term must be in for its postings to be decoded at build time
SUFFIXES = (".frequent-ids.npy", ".frequent-tf.npy", ".frequent.json")


def _paths(generation: Path, segment_id: str) -> tuple[Path, Path, Path]:
    return tuple(Path(generation) / f"{segment_id}{suffix}" for suffix in SUFFIXES)


def write_frequent_postings(generation: Path, procs: int = 1, min_docs: Optional[int] = None) -> int:
    """Writes the tables of the segments that have none yet, a segment per process (a full
    build with two writer processes has two segments); returns the terms written."""
    min_docs = FREQUENT_DOCS if min_docs is None else min_docs
    with index.open_dir(str(generation)).reader() as reader:
        missing = [segment._segid for segment, _ in reader.leaf_readers()
                   if getattr(segment, "_segid", None) and not _paths(generation, segment._segid)[2].exists()]
    jobs = [(str(generation), segment_id, min_docs) for segment_id in missing]
    if procs > 1 and len(jobs) > 1:
        # Fresh processes, not forks: a fork of the build's process would share (and, for
        # the memory figures, count again) everything the build holds.
        with multiprocessing.get_context("spawn").Pool(min(procs, len(jobs))) as pool:
            return sum(pool.starmap(_write_segment, jobs))
    return sum(_write_segment(*job) for job in jobs)


def _write_segment(generation: str, segment_id: str, min_docs: int) -> int:
    with index.open_dir(generation).reader() as reader:
        segment = next(s for s, _ in reader.leaf_readers() if s._segid == segment_id)
        return _write_tables(segment, Path(generation), segment_id, min_docs)


def _write_tables(segment, generation: Path, segment_id: str, min_docs: int) -> int:
    runs: dict[str, dict[str, list[int]]] = {}
    ids_parts, tf_parts = [], []
    offset = 0
    schema = segment.schema
    for fieldname in schema.scorable_names():
        field = schema[fieldname]
        for text in _frequent_terms(segment, fieldname, min_docs):
            matcher = segment.postings(fieldname, text)
            if type(matcher) is not whoosh3.W3LeafMatcher:  # inlined, or behind deletions: left to Whoosh
                continue
            ids, tf, _ = read_postings(matcher)
            runs.setdefault(fieldname, {})[field.to_bytes(text).hex()] = [offset, offset + len(ids)]
            ids_parts.append(ids.astype(np.int32))
            tf_parts.append(tf.astype(np.float32))  # Whoosh keeps weights as float32 (array "f")
            offset += len(ids)
    ids_path, tf_path, table_path = _paths(generation, segment_id)
    np.save(ids_path, np.concatenate(ids_parts) if ids_parts else np.zeros(0, np.int32))
    np.save(tf_path, np.concatenate(tf_parts) if tf_parts else np.zeros(0, np.float32))
    # The table last: its presence says the arrays are whole.
    tmp = table_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(runs), encoding="utf-8")
    os.replace(tmp, table_path)
    return sum(len(terms) for terms in runs.values())


def _frequent_terms(segment, fieldname: str, min_docs: int):
    """The field's terms in at least ``min_docs`` passages of the segment. Most of a segment's
    terms (word pairs) have their postings inlined in their term info, pickled: reading each
    term info whole to learn its document frequency took seconds at 1,000 hours; its fixed
    header (whoosh3.W3TermInfo.to_bytes: inlined flag, weight, document frequency …) is enough."""
    terms = getattr(segment, "_terms", None)
    if not isinstance(terms, whoosh3.W3TermsReader):  # not a whoosh3 segment: Whoosh's own reading
        yield from (text for text, info in segment.iter_field(fieldname) if info.doc_frequency() >= min_docs)
        return
    header = whoosh3.W3TermInfo._struct
    for key, value in terms._tindex.items_from(terms._keycoder(fieldname, b"")):
        name, term = terms._keydecoder(key)
        if name != fieldname:
            return
        inlined, _, doc_frequency = header.unpack_from(value)[:3]
        if not inlined and doc_frequency >= min_docs:
            yield segment.schema[fieldname].from_bytes(term)


class FrequentPostings:
    """One segment's table: ``get((fieldname, term bytes))`` gives (ids, frequencies) or None."""

    def __init__(self, generation: Path, segment_id: str):
        ids_path, tf_path, table_path = _paths(generation, segment_id)
        runs = json.loads(table_path.read_text(encoding="utf-8"))
        self.ids = np.load(ids_path, mmap_mode="r")
        self.tf = np.load(tf_path, mmap_mode="r")
        if self.ids.shape != self.tf.shape:
            raise ValueError(f"{table_path.name}: arrays of different lengths")
        self.runs = {(fieldname, bytes.fromhex(term)): (start, end)
                     for fieldname, terms in runs.items() for term, (start, end) in terms.items()}
        if any(not 0 <= start <= end <= len(self.ids) for start, end in self.runs.values()):
            raise ValueError(f"{table_path.name}: a run outside the arrays")

    def get(self, term: tuple[str, bytes]):
        run = self.runs.get(term)
        if run is None:
            return None
        return self.ids[run[0]:run[1]], self.tf[run[0]:run[1]]

    @classmethod
    def of_segments(cls, generation: Path, segment_ids) -> dict[str, "FrequentPostings"]:
        """The tables of the given segments that have one."""
        return {segment_id: cls(generation, segment_id) for segment_id in segment_ids
                if segment_id is not None and _paths(generation, segment_id)[2].exists()}
