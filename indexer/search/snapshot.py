"""One index generation, opened, with what every request would otherwise recompute read once.

Recording metadata, each document's recording, speakers and type of text, and each
facet's values per unit are read into memory when a generation is opened, so that facet
counts walk plain arrays instead of scoring every match; a small LRU keeps document sets,
rankings and facet counts for the generation (a new generation is a new Snapshot, so the
cache can never serve stale results).
"""
from __future__ import annotations

import gc
import json
import os
import threading
from collections import OrderedDict, defaultdict
from pathlib import Path
from typing import Optional

import numpy as np

from ..engine.columns import LengthListBM25F, read_column
from ..engine.frequent_postings import FrequentPostings
from ..records import name_key
from ..schema import (FACET_SEPARATOR, INDEX_FORMAT, TYPE_EVENTS, TYPE_VERBATIM, IndexUnavailable, open_index,
                      read_state, truncated_file)
from ..query import Thesaurus
from ..vocabulary import Vocabulary
from .facet_counts import PassageUnits, ValueTable, pair_units, passage_array
from .facets import FACETS

CACHE_ENTRIES = 512  # results kept per index generation …
CACHE_BUDGET = 2_000_000  # … holding at most this many document numbers (~100 MB)


class Snapshot:
    """One index generation, opened, with its per-document tables in memory."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self.generation = generation(index_dir)
        self.ix = open_index(index_dir)
        self.whoosh_generation = self.ix.latest_generation()
        self.schema = self.ix.schema
        self._local = threading.local()
        self._field_lengths: dict = {}  # LengthListBM25F's, shared by this generation's searchers
        self._cache: OrderedDict = OrderedDict()  # key -> (value, cost)
        self._cache_cost = 0
        self._cache_lock = threading.Lock()
        state = read_state(index_dir) or {}
        if state.get("format") != INDEX_FORMAT:
            raise IndexUnavailable(
                f"L'index de {index_dir} a été construit par une autre version d'artoiscast-search. "
                f"Reconstruisez-le avec « artoiscast index --rebuild »."
            )
        damage = truncated_file(index_dir, state)
        if damage:
            raise IndexUnavailable(f"L'index de {index_dir} est endommagé ({damage}). "
                                   f"Reconstruisez-le avec « artoiscast index --rebuild ».")
        self.state = state
        self.thesaurus = Thesaurus(state.get("thesaurus") or [])
        self.vocabulary = Vocabulary.load(index_dir)
        try:
            self._load_tables()
        except Exception as exc:  # a garbled segment shows up only when read
            raise IndexUnavailable(
                f"L'index de {index_dir} est illisible ({type(exc).__name__}: {exc}). "
                f"Reconstruisez-le avec « artoiscast index --rebuild »."
            ) from exc
        # The tables are long-lived lists and sets of millions of items: a full garbage collection
        # walked them all (~30 ms at 1,000 hours) whenever a query's allocations set one off, a pause
        # in some first sights. Frozen, collections leave them out; what an older snapshot
        # left frozen is thawed first, so that it can still be collected.
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def _load_tables(self):
        with self.ix.searcher() as s:
            self.recordings: dict[str, dict] = {}
            for stored in s.documents(doc_type="recording"):
                rec = json.loads(stored["recording_json"])
                self.recordings[rec["id"]] = rec
            reader = s.reader()
            total = reader.doc_count_all()
            recs = read_column(reader, "c_rec", total)
            speakers = read_column(reader, "c_speaker", total)
            types = read_column(reader, "c_type", total)
            interviewers = read_column(reader, "c_interviewer", total)
            deleted = set(range(total)) - set(reader.all_doc_ids()) if reader.has_deletions() else set()
            segment_ids = [getattr(segment, "_segid", None) for segment, _ in reader.leaf_readers()]
        self.frequent_postings = FrequentPostings.of_segments(self.index_dir.resolve(), segment_ids)
        interned: dict[bytes, tuple] = {}
        self.doc_recording: list[Optional[str]] = [r.decode("utf-8") if r else None for r in recs]
        self.doc_speakers: list[tuple] = []
        for value in speakers:
            if value not in interned:
                interned[value] = tuple(v for v in value.decode("utf-8").split(FACET_SEPARATOR) if v)
            self.doc_speakers.append(interned[value])
        self.doc_type: list[str] = [t.decode("utf-8") if t else "" for t in types]
        self._load_facet_tables()
        by_recording: dict[str, set] = defaultdict(set)
        for docnum, rec_id in enumerate(self.doc_recording):
            if rec_id is not None and rec_id in self.recordings and docnum not in deleted:
                by_recording[rec_id].add(docnum)
        self._passages_by_recording = {r: frozenset(d) for r, d in by_recording.items()}
        # Passages of sound events only are shown on their recording's page, never found.
        self.all_passages = frozenset(d for d in frozenset().union(*self._passages_by_recording.values())
                                      if self.doc_type[d] != TYPE_EVENTS)
        self.passage_mask = np.zeros(total, bool)  # the same, as a mask over document numbers
        self.passage_mask[list(self.all_passages)] = True
        # Words spoken by someone named: their passage's "names" field is that person's, not the
        # recording's (indexer/index.py), so it is the passage's own (see SearchDocument.own_words).
        self.spoken_by_someone = frozenset(d for d in self.all_passages
                                           if self.doc_type[d] == TYPE_VERBATIM and self.doc_speakers[d])
        # What the per-passage filters select, read once: each facet of passages' values, and
        # whether the interviewer speaks (citations leave the questions out).
        by_value: dict[tuple[str, str], set] = defaultdict(set)
        for facet in FACETS:
            if facet.per_passage:
                values_of = facet.passage_values(self)
                for docnum in self.all_passages:
                    for value in values_of[docnum]:
                        by_value[facet.name, value].add(docnum)
        for docnum in self.all_passages:
            by_value["interviewer", "oui" if interviewers[docnum] else "non"].add(docnum)
        self._passage_facets = {key: frozenset(docs) for key, docs in by_value.items()}
        # The speaker filter folds case and accents, and knows each speaker's other spellings.
        self.speaker_spellings: dict[str, set[str]] = defaultdict(set)
        for facet_name, value in self._passage_facets:
            if facet_name == "speaker":
                self.speaker_spellings[name_key(value)].add(value)
        for rec in self.recordings.values():
            for speaker in rec.get("speakers", []):
                for alias in speaker.get("aliases") or []:
                    self.speaker_spellings[name_key(alias)].add(speaker["name"])
        # Who asks the questions somewhere (marked apart in the speaker facet).
        self.interviewers = frozenset(sp["name"] for rec in self.recordings.values()
                                      for sp in rec.get("speakers", []) if sp.get("interviewer"))
        # Sorting by date: newest recording first (undated last), then title; within a
        # recording, passage order. One integer per document, so sorting is cheap.
        order = sorted(self.recordings, key=lambda r: self.recordings[r].get("title", ""))
        order.sort(key=lambda r: self.recordings[r].get("date") or "", reverse=True)
        order.sort(key=lambda r: not self.recordings[r].get("date"))
        recording_rank = {rec_id: rank for rank, rec_id in enumerate(order)}
        self._date_rank = [
            (recording_rank.get(rec_id, len(order)) << 32) + docnum
            for docnum, rec_id in enumerate(self.doc_recording)
        ]

    def _load_facet_tables(self):
        """The units facets are counted by (indexer.facet_counts): each passage's recording,
        (recording, speakers) and (recording, type of text); and each facet's values per unit."""
        self.recording_ids = list(self.recordings)
        number = {rec_id: n for n, rec_id in enumerate(self.recording_ids)}
        of_recording = [number.get(rec_id, -1) for rec_id in self.doc_recording]
        self.facet_units = {"recording": PassageUnits(of_recording, len(number))}
        self.facet_tables = {}
        for facet in FACETS:
            if not facet.per_passage:
                self.facet_tables[facet.name] = ValueTable(
                    ((n, n, value) for n, rec_id in enumerate(self.recording_ids)
                     for value in facet.recording_values(self.recordings[rec_id])),
                    len(number), per_recording=True)
                continue
            units, pairs = pair_units(np.asarray(of_recording, np.int64), facet.passage_values(self))
            self.facet_units[facet.units] = PassageUnits(units, len(pairs))
            self.facet_tables[facet.name] = ValueTable(
                ((n, rec, value) for n, (rec, values) in enumerate(pairs) for value in values),
                len(pairs), per_recording=False)

    def cached(self, key, compute):
        """A small LRU of document sets, rankings and facet counts for this generation
        (thread-safe). Bounded by the number of document numbers it holds, so that a
        few queries matching most of a large archive cannot fill the memory.

        ``compute`` returning None stores nothing (a lookup only)."""
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key][0]
        value = compute()
        if value is None:
            return None
        cost = getattr(value, "cache_cost", None) or (len(value) if isinstance(value, (frozenset, set, list)) else 100)
        with self._cache_lock:
            if key not in self._cache:
                self._cache[key] = (value, cost)
                self._cache_cost += cost
            while self._cache and (self._cache_cost > CACHE_BUDGET or len(self._cache) > CACHE_ENTRIES):
                _, (_, old_cost) = self._cache.popitem(last=False)
                self._cache_cost -= old_cost
        return value

    def passages_with(self, name: str, value: str) -> frozenset:
        """The passages with a value of a facet of passages (speaker, type) or "interviewer"."""
        return self._passage_facets.get((name, value), frozenset())

    def recordings_of(self, docs) -> set:
        """The recordings of some passages."""
        present = self.facet_units["recording"].present(passage_array(docs))
        return {self.recording_ids[n] for n in np.flatnonzero(present[:-1]).tolist()}

    def passages_of(self, rec_id: str) -> frozenset:
        return self._passages_by_recording.get(rec_id, frozenset())

    def sorted_by_date(self, docs) -> list[int]:
        """Newest recording first; within a recording, the passages in order."""
        return sorted(docs, key=self._date_rank.__getitem__)

    def searcher(self):
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self._local.searcher = self.ix.searcher(weighting=LengthListBM25F(self._field_lengths))
        return s



def generation(index_dir: Path) -> str:
    try:
        return os.readlink(index_dir) if index_dir.is_symlink() else str(index_dir.resolve())
    except OSError:
        return ""


