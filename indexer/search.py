"""Search over the index: one JSON-ready document for the CLI, the pages and the API.

    service = SearchService("var/index")
    doc = service.search(SearchParams(q="énergie", filters={"theme": ["…"]}))

The service keeps one open index per generation and one searcher per thread,
refreshed when a new generation is swapped in (no restart needed). What every
request would otherwise recompute - recording metadata, each document's
recording and speakers - is read once per generation into memory, so facet
counts walk plain lists instead of scoring every match.
"""
from __future__ import annotations

import gc
import json
import os
import sys
from array import array
import threading
import time
from collections import OrderedDict, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import quote, urlencode

import numpy as np
from whoosh import columns, scoring
from whoosh import query as wq
from whoosh.codec import whoosh3
from whoosh.util.numeric import byte_to_length

from .engine.column_scores import EMPTY, ColumnScores, columnar
from .facet_counts import PassageUnits, ValueTable, pair_units, passage_array
from .engine.frequent_postings import FrequentPostings
from .anchors import cue_spans, first_match_time, time_at
from .highlight import approximate_matches, find_matches, kwic, mark_cues, mark_with_events, snippet, with_approximate
from .schema import (FACET_SEPARATOR, INDEX_FORMAT, TYPE_EVENTS, TYPE_SUMMARY, TYPE_VERBATIM, IndexUnavailable,
                    index_damage, open_index, read_state, truncated_file)
from .records import name_key
from .query import MAX_QUERY_CHARS, SEARCH_FIELDS, ParsedQuery, Thesaurus, cut_query, parse, suggest
from .vocabulary import Vocabulary

MAX_PER_PAGE = 50
MAX_PAGE = 1000
MAX_EXPORT = 5000
MAX_FILTER_VALUES = 10  # per facet
MAX_FILTER_CHARS = 120
CACHE_ENTRIES = 512  # results kept per index generation …
CACHE_BUDGET = 2_000_000  # … holding at most this many document numbers (~100 MB)
MODES = ("results", "citations", "concordance")
SORTS = ("relevance", "date")
# Request bounds (see SearchService): a search whose query has more terms than this once
# prefixes and synonyms are expanded, an export, or an any-word retry is "expensive", and
# only EXPENSIVE_SLOTS of those run at once; the others are answered Overloaded (503).
EXPENSIVE_TERMS = 48
EXPENSIVE_SLOTS = 2
MATCH_CHECK_EVERY = 256  # documents matched between two looks at the request's deadline
# Said by every route (page, API, exports, CLI) to a concordance asked without words.
CONCORDANCE_NEEDS_WORDS = ("La concordance aligne chaque occurrence des mots cherchés avec son contexte : "
                           "tapez d'abord un mot ou une expression.")
# What a recording found by its metadata only was found by (see SearchService._found_by).
METADATA_LABELS = {"title": "titre", "link": "lien « écouter »", "speaker": "intervenant", "role": "fonction",
                   "organisation": "organisation"}


# --------------------------------------------------------------------------- facets


# The value of a recording that has none (no theme, no date …): counted, so that a
# facet's counts add up to the results, and selectable like any other value.
NO_VALUE = "-"


class Facet:
    """A way to narrow results (Datasette-style: a small class per facet). ``name`` is the URL parameter."""

    name = ""
    label = ""
    per_passage = False  # counted from each passage (speaker, type) or from its recording
    missing = ""  # the label of NO_VALUE, for single-valued facets whose counts must add up

    def recording_values(self, rec: dict) -> list[str]:
        return []

    @property
    def units(self) -> str:
        """What it is counted by (Snapshot.facet_units): its own passages' units, or recordings."""
        return self.name if self.per_passage else "recording"

    def display(self, value: str) -> str:
        return value


class SingleValueFacet(Facet):
    """One value per recording, read from one key; a recording without it has NO_VALUE."""

    key = ""

    def recording_values(self, rec):
        return [rec[self.key]] if rec.get(self.key) else [NO_VALUE]

    def display(self, value):
        return self.missing if value == NO_VALUE else value


class ThemeFacet(SingleValueFacet):
    name, label, key, missing = "theme", "Thème", "theme", "sans thème"


class SpeakerFacet(Facet):
    name, label, per_passage = "speaker", "Intervenant", True


class OrganisationFacet(Facet):
    name, label = "organisation", "Organisation"

    def recording_values(self, rec):
        return rec.get("organisations") or []


class PlaceFacet(Facet):
    name, label = "place", "Lieu"

    def recording_values(self, rec):
        return rec.get("places") or []


class YearFacet(SingleValueFacet):
    name, label, key, missing = "year", "Année", "year", "sans date"


class KindFacet(SingleValueFacet):
    name, label, key, missing = "kind", "Genre", "kind", "genre non précisé"


class TypeFacet(Facet):
    name, label, per_passage = "type", "Type de texte", True

    def display(self, value):
        return {TYPE_VERBATIM: "transcription (verbatim)", TYPE_SUMMARY: "résumé, présentation"}.get(value, value)


class AudioFacet(Facet):
    name, label = "audio", "Avec audio"

    def recording_values(self, rec):
        return ["oui" if rec.get("has_audio") else "non"]


FACETS: list[Facet] = [ThemeFacet(), SpeakerFacet(), OrganisationFacet(), PlaceFacet(), YearFacet(), KindFacet(),
                       TypeFacet(), AudioFacet()]
FACETS_BY_NAME = {f.name: f for f in FACETS}


