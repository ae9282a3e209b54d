"""Frequent terms' postings, decoded at build time (indexer/engine/frequent_postings.py): the
same ids and frequencies as Whoosh's postings, kept through updates, checked like the
other index files, and what a search reads instead of Whoosh's blocks."""
from __future__ import annotations

import shutil

import pytest

from bench import generate_archive
from indexer.engine import column_scores, frequent_postings
from indexer.build import build_index, update_index
from indexer.schema import IndexUnavailable, index_damage
from indexer.search import SearchParams, SearchService


@pytest.fixture(scope="module")
def archive(tmp_path_factory, generated_archive):
    work = tmp_path_factory.mktemp("frequent")
    corpus, index = work / "archive", work / "index"
    shutil.copytree(generated_archive(2, 5), corpus)  # a copy: a test adds a recording to it
    with pytest.MonkeyPatch.context() as small_archive:
        small_archive.setattr(frequent_postings, "FREQUENT_DOCS", 15)
        build_index(corpus, index)
    return corpus, index


def _segments(index):
    snap = SearchService(index).snapshot()
    return snap, [(sub.reader(), offset) for sub, offset in snap.searcher().leaf_searchers()]


def test_the_tables_hold_whooshs_postings(archive):
    _, index = archive
    snap, segments = _segments(index)
    checked = 0
    for reader, _ in segments:
        table = snap.frequent_postings[reader._segid]
        for (fieldname, term), _ in table.runs.items():
            ids, tf = table.get((fieldname, term))
            matcher = reader.postings(fieldname, term.decode("utf-8"))
            expected = list(matcher.items_as("weight"))
            assert ids.tolist() == [i for i, _ in expected]
            assert tf.tolist() == [w for _, w in expected]
            assert reader.doc_frequency(fieldname, term.decode("utf-8")) >= 15
            checked += 1
    assert checked > 100


def test_a_listed_term_is_read_from_its_table_not_from_whooshs_blocks(archive, monkeypatch):
    _, index = archive
    snap, segments = _segments(index)
    table = snap.frequent_postings[segments[0][0]._segid]
    word = max((term for (field, term) in table.runs if field == "text"),
               key=lambda term: table.runs["text", term][1] - table.runs["text", term][0]).decode("utf-8")
    expected = SearchService(index).search(SearchParams.from_args({"q": word}))
    read = []
    original = column_scores.read_postings
    monkeypatch.setattr(column_scores, "read_postings", lambda m, *a: read.append(m._term) or original(m, *a))
    got = SearchService(index).search(SearchParams.from_args({"q": word}))
    assert got["total_passages"] == expected["total_passages"] > 15
    assert ("text", word.encode("utf-8")) not in read
    monkeypatch.setattr(frequent_postings.FrequentPostings, "get", lambda self, term: None)
    assert {k: v for k, v in SearchService(index).search(SearchParams.from_args({"q": word})).items()
            if k != "took_ms"} == {k: v for k, v in got.items() if k != "took_ms"}
    assert ("text", word.encode("utf-8")) in read  # without the table: Whoosh's blocks, the same answer


def test_an_update_keeps_the_tables_and_adds_its_segments(archive, tmp_path):
    corpus, index = archive
    before = {p.name: p.stat().st_ino for p in index.resolve().iterdir() if ".frequent" in p.name}
    generate_archive.append_recording(corpus, "ajout-frequent", 40, seed=5)
    with pytest.MonkeyPatch.context() as small_archive:
        small_archive.setattr(frequent_postings, "FREQUENT_DOCS", 15)
        update_index(corpus, index)
    after = {p.name: p.stat().st_ino for p in index.resolve().iterdir() if ".frequent" in p.name}
    assert all(after[name] == inode for name, inode in before.items())  # hard links: not rewritten
    assert len(after) == len(before) + 3
    snap, segments = _segments(index)
    assert set(snap.frequent_postings) == {reader._segid for reader, _ in segments}


def test_a_damaged_table_is_found_like_any_index_file(archive):
    _, index = archive
    assert index_damage(index) is None
    ids_file = next(p for p in index.resolve().iterdir() if p.name.endswith(".frequent-ids.npy"))
    data = ids_file.read_bytes()
    ids_file.unlink()  # a hard link shared with nothing else now: the bytes of this generation only
    ids_file.write_bytes(data[:-8])
    assert "tronqué" in index_damage(index)
    with pytest.raises(IndexUnavailable):  # the service says so (503), never a wrong array
        SearchService(index).snapshot()
