"""A query's matches and their scores, computed a term's postings at a time with numpy.

Whoosh scores a query by walking a tree of matchers document by document: several
Python method calls per document and level of the tree, and a Python generator to
decode every posting's document number. On a large archive, a prefix (a union of up
to 128 words in three fields) or two frequent words (an intersection of two unions)
spend most of a search there. Here each term's postings are read block by block as
Whoosh stores them (a pickled tuple of delta-coded ids and of weights per block),
decoded and scored with Whoosh's BM25F formula as whole arrays, and the tree is
evaluated node by node on those arrays.

The scores are Whoosh's, bit for bit: each node performs the floating-point
operations Whoosh's matcher performs for a document (the same formula with the
same constants, sums made in the tree's own order), element-wise, and numpy's
element-wise float64 arithmetic is IEEE's, like Python's. Matchers this module
does not know (phrases, which need positions, and the rarer kinds) make the whole
tree fall back to Whoosh's own walk (``columnar`` is False).

A deadline is looked at after every block read: once passed, the terms not read
yet count as matching nothing (``cut``: a partial answer, said on the page).
"""
from __future__ import annotations

from array import array
from typing import Callable

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.codec import whoosh3
from whoosh.matching import binary, combo, mcore, wrappers


class Column:
    """Documents (ascending, unique, segment-relative numbers) and their scores."""

    __slots__ = ("ids", "scores")

    def __init__(self, ids: np.ndarray, scores: np.ndarray):
        self.ids = ids
        self.scores = scores

    def __len__(self):
        return len(self.ids)


EMPTY = Column(np.zeros(0, np.int64), np.zeros(0, np.float64))


class LazyArrayUnionMatcher(combo.ArrayUnionMatcher):
    """Whoosh's pre-loaded union (a prefix's many words), whose constructor reads the
    first 2,048 documents of every sub-matcher, scoring each posting: here that is done
    on first use only. Scoring by columns reads the sub-matchers itself and never uses
    it (a fifth of a short prefix's time at 1,000 hours); a walk (a prefix in a phrase
    query …) starts it on its first question, and from there it is Whoosh's matcher."""

    def __init__(self, submatchers, doccount, boost=1.0, scored=True, partsize=2048):
        combo.CombinationMatcher.__init__(self, submatchers, boost=boost)
        self._scored = scored
        self._doccount = doccount
        self._partsize = partsize or doccount
        self._started = False

    def _start(self):
        if not self._started:
            self._started = True  # what ArrayUnionMatcher.__init__ does
            self._a = array("d", (0 for _ in range(self._partsize)))
            self._docnum = self._min_id()
            self._read_part()

    def is_active(self):
        self._start()
        return super().is_active()

    def id(self):
        self._start()
        return super().id()

    def next(self):
        self._start()
        return super().next()

    def skip_to(self, docnum):
        self._start()
        return super().skip_to(docnum)

    def skip_to_quality(self, minquality):
        self._start()
        return super().skip_to_quality(minquality)

    def block_quality(self):
        self._start()
        return super().block_quality()

    def score(self):
        self._start()
        return super().score()

    def all_ids(self):
        self._start()
        return super().all_ids()


class WideOr(wq.Or):
    """Many alternatives (a prefix's expansions): Whoosh's pre-loaded Or, which reads each
    term's postings once into an array, where its default binary tree of unions spends its
    time re-balancing block qualities (1.9 s for "min*" over 1,000 h); its matcher starts
    reading on first use only (LazyArrayUnionMatcher)."""

    def _matcher(self, subs, searcher, context):
        scored = context.weighting is not None if context else True  # as Whoosh's PreloadedOr
        matchers = [sub.matcher(searcher, context) for sub in subs]
        return LazyArrayUnionMatcher(matchers, searcher.doc_count_all(), boost=self.boost, scored=scored)


_LEAVES = (whoosh3.W3LeafMatcher, mcore.ListMatcher, mcore.NullMatcherClass)
_PAIRS = (binary.UnionMatcher, binary.IntersectionMatcher, binary.AndNotMatcher)
_WRAPPERS = (wrappers.WrappingMatcher, wrappers.FilterMatcher)


