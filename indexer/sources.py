"""Sources -> records: pages, transcripts and corpus.yaml overrides become Recordings.

This is the one place that reads the corpus folder. Every problem is collected
(file, line, reason) and the rest goes on: a bad file never stops the corpus.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

from .corpus import CORPUS_FILE, Corpus, load_corpus
from .corpus_files import (CorpusFileError, ParseTimeLimit, display_name, parse_time_limit, read_corpus_file,
                           resolve_corpus_path)
from .dates import parse_date
from .gazetteer import Gazetteer
from .names import MAX_FORMS, attach_approximate_names
from .corpus.manifest import dead_audio_links, downloaded_audio_files
from .page import parse_page
from .records import Passage, Problem, Recording, Speaker, name_key, neutralise_labels, one_genre, strip_invisible, web_url
from .corpus.auto_transcripts import attribution_confidence, auto_transcript_path, read_provenance, uncertain_spans
from .transcripts import passages_from_cues, read_transcript
from .transcripts.passages import MAX_PASSAGE_CHARS, split_long_cues, text_pieces


@dataclass
class FormatStats:
    files: int = 0
    cues_read: int = 0
    cues_indexed: int = 0
    skipped: int = 0
    passages: int = 0


@dataclass
class CorpusRecords:
    corpus: Corpus
    recordings: list[Recording]
    problems: list[Problem]
    files: list[Path]  # every file read, for the index's corpus state
    themes: list[str] = field(default_factory=list)
    page_recordings: dict[str, list[str]] = field(default_factory=dict)  # page id -> its recordings' ids
    formats: dict[str, FormatStats] = field(default_factory=lambda: defaultdict(FormatStats))

    def page_recordings_ids(self) -> list[str]:
        return [rec_id for ids in self.page_recordings.values() for rec_id in ids]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def read_corpus(root: Path | str, page_ids: Optional[set[str]] = None,
                spec_ids: Optional[set[str]] = None, corpus: Optional[Corpus] = None) -> CorpusRecords:
    """Every recording of the corpus - or, for an update, only those of the pages
    ``page_ids`` and of the corpus.yaml entries ``spec_ids`` (``corpus``: already loaded)."""
    reading = CorpusReading(root, page_ids, spec_ids, corpus)
    for _ in reading.recordings:
        pass
    return reading.records


class CorpusReading:
    """The corpus read one recording at a time, for the build to index each one as it
    comes (indexing then starts before the corpus is read, on every core).

    ``recordings`` yields each recording once it is complete, in the order of
    ``records.recordings`` (a page's recordings, then corpus.yaml's own); ``count`` says
    how many will come, before they do. Once ``recordings`` is exhausted, ``records`` is
    what read_corpus returns: the same recordings, problems and files, in the same order.
    """

    def __init__(self, root: Path | str, page_ids: Optional[set[str]] = None,
                 spec_ids: Optional[set[str]] = None, corpus: Optional[Corpus] = None):
        self.root = Path(root)
        corpus = corpus or load_corpus(self.root)
        self.records = CorpusRecords(corpus, [], [*corpus.problems, *corpus.entry_problems],
                                     [self.root / "corpus.yaml"])
        self.spec_ids = spec_ids
        self._by_id = read_pages(self.root, corpus, page_ids, self.records)
        self.count = len(self.records.recordings) + sum(
            1 for rec_id, spec in self._specs() if rec_id not in self._by_id and (spec.get("transcript") or spec.get("title")))
        self.recordings = self._recordings()

    def _specs(self):
        return ((rec_id, spec) for rec_id, spec in self.records.corpus.recordings.items()
                if self.spec_ids is None or rec_id in self.spec_ids)

    def _recordings(self):
        root, result, by_id = self.root, self.records, self._by_id
        corpus = result.corpus
        places = Gazetteer({p: [] for p in corpus.places})
        organisations = Gazetteer({o.name: o.aliases for o in corpus.organisations})
        downloaded, dead = downloaded_audio_files(root), dead_audio_links(root)
        # What automatic transcripts add (problems, files, formats) comes after what the
        # corpus.yaml entries add, as when the corpus was read all at once.
        automatic = CorpusRecords(corpus, [], [], [])
        # Page recordings wait for their corpus.yaml entry, if they have one.
        waiting = {rec_id for rec_id, _ in self._specs() if rec_id in by_id}
        done = 0

        def complete():
            nonlocal done
            while done < len(result.recordings) and result.recordings[done].id not in waiting:
                rec = result.recordings[done]
                done += 1
                attach_downloaded_audio([rec], root, downloaded, dead)
                attach_automatic_transcripts(automatic, places, organisations, [rec])
                neutralise_labels(rec)  # no bidi override nor zero-width character in names and titles
                rec.kind = one_genre(rec.kind)  # "interview" and "entretien": one genre
                yield rec

        yield from complete()
        for rec_id, spec in self._specs():
            rec = by_id.get(rec_id)
            if rec is None:
                if not spec.get("transcript") and not spec.get("title"):
                    result.problems.append(Problem(CORPUS_FILE, corpus.line(f"recordings.{rec_id}"),
                                                   f"recordings.{rec_id} : aucun enregistrement "
                                                   "de ce nom dans les pages, et ni « title » ni « transcript » pour "
                                                   "le créer"))
                    continue
                rec = Recording(id=rec_id, title=str(spec.get("title") or rec_id), media="audio",
                                kind=spec.get("kind") or "interview", source="corpus.yaml",
                                page_url=spec.get("page_url"))
                by_id[rec_id] = rec
                result.recordings.append(rec)
            apply_overrides(rec, spec, corpus, result)
            if spec.get("transcript"):
                attach_transcript(rec, spec, corpus, result)
            texts = [rec.title] + [p.text for p in rec.passages]
            rec.places = list(dict.fromkeys(rec.places + places.find(*texts)))
            orgs = [s.organisation for s in rec.speakers if s.organisation and not s.interviewer]
            rec.organisations = list(dict.fromkeys(rec.organisations + orgs + organisations.find(*texts)))
            waiting.discard(rec_id)
            yield from complete()
        result.themes[:] = list(dict.fromkeys(filter(None, map(strip_invisible, result.themes))))
        result.problems.extend(automatic.problems)
        result.files.extend(automatic.files)
        for name, stats in automatic.formats.items():
            total = result.formats[name]
            for key, value in asdict(stats).items():
                setattr(total, key, getattr(total, key) + value)


def read_pages(root: Path, corpus: Corpus, page_ids: Optional[set[str]], result: CorpusRecords) -> dict[str, Recording]:
    """The recordings of the corpus's pages (or of the pages ``page_ids``), by id."""
    by_id: dict[str, Recording] = {}
    for page in corpus.pages:
        if page_ids is not None and page.id not in page_ids:
            continue
        if not page.file:
            result.problems.append(Problem(CORPUS_FILE, page.line, f"page « {page.id} » : aucun fichier local "
                                           "(lancez « artoiscast fetch »)", "warning"))
            continue
        try:
            path = resolve_corpus_path(root, page.file)
            data = read_corpus_file(root, page.file)
        except CorpusFileError as error:
            where = CORPUS_FILE if page.line else display_name(page.file)  # pages/ read without corpus.yaml
            result.problems.append(Problem(where, page.line, f"page « {page.id} » : file {error}"))
            continue
        try:
            content = data.decode("utf-8")
        except UnicodeDecodeError:
            content = data.decode("cp1252", errors="replace")
            result.problems.append(Problem(page.file, None, "page décodée en cp1252 (UTF-8 invalide)", "warning"))
        result.files.append(path)
        try:
            with parse_time_limit():  # one hostile page must not hold `index` forever
                parsed = parse_page(content, page, corpus, page.file,
                                    is_html=path.suffix.lower() in (".html", ".htm"))
        except ParseTimeLimit as limit:
            result.problems.append(Problem(page.file, None, f"page « {page.id} » : {limit.reason()}"))
            continue
        result.problems.extend(parsed.problems)
        result.themes.extend(t for t in parsed.themes if t not in result.themes)
        for rec in parsed.recordings:
            rec.passages = _bounded_passages(rec.passages, page.file, result)
            by_id[rec.id] = rec
            result.recordings.append(rec)
        result.page_recordings[page.id] = [rec.id for rec in parsed.recordings]
    return by_id


