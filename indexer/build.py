"""Corpus folder -> index: the whole pipeline, and whether it needs running."""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

from .index import corpus_state, read_state, write_index
from .sources import CorpusRecords, read_corpus


def build_index(corpus_dir: Path | str, index_dir: Path | str, procs: int = 1) -> CorpusRecords:
    """Reads the corpus and swaps in a fresh index. The old index serves until the swap."""
    started = time.perf_counter()
    records = read_corpus(corpus_dir)
    passages = sum(len(r.passages) for r in records.recordings)
    state = {
        "files": corpus_state(Path(corpus_dir)),
        "thesaurus": records.corpus.thesaurus,
        "themes": records.themes,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "recordings": len(records.recordings),
        "passages": passages,
        "formats": {name: asdict(stats) for name, stats in records.formats.items()},
    }
    write_index(index_dir, records.recordings, state, procs=procs)
    records.build_seconds = time.perf_counter() - started
    return records


def index_is_stale(corpus_dir: Path | str, index_dir: Path | str) -> bool:
    """True when there is no index or the corpus changed since it was built."""
    state = read_state(Path(index_dir))
    if not state:
        return True
    return state.get("files") != corpus_state(Path(corpus_dir))