def columnar(matcher, scored: bool = True) -> bool:
    """Whether a matcher tree is made only of what ColumnScores knows (``scored``: whether
    its scores count; those of an exclusion's excluded part do not)."""
    kind = type(matcher)
    if kind in _LEAVES:
        return True
    if kind is binary.AndNotMatcher:
        return columnar(matcher.a, scored) and columnar(matcher.b, scored=False)
    if kind in _PAIRS:
        return columnar(matcher.a, scored) and columnar(matcher.b, scored)
    if kind in _WRAPPERS:
        return columnar(matcher.child, scored)
    if kind is combo.ArrayUnionMatcher or kind is LazyArrayUnionMatcher:
        return (matcher._scored or not scored) and all(columnar(m, scored) for m in matcher._submatchers)
    return False


class ColumnScores:
    """The Column of a matcher tree over one segment. A BM25F scorer's field lengths are
    read from its ``field_lengths`` (a float array indexed by document number, set by
    indexer.search.LengthListBM25F); a term whose scorer has none is scored posting by
    posting by Whoosh itself."""

    def __init__(self, time_left: Callable[[], float], frequent=None):
        self.time_left = time_left
        self.frequent = frequent  # the segment's FrequentPostings, or None
        self.cut = False

    def of(self, matcher) -> Column:
        kind = type(matcher)
        if kind is whoosh3.W3LeafMatcher:
            return self._postings(matcher)
        if kind is mcore.NullMatcherClass:  # a term absent from this segment
            return EMPTY
        if kind is mcore.ListMatcher:  # a rare term's postings, inlined in the term index (indexer/engine/writer.py)
            return self._walked(matcher)
        if kind is binary.UnionMatcher:  # a.score() + b.score() where both match
            return _union(self.of(matcher.a), self.of(matcher.b))
        if kind is binary.IntersectionMatcher:  # a.score() + b.score(), where both match only
            return _intersection(self.of(matcher.a), self.of(matcher.b))
        if kind is binary.AndNotMatcher:  # a's documents not in b, a.score()
            a, b = self.of(matcher.a), self.of(matcher.b)
            keep = ~np.isin(a.ids, b.ids, assume_unique=True)
            return Column(a.ids[keep], a.scores[keep])
        if kind is wrappers.FilterMatcher:  # deleted documents left out; child.score() * boost
            child = self.of(matcher.child)
            ids = np.fromiter(matcher._ids, np.int64, len(matcher._ids))
            keep = np.isin(child.ids, ids, invert=matcher._exclude)
            return Column(child.ids[keep], child.scores[keep] * matcher.boost)
        if kind is wrappers.WrappingMatcher:  # a boosted term: child.score() * boost
            child = self.of(matcher.child)
            return Column(child.ids, child.scores * matcher.boost)
        if kind is combo.ArrayUnionMatcher or (kind is LazyArrayUnionMatcher and matcher._started):
            return self._array_union(matcher)
        if kind is LazyArrayUnionMatcher:
            return self._union_of_parts(matcher, np.zeros(matcher._doccount, np.float64))
        raise TypeError(f"not scored by columns: {kind.__name__}")

    def _walked(self, matcher) -> Column:
        """Postings scored by Whoosh, one by one, from the current one on (a few inlined
        postings, or a scorer this module does not compute); then a look at the clock."""
        if self.cut:
            return EMPTY
        ids, scores = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        if ids and self.time_left() <= 0:
            self.cut = True
        return Column(np.array(ids, np.int64), np.array(scores, np.float64))

    def _postings(self, matcher) -> Column:
        """A term's postings from the current one on, scored by BM25F (whoosh.scoring.bm25:
        the same operations in the same order): from the frequent terms' table written at
        build time (indexer.engine.frequent_postings), or read block by block as Whoosh stores them."""
        if self.cut:
            return EMPTY
        scorer = matcher.scorer
        lengths = getattr(scorer, "field_lengths", None) if type(scorer) is scoring.BM25FScorer else None
        if lengths is None or matcher._byteids:
            return self._walked(matcher)
        stored = self.frequent.get(matcher._term) if self.frequent else None
        if stored is not None:
            ids, tf = stored
            # Where the matcher stands, without reading its block: the block's last posting
            # (known from its header) is found in the table, the block's first one precedes it.
            start = (int(np.searchsorted(ids, matcher._maxid)) - (matcher._blocklength - 1) + matcher._i
                     if matcher.is_active() else len(ids))
            ids, tf = ids[start:].astype(np.int64), tf[start:].astype(np.float64)
            self.cut = self.time_left() <= 0  # as after a block: the terms after this one are not read
        else:
            ids, tf, self.cut = read_postings(matcher, self.time_left)
        k1, b = scorer.K1, scorer.B
        scores = scorer.idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths[ids] / scorer.avgfl)))
        return Column(ids, scores)

    def _array_union(self, matcher) -> Column:
        """Whoosh's pre-loaded union: for each document, 0.0 plus each sub-matcher's score
        times the boost, in sub-matcher order, kept when above 0 (ArrayUnionMatcher._read_part).
        Its first part of documents is already read (by its constructor): taken from its array."""
        offset, limit = matcher._offset, matcher._limit
        total = np.zeros(max(matcher._doccount, limit), np.float64)
        total[offset:limit] = np.frombuffer(matcher._a, np.float64, limit - offset)
        total[offset:matcher._docnum] = 0.0  # passed already (by an intersection's or exclusion's first step)
        first_part = total[offset:limit] > 0
        if first_part.any() and self.time_left() <= 0:
            # What the walk would keep at its first look at the clock, after its first match.
            self.cut = True
            first = offset + int(np.argmax(first_part))
            return Column(np.array([first], np.int64), total[first:first + 1].copy())
        return self._union_of_parts(matcher, total)  # and what the constructor did not read yet

    def _union_of_parts(self, matcher, total: np.ndarray) -> Column:
        """Each sub-matcher's scores times the boost added to ``total``, in sub-matcher order
        (ArrayUnionMatcher._read_part); the documents above 0 kept."""
        boost = matcher._boost
        for sub in matcher._submatchers:
            part = self.of(sub)
            if matcher._scored:
                total[part.ids] += part.scores * boost
            else:  # documents only (an excluded part): 1 each
                total[part.ids] = 1.0
        ids = np.flatnonzero(total > 0)
        return Column(ids, total[ids])