def attach_automatic_transcripts(result: CorpusRecords, places: Gazetteer, organisations: Gazetteer,
                                 recordings: Optional[list[Recording]] = None):
    """`artoiscast transcribe`'s output (transcripts/auto/<id>.json) for each recording
    (of ``recordings``, by default of ``result``) with no other transcript: a human transcript always wins."""
    for rec in result.recordings if recordings is None else recordings:
        path = auto_transcript_path(result.corpus.root, rec.id) if rec.media and not rec.transcript else None
        if path is None or not path.is_file():
            continue
        rel = path.relative_to(result.corpus.root).as_posix()
        provenance = read_provenance(result.corpus.root, rel)
        if provenance is None:
            result.problems.append(Problem(rel, None, "pas de bloc « provenance » d'une transcription automatique : "
                                           "ignoré (déclarez une transcription humaine dans corpus.yaml)", "warning"))
            continue
        first = len(rec.passages)
        attach_transcript(rec, {"transcript": rel}, result.corpus, result)
        rec.automatic = {"model": provenance["model"], "date": provenance["date"]}
        for passage in rec.passages[first:]:
            passage.uncertain = uncertain_spans(passage.text, passage.cues, provenance["uncertain"])
            if passage.speaker:
                passage.speaker_confidence = attribution_confidence(passage.cues, provenance["attributed"])
        texts = [p.text for p in rec.passages[first:]]
        rec.places = list(dict.fromkeys(rec.places + places.find(*texts)))
        rec.organisations = list(dict.fromkeys(rec.organisations + organisations.find(*texts)))
        left_out = attach_approximate_names(rec, result.corpus, rec.passages[first:])
        warning = (f"plus de {MAX_FORMS} noms et variantes : {left_out} ne sont pas cherchés "
                   "approximativement dans les transcriptions automatiques")
        if left_out and not any(p.reason == warning for p in result.problems):
            result.problems.append(Problem(CORPUS_FILE, None, warning, "warning"))




