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
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Optional
from urllib.parse import quote, urlencode

from whoosh import query as wq
from whoosh.collectors import TimeLimit, TimeLimitCollector

from .highlight import find_matches, kwic, snippet
from .index import FACET_SEPARATOR, TYPE_SUMMARY, TYPE_VERBATIM, IndexUnavailable, open_index, read_state
from .query import Thesaurus, parse, suggest
from .vocabulary import Vocabulary

MAX_PER_PAGE = 50
MAX_PAGE = 1000
MAX_EXPORT = 5000
MODES = ("results", "citations", "concordance")
SORTS = ("relevance", "date")


# --------------------------------------------------------------------------- facets


class Facet:
    """A way to narrow results. ``name`` is the URL parameter and the index field."""

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

        params = cls(q=str(args.get("q") or ""))
        for facet in FACETS:
            values = [str(v).strip() for v in get_list(facet.name) if str(v).strip()]
            if values:
                params.filters[facet.name] = list(dict.fromkeys(v[:200] for v in values))[:20]
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
        self.schema = self.ix.schema
        self._local = threading.local()
        state = read_state(index_dir) or {}
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
        interned: dict[bytes, tuple] = {}
        self.doc_recording: list[Optional[str]] = [r.decode("utf-8") if r else None for r in recs]
        self.doc_speakers: list[tuple] = []
        for value in speakers:
            if value not in interned:
                interned[value] = tuple(v for v in value.decode("utf-8").split(FACET_SEPARATOR) if v)
            self.doc_speakers.append(interned[value])
        self.doc_type: list[str] = [t.decode("utf-8") if t else "" for t in types]

    def searcher(self):
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self._local.searcher = self.ix.searcher()
        return s


