"""The `artoiscast` command: fetch, check, index, search, serve.

Every subcommand works on any corpus: --corpus DIR and --index DIR (or the
ARTOISCAST_CORPUS / ARTOISCAST_INDEX environment variables).
"""
from __future__ import annotations

import functools
import json
import re
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import click

from .build import build_index, index_is_stale, update_index
from .harvest.harvester import Harvester, Options as HarvestOptions
from .corpus.manifest import audio_link_problems
from .index import IndexBusy
from .schema import IndexUnavailable, index_damage, read_state
from .records import web_url
from .serving import (DEFAULT_WORKERS, BackgroundBuild, local_citations_warning, run_server, server_address,
                      waitress_options)
from .links import timecode
from .search import EXPENSIVE_SLOTS, FACETS, MODES, SORTS, SearchParams, SearchService
from .sources import read_corpus
from .corpus.auto_transcripts import read_provenance

DEFAULT_CORPUS = "corpus"
DEFAULT_INDEX = "var/index"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--corpus", "corpus_dir", envvar="ARTOISCAST_CORPUS", default=DEFAULT_CORPUS, show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Dossier du corpus (corpus.yaml, pages/ …).")
@click.option("--index", "index_dir", envvar="ARTOISCAST_INDEX", default=DEFAULT_INDEX, show_default=True,
              type=click.Path(path_type=Path), help="Emplacement de l'index Whoosh.")
@click.pass_context
def main(ctx, corpus_dir: Path, index_dir: Path):
    """Recherche dans les entretiens d'artoiscast.fr."""
    ctx.obj = {"corpus": corpus_dir, "index": index_dir}


def corpus_options(command):
    """--corpus and --index accepted after the subcommand too (`artoiscast index --corpus DIR`),
    as people type them; given there, they win over the ones given before it.

    Put it under @main.command(): the command's body still reads obj["corpus"], obj["index"]."""
    @click.option("--corpus", "corpus_after", default=None, type=click.Path(file_okay=False, path_type=Path),
                  help="Dossier du corpus (aussi accepté avant la sous-commande).")
    @click.option("--index", "index_after", default=None, type=click.Path(path_type=Path),
                  help="Emplacement de l'index (aussi accepté avant la sous-commande).")
    @functools.wraps(command)
    def with_corpus_options(*args, corpus_after=None, index_after=None, **kwargs):
        obj = click.get_current_context().ensure_object(dict)
        if corpus_after is not None:
            obj["corpus"] = corpus_after
        if index_after is not None:
            obj["index"] = index_after
        return command(*args, **kwargs)

    return with_corpus_options


class Progress:
    """One line, rewritten in place on a terminal: recordings and words done, rate, time left.
    Nothing at all when the output is not a terminal (scripts, logs) or with --quiet."""

    def __init__(self, stream=None, enabled: Optional[bool] = None, every: float = 0.25):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.every = every
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int, words: int):
        now = time.monotonic()
        if not self.enabled or (now - self.last < self.every and done < total):
            return
        self.last = now
        elapsed = max(now - self.started, 1e-6)
        left = (total - done) * elapsed / done if done else 0
        line = (f"Indexation : {done}/{total} enregistrements ({100 * done // max(total, 1)} %), "
                f"{_number(words)} mots, {_number(words / elapsed)} mots/s, reste ~{_duration(left)}")
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def close(self):
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")  # 1 234 567, the French way


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def _problem_lines(problems) -> list[str]:
    return [str(p) for p in problems]


# --------------------------------------------------------------------------- fetch


@main.command()
@corpus_options
@click.option("--site", metavar="URL", help="Page d'accueil du site : suit son menu et récolte toutes ses pages "
              "(liste dans site.yaml, à côté de corpus.yaml).")
@click.option("--audio", is_flag=True, help="Télécharge aussi le fichier de chaque « écouter » dans audio/.")
@click.option("--delay", default=1.0, show_default=True, type=click.FloatRange(min=0),
              help="Pause entre deux requêtes (secondes).")