def attach_downloaded_audio(recordings: list[Recording], root: Path, downloaded: Optional[dict[str, str]] = None,
                            dead: Optional[set[str]] = None):
    """Recordings whose media `artoiscast fetch --audio` downloaded play the local copy
    (an ``audio`` file given in corpus.yaml wins). harvest.json names files inside audio/ only.
    A link it found dead (404, 410) is no audio: no player, not counted « avec audio »."""
    if downloaded is None:
        downloaded = downloaded_audio_files(root)
    if dead is None:
        dead = dead_audio_links(root)
    for rec in recordings:
        if not rec.audio_file and rec.audio_url in downloaded:
            rec.audio_file = downloaded[rec.audio_url]
        rec.audio_dead = not rec.audio_file and rec.audio_url in dead


def written_name(corpus: Corpus, name: str) -> str:
    """A name as written (spaces collapsed), or the person's name when `people` knows it
    (by name or alias) - never re-cased: "BA725" stays "BA725"."""
    person = corpus.person(name)
    return person.name if person else " ".join(name.split())


def written_speaker(corpus: Corpus, name: str, role=None, organisation=None, interviewer=None) -> Speaker:
    """corpus.speaker(), but with the name as written (see written_name)."""
    speaker = corpus.speaker(name, role, organisation, interviewer)
    speaker.name = written_name(corpus, name)
    return speaker


def _bounded_passages(passages: list[Passage], file: str, result: CorpusRecords) -> list[Passage]:
    """A page passage longer than MAX_PASSAGE_CHARS becomes several (reported; nothing lost):
    every search that matches a passage reads and marks it."""
    out: list[Passage] = []
    for passage in passages:
        if len(passage.text) <= MAX_PASSAGE_CHARS:
            out.append(passage)
            continue
        result.problems.append(Problem(file, passage.line, f"passage de {len(passage.text)} caractères découpé en "
                                       f"passages d'au plus {MAX_PASSAGE_CHARS} caractères", "warning"))
        out.extend(replace(passage, text=piece) for piece in text_pieces(passage.text, MAX_PASSAGE_CHARS))
    return out


