"""Sources -> records: pages, transcripts and corpus.yaml overrides become Recordings.

This is the one place that reads the corpus folder. Every problem is collected
(file, line, reason) and the rest goes on: a bad file never stops the corpus.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from .corpus import Corpus, load_corpus
from .dates import parse_date
from .gazetteer import Gazetteer
from .page import parse_page
from .records import Problem, Recording, Speaker, web_url
from .transcribe import auto_transcript_path, read_provenance, uncertain_spans
from .transcripts import passages_from_cues, read_transcript


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
    root = Path(root)
    corpus = corpus or load_corpus(root)
    result = CorpusRecords(corpus, [], list(corpus.problems), [root / "corpus.yaml"])
    by_id: dict[str, Recording] = {}

    for page in corpus.pages:
        if page_ids is not None and page.id not in page_ids:
            continue
        if not page.file:
            result.problems.append(Problem("corpus.yaml", None, f"page « {page.id} » : aucun fichier local "
                                           "(lancez « artoiscast fetch »)", "warning"))
            continue
        path = root / page.file
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            content = path.read_bytes().decode("cp1252", errors="replace")
            result.problems.append(Problem(page.file, None, "page décodée en cp1252 (UTF-8 invalide)", "warning"))
        except OSError as exc:
            result.problems.append(Problem(page.file, None, f"page illisible : {exc.strerror or exc}"))
            continue
        result.files.append(path)
        parsed = parse_page(content, page, corpus, page.file, is_html=path.suffix.lower() in (".html", ".htm"))
        result.problems.extend(parsed.problems)
        result.themes.extend(t for t in parsed.themes if t not in result.themes)
        for rec in parsed.recordings:
            by_id[rec.id] = rec
            result.recordings.append(rec)
        result.page_recordings[page.id] = [rec.id for rec in parsed.recordings]

    places = Gazetteer({p: [] for p in corpus.places})
    organisations = Gazetteer({o.name: o.aliases for o in corpus.organisations})
    for rec_id, spec in corpus.recordings.items():
        if spec_ids is not None and rec_id not in spec_ids:
            continue
        rec = by_id.get(rec_id)
        if rec is None:
            if not spec.get("transcript") and not spec.get("title"):
                result.problems.append(Problem("corpus.yaml", None, f"recordings.{rec_id} : aucun enregistrement "
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
    attach_automatic_transcripts(result, places, organisations)
    return result


def attach_automatic_transcripts(result: CorpusRecords, places: Gazetteer, organisations: Gazetteer):
    """`artoiscast transcribe`'s output (transcripts/auto/<id>.json) for each recording
    with no other transcript: a human transcript always wins."""
    for rec in result.recordings:
        path = auto_transcript_path(result.corpus.root, rec.id) if rec.media and not rec.transcript else None
        if path is None or not path.is_file():
            continue
        provenance = read_provenance(path)
        rel = path.relative_to(result.corpus.root).as_posix()
        if provenance is None:
            result.problems.append(Problem(rel, None, "pas de bloc « provenance » d'une transcription automatique : "
                                           "ignoré (déclarez une transcription humaine dans corpus.yaml)", "warning"))
            continue
        first = len(rec.passages)
        attach_transcript(rec, {"transcript": rel}, result.corpus, result)
        rec.automatic = {"model": provenance["model"], "date": provenance["date"]}
        for passage in rec.passages[first:]:
            passage.uncertain = uncertain_spans(passage.text, passage.cues, provenance["uncertain"])
        texts = [p.text for p in rec.passages[first:]]
        rec.places = list(dict.fromkeys(rec.places + places.find(*texts)))
        rec.organisations = list(dict.fromkeys(rec.organisations + organisations.find(*texts)))


def _speaker_from_spec(item: Any, corpus: Corpus) -> Optional[Speaker]:
    if isinstance(item, str):
        return corpus.speaker(item)
    if isinstance(item, dict) and item.get("name"):
        return corpus.speaker(str(item["name"]), item.get("role"), item.get("organisation"),
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
                result.problems.append(Problem("corpus.yaml", None, f"{where} : {key} doit être une adresse "
                                               f"http(s) (« {str(spec[key])[:60]} » ignorée)", "warning"))
    if spec.get("date"):
        found = parse_date(spec["date"])
        if found:
            rec.date, rec.date_label = found.iso, str(spec["date"])
        else:
            result.problems.append(Problem("corpus.yaml", None, f"{where} : date illisible « {spec['date']} »",
                                           "warning"))
    if spec.get("audio"):
        audio = Path(str(spec["audio"]))
        path = (corpus.root / audio).resolve()
        audio_root = corpus.audio_dir.resolve()
        if not path.is_relative_to(audio_root):
            result.problems.append(Problem("corpus.yaml", None, f"{where} : le fichier audio doit être dans "
                                           f"{corpus.audio_dir.name}/ (« {audio} » ignoré)"))
        elif not path.is_file():
            result.problems.append(Problem("corpus.yaml", None, f"{where} : fichier audio introuvable « {audio} »"))
        else:
            rec.audio_file = str(path.relative_to(audio_root))
            result.files.append(path)
    if spec.get("speakers"):
        speakers = [s for s in (_speaker_from_spec(i, corpus) for i in spec["speakers"]) if s]
        if speakers:
            rec.speakers = speakers
    for name in _as_list(spec.get("interviewer")):
        canonical = corpus.canonical_name(str(name))
        match = next((s for s in rec.speakers if s.name == canonical), None)
        if match:
            match.interviewer = True
        else:
            rec.speakers.append(corpus.speaker(canonical, interviewer=True))


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def attach_transcript(rec: Recording, spec: dict, corpus: Corpus, result: CorpusRecords):
    """Verbatim passages from the recording's transcript, speakers named through corpus.yaml."""
    rel = str(spec["transcript"])
    path = corpus.root / rel
    transcript = read_transcript(path)
    for problem in transcript.problems:
        problem.file = rel
    result.problems.extend(transcript.problems)
    if not transcript.readable and not transcript.cues:
        return
    result.files.append(path)
    # Every label - from corpus.yaml, from the file's own speaker list, or as written
    # in the cues ("ODILE :") - goes through the people's aliases to one canonical name.
    labels = {str(k): str(v) for k, v in (spec.get("speaker_labels") or {}).items()}
    speaker_map = {cue.speaker: cue.speaker for cue in transcript.cues if cue.speaker}
    speaker_map.update(transcript.speaker_names)
    speaker_map.update(labels)
    speaker_map = {label: corpus.canonical_name(name) for label, name in speaker_map.items()}
    interviewers = {s.name for s in rec.speakers if s.interviewer}
    interviewers |= {name for name in speaker_map.values() if getattr(corpus.person(name), "interviewer", False)}
    passages = passages_from_cues(transcript.cues, speaker_map, interviewers)
    rec.transcript = rel
    rec.passages.extend(passages)
    known = {s.name for s in rec.speakers}
    for name in dict.fromkeys(p.speaker for p in passages if p.speaker):
        if name not in known:
            rec.speakers.append(corpus.speaker(name))
            known.add(name)
    if transcript.topics and not rec.theme:
        rec.theme = transcript.topics[0]
    stats = result.formats[transcript.format]
    stats.files += 1
    stats.cues_read += transcript.cues_read
    stats.cues_indexed += sum(len(p.cues) for p in passages)
    stats.skipped += transcript.skipped
    stats.passages += len(passages)