@click.option("--timeout", default=20.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Délai maximal par requête (secondes).")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1, 5),
              help="1 : les pages du menu de l'accueil ; 2 : aussi les pages qu'elles citent …")
@click.option("--max-pages", default=300, show_default=True, type=click.IntRange(min=1))
@click.option("--max-page-size", default=5, show_default=True, type=click.IntRange(min=1), help="En Mio.")
@click.option("--max-audio-size", default=500, show_default=True, type=click.IntRange(min=1), help="En Mio.")
@click.pass_obj
def fetch(obj, site, audio, delay, timeout, depth, max_pages, max_page_size, max_audio_size):
    """Télécharge les pages de corpus.yaml (HTML) dans pages/ ; avec --site, toutes celles du site.

    Poli et incrémental : robots.txt respecté, une pause entre les requêtes, et
    une page ou un fichier inchangé (ETag, Last-Modified) n'est pas téléchargé à nouveau.
    """
    if site and not web_url(site):
        raise click.BadParameter("une adresse http(s) est attendue", param_hint="--site")
    options = HarvestOptions(site=site, audio=audio, delay=delay, timeout=timeout, depth=depth,
                             max_pages=max_pages, max_page_bytes=max_page_size * 1024 * 1024,
                             max_audio_bytes=max_audio_size * 1024 * 1024)
    console = _Console()
    sys.exit(Harvester(obj["corpus"], options, console.echo, console.progress).run())


class _Console:
    """Messages and progress bars. On a terminal, a long loop shows a bar, and the
    messages of the loop wait under it until it ends (so they do not break it)."""

    def __init__(self):
        self.pending: Optional[list] = None

    def echo(self, message: str, err: bool = False):
        if self.pending is not None:
            self.pending.append((message, err))
        else:
            click.echo(message, err=err)

    @contextmanager
    def progress(self, items: list, label: str):
        if len(items) <= 3 or not sys.stdout.isatty():
            yield items
            return
        self.pending = []
        try:
            with click.progressbar(items, label=label, show_pos=True) as bar:
                yield bar
        finally:
            pending, self.pending = self.pending, None
            for message, err in pending:
                click.echo(message, err=err)


# --------------------------------------------------------------------------- check


