"""Corpus folder -> index: a full build, an update of what changed, and whether either is needed.

The index's state file records fingerprints of what it was built from:
- ``files``: every corpus file but the audio (is the index stale?);
- ``global``: corpus.yaml without its pages and recordings (people, thesaurus …:
  a change there touches every recording, so it calls for a full build);
- ``pages`` and ``specs``: one per page and per corpus.yaml recording entry, with
  the files they name (an update rebuilds only the recordings whose changed);
- ``page_recordings``: which recordings each page gave (to delete them on change).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from .corpus import Corpus, load_corpus
from .corpus_files import CorpusFileError, corpus_file_digest, resolve_corpus_path
from .corpus.manifest import downloaded_audio_by_page
from .index import corpus_state, write_index
from .schema import INDEX_FORMAT, index_damage, read_state
from .sources import CorpusReading, CorpusRecords, read_corpus
from .corpus.auto_transcripts import AUTO_DIR


@dataclass
class Fingerprints:
    global_: str
    pages: dict[str, str]
    specs: dict[str, str]
    auto: dict[str, str] = field(default_factory=dict)  # recording id -> its automatic transcript's digest


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()


def _file_bytes(root: Path, rel) -> bytes:
    """What a fingerprint needs of a file the corpus names: its digest, or why it cannot be read
    (through indexer.corpus_files: never outside the corpus, never a FIFO, bounded)."""
    if not rel:
        return b""
    digest = hashlib.sha256()
    try:
        corpus_file_digest(root, str(rel), digest)
    except CorpusFileError as error:
        return f"<{error.reason}>".encode()
    return digest.hexdigest().encode()


def _is_audio_file(root: Path, rel) -> bool:
    try:
        return bool(rel) and resolve_corpus_path(root, str(rel)) is not None
    except CorpusFileError:
        return False


def _without_line(entry: dict) -> dict:
    return {key: value for key, value in entry.items() if key != "line"}


def fingerprints(corpus: Corpus) -> Fingerprints:
    root = corpus.root
    shared = {k: v for k, v in corpus.data.items() if k not in ("pages", "recordings")}
    # A page whose recordings' audio was downloaded since (fetch --audio) is read again.
    # Without the entry's line: a page added above another must not make that one "changed".
    downloads = downloaded_audio_by_page(root)
    pages = {p.id: _digest(_without_line(asdict(p)), _file_bytes(root, p.file),
                           *([downloads[p.id]] if p.id in downloads else []))
             for p in corpus.pages}
    specs = {}
    for rec_id, spec in corpus.recordings.items():
        specs[rec_id] = _digest(spec, _file_bytes(root, spec.get("transcript")),
                                _is_audio_file(root, spec.get("audio")))
    auto = {path.stem: _digest(_file_bytes(root, path.relative_to(root)))
            for path in sorted((root / AUTO_DIR).glob("*.json"))}
    return Fingerprints(_digest(shared), pages, specs, auto)


def _state(records: CorpusRecords, fps: Fingerprints, corpus_dir: Path, previous: Optional[dict] = None) -> dict:
    state = dict(previous or {})
    page_recordings = dict((previous or {}).get("page_recordings") or {})
    page_recordings.update(records.page_recordings)
    for page_id in list(page_recordings):
        if page_id not in fps.pages:
            del page_recordings[page_id]
    state.update({
        "files": corpus_state(corpus_dir),
        "global": fps.global_,
        "pages": fps.pages,
        "specs": fps.specs,
        "auto": fps.auto,
        "page_recordings": page_recordings,
        "thesaurus": records.corpus.thesaurus,
        "site": records.corpus.site,
        "credits": records.corpus.credits,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    })
    if previous is None:
        state["themes"] = records.themes
        state["recordings"] = len(records.recordings)
        state["passages"] = sum(len(r.passages) for r in records.recordings)
        state["formats"] = {name: asdict(stats) for name, stats in records.formats.items()}
    return state


class BuildRefused(RuntimeError):
    """The corpus could not be read well enough to replace the index serving now."""


def default_procs(passages: int) -> int:
    """Whoosh writer processes: one per core for a large corpus; one for a small
    corpus, where starting processes costs more than it saves."""
    return min(os.cpu_count() or 1, 4) if passages > 5000 else 1


def build_index(corpus_dir: Path | str, index_dir: Path | str, procs: Optional[int] = None,
                progress=None) -> CorpusRecords:
    """Reads the whole corpus and swaps in a fresh index. The old index serves until the swap.

    A corpus.yaml that cannot be read, or a corpus that yields no recording while
    an index exists, never replaces that index (a typo must not empty the site).

    Each recording is indexed as soon as it is read (CorpusReading): the writer processes
    start before the corpus is read, so reading and indexing share the cores, and the
    writers, forked from a process that holds little, do not hold a copy of the corpus.
    """
    corpus_dir = Path(corpus_dir)
    reading = CorpusReading(corpus_dir)
    records = reading.records
    unreadable = [p for p in records.corpus.problems if p.severity == "error"]
    previous = read_state(Path(index_dir))
    if unreadable or (previous and not reading.count):
        # An unreadable corpus.yaml (invalid, refused aliases, too large) never builds an index.
        reason = str(unreadable[0]) if unreadable else "le corpus ne donne aucun enregistrement"
        kept = "l'index précédent est conservé" if previous else "aucun index construit"
        raise BuildRefused(f"{reason} ; {kept}")
    fps = fingerprints(records.corpus)
    recordings = reading.recordings
    if procs is None:
        # Read until the corpus is known to be large, or is read (default_procs' rule).
        first, passages = [], 0
        for rec in recordings:
            first.append(rec)
            passages += len(rec.passages)
            if default_procs(passages) > 1:
                break
        procs = default_procs(passages)
        recordings = itertools.chain(first, recordings)
    write_index(index_dir, recordings, lambda: _state(records, fps, corpus_dir), procs=procs, progress=progress,
                total=reading.count)
    return records


@dataclass
class UpdateResult:
    records: Optional[CorpusRecords]
    full: bool  # a full build was needed
    replaced: set[str]  # recordings deleted and written again (or just deleted)
    seconds: float


def update_index(corpus_dir: Path | str, index_dir: Path | str) -> UpdateResult:
    """Rebuilds only the recordings whose page, corpus.yaml entry or transcript changed.

    Falls back to a full build when there is no index, or when what every
    recording depends on (people, organisations, thesaurus, places) changed.
    """
    started = time.perf_counter()
    corpus_dir = Path(corpus_dir)
    state = read_state(Path(index_dir))
    corpus = load_corpus(corpus_dir)
    fps = fingerprints(corpus)
    if (not state or state.get("format") != INDEX_FORMAT or state.get("global") != fps.global_
            or index_damage(index_dir)):  # a damaged index would be hard-linked into the next generation
        records = build_index(corpus_dir, index_dir)
        return UpdateResult(records, True, set(), time.perf_counter() - started)
    old_pages, old_specs = state.get("pages", {}), state.get("specs", {})
    old_page_recordings: dict[str, list[str]] = state.get("page_recordings", {})
    changed_specs = {r for r in fps.specs if old_specs.get(r) != fps.specs[r]} | (set(old_specs) - set(fps.specs))
    old_auto = state.get("auto", {})  # a new, changed or removed automatic transcript
    changed_specs |= {r for r in set(fps.auto) | set(old_auto) if old_auto.get(r) != fps.auto.get(r)}
    page_ids = {p for p in fps.pages if old_pages.get(p) != fps.pages[p]} | (set(old_pages) - set(fps.pages))
    # An entry completing a page recording needs its page read again.
    page_ids |= {p for p, ids in old_page_recordings.items() if changed_specs & set(ids)}
    if not changed_specs and not page_ids:
        return UpdateResult(None, False, set(), time.perf_counter() - started)
    readable_pages = page_ids & set(fps.pages)
    # The recordings of the pages read again - before and after the change - and
    # the changed entries are the ones written again; read the pages first (cheap)
    # to know their recordings, then everything those need.
    on_pages = set(read_corpus(corpus_dir, page_ids=readable_pages, spec_ids=set(), corpus=corpus).page_recordings_ids())
    for page_id in page_ids:
        on_pages.update(old_page_recordings.get(page_id, []))
    spec_ids = (changed_specs | on_pages) & set(fps.specs)
    records = read_corpus(corpus_dir, page_ids=readable_pages, spec_ids=spec_ids, corpus=corpus)
    replaced = changed_specs | on_pages | {r.id for r in records.recordings}
    write_index(index_dir, records.recordings, _state(records, fps, corpus_dir, previous=state), replace=replaced)
    return UpdateResult(records, False, replaced, time.perf_counter() - started)


def index_is_stale(corpus_dir: Path | str, index_dir: Path | str) -> bool:
    """True when there is no index, the serving index cannot be read, or the corpus changed since it was built."""
    state = read_state(Path(index_dir))
    if not state or state.get("format") != INDEX_FORMAT or index_damage(index_dir):
        return True
    return state.get("files") != corpus_state(Path(corpus_dir))
