"""A query's matches and their scores, found in one walk and bounded by a deadline."""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np
from whoosh import query as wq

from .column_scores import EMPTY, ColumnScores, LazyArrayUnionMatcher, columnar

MATCH_CHECK_EVERY = 256  # documents matched between two looks at the request's deadline


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


def score_until(searcher, q: wq.Query, within: np.ndarray, time_left: Callable[[], float], frequent: dict) -> Scored:
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
            columns = ColumnScores(time_left, frequent.get(getattr(subsearcher.reader(), "_segid", None)))
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
            if (seen - 1) % MATCH_CHECK_EVERY == 0 and time_left() <= 0:
                complete = False
                break
        docs.append(np.array(walked_docs, np.int64))
        scores.append(np.array(walked_scores, np.float64))
        if not complete:
            break
    if not docs:
        return Scored(EMPTY.ids, EMPTY.scores, complete)
    return Scored(np.concatenate(docs), np.concatenate(scores), complete)


def score_continuing(searcher, first: Scored, rest: wq.Query, within: np.ndarray, time_left: Callable[[], float],
                     frequent: dict) -> Optional[Scored]:
    """A union's Scored from its first alternatives' (``first``, the Scored of a WideOr of
    them, complete) and its other alternatives (``rest``, a WideOr of them): Whoosh's
    pre-loaded union adds its parts' scores in order into one total per document
    (ArrayUnionMatcher._read_part; ColumnScores._union_of_parts), so starting from the
    first ones' totals and adding the others gives the whole union's scores bit for bit,
    without reading the first ones' postings again. None where the rest is not scored by
    columns (the caller walks the whole union then)."""
    docs: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    context = searcher.context()
    for subsearcher, offset in searcher.leaf_searchers():
        matcher = rest.matcher(subsearcher, context)
        if type(matcher) is not LazyArrayUnionMatcher or matcher._started or not columnar(matcher):
            return None
        count = matcher._doccount
        total = np.zeros(count, np.float64)
        low, high = np.searchsorted(first._docs, [offset, offset + count])
        total[first._docs[low:high] - offset] = first._scores[low:high]
        columns = ColumnScores(time_left, frequent.get(getattr(subsearcher.reader(), "_segid", None)))
        found = columns._union_of_parts(matcher, total)
        ids = found.ids + offset
        keep = within[ids]
        docs.append(ids[keep])
        scores.append(found.scores[keep])
        if columns.cut:
            return Scored(np.concatenate(docs), np.concatenate(scores), complete=False)
    if not docs:
        return Scored(EMPTY.ids, EMPTY.scores, True)
    return Scored(np.concatenate(docs), np.concatenate(scores), True)