@main.command()
@corpus_options
@click.option("--strict", is_flag=True, help="Échoue aussi sur les avertissements.")
@click.pass_obj
def check(obj, strict: bool):
    """Montre ce que l'analyse du corpus a trouvé, et chaque problème (fichier:ligne)."""
    records = read_corpus(obj["corpus"])
    media = [r for r in records.recordings if r.media]
    click.echo(f"Corpus {obj['corpus']} : {len(media)} enregistrements "
               f"({sum(r.media == 'audio' for r in media)} audio, {sum(r.media == 'video' for r in media)} vidéo), "
               f"{len(records.recordings) - len(media)} sections de texte, "
               f"{sum(len(r.passages) for r in records.recordings)} passages.")
    if records.themes:
        click.echo(f"Thèmes ({len(records.themes)}) :")
        for theme in records.themes:
            click.echo(f"  - {theme} ({sum(1 for r in media if r.theme == theme)} enregistrements)")
    click.echo("")
    for rec in records.recordings:
        where = f"{rec.source}:{rec.line}" if rec.line else rec.source
        media_label = {"audio": "audio", "video": "vidéo", None: "texte"}[rec.media]
        click.echo(f"[{media_label}] {rec.id}  ({where})")
        click.echo(f"    titre : {rec.title}")
        click.echo(f"    thème : {rec.theme or '—'} | genre : {rec.kind or '—'} | date : "
                   f"{rec.date or '—'}{' (« ' + rec.date_label + ' »)' if rec.date_label else ''}")
        for s in rec.speakers:
            details = ", ".join(dict.fromkeys(filter(None, [s.role, s.organisation])))
            click.echo(f"    {'intervieweur' if s.interviewer else 'intervenant '} : {s.name}"
                       + (f" — {details}" if details else ""))
        if rec.media and not rec.guests:
            click.echo("    intervenant  : (non attribué)")
        if rec.audio_file:
            click.echo(f"    audio local : audio/{rec.audio_file}")
        if rec.transcript:
            verbatim = sum(p.verbatim for p in rec.passages)
            auto = f", automatique non relue : {rec.automatic['model']}, {rec.automatic['date']}" if rec.automatic else ""
            click.echo(f"    transcription : {rec.transcript} ({verbatim} passages verbatim{auto})")
            if rec.automatic:
                provenance = read_provenance(records.corpus.root, rec.transcript) or {}
                click.echo(f"    couverture : {coverage_line(provenance.get('coverage'))}")
        if rec.places:
            click.echo(f"    lieux : {', '.join(rec.places)}")
        if rec.organisations:
            click.echo(f"    organisations : {', '.join(rec.organisations)}")
    for fmt, stats in sorted(records.formats.items()):
        click.echo(f"Transcriptions {fmt} : {stats.files} fichiers, {stats.cues_read} segments lus, "
                   f"{stats.cues_indexed} indexés, {stats.skipped} écartés, {stats.passages} passages")
    for note in _corpus_notes(records, media):
        click.echo(note)
    records.problems.extend(audio_link_problems(obj["corpus"]))  # links out of the corpus: never read
    errors = [p for p in records.problems if p.severity == "error"]
    warnings = [p for p in records.problems if p.severity != "error"]
    click.echo("")
    click.echo(f"{len(errors)} erreur(s), {len(warnings)} avertissement(s)")
    for line in _problem_lines(records.problems):
        click.echo(f"  {line}")
    sys.exit(1 if errors or (strict and warnings) else 0)


# --------------------------------------------------------------------------- index


@main.command()
@corpus_options
@click.option("--rebuild", is_flag=True, help="Reconstruit l'index de zéro, même s'il est illisible ou verrouillé.")
@click.option("--if-stale", is_flag=True, help="Ne reconstruit que si le corpus a changé.")
@click.option("--update", is_flag=True,
              help="Ne réindexe que les enregistrements dont la page, l'entrée ou la transcription a changé.")
@click.option("--procs", type=int, default=None,
              help="Processus d'écriture Whoosh (par défaut : un par cœur pour un grand corpus).")
@click.option("--quiet", "-q", is_flag=True, help="Sans barre de progression (elle ne s'affiche que dans un terminal).")
@click.pass_obj
def index(obj, rebuild: bool, if_stale: bool, update: bool, procs: int, quiet: bool):
    """Construit l'index (à côté de l'ancien, puis bascule atomique)."""
    corpus_dir, index_dir = obj["corpus"], obj["index"]
    if if_stale and not rebuild and not index_is_stale(corpus_dir, index_dir):
        click.echo(f"Index à jour : {index_dir}")
        return
    if rebuild:
        _remove_broken(index_dir)
    elif (if_stale or update) and read_state(index_dir):
        damage = index_damage(index_dir)
        if damage:  # said, because the cron's log is where someone will look
            click.echo(f"L'index en service ne peut pas être lu ({damage}) : reconstruction complète.")
    started = time.perf_counter()
    try:
        if update and not rebuild:
            result = update_index(corpus_dir, index_dir)
            if result.records is None:
                click.echo(f"Index à jour : rien n'a changé ({result.seconds:.1f} s).")
                return
            if not result.full:
                click.echo(f"Index mis à jour en {result.seconds:.1f} s : {len(result.replaced)} "
                           f"enregistrement(s) réindexé(s) ou retiré(s) -> {index_dir}")
                _print_problems(result.records.problems)
                return
            click.echo("Mise à jour partielle impossible (pas d'index, index endommagé, ou personnes, organisations, "
                       "thésaurus ou lieux modifiés) : l'index a été reconstruit en entier.")
            records = result.records
        else:
            progress = Progress(enabled=False if quiet else None)
            try:
                records = build_index(corpus_dir, index_dir, procs=procs, progress=progress)
            finally:
                progress.close()
    except IndexBusy as exc:
        click.echo(f"Index non construit : {exc}.", err=True)
        sys.exit(3)
    except Exception as exc:  # the old index, if any, is untouched
        click.echo(f"Échec de la construction de l'index ({type(exc).__name__}: {exc}). "
                   f"L'index précédent est conservé.", err=True)
        sys.exit(2)
    elapsed = time.perf_counter() - started
    media = [r for r in records.recordings if r.media]
    passages = sum(len(r.passages) for r in records.recordings)
    click.echo(f"Index construit en {elapsed:.1f} s : {len(records.recordings)} enregistrements "
               f"({len(media)} audio/vidéo), {passages} passages -> {index_dir}")
    click.echo(f"Pages : {len(records.corpus.pages)} ; transcriptions : "
               f"{sum(s.files for s in records.formats.values())} fichiers")
    for fmt, stats in sorted(records.formats.items()):
        click.echo(f"  {fmt:8} {stats.files} fichiers, {stats.cues_read} segments lus, {stats.cues_indexed} indexés, "
                   f"{stats.skipped} écartés, {stats.passages} passages")
    _print_problems(records.problems)


