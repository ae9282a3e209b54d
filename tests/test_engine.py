"""Whoosh's internals in one folder (indexer/engine/): every replaced Whoosh function is
registered, and the fixes that change what a search finds are installed where an index is
opened, not as a side effect of importing the writer."""
from __future__ import annotations

import os
import subprocess
import sys

from whoosh.codec import whoosh3
from whoosh.matching import binary, mcore

from indexer.engine import patches, reading, writer
from indexer.search import SearchService

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SEARCH_ONLY = """
import sys
from whoosh.matching import binary
from indexer.engine import reading
from indexer.search import SearchService, SearchParams
assert binary.AndNotMatcher._find_first is not reading._and_not_find_first, "installed at import"
SearchService(sys.argv[1]).search(SearchParams(q="usine -charbon"))
assert binary.AndNotMatcher._find_first is reading._and_not_find_first, "not installed by opening the index"
assert "indexer.engine.writer" not in sys.modules and "indexer.index" not in sys.modules, "search loads the build"
print("ok")
"""


def test_searching_installs_the_reading_fixes_without_the_writer(default_index):
    done = subprocess.run([sys.executable, "-c", SEARCH_ONLY, str(default_index)], capture_output=True, text=True,
                          timeout=300, cwd=REPO, env={**os.environ, "PYTHONPATH": REPO})
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def test_every_replaced_whoosh_function_is_registered(default_index):
    SearchService(default_index)
    writer.install_writer_patches()
    kinds = patches.PATCH_KIND
    assert kinds[binary.AndNotMatcher, "_find_first"] == "reading"
    assert kinds[mcore.ListMatcher, "copy"] == "reading"
    assert kinds[whoosh3.W3PerDocReader, "_cached_reader"] == "reading"
    assert kinds[whoosh3.W3TermInfo, "set_inline"] == "writer"
    # Whoosh 2.7 has no set_inline (its writer's typo): undone, the attribute is gone again.
    assert patches.WHOOSH_ORIGINALS[whoosh3.W3TermInfo, "set_inline"] is patches.MISSING
    for (cls, name) in kinds:
        assert getattr(cls, name) is not patches.WHOOSH_ORIGINALS[cls, name], (cls, name)


def test_undo_gives_whooshs_own_functions_back(monkeypatch):
    writer.install_writer_patches()
    with monkeypatch.context() as plain:
        patches.undo(plain)
        assert not hasattr(whoosh3.W3TermInfo, "set_inline")
        assert binary.AndNotMatcher._find_first is patches.WHOOSH_ORIGINALS[binary.AndNotMatcher, "_find_first"]
    assert binary.AndNotMatcher._find_first is reading._and_not_find_first
    assert whoosh3.W3TermInfo.set_inline == whoosh3.W3TermInfo.set_inlined
