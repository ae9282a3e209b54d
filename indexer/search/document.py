"""The search document: one function from a search's parameters to its whole answer.

    doc = SearchDocument(sets, shaper, params).answer()            # a page of it
    doc = SearchDocument(sets, shaper, params, export=True).answer()  # every passage, for a file

Results, passages, occurrences, facets, notices and paging are decided here, once; the
HTML page, the JSON API, the CSV/JSON exports and `artoiscast search` only render the
document (and so the same address answers the same everywhere: a page past the last
one, a concordance without words, the passages counted as holding the words).
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Optional

from whoosh import query as wq

from ..highlight import find_matches
from ..query import SEARCH_FIELDS, ParsedQuery, parse, query_terms, suggest
from .bounds import EXPENSIVE_TERMS
from .facets import FACETS
from .matching import CITATIONS, DocumentSets, text_part
from .params import SearchParams
from .passages import Shaper

MAX_EXPORT = 5000
# Said by every route (page, API, exports, CLI) to a concordance asked without words.
CONCORDANCE_NEEDS_WORDS = ("La concordance aligne chaque occurrence des mots cherchés avec son contexte : "
                           "tapez d'abord un mot ou une expression.")
# What a recording found by its metadata only was found by (see found_by_metadata).
METADATA_LABELS = {"title": "titre", "link": "lien « écouter »", "speaker": "intervenant", "role": "fonction",
                   "organisation": "organisation"}


def fields_of(mode: str) -> tuple[str, ...]:
    """Results may match through a recording's title and people; a quote or a
    concordance line must hold the words itself."""
    return SEARCH_FIELDS if mode == "results" else ("text",)


class SearchDocument:
    """One search (a request's parameters) and its answer, built in one pass."""

    def __init__(self, sets: DocumentSets, shaper: Shaper, params: SearchParams, export: bool = False):
        self.sets = sets
        self.snap = sets.snap
        self.budget = sets.budget
        self.shaper = shaper
        self.params = params
        self.export = export  # every passage holding the words (up to MAX_EXPORT), no page, no facets

    def parse(self, any_word: bool = False, fields: Optional[tuple[str, ...]] = None) -> ParsedQuery:
        snap = self.snap
        return parse(self.params.q, snap.schema, snap.vocabulary, snap.thesaurus, any_word=any_word,
                     fields=fields or fields_of(self.params.mode))

    def answer(self) -> dict:
        started = time.perf_counter()
        params, sets = self.params, self.sets
        parsed = self.parse()
        if self.export or query_terms(parsed.query) > EXPENSIVE_TERMS:
            self.budget.claim_slot()
        notices = list(params.notices) + parsed.notices
        filters = sets.filters(params)
        # Words typed but nothing to search ("-solaire" alone, only stop words): the
        # notice says so, and nothing is selected - not the whole corpus.
        nothing_to_search = parsed.query is None and bool(parsed.words)
        # A concordance lines up the words searched: asked without any, it has nothing to line up.
        needs_words = params.mode == "concordance" and parsed.query is None and not parsed.words
        if needs_words:
            notices.append(CONCORDANCE_NEEDS_WORDS)
        if nothing_to_search or needs_words:
            matched, relaxed = frozenset(), False
        else:
            matched, parsed, relaxed = self.match(parsed, filters)
        if relaxed:
            notices.append("Aucun passage ne contient tous les mots : voici ceux qui en contiennent au moins un.")
        if self.budget.retry_skipped:
            notices.append("Le serveur est très sollicité : la recherche des passages contenant au moins un "
                           "des mots n'a pas été faite. Réessayez dans quelques secondes.")
        own_words = self.own_words(parsed, relaxed, filters, matched)
        if self.export:
            return self.export_document(parsed, own_words, notices)
        if nothing_to_search or needs_words:
            facets = {facet.name: [] for facet in FACETS}  # nothing selected, nothing to narrow
        elif params.mode == "citations":
            # The facets show who and what the search finds, quotable or not, so that a
            # person can be chosen before knowing whether their words were transcribed.
            facet_filters = {k: v for k, v in filters.items() if k != CITATIONS}
            facets = sets.facets(parsed.query, facet_filters, sets.matched(parsed.query, facet_filters))
        else:
            facets = sets.facets(parsed.query, filters, matched)
        rec_ids = self.snap.recordings_of(matched) if params.mode == "results" else None
        total = len(rec_ids) if rec_ids is not None else len(matched)
        pages = max(1, -(-total // params.per_page))
        if total and params.page > pages:
            # Past the last page (an old link, a hand-typed page=9999): the last page, with a notice.
            asked = params.asked_page if params.asked_page.isdigit() else str(params.page)
            notices[:] = [n for n in notices if not n.startswith("page ")]
            notices.append(f"La page {asked} n'existe pas pour cette recherche : voici la dernière, la page {pages}.")
            params = self.params = replace(params, page=pages)
        partial = False
        if rec_ids is not None:
            results, partial = self.grouped(parsed, matched, own_words, rec_ids)
            passages = None
        else:
            passages, partial = self.passage_page(parsed, matched)
            results = []
        partial |= self.budget.cut
        if partial:
            notices.append("La recherche a pris trop de temps : les résultats sont partiels.")
        wants_suggestion = params.q.strip() and (total < 3 or relaxed)
        doc = {
            "query": parsed.text,
            "total": total,
            "total_passages": len(own_words),  # those holding the words themselves, as exported
            "page": params.page,
            "per_page": params.per_page,
            "pages": pages,
            # Without words to rank by, the list is by date whatever was asked.
            "sort": params.sort if parsed.query is not None else "date",
            "mode": params.mode,
            "filters": params.filters,
            "suggestion": (suggest(parsed, self.sets.searcher, self.snap.vocabulary, self.snap.thesaurus, params.q)
                           if wants_suggestion else None),
            "relaxed": relaxed,
            "partial": partial,
            "notices": notices,
            "nothing_to_search": nothing_to_search,  # words typed, none to search ("-solaire", "les")
            "needs_words": needs_words,  # a concordance asked without words
            "results": results,
            "facets": sets.useful_facets(facets, params.filters),
            "took_ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if passages is not None:
            doc["passages"] = passages
            doc["recordings"] = recordings_of(self.snap, self.shaper, passages)
        if params.mode == "results":
            doc["total_by_kind"] = recordings_and_texts(self.snap, rec_ids)
        if params.mode == "citations":
            # What can be quoted at all under these filters, whatever the words: tells
            # "no transcript yet" apart from "these words are not in the transcripts".
            citable = {k: v for k, v in filters.items() if k == CITATIONS or k in params.filters}
            doc["citable_passages"] = len(sets.matched(None, citable))
        return doc

    def export_document(self, parsed: ParsedQuery, own_words: frozenset, notices: list[str]) -> dict:
        """Every passage holding the words (up to MAX_EXPORT), best first, and their recordings."""
        params = self.params
        ranked, _ = self.sets.ranked(parsed.query, own_words, MAX_EXPORT, params.sort)
        # No highlighting but for a concordance (its rows are the occurrences): an export has
        # the passages' text, not snippets, and finding the words in 5,000 passages was most of its cost.
        # The words are still looked for in a passage with times to map them to: its link
        # opens the audio at the first of them (see indexer/anchors.py).
        timed_only = params.mode != "concordance"
        passages = [self.shaper.passage(self.snap, d, parsed, params.q, timed_only=timed_only) for d, _ in ranked]
        return {"query": parsed.text, "total_passages": len(own_words), "mode": params.mode, "sort": params.sort,
                "filters": params.filters, "notices": notices, "truncated": len(own_words) > MAX_EXPORT,
                "passages": passages, "recordings": recordings_of(self.snap, self.shaper, passages)}

    # ------------------------------------------------------------------ matching
    def match(self, parsed: ParsedQuery, filters: dict[str, frozenset]):
        """(matched passages, the query used, relaxed): all the words, or - when no passage
        has them all, and time is left - any of them. The page and the exports share it, so
        they always agree."""
        matched = self.sets.matched(parsed.query, filters)
        if (matched or parsed.query is None
                or len(parsed.terms) + len(parsed.phrases) + len(parsed.exact_phrases) <= 1
                or self.budget.cut or self.budget.left() <= 0):
            return matched, parsed, False
        any_word = self.parse(any_word=True)
        # An any-word query matches much more than an all-words one: it needs a slot, and
        # when none is free the person gets the (empty) all-words answer and a notice, not a 503.
        if any_word.query is None or not self.budget.try_slot():
            self.budget.retry_skipped = any_word.query is not None
            return matched, parsed, False
        relaxed = self.sets.matched(any_word.query, filters)
        return (relaxed, any_word, True) if relaxed else (matched, parsed, False)

    def own_words(self, parsed: ParsedQuery, relaxed: bool, filters: dict, matched: frozenset) -> frozenset:
        """The matched passages that hold the words themselves: in their text, or - for words
        spoken by someone named - in their text and their speaker's name, role and organisation
        together ("Dubrulle navette": what she said about it). Results also match a passage through its
        recording's title and everyone heard in it (see fields_of): such a passage is neither
        counted, shown nor exported as holding the words, and a recording found so only says
        it was found by its metadata."""
        if self.params.mode != "results" or not matched:
            return matched  # citations and concordance search the text only already
        # A prefix or a phrase searched in the text only is its query's first part (text_part):
        # scored with it already, not parsed nor walked again.
        own_query = (None if relaxed else text_part(parsed.query)) or self.parse(any_word=relaxed, fields=("text",)).query
        if own_query is None:
            return matched  # browsing: no words to hold
        holding = self.sets.matched(own_query, filters) & matched
        if len(holding) < len(matched) and not relaxed and required_parts(parsed.query) > 1:
            holding |= self.spoken_with_the_words(matched, holding)
        return holding

    def spoken_with_the_words(self, matched: frozenset, holding: frozenset) -> set:
        """The matched passages, spoken by someone named, that hold the words in their text and
        their speaker's names together: several words asked, split between what the person
        said and who they are (« Verbrugge orchidées »). One word found in a speaker's name only
        is that person's metadata, as a title word is (« Trouvé par ses métadonnées »).

        Only passages one of whose speaker's names holds a word can be: found first in the
        (short) names field; the whole query is then looked for at those passages only."""
        parsed = self.parse(fields=("text", "names"))
        in_names = self.parse(any_word=True, fields=("names",))
        if parsed.query is None or in_names.query is None:
            return set()
        candidates = self.sets.matched(in_names.query, {}) & self.snap.spoken_by_someone
        candidates = sorted(d for d in candidates if d in matched and d not in holding)
        return self.sets.among(parsed.query, candidates) if candidates else set()

    # ------------------------------------------------------------------ the page
    def grouped(self, parsed, matched: frozenset, own_words: frozenset, rec_ids: set):
        """Results grouped by recording: the page's recordings and their best passages (up to 3)
        holding the words (``own_words``); a recording found by its metadata only shows its
        best passage, and says what of its metadata holds the words ("found_by_metadata")."""
        snap, sets, params = self.snap, self.sets, self.params
        wanted = params.page * params.per_page
        partial = False
        groups: dict[str, list] = {}
        if parsed.query is None or params.sort == "date":
            ordered = sorted(rec_ids, key=lambda r: (snap.recordings[r].get("date") or "",
                                                     snap.recordings[r].get("title", "")), reverse=True)
            page_ids = ordered[wanted - params.per_page: wanted]
            for rec_id in page_ids:
                in_recording = matched & snap.passages_of(rec_id)
                ranked, cut = sets.ranked(parsed.query, in_recording, 6, "relevance")
                partial |= cut
                groups[rec_id] = sorted(ranked) if parsed.query is None else ranked
        else:
            limit = wanted * 8 + 40
            while True:
                ranked, cut = sets.ranked(parsed.query, matched, limit, "relevance")
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
                candidates, cut = sets.ranked(parsed.query, holding, 6, "relevance")
                partial |= cut
            elif not holding:
                found_by = found_by_metadata(snap.recordings[rec_id], parsed)
                candidates = candidates[:1]
            results.append({
                "recording": self.shaper.recording(snap.recordings[rec_id]),
                "score": score,
                "passages": self.shown_passages(parsed, candidates[:6], 3),
                # None: its passages shown hold the words; else what of its metadata does (maybe unknown: []).
                "found_by_metadata": None if found_by is None else [METADATA_LABELS[name] for name in found_by],
            })
        return results, partial

    def shown_passages(self, parsed, candidates: list, shown: int) -> list[dict]:
        """The ``shown`` passages of a recording's result, from its best candidates: a passage
        can match through its recording's title or people only, so those whose own text
        holds the words come first (best score first within each kind). Candidates are
        read and highlighted in order only until ``shown`` with the words are found."""
        marked, unmarked = [], []
        for docnum, _ in candidates:
            passage = self.shaper.passage(self.snap, docnum, parsed, self.params.q)
            (marked if "<mark" in passage["snippet"] else unmarked).append(passage)
            if len(marked) >= shown:
                break
        return (marked + unmarked)[:shown]

    def passage_page(self, parsed, matched: frozenset):
        """A page of passages (citations, concordance), best first or by date."""
        params = self.params
        wanted = params.page * params.per_page
        ranked, partial = self.sets.ranked(parsed.query, matched, wanted, params.sort)
        page = ranked[wanted - params.per_page: wanted]
        return [self.shaper.passage(self.snap, d, parsed, params.q) for d, _ in page], partial


def recordings_of(snap, shaper: Shaper, passages: list[dict]) -> dict[str, dict]:
    """The recordings of a list of passages (citations, concordance, exports), by id."""
    return {rec_id: shaper.recording(snap.recordings[rec_id])
            for rec_id in dict.fromkeys(p["recording_id"] for p in passages) if rec_id in snap.recordings}


def recordings_and_texts(snap, rec_ids: set) -> dict:
    """Results that are recordings (audio, video) and those that are page text only."""
    texts = sum(1 for r in rec_ids if not snap.recordings[r].get("media"))
    return {"recordings": len(rec_ids) - texts, "texts": texts}


def required_parts(q: wq.Query) -> int:
    """How many parts a passage must hold for ``q`` to match it: the words (a prefix, a phrase
    count once) of an all-words query, its exclusions left out."""
    if isinstance(q, wq.AndNot):
        return required_parts(q.a)
    if isinstance(q, wq.And):
        return sum(1 for sub in q.subqueries if not isinstance(sub, wq.Not))
    if isinstance(q, wq.Or):  # alternatives (fields, a prefix's words, « a b OU c »): the most demanding
        return max((required_parts(sub) for sub in q.subqueries), default=1)
    return 1


def found_by_metadata(rec: dict, parsed: ParsedQuery) -> list[str]:
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


def recording_document(sets: DocumentSets, shaper: Shaper, rec_id: str, q: str = "") -> Optional[dict]:
    """A recording with all its passages in order, the query's words marked, and which passages match."""
    snap = sets.snap
    rec = snap.recordings.get(rec_id)
    if rec is None:
        return None
    # Inside one recording, a hit holds the words itself (its title would make every passage one).
    parsed = parse(q, snap.schema, snap.vocabulary, snap.thesaurus, fields=("text",)) if q else None
    if parsed and query_terms(parsed.query) > EXPENSIVE_TERMS:
        sets.budget.claim_slot()  # the same broad query through a recording page costs the same
    docnums = sorted(sets.searcher.document_numbers(recording_id=rec_id, doc_type="passage"))
    hit_docs = sets.hits(parsed.query, docnums) if parsed and parsed.query is not None else set()
    passages = []
    for docnum in docnums:
        passage = shaper.passage(snap, docnum, parsed, q, with_kwic=False)
        passage["hit"] = docnum in hit_docs
        passages.append(passage)
    passages.sort(key=lambda p: p["n"])
    data = shaper.recording(rec)
    data["passages"] = passages
    data["hits"] = [p["n"] for p in passages if p["hit"]]
    data["transcript"] = rec.get("transcript")
    data["automatic"] = rec.get("automatic")
    return data