def _corpus_notes(records, media) -> list[str]:
    """What `check` tells besides problems: a page read from fetch's HTML, an empty facet and why."""
    corpus = records.corpus
    notes = [f"Page « {page_id} » : lue dans {page.file} (copie de « fetch »), à la place de "
             f"{corpus.followed_pages[page_id]}."
             for page_id, page in ((p.id, p) for p in corpus.pages) if page_id in corpus.followed_pages]
    if media and not any(r.organisations for r in media):
        notes.append("Facette Organisation vide : aucune organisation n'est nommée dans les rôles ni listée dans "
                     "corpus.yaml ; ajoutez-les sous « organisations: » (nom et autres graphies).")
    if media and not any(r.places for r in media):
        notes.append("Facette Lieu vide : le répertoire des lieux est vide ou aucun n'est cité ; ajoutez les "
                     "communes sous « places: » dans corpus.yaml.")
    return notes


def _print_problems(problems):
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    click.echo(f"{len(errors)} erreur(s), {len(warnings)} avertissement(s)"
               + (" — détail : artoiscast check" if problems else ""))
    for line in _problem_lines(errors):
        click.echo(f"  {line}")


def _remove_broken(index_dir: Path):
    """--rebuild: clear a lock left by a crashed writer; the swap replaces the rest."""
    target = index_dir.resolve() if index_dir.is_symlink() else index_dir
    for lock in target.glob("*.lock") if target.is_dir() else []:
        lock.unlink(missing_ok=True)
    if index_dir.is_symlink() and not index_dir.exists():
        index_dir.unlink()  # dangling link
    elif index_dir.exists() and not index_dir.is_symlink() and not (index_dir / "corpus_state.json").exists():
        shutil.rmtree(index_dir, ignore_errors=True)


# --------------------------------------------------------------------------- search


def _service(obj, base_url: str) -> SearchService:
    return SearchService(obj["index"], base_url=base_url)


def facet_options(command):
    """One repeatable option per facet (--theme, --speaker …, from indexer.search.FACETS), so that
    a new facet is a new option here with nothing to write."""
    for facet in reversed(FACETS):
        command = click.option(f"--{facet.name}", f"facet_{facet.name}", multiple=True,
                               help=facet.cli_help or f"Filtre {facet.label.lower()} (répétable).")(command)
    return command


@main.command()
@corpus_options
@click.argument("query", nargs=-1)
@facet_options
@click.option("--mode", type=click.Choice(MODES), default="results")
@click.option("--sort", type=click.Choice(SORTS), default="relevance")
@click.option("--page", default=1)
@click.option("--per-page", default=10)
@click.option("--json", "as_json", is_flag=True, help="Le document JSON de l'API /api/search.")
@click.option("--base-url", envvar="ARTOISCAST_BASE_URL", default=DEFAULT_BASE_URL, show_default=True,
              help="Adresse de l'application, pour les liens.")