# --------------------------------------------------------------------------- parameters


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 10
    sort: str = "relevance"
    mode: str = "results"
    notices: list[str] = field(default_factory=list)
    asked_page: str = ""  # the page number as typed, before it was bounded (for the "past the last page" notice)

    @classmethod
    def from_args(cls, args: Mapping) -> "SearchParams":
        """From URL arguments (a MultiDict or a plain dict); odd values are corrected, never fatal."""

        def get_list(key):
            if hasattr(args, "getlist"):
                return args.getlist(key)
            value = args.get(key)
            return value if isinstance(value, list) else ([value] if value is not None else [])

        q = str(args.get("q") or "")
        params = cls(q=q)
        if len(q) > MAX_QUERY_CHARS:
            # Cut here, not only when parsing: the query is copied into every link of the page.
            params.q = cut_query(q)
            params.notices.append(f"La recherche a été coupée à {MAX_QUERY_CHARS} caractères.")
        for facet in FACETS:
            values = [str(v).strip() for v in get_list(facet.name) if str(v).strip()]
            if values:
                params.filters[facet.name] = list(dict.fromkeys(v[:MAX_FILTER_CHARS] for v in values))[:MAX_FILTER_VALUES]
        params.page = _int(args.get("page"), 1, 1, MAX_PAGE, params.notices, "page")
        params.asked_page = str(args.get("page") or "").strip()[:12]
        params.per_page = _int(args.get("per_page"), 10, 1, MAX_PER_PAGE, params.notices, "per_page")
        sort = str(args.get("sort") or "relevance")
        params.sort = sort if sort in SORTS else "relevance"
        mode = str(args.get("mode") or "results")
        params.mode = mode if mode in MODES else "results"
        return params

    def url_args(self, **changes) -> list[tuple[str, str]]:
        """The URL state, with changes: the whole search lives in the URL."""
        state = {"q": self.q, "sort": self.sort, "mode": self.mode, "page": self.page, "per_page": self.per_page}
        filters = {k: list(v) for k, v in self.filters.items()}
        for key, value in changes.items():
            if key in FACETS_BY_NAME:
                filters[key] = value
            else:
                state[key] = value
        pairs = []
        if state["q"]:
            pairs.append(("q", state["q"]))
        for facet in FACETS:
            pairs.extend((facet.name, v) for v in filters.get(facet.name, []))
        if state["sort"] != "relevance":
            pairs.append(("sort", state["sort"]))
        if state["mode"] != "results":
            pairs.append(("mode", state["mode"]))
        if state["per_page"] != 10:
            pairs.append(("per_page", str(state["per_page"])))
        if state["page"] != 1:
            pairs.append(("page", str(state["page"])))
        return pairs


def _int(value, default, low, high, notices, name) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        notices.append(f"Valeur « {str(value)[:20]} » ignorée pour {name}.")
        return default
    if number < low or number > high:
        notices.append(f"{name} ramené entre {low} et {high}.")
    return max(low, min(high, number))


# --------------------------------------------------------------------------- snapshot


class Snapshot:
    """One index generation, opened, with its per-document tables in memory."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self.generation = _generation(index_dir)
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
            recs = _column(reader, "c_rec", total)
            speakers = _column(reader, "c_speaker", total)
            types = _column(reader, "c_type", total)
            interviewers = _column(reader, "c_interviewer", total)
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
        # What the per-passage filters select, read once: speaker, type of text, interviewer.
        by_value: dict[tuple[str, str], set] = defaultdict(set)
        for docnum in self.all_passages:
            for speaker in self.doc_speakers[docnum]:
                by_value["speaker", speaker].add(docnum)
            by_value["type", self.doc_type[docnum]].add(docnum)
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
            values_of = self.doc_speakers if facet.name == "speaker" else [(t,) for t in self.doc_type]
            units, pairs = pair_units(np.asarray(of_recording, np.int64), values_of)
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

    def facet_docs(self, name: str, value: str) -> frozenset:
        """The passages a filter value selects: from the per-passage tables, or, for a
        recording's facet (theme, place …), every passage of the recordings that have it."""
        facet = FACETS_BY_NAME.get(name)
        if name == "speaker":
            spellings = self.speaker_spellings.get(name_key(value)) or {value}
            return frozenset().union(*(self._passage_facets.get((name, s), frozenset()) for s in spellings))
        if facet is None or facet.per_passage:
            return self._passage_facets.get((name, value), frozenset())
        recordings = [r for r, rec in self.recordings.items() if value in facet.recording_values(rec)]
        return frozenset().union(*(self.passages_of(r) for r in recordings))

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


def _column(reader, name: str, total: int) -> list:
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


def _field_lengths(reader, fieldname: str) -> Optional[tuple[list, np.ndarray]]:
    """What ``reader.doc_field_length(docnum, fieldname, 1)`` answers, for every docnum of one
    segment: as a list, and as an array of floats (NaN where Whoosh has no length: it would
    fail to score such a document). None where that is not a whoosh3 segment with a one-byte
    lengths column (Whoosh's own lookup is then kept)."""
    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, whoosh3.W3PerDocReader):
        return None
    column = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    if column is None:
        lengths = [1] * (perdoc._doccount + 1)  # no lengths: the default asked for
    elif isinstance(column, columns.NumericColumn.Reader) and column._fixedlen == 1:
        data = column._dbfile.get(column._basepos, column._count)
        # Past the column's end, Whoosh reads its default (0), hence None.
        lengths = [_BYTE_TO_LENGTH[b] for b in data] + [None] * (perdoc._doccount + 1 - len(data))
    else:
        return None
    return lengths, np.array([np.nan if n is None else n for n in lengths], np.float64)


def _generation(index_dir: Path) -> str:
    try:
        return os.readlink(index_dir) if index_dir.is_symlink() else str(index_dir.resolve())
    except OSError:
        return ""


# --------------------------------------------------------------------------- request bounds