def read_postings(matcher, time_left: Callable[[], float] = lambda: 1.0) -> tuple[np.ndarray, np.ndarray, bool]:
    """A whoosh3 term matcher's postings from the current one on: document ids and weights
    (term frequencies), read block by block as Whoosh stores them (a pickled tuple of
    delta-coded ids, and of weights, per block: whoosh3.W3PostingsWriter._write_block);
    and True when the deadline, looked at after each block (as the walk looks at it),
    stopped the reading short."""
    deltas: list[int] = []
    weights: list[float] = []
    block_starts: list[int] = []
    previous_last: list[int] = []
    skip = matcher._i  # postings of the first block already passed
    last = 0
    cut = False
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        ids, block_weights, _ = matcher._data
        count = matcher._blocklength
        block_starts.append(len(deltas))
        previous_last.append(last)
        deltas.extend(ids)
        if block_weights is None:  # every weight 1.0 (W3LeafMatcher._read_weights)
            weights.extend([1.0] * count)
        elif isinstance(block_weights, float):  # one weight for the whole block
            weights.extend([block_weights] * count)
        else:
            weights.extend(block_weights)
        last = matcher._maxid
        matcher._i = count - 1
        matcher.next()  # to the next block
        if time_left() <= 0:
            cut = True
            break
    if not deltas:
        return EMPTY.ids, EMPTY.scores, cut
    # Each block's ids are delta-coded from 0: its first id is absolute. Made relative to
    # the previous block's last id, one cumulative sum decodes them all.
    coded = np.array(deltas, np.int64)
    coded[block_starts[1:]] -= np.array(previous_last[1:], np.int64)
    return np.cumsum(coded)[skip:], np.array(weights, np.float64)[skip:], cut


def _union(a: Column, b: Column) -> Column:
    if not len(a):
        return b
    if not len(b):
        return a
    ids = np.union1d(a.ids, b.ids)
    scores = np.zeros(len(ids), np.float64)
    scores[np.searchsorted(ids, a.ids)] = a.scores
    scores[np.searchsorted(ids, b.ids)] += b.scores  # b alone: 0.0 + b is b
    return Column(ids, scores)


def _intersection(a: Column, b: Column) -> Column:
    ids, in_a, in_b = np.intersect1d(a.ids, b.ids, assume_unique=True, return_indices=True)
    return Column(ids, a.scores[in_a] + b.scores[in_b])
