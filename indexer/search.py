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

import json
import os
import sys
from array import array
import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import quote, urlencode

from whoosh import columns
from whoosh import query as wq
from whoosh.collectors import TimeLimit, TimeLimitCollector

from .highlight import find_matches, kwic, mark, mark_uncertain, snippet
from .index import (FACET_SEPARATOR, INDEX_FORMAT, TYPE_SUMMARY, TYPE_VERBATIM, IndexUnavailable, open_index,
                    read_state)
from .query import MAX_QUERY_CHARS, SEARCH_FIELDS, ParsedQuery, Thesaurus, parse, suggest
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


# --------------------------------------------------------------------------- facets


class Facet:
    """A way to narrow results (Datasette-style: a small class per facet). ``name`` is the URL parameter."""

    name = ""
    label = ""
    per_passage = False  # counted from each passage (speaker, type) or from its recording

    def recording_values(self, rec: dict) -> list[str]:
        return []

    def display(self, value: str) -> str:
        return value


class ThemeFacet(Facet):
    name, label = "theme", "Thème"

    def recording_values(self, rec):
        return [rec["theme"]] if rec.get("theme") else []


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


class YearFacet(Facet):
    name, label = "year", "Année"

    def recording_values(self, rec):
        return [rec["year"]] if rec.get("year") else []