@click.pass_obj
def search(obj, query, mode, sort, page, per_page, as_json, base_url, **facets):
    """Cherche dans l'index : résultats groupés par enregistrement, et facettes."""
    args = {"q": " ".join(query), "mode": mode, "sort": sort, "page": page, "per_page": per_page}
    args.update({facet.name: list(facets[f"facet_{facet.name}"]) for facet in FACETS})
    params = SearchParams.from_args(args)
    try:
        doc = _service(obj, base_url).search(params)
    except IndexUnavailable as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    _print_results(doc)


def _plain(html: str) -> str:
    text = re.sub(r"</?mark>", "**", html)
    return (text.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"')
            .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def _print_results(doc: dict):
    for notice in doc["notices"]:
        click.echo(f"! {notice}")
    if doc["suggestion"]:
        click.echo(f"Vouliez-vous dire : {doc['suggestion']} ?")
    unit = "enregistrements" if doc["mode"] == "results" else "passages"
    click.echo(f"{doc['total']} {unit} pour « {doc['query']} » (page {doc['page']}/{doc['pages']})\n")
    for n, result in enumerate(doc["results"], start=(doc["page"] - 1) * doc["per_page"] + 1):
        rec = result["recording"]
        people = ", ".join(s["name"] + (f" ({s['role']})" if s["role"] else "") for s in rec["speakers"]
                           if not s["interviewer"])
        click.echo(f"{n}. {rec['title']}  [{rec['kind'] or ''}{', ' + rec['date'] if rec['date'] else ''}]")
        click.echo(f"   {rec['theme'] or ''}")
        if people:
            click.echo(f"   {people}")
        if result.get("found_by_metadata") is not None:
            found_by = ", ".join(result["found_by_metadata"])
            click.echo(f"   (trouvé par ses métadonnées{f' : {found_by}' if found_by else ''} ; "
                       f"aucun de ses passages ne contient les mots)")
        for passage in result["passages"]:
            when = f"▶ {timecode(passage['at'])} " if passage["start"] is not None else ""
            who = f"{passage['speaker']} : " if passage["speaker"] else ""
            kind = "verbatim" if passage["verbatim"] else passage["label"]
            if passage.get("automatic"):  # speech recognition's: a speaker only where named by voice
                kind = f"transcription automatique non relue, {passage['automatic']['model']}"
                if passage.get("speaker_attribution"):
                    who = (f"{passage['speaker']} (attribution automatique, "
                           f"{passage['speaker_attribution']['confidence']:.0%}) : ").replace("%", " %")
            click.echo(f"   - {when}[{kind}] {who}{_plain(passage['snippet'])}".replace("\n", " "))
            if passage["start"] is not None:
                click.echo(f"     {passage['link']}")
        click.echo("")
    for passage in doc.get("passages", []):
        when = f"▶ {timecode(passage['at'])} " if passage["start"] is not None else ""
        click.echo(f"- {when}{passage['speaker'] or ''} — {passage['recording_id']}")
        click.echo(f"  {_plain(passage['snippet'])}".replace("\n", " "))
    click.echo("Facettes :")
    for facet in FACETS:
        values = doc["facets"].get(facet.name) or []
        if values:
            shown = ", ".join(f"{v['label']} ({v['count']})" for v in values[:8])
            click.echo(f"  {facet.label} : {shown}{' …' if len(values) > 8 else ''}")


# --------------------------------------------------------------------------- transcribe


@main.command()
@click.argument("recording_ids", nargs=-1)
@click.option("--force", is_flag=True, help="Refait aussi les transcriptions automatiques existantes.")
@click.option("--model", default="base", show_default=True,
              help="base, small, medium, large-v3, ou le dossier d'un modèle CTranslate2.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--compute-type", default="auto", show_default=True,
              help="auto (le plus rapide pour l'appareil : int8 sur processeur), int8, float32, float16 …")
@click.option("--priming", type=click.Choice(["hotwords", "prompt", "both", "none"]), default="none",
              show_default=True, help="Donner au modèle les noms du corpus (lieux, organisations, personnes) : "
                                      "sans gain mesuré, et il lui arrive d'écrire un nom que personne n'a dit "
                                      "(voir docs/transcription.md).")
@click.pass_obj
def transcribe(obj, recording_ids, force: bool, model: str, device: str, compute_type: str, priming: str):
    """Transcrit l'audio local (reconnaissance vocale hors ligne) vers transcripts/auto/."""
    from . import transcribe as asr

    try:
        asr.require_faster_whisper()
    except asr.TranscribeError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    records = read_corpus(obj["corpus"])
    jobs, notes = asr.plan(records, recording_ids, force)
    for note in notes:
        click.echo(note)
    if not jobs:
        click.echo("Rien à transcrire : aucun enregistrement avec un fichier audio local et sans transcription "
                   "(artoiscast fetch --audio, ou un fichier dans audio/ ; --force pour refaire).")
        _attribute_speakers(records)
        sys.exit(1 if notes and recording_ids else 0)
    total = sum(job.duration for job in jobs)
    click.echo(f"{len(jobs)} enregistrement(s) à transcrire, {total / 60:.1f} min d'audio ; modèle {model} …")
    try:
        whisper = asr.load_model(model, device=device, compute_type=compute_type)
    except asr.TranscribeError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    options = asr.Options(model_name=model, priming=priming)
    progress = asr.ProgressLine(total)
    failures, incomplete = 0, 0
    for number, job in enumerate(jobs, 1):
        progress.start_file(f"[{number}/{len(jobs)}] {job.recording.id}")
        try:
            result = asr.transcribe_file(whisper, job, records.corpus, options, progress=progress.update)
        except KeyboardInterrupt:
            progress.end_file(0)
            click.echo(f"\nInterrompu pendant {job.recording.id} : ce qui est transcrit est gardé, relancez "
                       "« artoiscast transcribe » pour reprendre.", err=True)
            sys.exit(130)
        progress.end_file(job.duration)
        if result.status == "done":
            rate = f", {result.seconds / result.audio_seconds:.2f}× temps réel" if result.audio_seconds > 1 else ""
            click.echo(f"{job.recording.id} : {result.segments} segments, {job.duration / 60:.1f} min{rate} -> "
                       f"{job.output.relative_to(obj['corpus'])}")
            click.echo(f"    {coverage_line(result.coverage)}")
            if result.missing:
                incomplete += 1
                click.echo(f"{job.recording.id} : parole sans texte : "
                           f"{', '.join(f'{timecode(a)}–{timecode(b)}' for a, b in result.missing)}", err=True)
        else:
            failures += 1
            click.echo(f"{job.recording.id} : {job.audio.name} : {result.message}", err=True)
    _attribute_speakers(read_corpus(obj["corpus"]))
    click.echo(f"Terminé : {len(jobs) - failures} transcrit(s) ({incomplete} avec de la parole restée sans texte), "
               f"{failures} en échec. Rendez-les cherchables avec « artoiscast index --update ».")
    # 1: a file could not be transcribed; 3: every file was, but some speech gave no text (listed above).
    sys.exit(1 if failures else 3 if incomplete else 0)


def coverage_line(coverage: dict | None) -> str:
    """« parole détectée 12 min 30 s, avec texte 98 % (dont 20 s redécodées, incertaines), 2 plages sans texte »"""
    if not coverage:
        return "couverture inconnue (transcription d'avant la mesure de couverture)"
    speech, text = coverage["speech_seconds"], coverage["text_seconds"]
    share = f"{text / speech:.0%}".replace("%", " %") if speech else "—"
    line = f"parole détectée {timecode(speech)}, avec texte {share}"
    if coverage.get("recovered_seconds"):
        line += f" (dont {coverage['recovered_seconds']:.0f} s redécodées, mots incertains)"
    missing = coverage.get("missing") or []
    return line + (f", {len(missing)} plage(s) sans texte ({sum(b - a for a, b in missing):.0f} s)" if missing else "")


def _attribute_speakers(records) -> None:
    from . import transcribe as asr

    for line in asr.attribute_speakers(records):
        click.echo(line)


# --------------------------------------------------------------------------- serve (indexer/serving.py)


@main.command()
@corpus_options
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--threads", default=4, show_default=True, envvar="ARTOISCAST_THREADS",
              help="Fils de traitement de waitress.")