class Overloaded(RuntimeError):
    """Too many expensive requests at once: the message is French, the web app answers 503."""

    retry_after = 5

    def __init__(self):
        super().__init__("Le serveur traite déjà plusieurs recherches coûteuses (préfixes très larges, exports, "
                         "recherches élargies) : réessayez dans quelques secondes, ou précisez la recherche.")


class _Budget(threading.local):
    """What the current request (one per thread) may still spend: a deadline for all its
    work (matching, the any-word retry, scoring), whether matching was cut short, and
    the expensive-request slot it holds, if any."""

    deadline = float("inf")
    cut = False
    slot = False
    retry_skipped = False  # no slot was free for the any-word retry
    scored: dict = {}  # this request's scored matches (a partial one is never cached)

    def left(self) -> float:
        return self.deadline - time.monotonic()


class Scored:
    """The passages a query matches, each with its score, found in one walk of the
    query's postings: matching and ranking used to walk them twice (once for the set
    of matches, once more to score it), and ranking was the largest share of a first
    sight. Scores are Whoosh's own (the same matchers, in the same order), so the
    ranking is the one Whoosh's top-k collector gives: score first, then docnum."""

    def __init__(self, docs: np.ndarray, scores: np.ndarray, complete: bool):
        self.complete = complete  # False: the deadline stopped the walk (partial, never cached)
        self._docs = docs  # ascending
        self._scores = scores
        self.docs = frozenset(docs.tolist())
        self.cache_cost = 3 * len(docs)  # a set, and two arrays

    def best(self, allowed: frozenset, limit: int) -> list[tuple[int, float]]:
        """(docnum, score) of the ``allowed`` matches, best first, at most ``limit``."""
        docs, scores = self._docs, self._scores
        if len(allowed) < len(docs):  # allowed is a subset of the matches
            picked = np.flatnonzero(np.isin(docs, np.fromiter(allowed, np.int64, len(allowed)), assume_unique=True))
        else:
            picked = np.arange(len(docs))
        if limit <= 0 or not len(picked):
            return []
        candidates = scores[picked]
        if limit < len(candidates):
            # Only what can reach the first ``limit`` places is sorted: the scores at least
            # as high as the limit-th highest (ties included, so the order below is exact).
            kth = np.partition(candidates, len(candidates) - limit)[len(candidates) - limit]
            within = np.flatnonzero(candidates >= kth)
            picked, candidates = picked[within], candidates[within]
        # Highest score first; a stable sort keeps ties in docnum order, as Whoosh's collector.
        order = picked[np.argsort(-candidates, kind="stable")[:limit]]
        return list(zip(docs[order].tolist(), scores[order].tolist()))


def _score_until(searcher, q: wq.Query, within: np.ndarray, budget: "_Budget", frequent: dict) -> Scored:
    """The documents matching ``q`` that ``within`` (a mask over docnums) allows, scored,
    in one walk; stopped at the request's deadline. ``frequent``: the segments' tables of
    frequent terms' postings (indexer.engine.frequent_postings), by segment id.

    Whoosh's docs_for_query has no time limit: a query matching most of a large archive
    walks every posting of every term. Looking at the clock every few hundred documents
    (or every block of postings read) bounds it with the rest of the request. Most queries
    are scored a term's postings at a time (indexer.engine.column_scores); the others are walked
    as Whoosh's collectors walk them (replaced once at the start, scored with the
    searcher's weighting)."""
    docs: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    context = searcher.context()
    seen = 0
    complete = True
    for subsearcher, offset in searcher.leaf_searchers():
        matcher = q.matcher(subsearcher, context)
        if columnar(matcher):
            columns = ColumnScores(budget.left, frequent.get(getattr(subsearcher.reader(), "_segid", None)))
            found = columns.of(matcher)
            ids = found.ids + offset
            keep = within[ids]
            docs.append(ids[keep])
            scores.append(found.scores[keep])
            if columns.cut:
                complete = False
                break
            continue
        walked_docs: list[int] = []
        walked_scores: list[float] = []
        matcher = matcher.replace(0)
        while matcher.is_active():
            docnum = offset + matcher.id()
            if within[docnum]:
                walked_docs.append(docnum)
                walked_scores.append(matcher.score())
            matcher.next()
            seen += 1
            # A first look after the first match, then every MATCH_CHECK_EVERY: a deadline
            # already spent stops the walk with something to show.
            if (seen - 1) % MATCH_CHECK_EVERY == 0 and budget.left() <= 0:
                complete = False
                break
        docs.append(np.array(walked_docs, np.int64))
        scores.append(np.array(walked_scores, np.float64))
        if not complete:
            break
    if not docs:
        return Scored(EMPTY.ids, EMPTY.scores, complete)
    return Scored(np.concatenate(docs), np.concatenate(scores), complete)


def query_terms(q: Optional[wq.Query]) -> int:
    """How many terms a query reads (one per field, per expansion of a prefix …): its cost."""
    if q is None:
        return 0
    children = list(q.children())
    return sum(query_terms(c) for c in children) if children else 1


# --------------------------------------------------------------------------- service


