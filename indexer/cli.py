"""The `artoiscast` command: fetch, check, index, search, serve.

Every subcommand works on any corpus: --corpus DIR and --index DIR (or the
ARTOISCAST_CORPUS / ARTOISCAST_INDEX environment variables).
"""
from __future__ import annotations

import json
import re
import shutil
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click

from .build import build_index, index_is_stale, update_index
from .corpus import load_corpus
from .index import IndexUnavailable, read_state
from .search import FACETS, SearchParams, SearchService, timecode
from .sources import read_corpus

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


def _problem_lines(problems) -> list[str]:
    return [str(p) for p in problems]


# --------------------------------------------------------------------------- fetch


@main.command()
@click.option("--timeout", default=20.0, show_default=True, help="Délai maximal par page (secondes).")
@click.pass_obj
def fetch(obj, timeout: float):
    """Télécharge les pages listées dans corpus.yaml (HTML) dans pages/."""
    corpus = load_corpus(obj["corpus"])
    failures = 0
    pages_dir = obj["corpus"] / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    for page in corpus.pages:
        if not page.url:
            click.echo(f"{page.id} : pas d'adresse (url) dans corpus.yaml, ignorée")
            continue
        target = pages_dir / f"{page.id}.html"
        request = urllib.request.Request(page.url, headers={"User-Agent": "artoiscast-search/0.1 (+fetch)"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read()
                charset = response.headers.get_content_charset() or "utf-8"
        except urllib.error.HTTPError as exc:
            failures += 1
            click.echo(f"{page.id} : le site a répondu {exc.code} pour {page.url}", err=True)
            continue
        except (urllib.error.URLError, OSError) as exc:
            failures += 1
            reason = getattr(exc, "reason", exc)
            click.echo(f"{page.id} : impossible de joindre {page.url} ({reason}). "
                       f"Êtes-vous hors ligne ? La copie locale existante est conservée.", err=True)
            continue
        try:
            text = body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            text = body.decode("cp1252", errors="replace")
        tmp = target.with_suffix(".html.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
        used = page.file == f"pages/{page.id}.html"
        click.echo(f"{page.id} : {len(body)} octets -> {target}"
                   + ("" if used else f" (indiquez « file: pages/{page.id}.html » dans corpus.yaml pour l'indexer)"))
    sys.exit(1 if failures else 0)


# --------------------------------------------------------------------------- check


@main.command()
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
        if rec.transcript:
            verbatim = sum(p.verbatim for p in rec.passages)
            auto = f", automatique non relue : {rec.automatic['model']}, {rec.automatic['date']}" if rec.automatic else ""
            click.echo(f"    transcription : {rec.transcript} ({verbatim} passages verbatim{auto})")
        if rec.places:
            click.echo(f"    lieux : {', '.join(rec.places)}")
        if rec.organisations:
            click.echo(f"    organisations : {', '.join(rec.organisations)}")
    for fmt, stats in sorted(records.formats.items()):
        click.echo(f"Transcriptions {fmt} : {stats.files} fichiers, {stats.cues_read} segments lus, "
                   f"{stats.cues_indexed} indexés, {stats.skipped} écartés, {stats.passages} passages")
    errors = [p for p in records.problems if p.severity == "error"]
    warnings = [p for p in records.problems if p.severity != "error"]
    click.echo("")
    click.echo(f"{len(errors)} erreur(s), {len(warnings)} avertissement(s)")
    for line in _problem_lines(records.problems):
        click.echo(f"  {line}")
    sys.exit(1 if errors or (strict and warnings) else 0)


# --------------------------------------------------------------------------- index


@main.command()
@click.option("--rebuild", is_flag=True, help="Reconstruit l'index de zéro, même s'il est illisible ou verrouillé.")
@click.option("--if-stale", is_flag=True, help="Ne reconstruit que si le corpus a changé.")
@click.option("--update", is_flag=True,
              help="Ne réindexe que les enregistrements dont la page, l'entrée ou la transcription a changé.")
@click.option("--procs", type=int, default=None,
              help="Processus d'écriture Whoosh (par défaut : un par cœur pour un grand corpus).")
@click.pass_obj
def index(obj, rebuild: bool, if_stale: bool, update: bool, procs: int):
    """Construit l'index (à côté de l'ancien, puis bascule atomique)."""
    corpus_dir, index_dir = obj["corpus"], obj["index"]
    if if_stale and not rebuild and not index_is_stale(corpus_dir, index_dir):
        click.echo(f"Index à jour : {index_dir}")
        return
    if rebuild:
        _remove_broken(index_dir)
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
            click.echo("Mise à jour partielle impossible (pas d'index, ou personnes, organisations, thésaurus "
                       "ou lieux modifiés) : l'index a été reconstruit en entier.")
            records = result.records
        else:
            records = build_index(corpus_dir, index_dir, procs=procs)
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


@main.command()
@click.argument("query", nargs=-1)
@click.option("--theme", multiple=True, help="Filtre thème (répétable).")
@click.option("--speaker", multiple=True, help="Filtre intervenant (répétable).")
@click.option("--organisation", multiple=True)
@click.option("--place", multiple=True)
@click.option("--year", multiple=True)
@click.option("--kind", multiple=True)
@click.option("--type", "type_", multiple=True, help="transcription ou résumé")
@click.option("--mode", type=click.Choice(["results", "citations", "concordance"]), default="results")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance")
@click.option("--page", default=1)
@click.option("--per-page", default=10)
@click.option("--json", "as_json", is_flag=True, help="Le document JSON de l'API /api/search.")
@click.option("--base-url", envvar="ARTOISCAST_BASE_URL", default=DEFAULT_BASE_URL, show_default=True,
              help="Adresse de l'application, pour les liens.")
@click.pass_obj
def search(obj, query, theme, speaker, organisation, place, year, kind, type_, mode, sort, page, per_page, as_json,
           base_url):
    """Cherche dans l'index : résultats groupés par enregistrement, et facettes."""
    args = {"q": " ".join(query), "theme": list(theme), "speaker": list(speaker), "organisation": list(organisation),
            "place": list(place), "year": list(year), "kind": list(kind), "type": list(type_), "mode": mode,
            "sort": sort, "page": page, "per_page": per_page}
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
        for passage in result["passages"]:
            when = f"▶ {timecode(passage['start'])} " if passage["start"] is not None else ""
            who = f"{passage['speaker']} : " if passage["speaker"] else ""
            kind = "verbatim" if passage["verbatim"] else passage["label"]
            if passage.get("automatic"):  # speech recognition's, never attributed to anyone
                kind, who = f"transcription automatique non relue, {passage['automatic']['model']}", ""
            click.echo(f"   - {when}[{kind}] {who}{_plain(passage['snippet'])}".replace("\n", " "))
            if passage["start"] is not None:
                click.echo(f"     {passage['link']}")
        click.echo("")
    for passage in doc.get("passages", []):
        when = f"▶ {timecode(passage['start'])} " if passage["start"] is not None else ""
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
@click.option("--priming", type=click.Choice(["hotwords", "prompt", "both", "none"]), default="hotwords",
              show_default=True, help="Comment donner au modèle les noms du corpus (lieux, organisations, personnes).")
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
    failures = 0
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
        else:
            failures += 1
            click.echo(f"{job.recording.id} : {job.audio.name} : {result.message}", err=True)
    click.echo(f"Terminé : {len(jobs) - failures} transcrit(s), {failures} en échec. "
               "Rendez-les cherchables avec « artoiscast index --update ».")
    sys.exit(1 if failures else 0)


# --------------------------------------------------------------------------- serve


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--threads", default=4, show_default=True, help="Fils de traitement de waitress.")
@click.option("--base-url", envvar="ARTOISCAST_BASE_URL", default="",
              help="Adresse publique du site (liens absolus des citations et de l'API).")
@click.pass_obj
def serve(obj, host: str, port: int, threads: int, base_url: str):
    """Sert l'application web (waitress), après avoir construit l'index s'il manque ou date."""
    from waitress import serve as waitress_serve

    from webapp import create_app

    corpus_dir, index_dir = obj["corpus"], obj["index"]
    if index_is_stale(corpus_dir, index_dir):
        click.echo("Index absent ou plus ancien que le corpus : construction …")
        try:
            build_index(corpus_dir, index_dir)
        except Exception as exc:
            if read_state(index_dir):
                click.echo(f"Échec de la reconstruction ({exc}) : l'index précédent est servi.", err=True)
            else:
                click.echo(f"Impossible de construire l'index : {exc}", err=True)
                sys.exit(2)
    app = create_app({"INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus_dir), "BASE_URL": base_url})
    click.echo(f"artoiscast-search sur http://{host}:{port}/ (Ctrl+C pour arrêter)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="artoiscast-search")


if __name__ == "__main__":
    main()