def _speaker_from_spec(item: Any, corpus: Corpus) -> Optional[Speaker]:
    if isinstance(item, str):
        return written_speaker(corpus, item)
    if isinstance(item, dict) and item.get("name"):
        return written_speaker(corpus, str(item["name"]), item.get("role"), item.get("organisation"),
                               item.get("interviewer"))
    return None


def apply_overrides(rec: Recording, spec: dict, corpus: Corpus, result: CorpusRecords):
    """Curated facts from corpus.yaml win over what the parser found."""
    where = f"recordings.{rec.id}"
    for key in ("title", "theme", "kind"):
        if spec.get(key):
            setattr(rec, key, str(spec[key]))
    for key in ("audio_url", "page_url"):
        if spec.get(key):
            url = web_url(str(spec[key]))
            if url:
                setattr(rec, key, url)
            else:
                result.problems.append(Problem(CORPUS_FILE, corpus.line(f"{where}.{key}"),
                                               f"{where} : {key} doit être une adresse http(s) "
                                               f"(« {str(spec[key])[:60]} » ignorée)", "warning"))
    if spec.get("date"):
        found = parse_date(spec["date"])
        if found:
            rec.date, rec.date_label = found.iso, str(spec["date"])
        else:
            result.problems.append(Problem(CORPUS_FILE, corpus.line(f"{where}.date"),
                                           f"{where} : date illisible « {spec['date']} »", "warning"))
    if spec.get("audio"):
        audio = str(spec["audio"])
        line = corpus.line(f"{where}.audio")
        try:
            path = resolve_corpus_path(corpus.root, audio)
        except CorpusFileError as error:
            result.problems.append(Problem(CORPUS_FILE, line, f"{where} : audio {error}"))
            path = None
        audio_root = corpus.audio_dir.resolve()
        if path is None:
            pass
        elif not path.is_relative_to(audio_root):
            result.problems.append(Problem(CORPUS_FILE, line, f"{where} : le fichier audio doit être dans "
                                           f"{corpus.audio_dir.name}/ (« {audio} » ignoré)"))
        else:
            rec.audio_file = str(path.relative_to(audio_root))
            result.files.append(path)
    if spec.get("speakers"):
        speakers = [s for s in (_speaker_from_spec(i, corpus) for i in spec["speakers"]) if s]
        if speakers:
            rec.speakers = speakers
    for name in _as_list(spec.get("interviewer")):
        written = written_name(corpus, str(name))
        match = next((s for s in rec.speakers if name_key(s.name) == name_key(written)), None)
        if match:
            match.interviewer = True
        else:
            rec.speakers.append(written_speaker(corpus, written, interviewer=True))


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def attach_transcript(rec: Recording, spec: dict, corpus: Corpus, result: CorpusRecords):
    """Verbatim passages from the recording's transcript, speakers named through corpus.yaml."""
    rel = str(spec["transcript"])
    try:
        path = resolve_corpus_path(corpus.root, rel)
    except CorpusFileError as error:  # outside the corpus, a FIFO, a device …: never read
        result.problems.append(Problem(CORPUS_FILE, corpus.line(f"recordings.{rec.id}.transcript"),
                                       f"recordings.{rec.id} : transcript {error}"))
        return
    transcript = read_transcript(rel, root=corpus.root)
    for problem in transcript.problems:
        problem.file = rel
    result.problems.extend(transcript.problems)
    if not transcript.readable and not transcript.cues:
        return
    result.files.append(path)
    one_voice(rec, spec, transcript)
    speaker_map, aliases = transcript_speakers(rec, spec, corpus, transcript, rel, result)
    interviewers = {s.name for s in rec.speakers if s.interviewer}
    interviewers |= {name for name in speaker_map.values() if getattr(corpus.person(name), "interviewer", False)}
    cues, cut = split_long_cues(transcript.cues)
    for cue in cut:
        result.problems.append(Problem(rel, cue.line, f"segment de {len(cue.text)} caractères découpé en passages "
                                       f"d'au plus {MAX_PASSAGE_CHARS} caractères (même horodatage)", "warning"))
    passages = passages_from_cues(cues, speaker_map, interviewers)
    rec.transcript = rel
    rec.passages.extend(passages)
    known = {s.name: s for s in rec.speakers}
    for name in dict.fromkeys(p.speaker for p in passages if p.speaker):
        if name not in known:
            known[name] = written_speaker(corpus, name)
            rec.speakers.append(known[name])
    for name, spellings in aliases.items():
        if name in known:
            known[name].aliases = list(dict.fromkeys(known[name].aliases + [a for a in spellings if a != name]))
    # A file with several topics gives each passage its own; only a file's one topic is the recording's theme.
    if len(transcript.topics) == 1 and not rec.theme:
        rec.theme = transcript.topics[0]
    stats = result.formats[transcript.format]
    stats.files += 1
    stats.cues_read += transcript.cues_read
    stats.cues_indexed += len(transcript.cues)  # every cue read goes into a passage (long ones in pieces)
    stats.skipped += transcript.skipped
    stats.passages += len(passages)