def _column(reader, name: str, total: int) -> list[bytes]:
    if not reader.has_column(name):
        return [b""] * total
    column = reader.column_reader(name)
    return [column[i] for i in range(total)]


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
        """The current generation: reopened when the index link points elsewhere."""
        snap = self._snapshot
        if snap is not None and snap.generation == _generation(self.index_dir):
            if not self.index_dir.is_symlink() and time.monotonic() - self._checked > 1.0:
                self._checked = time.monotonic()
                if not snap.ix.latest_generation() == snap.searcher().reader().generation():
                    snap = None
            if snap is not None:
                return snap
        with self._lock:
            if self._snapshot is None or self._snapshot.generation != _generation(self.index_dir) or snap is None:
                self._snapshot = Snapshot(self.index_dir)
            return self._snapshot

    # ------------------------------------------------------------------ links
    def recording_link(self, rec_id: str, start: Optional[float] = None, end: Optional[float] = None,
                       q: str = "") -> str:
        args = []
        if start is not None:
            args.append(("t", _seconds(start) + ("," + _seconds(end) if end is not None else "")))
        if q:
            args.append(("q", q))
        return f"{self.base_url}/enregistrement/{quote(rec_id, safe='')}" + (f"?{urlencode(args)}" if args else "")

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
        parsed = parse(params.q, snap.schema, snap.vocabulary, snap.thesaurus)
        notices = list(params.notices) + parsed.notices
        filters = self._filters(params, snap, notices)
        base = parsed.query
        docnums = self._docs(s, base, filters.values())
        relaxed = False
        if not docnums and base is not None and len(parsed.terms) > 1:
            any_word = parse(params.q, snap.schema, snap.vocabulary, snap.thesaurus, any_word=True)
            if any_word.query is not None:
                docnums = self._docs(s, any_word.query, filters.values())
                if docnums:
                    relaxed = True
                    base, parsed = any_word.query, any_word
                    notices.append("Aucun passage ne contient tous les mots : voici ceux qui en contiennent au moins un.")
        facets = self._facets(s, snap, base, filters, docnums)
        partial = False
        if params.mode == "results":
            total, results, partial = self._grouped(s, snap, params, base, filters, docnums, parsed.terms)
            passages = None
        else:
            total, passages, partial = self._passage_page(s, snap, params, base, filters, docnums, parsed.terms)
            results = None
        if partial:
            notices.append("La recherche a pris trop de temps : les résultats sont partiels.")
        doc = {
            "query": parsed.text,
            "total": total,
            "total_passages": len(docnums),
            "page": params.page,
            "per_page": params.per_page,
            "pages": max(1, -(-total // params.per_page)),
            "sort": params.sort,
            "mode": params.mode,
            "filters": params.filters,
            "suggestion": suggest(parsed, s, snap.vocabulary, snap.thesaurus) if params.q.strip() and (total < 3 or relaxed) else None,
            "relaxed": relaxed,
            "partial": partial,
            "notices": notices,
            "results": results if results is not None else [],
            "facets": facets,
            "took_ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if passages is not None:
            doc["passages"] = passages
        return doc

    def export(self, params: SearchParams) -> list[dict]:
        """Every matching passage (up to MAX_EXPORT), for CSV/JSON exports."""
        snap = self.snapshot()
        s = snap.searcher()
        parsed = parse(params.q, snap.schema, snap.vocabulary, snap.thesaurus)
        filters = self._filters(params, snap, [])
        docnums = self._docs(s, parsed.query, filters.values())
        ranked, _ = self._ranked(s, parsed.query, filters.values(), min(len(docnums), MAX_EXPORT), params.sort, snap)
        return [self._passage(s, snap, d, parsed.terms, params.q) for d, _ in ranked]

    def recording(self, rec_id: str, q: str = "") -> Optional[dict]:
        """A recording with all its passages in order (and the query's words marked)."""
        snap = self.snapshot()
        rec = snap.recordings.get(rec_id)
        if rec is None:
            return None
        s = snap.searcher()
        parsed = parse(q, snap.schema, snap.vocabulary, snap.thesaurus) if q else None
        terms = parsed.terms if parsed else set()
        docnums = sorted(s.document_numbers(recording_id=rec_id, doc_type="passage"))
        passages = [self._passage(s, snap, d, terms, q, with_kwic=False) for d in docnums]
        passages.sort(key=lambda p: p["n"])
        hits = []
        if parsed and parsed.query is not None:
            hit_docs = set(s.docs_for_query(wq.And([parsed.query, wq.Term("recording_id", rec_id)])))
            hits = [p["n"] for p, d in zip(passages, sorted(docnums)) if d in hit_docs]
        data = self.recording_json(rec)
        data["passages"] = passages
        data["hits"] = hits
        data["transcript"] = rec.get("transcript")
        return data

    def recordings(self) -> list[dict]:
        return [self.recording_json(r) for r in self.snapshot().recordings.values()]

    # ------------------------------------------------------------------ internals
    def _filters(self, params: SearchParams, snap: Snapshot, notices: list[str]) -> dict[str, wq.Query]:
        filters: dict[str, wq.Query] = {}
        for name, values in params.filters.items():
            # Indexed keywords had their commas made spaces (see index._keywords): the same here.
            terms = [wq.Term(name, v.replace(",", " ")) for v in values]
            filters[name] = wq.Or(terms) if len(terms) > 1 else terms[0]
        if params.mode == "citations":
            # Quotes are words actually spoken, and not the interviewer's questions.
            filters["_citations"] = wq.And([wq.Term("type", TYPE_VERBATIM), wq.Term("interviewer", "non")])
        return filters

    @staticmethod
    def _query(base: Optional[wq.Query], filters: Iterable[wq.Query]) -> wq.Query:
        parts = [wq.Term("doc_type", "passage")]
        if base is not None:
            parts.insert(0, base)
        parts.extend(filters)
        return wq.And(parts)

    def _docs(self, s, base, filters) -> set[int]:
        return set(s.docs_for_query(self._query(base, filters)))

    def _facets(self, s, snap: Snapshot, base, filters: dict, docnums: set[int]) -> dict:
        """Counts of recordings per value; a facet's own filter is left out of its counts,
        so that its other values stay visible and can be added (OR within a facet)."""
        out = {}
        for facet in FACETS:
            if facet.name in filters:
                others = [q for k, q in filters.items() if k != facet.name]
                docs = self._docs(s, base, others)
            else:
                docs = docnums
            counts: dict[str, set] = defaultdict(set)
            if facet.per_passage:
                values_of = snap.doc_speakers if facet.name == "speaker" else None
                for d in docs:
                    rec = snap.doc_recording[d]
                    if values_of is not None:
                        for v in values_of[d]:
                            counts[v].add(rec)
                    elif snap.doc_type[d]:
                        counts[snap.doc_type[d]].add(rec)
            else:
                for rec_id in {snap.doc_recording[d] for d in docs}:
                    rec = snap.recordings.get(rec_id)
                    if rec:
                        for v in facet.recording_values(rec):
                            counts[v].add(rec_id)
            values = sorted(((v, len(r)) for v, r in counts.items()), key=lambda x: (-x[1], x[0].lower()))
            if facet.name == "year":
                values.sort(key=lambda x: x[0], reverse=True)
            out[facet.name] = [{"value": v, "count": c, "label": facet.display(v)} for v, c in values]
        return out

    def _ranked(self, s, base, filters, limit: int, sort: str, snap: Snapshot) -> tuple[list[tuple[int, float]], bool]:
        """(docnum, score) best first, at most ``limit``; True when cut by the time limit."""
        q = self._query(base, filters)
        limit = max(1, limit)
        if base is None or sort == "date":
            docs = sorted(s.docs_for_query(q))
            docs.sort(key=lambda d: snap.recordings.get(snap.doc_recording[d], {}).get("date") or "", reverse=True)
            return [(d, 0.0) for d in docs[:limit]], False
        collector = TimeLimitCollector(s.collector(limit=limit), timelimit=self.time_limit, use_alarm=False)
        partial = False
        try:
            s.search_with_collector(q, collector)
        except TimeLimit:
            partial = True
        results = collector.results()
        return [(hit.docnum, hit.score or 0.0) for hit in results[:limit]], partial

    def _grouped(self, s, snap, params, base, filters, docnums, terms):
        rec_ids = {snap.doc_recording[d] for d in docnums}
        total = len(rec_ids)
        wanted = params.page * params.per_page
        partial = False
        if base is None or params.sort == "date":
            ordered = sorted(rec_ids, key=lambda r: (snap.recordings.get(r, {}).get("date") or "",
                                                     snap.recordings.get(r, {}).get("title", "")), reverse=True)
            page_ids = ordered[wanted - params.per_page: wanted]
            groups = {}
            for rec_id in page_ids:
                ranked, cut = self._ranked(s, base, [*filters.values(), wq.Term("recording_id", rec_id)], 3,
                                           "relevance" if base is not None else "date", snap)
                partial |= cut
                if base is None:
                    ranked.sort(key=lambda x: x[0])
                groups[rec_id] = ranked
        else:
            limit = wanted * 8 + 40
            while True:
                ranked, cut = self._ranked(s, base, filters.values(), limit, "relevance", snap)
                partial |= cut
                groups: dict[str, list] = {}
                for docnum, score in ranked:
                    groups.setdefault(snap.doc_recording[docnum], []).append((docnum, score))
                if len(groups) >= wanted or len(ranked) < limit or cut or limit >= len(docnums):
                    break
                limit *= 4
            page_ids = list(groups)[wanted - params.per_page: wanted]
        results = []
        for rec_id in page_ids:
            rec = snap.recordings.get(rec_id)
            if rec is None:
                continue
            best = groups.get(rec_id, [])[:3]
            results.append({
                "recording": self.recording_json(rec),
                "score": round(best[0][1], 3) if best else 0.0,
                "passages": [self._passage(s, snap, d, terms, params.q) for d, _ in best],
            })
        return total, results, partial

    def _passage_page(self, s, snap, params, base, filters, docnums, terms):
        total = len(docnums)
        wanted = params.page * params.per_page
        ranked, partial = self._ranked(s, base, filters.values(), wanted, params.sort, snap)
        page = ranked[wanted - params.per_page: wanted]
        return total, [self._passage(s, snap, d, terms, params.q) for d, _ in page], partial

    def _passage(self, s, snap, docnum: int, terms: set[str], q: str, with_kwic: bool = True) -> dict:
        stored = s.stored_fields(docnum)
        text = stored.get("text") or ""
        matches = find_matches(text, terms)
        rec_id = stored["recording_id"]
        rec = snap.recordings.get(rec_id, {})
        start, end = stored.get("start"), stored.get("end")
        speaker = stored.get("speaker_name")
        role = next((sp.get("role") for sp in rec.get("speakers", []) if sp["name"] == speaker), None)
        passage = {
            "recording_id": rec_id,
            "n": stored.get("passage_no"),
            "text": text,
            "snippet": snippet(text, matches),
            "html": None,
            "speaker": speaker,
            "speaker_role": role,
            "interviewer": bool(stored.get("is_interviewer")),
            "start": start,
            "end": end,
            "verbatim": stored.get("label") == "transcription" or start is not None and speaker is not None,
            "label": stored.get("label"),
            "cues": stored.get("cues") or [],
            "link": self.recording_link(rec_id, start, end, q),
        }
        passage["verbatim"] = snap.doc_type[docnum] == TYPE_VERBATIM
        if with_kwic:
            passage["kwic"] = kwic(text, matches)
        else:
            from .highlight import mark

            passage["html"] = mark(text, matches)
        return passage


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
