"""The Whoosh index: schema, documents, and an atomic build.

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

from whoosh import columns, fields, index
from whoosh.codec import whoosh3

from .analysis import EXACT, FRENCH, TextWithNames, index_terms
from .anchors import packed_anchors
from .corpus_files import CorpusFileError, corpus_file_digest, display_name
from .frequent_postings import write_frequent_postings
from .records import Passage, Recording, Speaker
from .vocabulary import VOCABULARY_FILE, VocabularyBuilder
from .whoosh_writer import WRITER_POOL_MB, writer_codec

STATE_FILE = "corpus_state.json"
# Bumped whenever the schema or the analyzer changes what is in the index: an
# index of another format is rebuilt by `serve`, and refused with advice by search.
INDEX_FORMAT = 12  # 6: sound events and section topics; 7: exact fields with word pairs, light stemmer;
# 8: uncertain ASR words; 9: rare terms' postings inlined in the term index, title/names fields of class
# RepeatedText (same terms and postings, another layout: indexer/whoosh_writer.py); 10: known names
# heard misspelled (approximate), searchable at the heard words' positions; 11: automatic speaker
# attribution's confidence; 12: passage anchors, cue and word offsets (links at the words: indexer/anchors.py)


def _cached_reader(self, fieldname, column):
    # Whoosh 2.7 caches a column reader only when the column exists, so a field
    # without lengths (a KEYWORD filter) costs one stat() per posting at commit:
    # 1.6 million calls for 100 hours of transcripts. Cache the absence too.
    if fieldname not in self._readers:
        self._readers[fieldname] = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
    return self._readers[fieldname]


whoosh3.W3PerDocReader._cached_reader = _cached_reader
FACET_SEPARATOR = "\x1f"
TYPE_VERBATIM = "transcription"
TYPE_SUMMARY = "résumé"
TYPE_EVENTS = "événements"  # a transcript passage of sound events only: shown on its recording, never found


class FrenchText(fields.TEXT):
    """A text field of the French analyzers (FRENCH, EXACT), indexed through
    analysis.index_terms: a passage's words are found once for its two fields, without
    Whoosh's token objects. The terms, weights and positions are the ones fields.TEXT gives."""

    def index(self, value, **kwargs):
        # The writer's schema is unpickled from the index: its analyzers are equal to
        # FRENCH and EXACT, not the same objects. Which one, asked once.
        exact = self.__dict__.get("_exact")
        if exact is None:
            exact = self._exact = "exact" if self.analyzer == EXACT else "french" if self.analyzer == FRENCH else ""
        if kwargs or not isinstance(value, str) or not exact:
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        encode = self.format.encode
        return [(term.encode("utf-8"), len(positions), float(len(positions)) * boost, encode(positions))
                for term, positions in index_terms(value, exact == "exact").items()]

    def __getstate__(self):
        # The schema is pickled into the index's table of contents: without what is cached.
        return {key: value for key, value in self.__dict__.items() if key not in ("_exact", "_analyzed")}


class RepeatedText(FrenchText):
    """A text field whose value repeats on every passage of a recording (its title, its
    people): analyzed once per distinct value instead of once per passage. The postings
    are the ones FrenchText gives; only the work of finding them again is saved."""

    CACHED_VALUES = 4096

    def index(self, value, **kwargs):
        if kwargs or not isinstance(value, str):
            return super().index(value, **kwargs)
        cache = self.__dict__.setdefault("_analyzed", {})
        postings = cache.get(value)
        if postings is None:
            if len(cache) >= self.CACHED_VALUES:
                cache.clear()
            postings = cache[value] = list(super().index(value))
        return postings


