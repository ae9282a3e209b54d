"""The build's writer settings change how the index is written, never what it finds.

The build (indexer/engine/writer.py) writes rare terms' postings inline in the term index,
groups postings by term (TermPool) and sorts them through runs on disk when a writer's
memory is full, reads field lengths once and reuses one-position encodings; indexer/index.py
analyzes a recording's title and people once (RepeatedText) and a passage's words once for
its two fields (FrenchText). On a
generated archive (invented people and words), an index written that way must hold the
same postings and give the same hits, in the same order with the same scores, as one
written by Whoosh's own writer, for words, word pairs, phrases and prefixes.
"""
from __future__ import annotations

import random
import re

import pytest
from whoosh import fields as whoosh_fields

import indexer.schema as schema_module
import indexer.engine.writer as whoosh_writer
from indexer.engine import patches
from indexer.analysis import exact_words
from indexer.build import build_index
from indexer.index import write_index
from indexer.schema import open_index
from indexer.query import parse
from indexer.sources import read_corpus
from indexer.vocabulary import Vocabulary


@pytest.fixture(scope="module")
def indexes(tmp_path_factory, generated_archive):
    """The same generated archive indexed four ways: Whoosh's plain writer and analyzers
    (no inline postings, everything sorted in memory, our replacements of Whoosh's functions undone),
    the build's writer with a pool so small that every posting goes through runs on disk,
    the build's writer with two processes (two segments), and the build itself (the corpus
    read as it is indexed)."""
    base = tmp_path_factory.mktemp("writer")
    archive = generated_archive(2, 11)  # the one test_phrases indexes: any archive does, the writers are compared
    recordings = read_corpus(archive).recordings
    with pytest.MonkeyPatch.context() as plain:
        whoosh_writer.install_writer_patches()  # registered, to be undone
        patches.undo(plain)
        plain.setattr(schema_module.RepeatedText, "index", whoosh_fields.TEXT.index)
        plain.setattr(schema_module.FrenchText, "index", whoosh_fields.TEXT.index)
        plain.setattr(whoosh_writer, "INLINE_POSTINGS", 1)  # Whoosh's default: nothing inlined
        write_index(base / "plain", recordings, {}, procs=1, limitmb=1024)
    write_index(base / "runs", recordings, {}, procs=1, limitmb=1)
    write_index(base / "two", recordings, {}, procs=2, limitmb=1)
    build_index(archive, base / "built", procs=2)  # the corpus read as it is indexed
    return {name: open_index(base / name) for name in ("plain", "runs", "two", "built")}, base, archive


def _postings(ix) -> dict:
    """Every term of every field: its passages (by recording and number), weights and positions."""
    out = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        key_of = [(f.get("recording_id"), f.get("passage_no")) for f in
                  (searcher.stored_fields(n) for n in range(reader.doc_count_all()))]
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            items = []
            while matcher.is_active():
                positions = matcher.value_as("positions") if matcher.supports("positions") else None
                items.append((key_of[matcher.id()], matcher.weight(), positions))
                matcher.next()
            out[(fieldname, text)] = sorted(items, key=repr)
    return out


def test_same_terms_and_postings(indexes):
    ixs, _, _ = indexes
    plain = _postings(ixs["plain"])
    assert len(plain) > 5000  # words and word pairs of a real archive
    assert _postings(ixs["runs"]) == plain
    assert _postings(ixs["two"]) == plain
    assert _postings(ixs["built"]) == plain


def test_rare_terms_are_written_inline(indexes):
    """What the layout change is: most word pairs are rare, their postings are inline."""
    ixs, _, _ = indexes

    def inlined(ix):
        with ix.reader() as reader:
            terms = reader.leaf_readers()[0][0]._terms
            infos = [info for (fieldname, _), info in terms.items() if fieldname == "text_exact"]
            return sum(info.is_inlined() for info in infos) / len(infos)

    assert inlined(ixs["plain"]) == 0
    assert inlined(ixs["runs"]) > 0.5


def _queries(archive) -> list[str]:
    passages = [p.text for r in read_corpus(archive).recordings for p in r.passages if p.text]
    rng = random.Random(4)
    queries = ["il y a", '"il y a"', '"je pense que"', "commer*", "tra*", "pas", "énergie", "mine OR charbon"]
    for _ in range(60):
        raw = re.findall(r"\S+", rng.choice(passages))
        size = rng.choice([1, 1, 2, 2, 3, 4])
        if len(raw) <= size:
            continue
        start = rng.randrange(len(raw) - size)
        text = " ".join(raw[start:start + size]).replace('"', "")
        queries.append(f'"{text}"' if size > 1 and rng.random() < 0.6 else text)
        word = rng.choice(exact_words(text) or ["mine"])
        if len(word) >= 5:
            queries.append(word[:rng.randint(3, 4)] + "*")
    return queries


def _hits(ix, base, q: str) -> list[tuple]:
    """All the passages a query finds, with their scores, best first (ties by passage)."""
    with ix.searcher() as searcher:
        parsed = parse(q, ix.schema, Vocabulary.load(base / "plain"))
        if parsed.query is None:
            return []
        results = searcher.search(parsed.query, limit=None)
        hits = [((r.get("recording_id"), r.get("passage_no")), round(r.score, 9)) for r in results]
    return sorted(hits, key=lambda hit: (-hit[1], hit[0]))


def test_same_hits_same_scores_same_order(indexes):
    ixs, base, archive = indexes
    found = 0
    for q in _queries(archive):
        expected = _hits(ixs["plain"], base, q)
        found += bool(expected)
        assert _hits(ixs["runs"], base, q) == expected, q
        assert _hits(ixs["two"], base, q) == expected, q
        assert _hits(ixs["built"], base, q) == expected, q
    assert found >= 40


def test_top_hits_through_block_skipping_are_the_same(indexes):
    """A page of results (top-k collection, which skips blocks and inline lists by their
    best possible score) picks the same passages from either layout."""
    ixs, base, archive = indexes
    for q in _queries(archive)[:40]:
        pages = []
        for name in ("plain", "runs"):
            with ixs[name].searcher() as searcher:
                parsed = parse(q, ixs[name].schema, Vocabulary.load(base / "plain"))
                if parsed.query is None:
                    pages.append([])
                    continue
                pages.append([(r.get("recording_id"), r.get("passage_no"), round(r.score, 9))
                              for r in searcher.search(parsed.query, limit=10)])
        assert pages[0] == pages[1], q


def test_term_pool_sorts_through_many_runs(tmp_path, monkeypatch):
    """The pool's runs on disk, also when runs are merged into fewer runs first (more
    runs than it opens at once): every posting comes back once, terms in order, each
    term's documents in the order they were added."""
    from whoosh.filedb.filestore import FileStorage

    rng = random.Random(8)
    postings = [("text_exact" if rng.random() < 0.7 else "text", f"mot{rng.randrange(5000)} suite".encode(),
                 docnum, float(rng.randint(1, 3)), bytes([rng.randrange(256)]))
                for docnum in range(10_000) for _ in range(3)]
    monkeypatch.setattr(whoosh_writer.TermPool, "MAX_RUNS_MERGED", 4)
    pool = whoosh_writer.TermPool(FileStorage(str(tmp_path)), limitmb=0)
    pool.limit = 100_000  # bytes: a few hundred postings a run
    for posting in postings:
        pool.add(posting)
    assert len(pool.runs) > 20
    assert list(pool.iter_postings()) == sorted(postings, key=lambda p: (p[0], p[1], p[2]))
    assert not list(tmp_path.iterdir())  # the runs are removed once read