@click.option("--base-url", envvar="ARTOISCAST_BASE_URL", default="",
              help="Adresse publique du site (liens absolus des citations, des exports et de l'API).")
@click.option("--trusted-proxy", envvar="ARTOISCAST_TRUSTED_PROXY", default="",
              help="Adresses (ou réseaux) du mandataire inverse dont les en-têtes X-Forwarded-* sont crus, "
                   "séparées par des virgules (ex. 127.0.0.1).")
@click.option("--time-limit", envvar="ARTOISCAST_TIME_LIMIT", default=3.0, show_default=True,
              help="Secondes de calcul au plus par recherche (au-delà : résultats partiels).")
@click.option("--expensive-slots", envvar="ARTOISCAST_EXPENSIVE_SLOTS", type=int, default=None,
              help=f"Requêtes coûteuses (préfixes larges, exports, recherches élargies) traitées en même temps ; "
                   f"les autres reçoivent 503 avec Retry-After. Par défaut {EXPENSIVE_SLOTS}, "
                   f"et jamais plus de la moitié des fils.")
@click.option("--connection-limit", envvar="ARTOISCAST_CONNECTION_LIMIT", default=1000, show_default=True,
              help="Connexions ouvertes au plus (waitress).")
@click.option("--channel-timeout", envvar="ARTOISCAST_CHANNEL_TIMEOUT", default=30.0, show_default=True,
              help="Secondes d'inactivité après lesquelles une connexion est fermée (waitress).")