def make_schema() -> fields.Schema:
    return fields.Schema(
        doc_type=fields.ID(stored=False),  # "passage" | "recording"
        recording_id=fields.ID(stored=True),
        # Searchable text, all through the one French analyzer.
        text=FrenchText(analyzer=FRENCH, stored=True, phrase=True, multitoken_query="phrase"),
        # The recording's title and people, on each of its passages (RepeatedText).
        title=RepeatedText(analyzer=FRENCH, stored=False, phrase=True, field_boost=2.0, multitoken_query="phrase"),
        names=RepeatedText(analyzer=FRENCH, stored=False, phrase=True, field_boost=1.5, multitoken_query="phrase"),
        # The same texts for quoted phrases and prefixes: every word, unstemmed, and
        # each pair of adjacent words (indexer/analysis.py, EXACT).
        text_exact=FrenchText(analyzer=EXACT, stored=False, phrase=True),
        title_exact=RepeatedText(analyzer=EXACT, stored=False, phrase=True, field_boost=2.0),
        names_exact=RepeatedText(analyzer=EXACT, stored=False, phrase=True, field_boost=1.5),
        # Per-document columns, read into memory once per index generation: the facet
        # filters and counts work from them (and from the recordings' metadata), not
        # from indexed keyword fields, which would cost postings on every passage.
        c_rec=fields.COLUMN(columns.RefBytesColumn()),
        c_speaker=fields.COLUMN(columns.RefBytesColumn()),
        c_type=fields.COLUMN(columns.RefBytesColumn()),
        c_interviewer=fields.COLUMN(columns.BitColumn()),
        # Stored passage details.
        passage_no=fields.STORED(),
        label=fields.STORED(),
        speaker_name=fields.STORED(),
        is_interviewer=fields.STORED(),
        start=fields.STORED(),
        end=fields.STORED(),
        cues=fields.STORED(),
        anchors=fields.STORED(),  # char offsets of cues and timed words: see indexer/anchors.py
        events=fields.STORED(),  # sound events of a transcript passage: shown, not searched
        topic=fields.STORED(),  # a transcript section's own topic
        line=fields.STORED(),
        uncertain=fields.STORED(),  # char spans of words speech recognition was unsure of
        speaker_confidence=fields.STORED(),  # a speaker named by voice (automatic): how sure
        approximate=fields.STORED(),  # known names heard misspelled: [start, end, name, heard, form]
        recording_json=fields.STORED(),
    )


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


def read_state(index_dir: Path) -> Optional[dict]:
    try:
        return json.loads((Path(index_dir) / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


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


def index_damage(index_dir: os.PathLike | str) -> Optional[str]:
    """Why the index in ``index_dir`` cannot be served (missing, unreadable, a file of
    its segments truncated or missing), or None when it looks whole.

    Cheap: file sizes against those recorded at build time, then an open of the index
    and of its readers. `index --update` and `--if-stale` rebuild in full when this
    says something (an update would hard-link the damaged files into the next generation),
    and the search service answers 503 instead of failing request after request."""
    path = Path(index_dir)
    state = read_state(path)
    if state is None:
        return "pas d'index, ou état illisible"
    damage = truncated_file(path, state)
    if damage:
        return damage
    try:
        ix = open_index(path)
        with ix.searcher() as searcher:
            searcher.reader().doc_count_all()
    except Exception as exc:  # IndexUnavailable, or a garbled file Whoosh trips on
        return f"index illisible ({type(exc).__name__}: {exc})"
    return None


def truncated_file(index_dir: os.PathLike | str, state: dict) -> Optional[str]:
    """The first file of the index whose size differs from the one recorded at build time."""
    for name, size in (state.get("segments") or {}).items():
        try:
            actual = (Path(index_dir) / name).stat().st_size
        except OSError:
            return f"fichier d'index manquant : {name}"
        if actual != size:
            return f"fichier d'index tronqué ou modifié : {name} ({actual} octets au lieu de {size})"
    return None


def open_index(index_dir: os.PathLike | str):
    """Opens the current generation; raises IndexUnavailable with a clear message."""
    path = Path(index_dir)
    if not path.exists():
        raise IndexUnavailable(
            f"Aucun index dans {path}. Construisez-le avec « artoiscast index » "
            f"(ou « artoiscast index --rebuild »)."
        )
    try:
        if not index.exists_in(str(path)):
            raise IndexUnavailable(
                f"{path} ne contient pas d'index lisible. Reconstruisez-le avec « artoiscast index --rebuild »."
            )
        return index.open_dir(str(path))
    except IndexUnavailable:
        raise
    except Exception as exc:  # corrupt segment files, wrong schema, permissions …
        raise IndexUnavailable(
            f"L'index de {path} est illisible ({type(exc).__name__}: {exc}). "
            f"Reconstruisez-le avec « artoiscast index --rebuild »."
        ) from exc


class IndexUnavailable(RuntimeError):
    """The index is missing, locked or corrupt: the message says what to do."""
