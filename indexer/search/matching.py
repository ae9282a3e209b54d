"""Sets of passages: what a query matches, what the filters select, facet counts, rankings.

A search is answered from sets of document numbers: the query's matches and each
filter's documents, cached per index generation (see Snapshot.cached). Pages 2, 3 … of
a search, or its facets with one more filter, reuse them.

DocumentSets is one request's view of a snapshot (its searcher, its budget). It is also
the contract with Whoosh that tests/test_search_fast_path.py checks: a subclass there
matches, counts and ranks with Whoosh's own walk, and every answer must be the same to
the last bit.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from whoosh import query as wq

from ..engine.column_scores import WideOr
from ..engine.scored import Scored, score_continuing, score_until
from ..schema import TYPE_VERBATIM
from .bounds import Budget
from .facet_counts import passage_array
from .facets import FACETS, FACETS_BY_NAME
from .params import SearchParams
from .snapshot import Snapshot

TEXT_FIELDS = ("text", "text_exact")  # a passage's own words (the other fields are its metadata)
CITATIONS = "_citations"  # the filter of citations mode: words spoken, not the interviewer's questions


class DocumentSets:
    def __init__(self, snap: Snapshot, budget: Budget):
        self.snap = snap
        self.searcher = snap.searcher()
        self.budget = budget

    # ------------------------------------------------------------------ matching
    def base_docs(self, base: Optional[wq.Query]) -> frozenset:
        """The passages a query matches; without a query, every passage."""
        if base is None:
            return self.snap.all_passages
        return self.scored(base).docs

    def scored(self, base: wq.Query) -> Scored:
        """The query's matches and their scores: cached per generation when complete, and
        kept for the rest of the request when the deadline cut them short."""
        key = ("q", repr(base))
        found = self.budget.scored.get(key) or self.snap.cached(key, lambda: None)
        if found is None:
            found = self.continued(base) or score_until(self.searcher, base, self.snap.passage_mask,
                                                         self.budget.left, self.snap.frequent_postings)
            if found.complete:
                self.snap.cached(key, lambda: found)
            else:
                self.budget.cut = True  # partial: said on the page, and never cached
            self.budget.scored[key] = found
        return found

    def continued(self, base: wq.Query) -> Optional[Scored]:
        """A prefix's union over the text and the metadata (its text words first), scored from
        its text part's Scored: that part is what the same prefix searched in the text only
        is (the passages holding the words themselves, SearchDocument.own_words), so it is
        cached for it, and its postings are read once for both. None for other queries."""
        first = text_part(base)
        if first is None or first is base:
            return None
        first_scored = self.scored(first)
        if not first_scored.complete:
            return None
        rest = WideOr(base.subqueries[len(first.subqueries):], boost=base.boost)
        return score_continuing(self.searcher, first_scored, rest, self.snap.passage_mask, self.budget.left,
                                self.snap.frequent_postings)

    def filter_docs(self, name: str, values: tuple[str, ...]) -> frozenset:
        def select(value):
            facet = FACETS_BY_NAME.get(name)
            return facet.select(self.snap, value) if facet else self.snap.passages_with(name, value)

        return self.snap.cached(("f", name, values), lambda: frozenset().union(*(select(v) for v in values)))

    def filters(self, params: SearchParams) -> dict[str, frozenset]:
        """Each chosen facet's passages; in citations mode, the passages that can be quoted."""
        filters = {name: self.filter_docs(name, tuple(sorted(values))) for name, values in params.filters.items()}
        if params.mode == "citations":
            # Quotes are words actually spoken, and not the interviewer's questions.
            filters[CITATIONS] = self.filter_docs("type", (TYPE_VERBATIM,)) & self.filter_docs("interviewer", ("non",))
        return filters

    def matched(self, base, filters: dict[str, frozenset], leave_out: str = "") -> frozenset:
        docs = self.base_docs(base)
        for name, filter_docs in sorted(filters.items(), key=lambda f: len(f[1])):
            if name != leave_out:
                docs = docs & filter_docs
        return docs

    def hits(self, base: wq.Query, docnums: list[int]) -> set[int]:
        """Which of one recording's passages (``docnums``, ascending) the query matches. A
        recording's passages have neighbouring document numbers (added together), so the
        postings are read from the first of them to the last only, not over the whole archive."""
        if not docnums:
            return set()
        found = self.budget.scored.get(("q", repr(base))) or self.snap.cached(("q", repr(base)), lambda: None)
        if found is not None:  # the search that led here has matched them all already
            return set(docnums) & found.docs
        low, high = docnums[0], docnums[-1]
        wanted = set(docnums) & self.snap.all_passages
        hits = set()
        for subsearcher, offset in self.searcher.leaf_searchers():
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

    def among(self, base: wq.Query, docnums: list[int]) -> set[int]:
        """Which of some documents (``docnums``, ascending, few) the query matches, its postings
        read at those documents only (skipping from one to the next)."""
        found = set()
        wanted = iter(docnums)
        target = next(wanted, None)
        for subsearcher, offset in self.searcher.leaf_searchers():
            end = offset + subsearcher.reader().doc_count_all()
            if target is None or target >= end:
                continue
            matcher = base.matcher(subsearcher, subsearcher.boolean_context())
            while target is not None and target < end and matcher.is_active():
                if matcher.id() < target - offset:
                    matcher.skip_to(target - offset)
                    continue
                if matcher.id() == target - offset:
                    found.add(target)
                target = next(wanted, None)
            while target is not None and target < end:  # the matcher is done in this segment
                target = next(wanted, None)
        return found

    # ------------------------------------------------------------------ facets
    def facets(self, base, filters: dict[str, frozenset], matched: frozenset) -> dict:
        """Counts of recordings per value; a facet's own filter is left out of its counts,
        so that its other values stay visible and can be added (OR within a facet). Keyed on
        the query and the filters' sets, which decide what is matched (a search with nothing to
        search never counts facets: SearchDocument gives it none)."""
        if self.budget.cut:
            return self.count_facets(base, filters, matched)  # from a partial match: not cached
        key = ("facets", repr(base), tuple(sorted((name, len(d), hash(d)) for name, d in filters.items())))
        return self.snap.cached(key, lambda: self.count_facets(base, filters, matched))

    def count_facets(self, base, filters: dict[str, frozenset], matched: frozenset) -> dict:
        snap = self.snap
        out = {}
        # The same passages serve most facets: made an array once, and their units (recordings
        # for six facets) marked once.
        arrays: dict[int, tuple] = {}
        present: dict[tuple[int, str], np.ndarray] = {}
        for facet in FACETS:
            docs = self.matched(base, filters, leave_out=facet.name) if facet.name in filters else matched
            if id(docs) not in arrays:
                arrays[id(docs)] = (docs, passage_array(docs))  # docs kept alive: its id stays its own
            units = facet.units
            if (id(docs), units) not in present:
                present[id(docs), units] = snap.facet_units[units].present(arrays[id(docs)][1])
            counts = snap.facet_tables[facet.name].counts(present[id(docs), units])
            out[facet.name] = facet.values(counts, snap)
        return out

    def corpus_facets(self) -> dict:
        """The facets of the whole corpus (no query, no filter): counted once per generation,
        kept out of the LRU so that a busy cache never makes every request count them again."""
        facets = getattr(self.snap, "corpus_facets", None)
        if facets is None:  # two threads may both count them once: same result, no lock needed
            facets = self.snap.corpus_facets = self.count_facets(None, {}, self.snap.all_passages)
        return facets

    def useful_facets(self, facets: dict, chosen: dict) -> dict:
        """A facet with one value for the whole corpus (every recording "sans audio", one
        genre …) narrows nothing: it is left out, unless a filter of it is set."""
        corpus = self.corpus_facets()
        return {name: (values if len(corpus.get(name) or []) > 1 or name in chosen else [])
                for name, values in facets.items()}

    # ------------------------------------------------------------------ ranking
    def ranked(self, base, matched: frozenset, limit: int, sort: str) -> tuple[list[tuple[int, float]], bool]:
        """(docnum, score) of the matched passages, best first, at most ``limit``;
        True when the time limit cut the scoring short."""
        if not matched:
            return [], False
        key = ("r", repr(base), len(matched), hash(matched), limit, sort)
        hit = self.snap.cached(key, lambda: None)
        if hit is not None:
            return hit, False
        ranked, partial = self.rank(base, matched, limit, sort)
        if not partial:
            self.snap.cached(key, lambda: ranked)
        return ranked, partial

    def rank(self, base, matched: frozenset, limit: int, sort: str):
        if base is None or sort == "date":
            by_date = self.snap.sorted_by_date(matched)
            return [(d, 0.0) for d in by_date[:limit]], False
        scored = self.scored(base)  # matched is a subset of its matches
        return (scored.best(matched, limit) if limit > 0 else []), not scored.complete


def text_part(q: wq.Query) -> Optional[wq.Query]:
    """Of a wide union whose first alternatives are words of the text (a prefix's expansions,
    a quoted phrase's forms, searched in the text then in the metadata): the union of those
    alone, which is the same prefix or phrase searched in the text only; the union itself if
    it has nothing else; None for other queries."""
    if type(q) is not WideOr:
        return None
    subs = q.subqueries
    k = 0
    while k < len(subs) and isinstance(subs[k], wq.Term) and subs[k].fieldname in TEXT_FIELDS:
        k += 1
    if k == len(subs):
        return q
    return WideOr(subs[:k], boost=q.boost) if k else None