class KindFacet(Facet):
    name, label = "kind", "Genre"

    def recording_values(self, rec):
        return [rec["kind"]] if rec.get("kind") else []


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
            params.q = q[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
            params.notices.append(f"La recherche a été coupée à {MAX_QUERY_CHARS} caractères.")
        for facet in FACETS:
            values = [str(v).strip() for v in get_list(facet.name) if str(v).strip()]
            if values:
                params.filters[facet.name] = list(dict.fromkeys(v[:MAX_FILTER_CHARS] for v in values))[:MAX_FILTER_VALUES]
        params.page = _int(args.get("page"), 1, 1, MAX_PAGE, params.notices, "page")
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
        self._cache: OrderedDict = OrderedDict()  # key -> (value, cost)
        self._cache_cost = 0
        self._cache_lock = threading.Lock()
        state = read_state(index_dir) or {}
        if state.get("format") != INDEX_FORMAT:
            raise IndexUnavailable(
                f"L'index de {index_dir} a été construit par une autre version d'artoiscast-search. "
                f"Reconstruisez-le avec « artoiscast index --rebuild »."
            )
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
        interned: dict[bytes, tuple] = {}
        self.doc_recording: list[Optional[str]] = [r.decode("utf-8") if r else None for r in recs]
        self.doc_speakers: list[tuple] = []
        for value in speakers:
            if value not in interned:
                interned[value] = tuple(v for v in value.decode("utf-8").split(FACET_SEPARATOR) if v)
            self.doc_speakers.append(interned[value])
        self.doc_type: list[str] = [t.decode("utf-8") if t else "" for t in types]
        by_recording: dict[str, set] = defaultdict(set)
        for docnum, rec_id in enumerate(self.doc_recording):
            if rec_id is not None and rec_id in self.recordings and docnum not in deleted:
                by_recording[rec_id].add(docnum)
        self._passages_by_recording = {r: frozenset(d) for r, d in by_recording.items()}
        self.all_passages = frozenset().union(*self._passages_by_recording.values())
        # What the per-passage filters select, read once: speaker, type of text, interviewer.
        by_value: dict[tuple[str, str], set] = defaultdict(set)
        for docnum in self.all_passages:
            for speaker in self.doc_speakers[docnum]:
                by_value["speaker", speaker].add(docnum)
            by_value["type", self.doc_type[docnum]].add(docnum)
            by_value["interviewer", "oui" if interviewers[docnum] else "non"].add(docnum)
        self._passage_facets = {key: frozenset(docs) for key, docs in by_value.items()}
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
        cost = len(value) if isinstance(value, (frozenset, set, list)) else 100
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
        if facet is None or facet.per_passage:
            return self._passage_facets.get((name, value), frozenset())
        recordings = [r for r, rec in self.recordings.items() if value in facet.recording_values(rec)]
        return frozenset().union(*(self.passages_of(r) for r in recordings))

    def passages_of(self, rec_id: str) -> frozenset:
        return self._passages_by_recording.get(rec_id, frozenset())

    def sorted_by_date(self, docs) -> list[int]:
        """Newest recording first; within a recording, the passages in order."""
        return sorted(docs, key=self._date_rank.__getitem__)

    def searcher(self):
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self._local.searcher = self.ix.searcher()
        return s


class _AllowedWithinTime(TimeLimitCollector):
    """Top-k collection restricted to a set of documents, stopped at a time limit.

    Whoosh's TimeLimitCollector calls its child's collect() directly, so wrapping
    a FilterCollector in it silently drops the filter: both jobs are done here.
    """

    def __init__(self, child, timelimit: float, allowed: frozenset):
        super().__init__(child, timelimit, use_alarm=False)
        self.allowed = allowed

    def collect_matches(self):
        child, allowed = self.child, self.allowed
        for sub_docnum in child.matches():
            if self.timedout:
                raise TimeLimit
            if child.offset + sub_docnum in allowed:
                child.collect(sub_docnum)


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


def _generation(index_dir: Path) -> str:
    try:
        return os.readlink(index_dir) if index_dir.is_symlink() else str(index_dir.resolve())
    except OSError:
        return ""


# --------------------------------------------------------------------------- service


class SearchService:
    def __init__(self, index_dir: os.PathLike | str, base_url: str = "", time_limit: float = 3.0):
        self.index_dir = Path(index_dir)
        self.base_url = base_url.rstrip("/")
        self.time_limit = time_limit
        self._snapshot: Optional[Snapshot] = None
        self._lock = threading.Lock()
        self._checked = 0.0

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
        if rec.get("media") == "audio" and rec.get("audio_url"):
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
            "places": rec.get("places", []),
            "organisations": rec.get("organisations", []),
            "link": self.recording_link(rec["id"]),
        }

    # ------------------------------------------------------------------ search
    def search(self, params: SearchParams) -> dict:
        started = time.perf_counter()
        snap = self.snapshot()
        s = snap.searcher()
        fields = _fields(params.mode)
        parsed = parse(params.q, snap.schema, snap.vocabulary, snap.thesaurus, fields=fields)
        notices = list(params.notices) + parsed.notices
        filters = self._filters(params, snap, s)
        matched = self._matched(snap, s, parsed.query, filters)
        relaxed = False
        if not matched and parsed.query is not None and len(parsed.terms) + len(parsed.phrases) > 1:
            any_word = parse(params.q, snap.schema, snap.vocabulary, snap.thesaurus, any_word=True, fields=fields)
            if any_word.query is not None:
                matched = self._matched(snap, s, any_word.query, filters)
                if matched:
                    relaxed, parsed = True, any_word
                    notices.append("Aucun passage ne contient tous les mots : voici ceux qui en contiennent au moins un.")
        facets = self._facets(snap, s, parsed.query, filters, matched)
        if params.mode == "results":
            total, results, partial = self._grouped(snap, s, params, parsed, matched)
            passages = None
        else:
            total, passages, partial = self._passage_page(snap, s, params, parsed, matched)
            results = []
        if partial:
            notices.append("La recherche a pris trop de temps : les résultats sont partiels.")
        wants_suggestion = params.q.strip() and (total < 3 or relaxed)
        doc = {
            "query": parsed.text,
            "total": total,
            "total_passages": len(matched),
            "page": params.page,
            "per_page": params.per_page,
            "pages": max(1, -(-total // params.per_page)),
            "sort": params.sort,
            "mode": params.mode,
            "filters": params.filters,
            "suggestion": suggest(parsed, s, snap.vocabulary, snap.thesaurus) if wants_suggestion else None,
            "relaxed": relaxed,
            "partial": partial,
            "notices": notices,
            "results": results,
            "facets": facets,
            "took_ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if passages is not None:
            doc["passages"] = passages
        return doc

    def export(self, params: SearchParams) -> list[dict]:
        """Every matching passage (up to MAX_EXPORT), best first, for CSV/JSON exports."""
        snap = self.snapshot()
        s = snap.searcher()
        parsed = parse(params.q, snap.schema, snap.vocabulary, snap.thesaurus, fields=_fields(params.mode))
        matched = self._matched(snap, s, parsed.query, self._filters(params, snap, s))
        ranked, _ = self._ranked(snap, s, parsed.query, matched, MAX_EXPORT, params.sort)
        return [self._passage(snap, s, d, parsed, params.q) for d, _ in ranked]

    def recording(self, rec_id: str, q: str = "") -> Optional[dict]:
        """A recording with all its passages in order, the query's words marked, and which passages match."""
        snap = self.snapshot()
        rec = snap.recordings.get(rec_id)
        if rec is None:
            return None
        s = snap.searcher()
        parsed = parse(q, snap.schema, snap.vocabulary, snap.thesaurus) if q else None
        docnums = sorted(s.document_numbers(recording_id=rec_id, doc_type="passage"))
        hit_docs = self._base_docs(snap, s, parsed.query) if parsed and parsed.query is not None else set()
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

    def recordings(self) -> list[dict]:
        return [self.recording_json(r) for r in self.snapshot().recordings.values()]

    # ------------------------------------------------------------------ document sets
    # A search is answered from sets of document numbers: the query's matches and
    # each filter's documents, cached per index generation (a new generation is a
    # new Snapshot, so the cache can never serve stale results). Pages 2, 3 … of a
    # search, or its facets with one more filter, reuse them.

    def _base_docs(self, snap: Snapshot, s, base: Optional[wq.Query]) -> frozenset:
        if base is None:
            return snap.all_passages
        return snap.cached(("q", repr(base)), lambda: frozenset(s.docs_for_query(base)) & snap.all_passages)

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
        key = ("facets", repr(base), tuple(sorted((name, len(d), hash(d)) for name, d in filters.items())))
        return snap.cached(key, lambda: self._count_facets(snap, s, base, filters, matched))

    def _count_facets(self, snap: Snapshot, s, base, filters: dict[str, frozenset], matched: frozenset) -> dict:
        out = {}
        recordings_of_matched = None
        for facet in FACETS:
            docs = self._matched(snap, s, base, filters, leave_out=facet.name) if facet.name in filters else matched
            counts: dict[str, set] = defaultdict(set)
            if facet.per_passage:
                doc_recording = snap.doc_recording
                if facet.name == "speaker":
                    doc_speakers = snap.doc_speakers
                    for d in docs:
                        for value in doc_speakers[d]:
                            counts[value].add(doc_recording[d])
                else:
                    doc_type = snap.doc_type
                    for d in docs:
                        counts[doc_type[d]].add(doc_recording[d])
            else:
                if docs is matched:
                    if recordings_of_matched is None:
                        recordings_of_matched = {snap.doc_recording[d] for d in matched}
                    rec_ids = recordings_of_matched
                else:
                    rec_ids = {snap.doc_recording[d] for d in docs}
                for rec_id in rec_ids:
                    for value in facet.recording_values(snap.recordings[rec_id]):
                        counts[value].add(rec_id)
            values = sorted(((v, len(r)) for v, r in counts.items() if v), key=lambda x: (-x[1], x[0].lower()))
            if facet.name == "year":
                values.sort(key=lambda x: x[0], reverse=True)
            out[facet.name] = [{"value": v, "count": c, "label": facet.display(v)} for v, c in values]
        return out

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
        # Score the query alone, restricted to the matched set: no filter terms in the
        # query keeps Whoosh's block-skipping top-k collection working.
        collector = _AllowedWithinTime(s.collector(limit=max(1, limit)), self.time_limit, matched)
        partial = False
        try:
            s.search_with_collector(base, collector)
        except TimeLimit:
            partial = True
        results = collector.results()
        return [(hit.docnum, hit.score or 0.0) for hit in results[:limit]], partial

    def _grouped(self, snap: Snapshot, s, params: SearchParams, parsed, matched: frozenset):
        """Results grouped by recording: the page's recordings and their best passages (up to 3)."""
        rec_ids = {snap.doc_recording[d] for d in matched}
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
            passages = [self._passage(snap, s, d, parsed, params.q) for d, _ in candidates[:6]]
            # A passage can match through its recording's title or people only: those
            # whose own text holds the words come first (stable: best score first).
            passages.sort(key=lambda p: "<mark>" not in p["snippet"])
            results.append({
                "recording": self.recording_json(snap.recordings[rec_id]),
                "score": round(candidates[0][1], 3) if candidates else 0.0,
                "passages": passages[:3],
            })
        return len(rec_ids), results, partial

    def _passage_page(self, snap: Snapshot, s, params: SearchParams, parsed, matched: frozenset):
        wanted = params.page * params.per_page
        ranked, partial = self._ranked(snap, s, parsed.query, matched, wanted, params.sort)
        page = ranked[wanted - params.per_page: wanted]
        return len(matched), [self._passage(snap, s, d, parsed, params.q) for d, _ in page], partial

    def _passage(self, snap: Snapshot, s, docnum: int, parsed: Optional[ParsedQuery], q: str,
                 with_kwic: bool = True) -> dict:
        stored = s.stored_fields(docnum)
        text = stored.get("text") or ""
        matches = find_matches(text, parsed.terms, parsed.phrases) if parsed else []
        rec_id = stored["recording_id"]
        rec = snap.recordings.get(rec_id, {})
        start, end = stored.get("start"), stored.get("end")
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
            "verbatim": snap.doc_type[docnum] == TYPE_VERBATIM,
            "label": stored.get("label"),
            "cues": stored.get("cues") or [],
            "link": self.recording_link(rec_id, start, end, q),
            # Speech recognition's, unreviewed: {"model", "date"} (None for a human transcript or a summary).
            "automatic": rec.get("automatic") if snap.doc_type[docnum] == TYPE_VERBATIM else None,
        }
        if with_kwic:
            passage["kwic"] = kwic(text, matches)
        else:
            passage["html"] = mark_uncertain(text, matches, stored.get("uncertain") or [])
        return passage


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