class SearchService:
    def __init__(self, index_dir: os.PathLike | str, base_url: str = "", time_limit: float = 3.0,
                 expensive_slots: int = EXPENSIVE_SLOTS):
        self.index_dir = Path(index_dir)
        self.base_url = base_url.rstrip("/")
        self.time_limit = time_limit  # seconds for a whole search: matching, any-word retry, scoring
        self._snapshot: Optional[Snapshot] = None
        self._lock = threading.Lock()
        self._checked = 0.0
        self._budget = _Budget()
        self._expensive = threading.BoundedSemaphore(max(1, expensive_slots))

    # ------------------------------------------------------------------ request bounds
    @contextmanager
    def _request(self):
        """One request: its deadline and expensive slot, and an index damaged under it
        (a segment file truncated while serving) turned into IndexUnavailable (503)
        instead of an error per request."""
        budget = self._budget
        budget.deadline, budget.cut, budget.slot = time.monotonic() + self.time_limit, False, False
        budget.retry_skipped, budget.scored = False, {}
        try:
            yield budget
        except (IndexUnavailable, Overloaded):
            raise
        except Exception as exc:
            damage = index_damage(self.index_dir)
            if damage is None:
                raise
            with self._lock:
                self._snapshot = None  # reopened (and refused, until rebuilt) by the next request
            raise IndexUnavailable(f"L'index de {self.index_dir} est endommagé ({damage}). "
                                   f"Reconstruisez-le avec « artoiscast index --rebuild ».") from exc
        finally:
            if budget.slot:
                budget.slot = False
                self._expensive.release()

    def _claim_slot(self):
        """An expensive request takes one of the few slots, or is refused at once: a
        handful of broad prefixes or exports cannot take every thread from the others."""
        if not self._try_slot():
            raise Overloaded()

    def _try_slot(self) -> bool:
        if not self._budget.slot:
            self._budget.slot = self._expensive.acquire(blocking=False)
        return self._budget.slot

    # ------------------------------------------------------------------ index
    def snapshot(self) -> Snapshot:
        """The current generation, reopened when a build has swapped in a new one."""
        snap = self._snapshot
        if snap is None or self._outdated(snap):
            with self._lock:
                if self._snapshot is snap:  # no other thread reopened it meanwhile
                    self._snapshot = Snapshot(self.index_dir)
                snap = self._snapshot
        return snap

    def _outdated(self, snap: Snapshot) -> bool:
        if snap.generation != _generation(self.index_dir):
            return True  # the index link points to another generation
        if self.index_dir.is_symlink():
            return False
        # A plain index folder (not built by us): Whoosh's own generation number, checked once a second.
        now = time.monotonic()
        if now - self._checked < 1.0:
            return False
        self._checked = now
        return snap.ix.latest_generation() != snap.whoosh_generation

    # ------------------------------------------------------------------ links
    def recording_link(self, rec_id: str, start: Optional[float] = None, end: Optional[float] = None,
                       q: str = "") -> str:
        args = []
        if start is not None:
            args.append(("t", _seconds(start) + ("," + _seconds(end) if end is not None else "")))
        if q:
            args.append(("q", q))
        query = urlencode(args, safe=",")  # "t=22,36" stays readable in a shared link
        return f"{self.base_url}/enregistrement/{quote(rec_id, safe='')}" + (f"?{query}" if args else "")

    def media_url(self, rec: dict) -> Optional[str]:
        if rec.get("audio_file"):
            return f"{self.base_url}/audio/{quote(rec['audio_file'])}"
        if rec.get("media") == "audio" and rec.get("audio_url") and not rec.get("audio_dead"):
            return rec["audio_url"]
        return None

    def recording_json(self, rec: dict) -> dict:
        return {
            "id": rec["id"],
            "title": rec["title"],
            "theme": rec.get("theme"),
            "page_url": rec.get("page_url"),
            "speakers": [
                {"name": s["name"], "role": s.get("role"), "organisation": s.get("organisation"),
                 "interviewer": bool(s.get("interviewer"))}
                for s in rec.get("speakers", [])
            ],
            "date": rec.get("date"),
            "date_label": rec.get("date_label"),
            "kind": rec.get("kind"),
            "media": rec.get("media"),
            "audio_url": self.media_url(rec),
            "source_audio_url": rec.get("audio_url"),
            "has_audio": bool(rec.get("has_audio")),
            "audio_dead": bool(rec.get("audio_dead")),  # its link was found dead (fetch --audio)
            "places": rec.get("places", []),
            "organisations": rec.get("organisations", []),
            "link": self.recording_link(rec["id"]),
        }

    # ------------------------------------------------------------------ search
    def search(self, params: SearchParams) -> dict:
        with self._request():
            doc = self._search(params)
            if doc["total"] and params.page > doc["pages"]:
                # Past the last page (an old link, a hand-typed page=9999): the last page, with a notice,
                # whichever route asks (page, API, CLI). (Issue 22's search document will settle the page once.)
                asked = params.asked_page if params.asked_page.isdigit() else str(params.page)
                notices = [n for n in params.notices if not n.startswith("page ")]
                notices.append(f"La page {asked} n'existe pas pour cette recherche : voici la dernière, "
                               f"la page {doc['pages']}.")
                doc = self._search(replace(params, page=doc["pages"], notices=notices))
            return doc

    def _search(self, params: SearchParams) -> dict:
        started = time.perf_counter()
        snap = self.snapshot()
        s = snap.searcher()
        fields = _fields(params.mode)
        parsed = parse(params.q, snap.schema, snap.vocabulary, snap.thesaurus, fields=fields)
        if query_terms(parsed.query) > EXPENSIVE_TERMS:
            self._claim_slot()
        notices = list(params.notices) + parsed.notices
        filters = self._filters(params, snap, s)
        # Words typed but nothing to search ("-solaire" alone, only stop words): the
        # notice says so, and nothing is selected - not the whole corpus.
        nothing_to_search = parsed.query is None and bool(parsed.words)
        needs_words = concordance_needs_words(params, parsed)
        if needs_words:
            notices.append(CONCORDANCE_NEEDS_WORDS)
        if nothing_to_search or needs_words:
            matched, relaxed = frozenset(), False
        else:
            matched, parsed, relaxed = self._match(snap, s, params, parsed, filters)
        if relaxed:
            notices.append("Aucun passage ne contient tous les mots : voici ceux qui en contiennent au moins un.")
        if self._budget.retry_skipped:
            notices.append("Le serveur est très sollicité : la recherche des passages contenant au moins un "
                           "des mots n'a pas été faite. Réessayez dans quelques secondes.")
        if nothing_to_search or needs_words:
            # Nothing selected, nothing to narrow. Not from the facet cache: its key (the parsed
            # query, None here) is also browsing's, the whole corpus. (Issue 22's search document
            # will key the facets on what is matched, which makes this case an ordinary one.)
            facets = {facet.name: [] for facet in FACETS}
        elif params.mode == "citations":
            # The facets show who and what the search finds, quotable or not, so that a
            # person can be chosen before knowing whether their words were transcribed.
            facet_filters = {k: v for k, v in filters.items() if k != "_citations"}
            facet_matched = self._matched(snap, s, parsed.query, facet_filters)
            facets = self._facets(snap, s, parsed.query, facet_filters, facet_matched)
        else:
            facets = self._facets(snap, s, parsed.query, filters, matched)
        facets = self._useful_facets(snap, s, facets, params.filters)
        own_words = self._own_words(snap, s, params, relaxed, filters, matched)
        if params.mode == "results":
            total, results, partial = self._grouped(snap, s, params, parsed, matched, own_words)
            passages = None
        else:
            total, passages, partial = self._passage_page(snap, s, params, parsed, matched)
            results = []
        partial |= self._budget.cut
        if partial:
            notices.append("La recherche a pris trop de temps : les résultats sont partiels.")
        wants_suggestion = params.q.strip() and (total < 3 or relaxed)
        doc = {
            "query": parsed.text,
            "total": total,
            "total_passages": len(own_words),  # those holding the words themselves, as exported
            "page": params.page,
            "per_page": params.per_page,
            "pages": max(1, -(-total // params.per_page)),
            # Without words to rank by, the list is by date whatever was asked.
            "sort": params.sort if parsed.query is not None else "date",
            "mode": params.mode,
            "filters": params.filters,
            "suggestion": suggest(parsed, s, snap.vocabulary, snap.thesaurus, params.q) if wants_suggestion else None,
            "relaxed": relaxed,
            "partial": partial,
            "notices": notices,
            "nothing_to_search": nothing_to_search,  # words typed, none to search ("-solaire", "les")
            "needs_words": needs_words,  # a concordance asked without words
            "results": results,
            "facets": facets,
            "took_ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if passages is not None:
            doc["passages"] = passages
        if params.mode == "results":
            doc["total_by_kind"] = self._recordings_and_texts(snap, matched)
        if params.mode == "citations":
            # What can be quoted at all under these filters, whatever the words: tells
            # "no transcript yet" apart from "these words are not in the transcripts".
            citable = {k: v for k, v in filters.items() if k == "_citations" or k in params.filters}
            doc["citable_passages"] = len(self._matched(snap, s, None, citable))
        return doc

    @staticmethod
    def _recordings_and_texts(snap: Snapshot, matched: frozenset) -> dict:
        """Results that are recordings (audio, video) and those that are page text only."""
        rec_ids = snap.recordings_of(matched)
        texts = sum(1 for r in rec_ids if not snap.recordings[r].get("media"))
        return {"recordings": len(rec_ids) - texts, "texts": texts}
    def _match(self, snap: Snapshot, s, params: SearchParams, parsed: ParsedQuery, filters: dict[str, frozenset]):
        """(matched passages, the query used, relaxed): all the words, or - when no passage
        has them all, and time is left - any of them. The page and the exports share it, so
        they always agree."""
        matched = self._matched(snap, s, parsed.query, filters)
        if (matched or parsed.query is None
                or len(parsed.terms) + len(parsed.phrases) + len(parsed.exact_phrases) <= 1
                or self._budget.cut or self._budget.left() <= 0):
            return matched, parsed, False
        any_word = parse(params.q, snap.schema, snap.vocabulary, snap.thesaurus, any_word=True,
                         fields=_fields(params.mode))
        # An any-word query matches much more than an all-words one: it needs a slot, and
        # when none is free the person gets the (empty) all-words answer and a notice, not a 503.
        if any_word.query is None or not self._try_slot():
            self._budget.retry_skipped = any_word.query is not None
            return matched, parsed, False
        relaxed = self._matched(snap, s, any_word.query, filters)
        return (relaxed, any_word, True) if relaxed else (matched, parsed, False)

    def _own_words(self, snap: Snapshot, s, params: SearchParams, relaxed: bool, filters: dict,
                   matched: frozenset) -> frozenset:
        """The matched passages whose own text holds the words. Results also match a passage
        through its recording's title, people and organisations (see _fields): such a passage
        is neither counted, shown nor exported as holding the words, and a recording found so
        only says it was found by its metadata. (Issue 22's search document will carry this
        set beside the matches, computed once for the page and the exports.)"""
        if params.mode != "results" or not matched:
            return matched  # citations and concordance search the text only already
        own = parse(params.q, snap.schema, snap.vocabulary, snap.thesaurus, any_word=relaxed, fields=("text",))
        if own.query is None:
            return matched  # browsing: no words to hold
        return self._matched(snap, s, own.query, filters) & matched

    def _found_by(self, rec: dict, parsed: ParsedQuery) -> list[str]:
        """What of a recording's metadata holds the words (METADATA_LABELS' keys), for a
        recording none of whose passages does."""
        def holds(text):
            return bool(text) and bool(find_matches(text, parsed.terms, parsed.phrases, parsed.exact_phrases))

        speakers = rec.get("speakers", [])
        found = {
            "title": holds(rec.get("title")),
            "link": holds(rec.get("link_text")),  # indexed with the title (indexer/index.py)
            "speaker": any(holds(sp.get("name")) for sp in speakers),
            "role": any(holds(sp.get("role")) for sp in speakers),
            "organisation": any(holds(sp.get("organisation")) for sp in speakers),
        }
        return [name for name, held in found.items() if held]

    def export(self, params: SearchParams) -> list[dict]:
        """Every matching passage (up to MAX_EXPORT), best first, for CSV/JSON exports."""
        with self._request():
            self._claim_slot()
            snap = self.snapshot()
            s = snap.searcher()
            parsed = parse(params.q, snap.schema, snap.vocabulary, snap.thesaurus, fields=_fields(params.mode))
            if concordance_needs_words(params, parsed):
                return []
            filters = self._filters(params, snap, s)
            matched, parsed, relaxed = self._match(snap, s, params, parsed, filters)
            # The passages exported are those counted on the page: holding the words themselves.
            own_words = self._own_words(snap, s, params, relaxed, filters, matched)
            ranked, _ = self._ranked(snap, s, parsed.query, own_words, MAX_EXPORT, params.sort)
            # No highlighting but for a concordance (its rows are the occurrences): an export has
            # the passages' text, not snippets, and finding the words in 5,000 passages was most of its cost.
            # The words are still looked for in a passage with times to map them to: its link
            # opens the audio at the first of them (see indexer/anchors.py).
            timed_only = params.mode != "concordance"
            return [self._passage(snap, s, d, parsed, params.q, timed_only=timed_only) for d, _ in ranked]

    def recording(self, rec_id: str, q: str = "") -> Optional[dict]:
        """A recording with all its passages in order, the query's words marked, and which passages match."""
        with self._request():
            return self._recording(rec_id, q)

    def _recording(self, rec_id: str, q: str = "") -> Optional[dict]:
        snap = self.snapshot()
        rec = snap.recordings.get(rec_id)
        if rec is None:
            return None
        s = snap.searcher()
        # Inside one recording, a hit holds the words itself (its title would make every passage one).
        parsed = parse(q, snap.schema, snap.vocabulary, snap.thesaurus, fields=("text",)) if q else None
        if parsed and query_terms(parsed.query) > EXPENSIVE_TERMS:
            self._claim_slot()  # the same broad query through a recording page costs the same
        docnums = sorted(s.document_numbers(recording_id=rec_id, doc_type="passage"))
        hit_docs = self._hits(snap, s, parsed.query, docnums) if parsed and parsed.query is not None else set()
        passages = []
        for docnum in docnums:
            passage = self._passage(snap, s, docnum, parsed, q, with_kwic=False)
            passage["hit"] = docnum in hit_docs
            passages.append(passage)
        passages.sort(key=lambda p: p["n"])
        data = self.recording_json(rec)
        data["passages"] = passages
        data["hits"] = [p["n"] for p in passages if p["hit"]]
        data["transcript"] = rec.get("transcript")
        data["automatic"] = rec.get("automatic")
        return data

    def _hits(self, snap: Snapshot, s, base: wq.Query, docnums: list[int]) -> set[int]:
        """Which of one recording's passages (``docnums``, ascending) the query matches. A
        recording's passages have neighbouring document numbers (added together), so the
        postings are read from the first of them to the last only, not over the whole archive."""
        if not docnums:
            return set()
        found = self._budget.scored.get(("q", repr(base))) or snap.cached(("q", repr(base)), lambda: None)
        if found is not None:  # the search that led here has matched them all already
            return set(docnums) & found.docs
        low, high = docnums[0], docnums[-1]
        wanted = set(docnums) & snap.all_passages
        hits = set()
        for subsearcher, offset in s.leaf_searchers():
            if high < offset or low >= offset + subsearcher.reader().doc_count_all():
                continue
            matcher = base.matcher(subsearcher, subsearcher.boolean_context())
            if matcher.is_active() and low > offset:
                matcher.skip_to(low - offset)
            while matcher.is_active():
                docnum = offset + matcher.id()
                if docnum > high:
                    break
                if docnum in wanted:
                    hits.add(docnum)
                matcher.next()
        return hits

    def recordings(self) -> list[dict]:
        with self._request():
            return [self.recording_json(r) for r in self.snapshot().recordings.values()]

    # ------------------------------------------------------------------ document sets
    # A search is answered from sets of document numbers: the query's matches and
    # each filter's documents, cached per index generation (a new generation is a
    # new Snapshot, so the cache can never serve stale results). Pages 2, 3 … of a
    # search, or its facets with one more filter, reuse them.

    def _base_docs(self, snap: Snapshot, s, base: Optional[wq.Query]) -> frozenset:
        if base is None:
            return snap.all_passages
        return self._scored(snap, s, base).docs

    def _scored(self, snap: Snapshot, s, base: wq.Query) -> Scored:
        """The query's matches and their scores: cached per generation when complete, and
        kept for the rest of the request when the deadline cut them short."""
        key = ("q", repr(base))
        found = self._budget.scored.get(key) or snap.cached(key, lambda: None)
        if found is None:
            found = _score_until(s, base, snap.passage_mask, self._budget, snap.frequent_postings)
            if found.complete:
                snap.cached(key, lambda: found)
            else:
                self._budget.cut = True  # partial: said on the page, and never cached
            self._budget.scored[key] = found
        return found

    def _filter_docs(self, snap: Snapshot, s, name: str, values: tuple[str, ...]) -> frozenset:
        return snap.cached(("f", name, values),
                           lambda: frozenset().union(*(snap.facet_docs(name, v) for v in values)))

    def _filters(self, params: SearchParams, snap: Snapshot, s) -> dict[str, frozenset]:
        filters = {name: self._filter_docs(snap, s, name, tuple(sorted(values)))
                   for name, values in params.filters.items()}
        if params.mode == "citations":
            # Quotes are words actually spoken, and not the interviewer's questions.
            filters["_citations"] = (self._filter_docs(snap, s, "type", (TYPE_VERBATIM,))
                                     & self._filter_docs(snap, s, "interviewer", ("non",)))
        return filters

    def _matched(self, snap: Snapshot, s, base, filters: dict[str, frozenset], leave_out: str = "") -> frozenset:
        docs = self._base_docs(snap, s, base)
        for name, filter_docs in sorted(filters.items(), key=lambda f: len(f[1])):
            if name != leave_out:
                docs = docs & filter_docs
        return docs

    def _facets(self, snap: Snapshot, s, base, filters: dict[str, frozenset], matched: frozenset) -> dict:
        """Counts of recordings per value; a facet's own filter is left out of its counts,
        so that its other values stay visible and can be added (OR within a facet)."""
        if self._budget.cut:
            return self._count_facets(snap, s, base, filters, matched)  # from a partial match: not cached
        key = ("facets", repr(base), tuple(sorted((name, len(d), hash(d)) for name, d in filters.items())))
        return snap.cached(key, lambda: self._count_facets(snap, s, base, filters, matched))

    def _count_facets(self, snap: Snapshot, s, base, filters: dict[str, frozenset], matched: frozenset) -> dict:
        out = {}
        # The same passages serve most facets: made an array once, and their units (recordings
        # for six facets) marked once.
        arrays: dict[int, tuple] = {}
        present: dict[tuple[int, str], np.ndarray] = {}
        for facet in FACETS:
            docs = self._matched(snap, s, base, filters, leave_out=facet.name) if facet.name in filters else matched
            if id(docs) not in arrays:
                arrays[id(docs)] = (docs, passage_array(docs))  # docs kept alive: its id stays its own
            units = facet.units
            if (id(docs), units) not in present:
                present[id(docs), units] = snap.facet_units[units].present(arrays[id(docs)][1])
            counts = snap.facet_tables[facet.name].counts(present[id(docs), units])
            values = sorted(((v, c) for v, c in counts.items() if v), key=lambda x: (-x[1], x[0].lower()))
            if facet.name == "year":
                values.sort(key=lambda x: x[0], reverse=True)
            out[facet.name] = [{"value": v, "count": c, "label": facet.display(v)} for v, c in values]
        _mark_interviewers(out["speaker"], snap.interviewers)
        for values in out.values():
            values.sort(key=lambda v: v["value"] == NO_VALUE or bool(v.get("interviewer")))  # stable: last
        return out

    def _corpus_facets(self, snap: Snapshot, s) -> dict:
        """The facets of the whole corpus (no query, no filter): counted once per generation,
        kept out of the LRU so that a busy cache never makes every request count them again."""
        facets = getattr(snap, "corpus_facets", None)
        if facets is None:  # two threads may both count them once: same result, no lock needed
            facets = snap.corpus_facets = self._count_facets(snap, s, None, {}, snap.all_passages)
        return facets

    def _useful_facets(self, snap: Snapshot, s, facets: dict, filters: dict) -> dict:
        """A facet with one value for the whole corpus (every recording "sans audio", one
        genre …) narrows nothing: it is left out, unless a filter of it is set."""
        corpus = self._corpus_facets(snap, s)
        return {name: (values if len(corpus.get(name) or []) > 1 or name in filters else [])
                for name, values in facets.items()}

    # ------------------------------------------------------------------ ranking
    def _ranked(self, snap: Snapshot, s, base, matched: frozenset, limit: int, sort: str
                ) -> tuple[list[tuple[int, float]], bool]:
        """(docnum, score) of the matched passages, best first, at most ``limit``;
        True when the time limit cut the scoring short."""
        if not matched:
            return [], False
        key = ("r", repr(base), len(matched), hash(matched), limit, sort)
        hit = snap.cached(key, lambda: None)
        if hit is not None:
            return hit, False
        ranked, partial = self._rank(snap, s, base, matched, limit, sort)
        if not partial:
            snap.cached(key, lambda: ranked)
        return ranked, partial

    def _rank(self, snap: Snapshot, s, base, matched: frozenset, limit: int, sort: str):
        if base is None or sort == "date":
            by_date = snap.sorted_by_date(matched)
            return [(d, 0.0) for d in by_date[:limit]], False
        scored = self._scored(snap, s, base)  # matched is a subset of its matches
        return (scored.best(matched, limit) if limit > 0 else []), not scored.complete

    def _grouped(self, snap: Snapshot, s, params: SearchParams, parsed, matched: frozenset, own_words: frozenset):
        """Results grouped by recording: the page's recordings and their best passages (up to 3)
        holding the words (``own_words``); a recording found by its metadata only shows its
        best passage, and says what of its metadata holds the words ("found_by_metadata")."""
        rec_ids = snap.recordings_of(matched)
        wanted = params.page * params.per_page
        partial = False
        groups: dict[str, list] = {}
        if parsed.query is None or params.sort == "date":
            ordered = sorted(rec_ids, key=lambda r: (snap.recordings[r].get("date") or "",
                                                     snap.recordings[r].get("title", "")), reverse=True)
            page_ids = ordered[wanted - params.per_page: wanted]
            for rec_id in page_ids:
                in_recording = matched & snap.passages_of(rec_id)
                ranked, cut = self._ranked(snap, s, parsed.query, in_recording, 6, "relevance")
                partial |= cut
                groups[rec_id] = sorted(ranked) if parsed.query is None else ranked
        else:
            limit = wanted * 8 + 40
            while True:
                ranked, cut = self._ranked(snap, s, parsed.query, matched, limit, "relevance")
                partial |= cut
                groups = {}
                for docnum, score in ranked:
                    groups.setdefault(snap.doc_recording[docnum], []).append((docnum, score))
                if len(groups) >= wanted or len(ranked) < limit or cut:
                    break
                limit *= 4
            page_ids = list(groups)[wanted - params.per_page: wanted]
        results = []
        for rec_id in page_ids:
            candidates = groups.get(rec_id, [])
            score = round(candidates[0][1], 3) if candidates else 0.0
            holding = own_words & snap.passages_of(rec_id)
            found_by = None
            if holding and len(holding) < len(matched & snap.passages_of(rec_id)):
                candidates, cut = self._ranked(snap, s, parsed.query, holding, 6, "relevance")
                partial |= cut
            elif not holding:
                found_by = self._found_by(snap.recordings[rec_id], parsed)
                candidates = candidates[:1]
            results.append({
                "recording": self.recording_json(snap.recordings[rec_id]),
                "score": score,
                "passages": self._shown_passages(snap, s, parsed, params.q, candidates[:6], 3),
                # None: its passages shown hold the words; else what of its metadata does (maybe unknown: []).
                "found_by_metadata": None if found_by is None else [METADATA_LABELS[name] for name in found_by],
            })
        return len(rec_ids), results, partial

    def _shown_passages(self, snap: Snapshot, s, parsed, q: str, candidates: list, shown: int) -> list[dict]:
        """The ``shown`` passages of a recording's result, from its best candidates: a passage
        can match through its recording's title or people only, so those whose own text
        holds the words come first (best score first within each kind). Candidates are
        read and highlighted in order only until ``shown`` with the words are found."""
        marked, unmarked = [], []
        for docnum, _ in candidates:
            passage = self._passage(snap, s, docnum, parsed, q)
            (marked if "<mark" in passage["snippet"] else unmarked).append(passage)
            if len(marked) >= shown:
                break
        return (marked + unmarked)[:shown]

    def _passage_page(self, snap: Snapshot, s, params: SearchParams, parsed, matched: frozenset):
        wanted = params.page * params.per_page
        ranked, partial = self._ranked(snap, s, parsed.query, matched, wanted, params.sort)
        page = ranked[wanted - params.per_page: wanted]
        return len(matched), [self._passage(snap, s, d, parsed, params.q) for d, _ in page], partial

    def _passage(self, snap: Snapshot, s, docnum: int, parsed: Optional[ParsedQuery], q: str,
                 with_kwic: bool = True, timed_only: bool = False) -> dict:
        """One passage, the query's words marked; ``timed_only``: looked for only where the
        passage has times to map them to (an export's cost)."""
        stored = s.stored_fields(docnum)
        text = stored.get("text") or ""
        matches = []
        approximate = stored.get("approximate") or []
        named = []
        if parsed and (not timed_only or stored.get("anchors")):
            matches = find_matches(text, parsed.terms, parsed.phrases, parsed.exact_phrases)
            named = approximate_matches(approximate, parsed.terms, parsed.phrases, parsed.exact_phrases)
            matches = with_approximate(matches, named)
        rec_id = stored["recording_id"]
        rec = snap.recordings.get(rec_id, {})
        start, end = stored.get("start"), stored.get("end")
        at = first_match_time(stored, matches)  # every link and time shown of this passage
        speaker = stored.get("speaker_name")
        passage = {
            "recording_id": rec_id,
            "n": stored.get("passage_no"),
            "text": text,
            "snippet": snippet(text, matches),
            "speaker": speaker,
            "speaker_role": next((sp.get("role") for sp in rec.get("speakers", []) if sp["name"] == speaker), None),
            "interviewer": bool(stored.get("is_interviewer")),
            "start": start,
            "end": end,
            "at": at,
            "verbatim": snap.doc_type[docnum] in (TYPE_VERBATIM, TYPE_EVENTS),
            "label": stored.get("label"),
            "cues": stored.get("cues") or [],
            "topic": stored.get("topic"),
            "link": self.recording_link(rec_id, at, end, q),
            # Speech recognition's, unreviewed: {"model", "date"} (None for a human transcript or a summary).
            "automatic": rec.get("automatic") if snap.doc_type[docnum] == TYPE_VERBATIM else None,
            # A speaker named by voice, not by a person: {"automatic": true, "confidence": 0..1}.
            "speaker_attribution": {"automatic": True, "confidence": stored["speaker_confidence"]}
            if speaker and stored.get("speaker_confidence") is not None else None,
            # Known names heard misspelled: chars [start, end) of "text"; "matched" when the query asked for the name.
            "approximate_names": [{"name": name, "heard": heard, "start": first, "end": last,
                                   "matched": any(m.start == first and m.name == name for m in named)}
                                  for first, last, name, heard, _ in approximate],
        }
        if with_kwic:
            passage["kwic"] = kwic(text, matches)
            for line, match in zip(passage["kwic"], matches):  # each occurrence at its own second
                line["at"] = time_at(stored, match.start)
                line["link"] = self.recording_link(rec_id, line["at"], end, q)
        else:
            passage["html"] = mark_cues(text, matches, stored.get("events"), stored.get("uncertain"),
                                        cue_spans(stored, len(text)))
        return passage


def _mark_interviewers(values: list[dict], interviewers: frozenset):
    """The people who interview are marked, so they do not lead the facet as if interviewed."""
    for value in values:
        if value["value"] in interviewers:
            value["interviewer"] = True


def concordance_needs_words(params: SearchParams, parsed: ParsedQuery) -> bool:
    """A concordance lines up the words searched: asked without any (no query, nothing but
    quotes …), it has nothing to line up, on every route alike."""
    return params.mode == "concordance" and parsed.query is None and not parsed.words


def _fields(mode: str) -> tuple[str, ...]:
    """Results may match through a recording's title and people; a quote or a
    concordance line must hold the words itself."""
    return SEARCH_FIELDS if mode == "results" else ("text",)


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def timecode(seconds: Optional[float]) -> str:
    """12:34 or 1:02:03."""
    if seconds is None:
        return ""
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