def one_voice(rec: Recording, spec: dict, transcript) -> None:
    """A corpus.yaml entry declaring ONE speaker names the voice of the file's unlabelled cues
    (those holding only a sound event stay nobody's)."""
    declared = [item for item in _as_list(spec.get("speakers")) if item]
    if len(declared) != 1:
        return
    voice = declared[0].get("name") if isinstance(declared[0], dict) else declared[0]
    if not isinstance(voice, (str, int, float)):
        return
    for cue in transcript.cues:
        if cue.speaker is None and cue.text:
            cue.speaker = str(voice)


def transcript_speakers(rec: Recording, spec: dict, corpus: Corpus, transcript, rel: str,
                        result: CorpusRecords) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(cue label -> speaker name, speaker name -> other spellings) for one transcript.

    A speaker_labels key may be the file's internal id ("spk1") or the name the file
    gives it ("BA725"), in any case or accents; a key that matches no speaker is
    reported.  Names are kept as written; a speaker already known for the recording
    (from its page or corpus.yaml) under another spelling keeps that spelling.
    """
    raw_labels = spec.get("speaker_labels") or {}
    if not isinstance(raw_labels, dict):
        result.problems.append(Problem("corpus.yaml", corpus.line(f"recordings.{rec.id}.speaker_labels"),
                                       f"recordings.{rec.id}.speaker_labels : doit être un dictionnaire "
                                       "étiquette -> nom (ignoré)", "warning"))
        raw_labels = {}
    labels = {str(k): str(v) for k, v in raw_labels.items()}
    by_key = {name_key(k): k for k in labels}
    rec_names = {name_key(s.name): s.name for s in rec.speakers}
    used: set[str] = set()
    speaker_map: dict[str, str] = {}
    aliases: dict[str, list[str]] = defaultdict(list)
    for label in dict.fromkeys(cue.speaker for cue in transcript.cues if cue.speaker):
        in_file = transcript.speaker_names.get(label, label)
        key = next((k for k in (label, in_file) if k in labels), None) or by_key.get(name_key(label)) \
            or by_key.get(name_key(in_file))
        if key is not None:
            used.add(key)
        name = written_name(corpus, labels[key] if key is not None else in_file)
        name = rec_names.get(name_key(name), name)
        speaker_map[label] = name
        aliases[name].append(in_file)  # not an internal id ("spk1"): every Transcriber file has one
    for key in labels:
        if key not in used:
            speakers = ", ".join(dict.fromkeys(f"{label} ({transcript.speaker_names[label]})"
                                               if label in transcript.speaker_names else label
                                               for label in speaker_map)) or "aucun"
            result.problems.append(Problem(
                "corpus.yaml", corpus.line(f"recordings.{rec.id}.speaker_labels.{key}"),
                f"recordings.{rec.id}.speaker_labels : « {key} » ne correspond à aucun intervenant de {rel} "
                f"(intervenants du fichier : {speakers})", "warning"))
    return speaker_map, aliases

