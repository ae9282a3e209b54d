"""Writing the Whoosh index: documents, and an atomic build (the schema and the reading
of an index on disk: indexer/schema.py).

One Whoosh document per passage, carrying its recording's facet fields, plus
one document per recording holding the recording's metadata as JSON.

Layout on disk: ``INDEX`` is a symbolic link to ``INDEX.gen-<stamp>/``.
A build writes a new generation beside it and swaps the link with one
``os.replace`` - atomic on POSIX - so a reader sees the old index or the new
one, never a half-built one, and a failed build leaves the old one serving.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable, Iterable, Optional

from whoosh import index

from .analysis import TextWithNames
from .anchors import packed_anchors
from .corpus_files import CorpusFileError, corpus_file_digest, display_name
from .engine.frequent_postings import write_frequent_postings
from .records import Passage, Recording, Speaker
from .engine.writer import WRITER_POOL_MB, install_writer_patches, writer_codec
from .schema import FACET_SEPARATOR, INDEX_FORMAT, STATE_FILE, TYPE_EVENTS, TYPE_SUMMARY, TYPE_VERBATIM, make_schema
from .vocabulary import VOCABULARY_FILE, VocabularyBuilder


def recording_dict(rec: Recording) -> dict:
    data = asdict(replace(rec, passages=[]))  # not a deep copy of every passage, dropped at once
    data.pop("passages")
    data["year"] = rec.year
    data["has_audio"] = rec.has_audio
    return data


def passage_speaker_facets(rec: Recording, passage: Passage) -> list[str]:
    """Who a passage is "by", for the Intervenant facet.

    A verbatim passage is by its speaker; an editorial passage is about the
    recording, so it counts for everyone heard in it.
    """
    if passage.verbatim:
        return [passage.speaker] if passage.speaker else []
    return [s.name for s in rec.speakers]


def _people(speakers) -> str:
    return " ".join(" ".join(filter(None, (s.name, s.role, s.organisation))) for s in speakers)


def documents(rec: Recording) -> Iterable[dict]:
    title_text = " ".join(filter(None, (rec.title, rec.link_text)))
    everyone = _people(rec.speakers)
    by_name = {s.name: s for s in rec.speakers}
    yield dict(
        doc_type="recording",
        recording_id=rec.id,
        recording_json=json.dumps(recording_dict(rec), ensure_ascii=False),
    )
    for n, passage in enumerate(rec.passages):
        speakers = passage_speaker_facets(rec, passage)
        ptype = TYPE_VERBATIM if passage.verbatim else TYPE_SUMMARY
        if passage.verbatim and not passage.text:
            ptype = TYPE_EVENTS
        # A verbatim passage is findable by its speaker's name and role; an editorial
        # one by everyone heard in the recording.
        if passage.verbatim and passage.speaker:
            names = _people([by_name.get(passage.speaker) or Speaker(passage.speaker)])
        else:
            names = everyone
        # Known names heard misspelled are indexed at the heard words; the stored text is as heard.
        text = TextWithNames(passage.text, passage.approximate) if passage.approximate else passage.text
        yield dict(
            doc_type="passage",
            recording_id=rec.id,
            text=text,
            _stored_text=passage.text,
            title=title_text,
            names=names,
            text_exact=text,
            title_exact=title_text,
            names_exact=names,
            c_rec=rec.id.encode("utf-8"),
            c_speaker=FACET_SEPARATOR.join(speakers).encode("utf-8"),
            c_type=ptype.encode("utf-8"),
            c_interviewer=bool(passage.interviewer),
            passage_no=n,
            label=passage.label,
            speaker_name=passage.speaker,
            is_interviewer=passage.interviewer,
            start=passage.start,
            end=passage.end,
            cues=passage.cues or None,
            anchors=packed_anchors(passage),
            events=passage.events or None,
            topic=passage.topic,
            line=passage.line,
            uncertain=passage.uncertain or None,
            speaker_confidence=passage.speaker_confidence,
            approximate=passage.approximate or None,
        )


# --------------------------------------------------------------------------- corpus state


def corpus_state(corpus_root: Path) -> dict:
    """A fingerprint of the corpus: every file under it but the audio (large, and not indexed).

    Read through indexer.corpus_files: a FIFO, a device or a link leading out of
    the corpus is never read, and a file over the size limit is known by its
    size and date only. Names that are not UTF-8 are kept, escaped (\\xNN).
    """
    root = Path(corpus_root)
    state = {}
    for folder, dirs, files in os.walk(root):  # does not follow links to folders
        base = Path(folder).relative_to(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (base == Path(".") and d == "audio"))
        for name in sorted(files):
            if name.startswith("."):
                continue
            rel = (base / name).as_posix()
            state[display_name(rel, limit=None)] = _file_fingerprint(root, rel)
    return dict(sorted(state.items()))


def _file_fingerprint(root: Path, rel: str) -> str:
    digest = hashlib.sha256()
    try:
        corpus_file_digest(root, rel, digest)
    except CorpusFileError as error:
        try:
            info = (root / rel).lstat()
            return f"{error.reason} ({info.st_size} octets, {info.st_mtime_ns})"
        except OSError:
            return error.reason
    return digest.hexdigest()


# --------------------------------------------------------------------------- build


def write_index(index_dir: os.PathLike | str, recordings: Iterable[Recording], state: dict | Callable[[], dict],
                procs: int = 1, limitmb: int = WRITER_POOL_MB, replace: Optional[set[str]] = None,
                progress: Optional[Callable[[int, int, int], None]] = None, total: Optional[int] = None) -> Path:
    """Writes a new index generation beside ``index_dir`` and swaps it in atomically.

    Full build (``replace`` None): a new, empty index gets every recording.
    Update (``replace`` a set of recording ids): the new generation starts as hard
    links to the current one's files (Whoosh never rewrites a segment file), the
    documents of the ``replace`` recordings are deleted and ``recordings`` added
    as a new segment - seconds, instead of a full build.

    Returns the generation directory. If anything fails, the previous index is
    untouched and the partial generation is removed.

    ``recordings`` may be read as they are indexed (an iterator: ``total`` then says how
    many), and ``state`` asked for once they are all written (a function).

    ``progress(recordings done, recordings in all, words done)`` is called after each recording.
    """
    link = Path(index_dir)
    link.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(link):
        return _write_generation(link, recordings, state, procs, limitmb, replace, progress, total)


class IndexBusy(RuntimeError):
    """Another build of the same index held its lock for longer than we could wait (French message)."""


def build_wait_seconds() -> float:
    """How long a build waits for another build of the same index (ARTOISCAST_BUILD_WAIT, default 1 800 s)."""
    try:
        return max(float(os.environ.get("ARTOISCAST_BUILD_WAIT", "") or 1800.0), 0.0)
    except ValueError:
        return 1800.0


@contextmanager
def build_lock(link: Path):
    """One build of an index at a time: an exclusive flock on ``.<index>.build-lock`` beside it.

    A second `index` (the cron line while `serve` builds, two cron runs …) waits for the first
    to finish - it would otherwise delete the other's unfinished generation when swapping its own
    in - and gives up with IndexBusy after build_wait_seconds(). The kernel drops the lock of a
    process that dies: no stale lock to clean up."""
    path = link.parent / f".{link.name}.build-lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        deadline = time.monotonic() + build_wait_seconds()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(f"une autre construction de l'index {link} est en cours depuis plus de "
                                    f"{build_wait_seconds():g} s : abandon, l'index en service est conservé ; "
                                    "relancez plus tard (attente réglable : ARTOISCAST_BUILD_WAIT)") from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # releases the lock


def _write_generation(link: Path, recordings, state, procs: int, limitmb: int, replace: Optional[set[str]],
                      progress, total: Optional[int]) -> Path:
    install_writer_patches()
    generation = Path(tempfile.mkdtemp(prefix=f"{link.name}.gen-{time.strftime('%Y%m%d-%H%M%S')}-",
                                       dir=link.parent))
    try:
        if replace is None:
            ix = index.create_in(str(generation), make_schema())
            vocabulary = VocabularyBuilder()
        else:
            current = link.resolve()
            for item in current.iterdir():
                if item.is_file() and not item.name.endswith(".lock"):
                    os.link(item, generation / item.name)
            ix = index.open_dir(str(generation))
            vocabulary = VocabularyBuilder.load(current)
        # Separate segment files, not one compound file: Whoosh copies a compound
        # file's parts into memory for every searcher (BytesIO), ~160 MB per thread
        # over 1,000 hours; separate files are read through the page cache.
        writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=procs > 1, compound=False,
                           codec=writer_codec())
        try:
            for rec_id in replace or ():
                writer.delete_by_term("recording_id", rec_id)
            words = 0
            for done, rec in enumerate(recordings, start=1):
                repeated_seen = set()  # a recording's title and names repeat on its passages: counted once
                for doc in documents(rec):
                    # The vocabulary holds the words of the exact fields (tests/test_vocabulary.py).
                    vocabulary.add(doc.get("text_exact") or "")
                    for repeated in (doc.get("title_exact"), doc.get("names_exact")):
                        if repeated and repeated not in repeated_seen:
                            repeated_seen.add(repeated)
                            vocabulary.add(repeated)
                    # Known names heard misspelled are words of the index too: prefixes, suggestions.
                    vocabulary.add(" ".join(f"{name} {form}" for _, _, name, _, form in doc.get("approximate") or ()))
                    writer.add_document(**doc)
                    if progress:
                        words += len((doc.get("text") or "").split())
                if progress:
                    progress(done, len(recordings) if total is None else total, words)
        except BaseException:
            writer.cancel()
            raise
        # An update adds one small segment and merges nothing: it must be quick.
        writer.commit(merge=replace is None)
        write_frequent_postings(generation, procs=procs)
        for name in (VOCABULARY_FILE, STATE_FILE):
            (generation / name).unlink(missing_ok=True)  # hard links: never write through them
        vocabulary.save(generation)
        state = {**(state() if callable(state) else state), "format": INDEX_FORMAT,
                 "segments": segment_sizes(generation)}
        (generation / STATE_FILE).write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
        swap_in(link, generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    return generation


def swap_in(link: Path, generation: Path):
    """Points ``link`` at ``generation`` atomically, then removes older generations.

    The generation being replaced is kept until the next build: a searcher that
    opened it may still read files from it lazily until it refreshes.
    """
    previous = link.resolve() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        # An index directory from before generations: move it aside first.
        previous = link.parent / f"{link.name}.gen-legacy-{os.getpid()}"
        link.rename(previous)
    tmp_link = link.parent / f".{link.name}.link-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(generation.name, tmp_link)
    os.replace(tmp_link, link)
    keep = {generation.resolve(), previous}
    for old in link.parent.glob(f"{link.name}.gen-*"):
        if old.is_dir() and old.resolve() not in keep:
            shutil.rmtree(old, ignore_errors=True)


def segment_sizes(generation: Path) -> dict[str, int]:
    """The size of each Whoosh file of a generation, recorded in its state when it is
    written: Whoosh never rewrites a segment file, so a different size means damage
    (a truncated or half-copied file), found without reading the index."""
    return {item.name: item.stat().st_size for item in sorted(Path(generation).iterdir())
            if item.is_file() and not item.name.endswith(("LOCK", ".lock"))
            and item.name not in (STATE_FILE, VOCABULARY_FILE)}