@click.option("--build-timeout", envvar="ARTOISCAST_BUILD_TIMEOUT", default=1800.0, show_default=True,
              help="Durée maximale de la construction de l'index lancée au démarrage (secondes).")
@click.option("--workers", envvar="ARTOISCAST_WORKERS", type=click.IntRange(1, 64), default=DEFAULT_WORKERS,
              show_default=True,
              help="Processus qui servent les requêtes sur le même port (un par cœur : les fils d'un même "
                   "processus ne calculent pas en parallèle). Chacun a ses --threads et ses --expensive-slots.")
@click.pass_obj
def serve(obj, host: str, port: int, threads: int, base_url: str, trusted_proxy: str, time_limit: float,
          expensive_slots: int, connection_limit: int, channel_timeout: float, build_timeout: float,
          workers: int):
    """Sert l'application web (waitress) tout de suite ; l'index est (re)construit en arrière-plan s'il manque
    ou date, et l'index précédent est servi en attendant."""
    corpus_dir, index_dir = obj["corpus"], obj["index"]
    if expensive_slots is None:  # half the threads at most stay for ordinary requests
        expensive_slots = max(1, min(EXPENSIVE_SLOTS, threads // 2))
    build = BackgroundBuild(corpus_dir, index_dir, build_timeout)
    config = {"INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus_dir), "BASE_URL": base_url,
              "SERVER_ADDRESS": server_address(host, port), "TRUSTED_PROXIES": trusted_proxy,
              "SEARCH_TIME_LIMIT": time_limit, "EXPENSIVE_SLOTS": expensive_slots, "INDEX_BUILD": build}
    warning = local_citations_warning(base_url, host, port)
    if warning:
        click.echo(warning, err=True)
    run_server(config, build, host, port, waitress_options(threads, connection_limit, channel_timeout), workers)


if __name__ == "__main__":
    main()
