"""One run of `artoiscast fetch`: the curated pages, the site's menu pages, their audio.

Nothing is written before the site answers: offline, the corpus is left as it
was. Every file is written atomically; site.yaml and harvest.json only when
their content changes, so a run that finds nothing new changes nothing.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import urlsplit

from ..corpus import load_corpus
from ..corpus_files import CorpusFileError, read_corpus_file
from ..corpus_writes import CorpusWriteError, DiskFull
from ..sources import read_corpus
from .audio import AudioFetch, audio_file_name, fetch_audio
from .client import (HarvestError, HttpStatus, Interrupted, PoliteClient, TooSlow, Unreachable, Validators,
                     WrongType)
from ..corpus.manifest import AUDIO_DIR, DEAD_STATUSES, MANIFEST, Manifest, audio_path
from .pages import HTML_TYPES, canonical_url, decode_html, fetch_page, page_links, page_title
from ..corpus.sitelist import SitePage, page_file, page_path, read_site_list, slug_from_url, unique_id, write_site_list

MB = 1024 * 1024
DEAD_LINK_FIRST_WAIT_DAYS = 7  # a dead audio link is asked again a week later,
DEAD_LINK_MAX_WAIT_DAYS = 90  # then twice as late each time it is still dead


@dataclass
class Options:
    site: Optional[str] = None  # --site: the home page whose menu lists the pages
    audio: bool = False
    delay: float = 1.0
    timeout: float = 20.0
    depth: int = 1  # 1: the pages of the home page's menu; 2: also the pages they link to …
    max_pages: int = 300
    max_page_bytes: int = 5 * MB
    max_audio_bytes: int = 500 * MB


@dataclass
class Target:
    """A page to download: its id, its url and whether it is curated (listed in corpus.yaml)."""

    id: str
    url: str
    curated: bool
    depth: int = 1
    link_text: Optional[str] = None


@dataclass
class Summary:
    pages: dict[str, int] = field(default_factory=lambda: {"new": 0, "changed": 0, "unchanged": 0, "failed": 0})
    audio: dict[str, int] = field(default_factory=lambda: {"new": 0, "changed": 0, "unchanged": 0, "resumed": 0,
                                                           "failed": 0})
    curated_failed: int = 0
    offline: bool = False  # a host could not be reached
    reached: bool = False  # at least one request was answered


Echo = Callable[..., None]  # click.echo's signature: echo(message, err=False)
Progress = Callable[[list, str], object]  # (items, label) -> a context manager yielding an iterable


def plain_progress(items: list, label: str):
    return nullcontext(items)


class Harvester:
    def __init__(self, root: Path, options: Options, echo: Echo, progress: Progress = plain_progress):
        self.root, self.options, self.echo, self.progress = Path(root), options, echo, progress
        self.corpus = load_corpus(self.root)
        self.listed, _ = read_site_list(self.root)
        listed_keys = {(p.id, p.url) for p in self.listed}
        self.curated = [p for p in self.corpus.pages
                        if (p.id, p.url) not in listed_keys or p.file != page_file(p.id)]
        self.curated_ids = {p.id for p in self.curated}
        self.curated_urls = {canonical_url(p.url) for p in self.curated if p.url}
        self.assigned_ids: set[str] = set()  # ids given to new pages during this run
        self.manifest = Manifest.load(self.root)
        self.summary = Summary()
        self.down_hosts: set[str] = set()
        hosts = {urlsplit(p.url).netloc for p in self.curated if p.url}
        if options.site:
            hosts.add(urlsplit(options.site).netloc)
        self.client = PoliteClient(hosts, delay=options.delay, timeout=options.timeout)

    # ---------------------------------------------------------------- the run

    def run(self) -> int:
        try:
            return self._run()
        except CorpusWriteError as exc:  # the disk is full, or harvest.json / site.yaml is a planted link
            self.echo(f"Écriture impossible : {exc}. Les fichiers déjà écrits sont complets ; "
                      "corrigez puis relancez la commande.", err=True)
            return 1

    def _run(self) -> int:
        for problem in self.corpus.problems:
            if problem.severity == "error":
                self.echo(str(problem), err=True)
        targets = [Target(p.id, canonical_url(p.url), True) for p in self.curated if p.url]
        for page in self.curated:
            if not page.url:
                self.echo(f"{page.id} : pas d'adresse (url) dans corpus.yaml, ignorée")
        menu: list[Target] = []
        home = canonical_url(self.options.site) if self.options.site else None
        if home:
            links = self.home_links(home)
            if links is None:
                return 1
            menu = self.menu_targets(links)
            if len(menu) > self.options.max_pages:
                self.echo(f"Le menu cite {len(menu)} pages : seules les {self.options.max_pages} premières "
                          "sont lues (--max-pages).", err=True)
                menu = menu[:self.options.max_pages]
        fetched = self.fetch_pages(targets, menu, home)
        if self.options.site and self.summary.reached:
            self.update_site_list(menu, fetched)
        if self.options.audio and self.summary.reached and not self.summary.offline:
            self.manifest.save(self.root)  # the pages just fetched, so that the audio pass reads them as index will
            self.fetch_all_audio()
        if self.summary.reached:
            self.manifest.save(self.root)
        self.print_summary()
        return 1 if (self.summary.offline or self.summary.curated_failed or not self.summary.reached) else 0

    def home_links(self, home: str) -> Optional[list[tuple[str, str]]]:
        """The links of the home page's menu (from the last run's copy when unchanged); None if offline."""
        entry = self.manifest.pages.get(home, {})
        validators = Validators.of(entry) if entry.get("links") is not None else None
        try:
            with self.client.get(home, validators=validators, accept=HTML_TYPES,
                                 max_bytes=self.options.max_page_bytes) as response:
                self.summary.reached = True
                if response.status == 304:
                    return [tuple(link) for link in entry["links"]]
                html = decode_html(response.text_body(self.options.max_page_bytes), response.charset)
                fresh = response.validators
        except Unreachable as exc:
            self.echo(f"Impossible de joindre {home} ({exc}). Êtes-vous hors ligne ? "
                      "Rien n'a été modifié dans le corpus.", err=True)
            return None
        except HarvestError as exc:
            self.echo(f"Page d'accueil {home} : {exc}. Rien n'a été modifié dans le corpus.", err=True)
            return None
        links = [(link.url, link.text) for link in page_links(html, home, self.client) if link.url != home]
        self.manifest.pages[home] = {"etag": fresh.etag, "last_modified": fresh.last_modified, "links": links}
        return links

    def menu_targets(self, links: list[tuple[str, str]], depth: int = 1) -> list[Target]:
        """The linked pages not curated; a page already listed keeps its id (unless a curated page
        took it since), a new one gets a free slug."""
        listed_by_url = {canonical_url(p.url): p.id for p in self.listed if p.id not in self.curated_ids}
        taken = {p.id for p in self.corpus.pages} | {p.id for p in self.listed} | self.assigned_ids
        targets = []
        for url, text in links:
            if url in self.curated_urls:
                continue
            page_id = listed_by_url.get(url)
            if not page_id:
                page_id = unique_id(slug_from_url(url), taken)
                taken.add(page_id)
                self.assigned_ids.add(page_id)
            targets.append(Target(page_id, url, False, depth, text or None))
        return targets

    # ---------------------------------------------------------------- pages

    def fetch_pages(self, targets: list[Target], menu: list[Target], home: Optional[str]) -> dict[str, Optional[str]]:
        """Downloads every page (curated ones, then the menu's, breadth first): page url -> its title."""
        seen = {t.url for t in targets} | {t.url for t in menu} | {home}
        queue = targets + menu
        titles: dict[str, Optional[str]] = {}
        with self.progress(queue, "Pages") as bar:
            for target in bar:  # the queue grows while iterated when --depth > 1
                html = self.fetch_one_page(target)
                if html is None:
                    continue
                titles[target.url] = page_title(html) if html else None
                if not target.curated and target.depth < self.options.depth and html:
                    links = [(link.url, link.text) for link in page_links(html, target.url, self.client)
                             if link.url not in seen]
                    more = self.menu_targets(links, target.depth + 1)
                    room = self.options.max_pages - len(queue)
                    for extra in more[:max(room, 0)]:
                        seen.add(extra.url)
                        queue.append(extra)
                        menu.append(extra)
        return titles

    def fetch_one_page(self, target: Target) -> Optional[str]:
        """The page's HTML ("" when unchanged and no local copy is readable); None on failure."""
        host = urlsplit(target.url).netloc
        if host in self.down_hosts:
            self.summary.pages["failed"] += 1
            return None
        path = page_path(self.root, target.id)
        if path is None:
            self.fail(target, "cet identifiant ne peut pas servir de nom de fichier (pages/<id>.html) : ignorée")
            return None
        entry = self.manifest.pages.setdefault(target.url, {})
        entry["id"] = target.id
        try:
            result = fetch_page(self.client, target.url, self.root, page_file(target.id), entry,
                                self.options.max_page_bytes)
        except TooSlow as exc:  # this page only: the site answers
            self.summary.reached = True
            self.fail(target, str(exc))
            return None
        except Unreachable as exc:
            self.summary.offline = True
            self.down_hosts.add(host)
            self.fail(target, f"impossible de joindre {target.url} ({exc}). Êtes-vous hors ligne ? "
                      "La copie locale existante est conservée.")
            return None
        except HarvestError as exc:
            self.fail(target, str(exc))
            return None
        except DiskFull:
            raise
        except CorpusWriteError as exc:
            self.summary.reached = True
            self.fail(target, str(exc))
            return None
        self.summary.reached = True
        self.summary.pages[result.status] += 1
        if result.status == "unchanged":
            self.echo(f"{target.id} : inchangée")
            if result.text is None:
                try:
                    return read_corpus_file(self.root, page_file(target.id)).decode("utf-8")
                except (CorpusFileError, UnicodeDecodeError):
                    return ""
            return result.text
        hint = ""
        curated = next((p for p in self.curated if p.id == target.id), None)
        if curated and curated.file and curated.file.lower().endswith((".html", ".htm")) \
                and curated.file != page_file(target.id):
            hint = f" (corpus.yaml lit {curated.file} : indiquez « file: {page_file(target.id)} » pour l'indexer)"
        elif curated and curated.file != page_file(target.id):
            hint = f" (lue à la place de {curated.file} par check et index)" if curated.file else ""
        self.echo(f"{target.id} : {result.size} octets -> {path}{hint}")
        return result.text

    def fail(self, target: Target, reason: str):
        self.summary.pages["failed"] += 1
        if target.curated:
            self.summary.curated_failed += 1
        if not self.manifest.pages.get(target.url, {}).get("sha256"):
            self.manifest.pages.pop(target.url, None)  # never downloaded: nothing to remember
        self.echo(f"{target.id} : {reason}", err=True)

    def update_site_list(self, menu: list[Target], titles: dict[str, Optional[str]]):
        """site.yaml: the pages listed before (kept, even if gone from the menu) and the new ones fetched."""
        pages = {p.id: p for p in self.listed
                 if p.id not in self.curated_ids and canonical_url(p.url) not in self.curated_urls}
        for target in menu:
            if target.url not in titles:
                continue  # not fetched (404, refused …) and never listed: not a page of the corpus
            previous = pages.get(target.id)
            title = titles[target.url] or (previous.title if previous else None) or target.link_text
            pages[target.id] = SitePage(target.id, target.url, title)
        found = {t.url for t in menu}
        for page in self.listed:
            if page.id in pages and canonical_url(page.url) not in found:
                self.echo(f"{page.id} : n'est plus dans le menu du site ; la copie locale reste indexée")
        new = [p for p in pages if p not in {q.id for q in self.listed}]
        if write_site_list(self.root, self.options.site, list(pages.values())):
            self.echo(f"site.yaml : {len(pages)} pages récoltées ({len(new)} nouvelles)")

    # ---------------------------------------------------------------- audio

    def fetch_all_audio(self):
        """Every audio recording's media file, as the page parser finds its "écouter" link."""
        records = read_corpus(self.root)  # as `index` reads it, the pages just fetched included
        page_of = {rec_id: page_id for page_id, ids in records.page_recordings.items() for rec_id in ids}
        urls: dict[str, set[str]] = {}
        for rec in records.recordings:
            if rec.media == "audio" and rec.audio_url:
                urls.setdefault(rec.audio_url, set()).update([page_of[rec.id]] if rec.id in page_of else [])
        elsewhere = [u for u in urls if not self.client.on_site(u)]
        if elsewhere:
            self.echo(f"Audio : {len(elsewhere)} lien(s) hors du site ignoré(s) (ex. {elsewhere[0][:120]})")
        mine = [u for u in urls if self.client.on_site(u)]
        today = date.today().isoformat()
        retry_day = {u: str(self.manifest.dead.get(u, {}).get("retry_after") or "") for u in mine}
        resting = [u for u in mine if retry_day[u] > today]
        if resting:
            # Known dead links: not asked again (a crawl delay each) until their retry day.
            first = min(retry_day[u] for u in resting)
            self.echo(f"Audio : {len(resting)} lien(s) cassé(s) déjà signalé(s), redemandé(s) à partir du {first} "
                      f"(liste dans {MANIFEST}).")
            mine = [u for u in mine if u not in resting]
        for url in list(self.manifest.dead):
            if url not in urls:
                del self.manifest.dead[url]  # no page links to it any more
        with self.progress(mine, "Audio") as bar:
            for url in bar:
                if not self.fetch_one_audio(url, sorted(urls[url])):
                    break

    def fetch_one_audio(self, url: str, pages: list[str]) -> bool:
        """Downloads one media file; False when the site stopped answering (the rest is left for later)."""
        entry = self.manifest.audio.setdefault(url, {})
        if not audio_path(self.root, entry.get("file")):
            # A free name: not another download's, nor a file put in audio/ by hand.
            audio_dir = self.root / "audio"
            taken = {e.get("file") for e in self.manifest.audio.values()}
            taken |= {p.name for p in audio_dir.iterdir() if p.suffix != ".part"} if audio_dir.is_dir() else set()
            entry["file"] = audio_file_name(url, taken)
        entry["pages"] = pages
        try:
            result = fetch_audio(self.client, url, self.root, f"{AUDIO_DIR}/{entry['file']}", entry,
                                 self.options.max_audio_bytes, lambda: self.manifest.save(self.root))
        except Interrupted as exc:
            self.summary.audio["failed"] += 1
            self.echo(f"audio {url} : {exc}", err=True)
            return True
        except Unreachable as exc:
            self.summary.audio["failed"] += 1
            self.summary.offline = True
            self.echo(f"audio {url} : impossible de joindre le site ({exc}).", err=True)
            return False
        except DiskFull:
            raise
        except CorpusWriteError as exc:  # a link planted in the corpus, a file where a folder should be …
            self.summary.audio["failed"] += 1
            self.echo(f"audio {url} : {exc}", err=True)
            return True
        except HarvestError as exc:
            self.summary.audio["failed"] += 1
            dead = isinstance(exc, (HttpStatus, WrongType))
            reason = str(exc).replace(f" pour {url}", "")  # the url is printed once, first
            self.echo(f"{'lien audio cassé' if dead else 'audio non téléchargé'} {url} : {reason}", err=True)
            if dead:
                self.remember_dead(url, reason, exc.code if isinstance(exc, HttpStatus) else None, pages)
            if not entry.get("sha256") and not entry.get("partial"):
                del self.manifest.audio[url]
            return True
        self.manifest.dead.pop(url, None)
        self.summary.audio[result.status] += 1
        if result.status != "unchanged":
            self.echo(f"audio/{entry['file']} : {result.size} octets ({self._audio_word(result)})")
        return True

    def remember_dead(self, url: str, reason: str, status: Optional[int] = None, pages=()):
        """A dead link is asked again after 7 days, then 14, 28 … at most 90: rarely, never forgotten.
        A 404 or 410 (``status`` in DEAD_STATUSES) also tells the index the recording has no audio."""
        failures = int(self.manifest.dead.get(url, {}).get("failures", 0) or 0) + 1
        wait = min(DEAD_LINK_FIRST_WAIT_DAYS * 2 ** (failures - 1), DEAD_LINK_MAX_WAIT_DAYS)
        self.manifest.dead[url] = {"reason": reason[:300], "failures": failures,
                                   "retry_after": (date.today() + timedelta(days=wait)).isoformat(),
                                   **({"status": status} if status in DEAD_STATUSES else {}),
                                   **({"pages": list(pages)} if pages else {})}

    @staticmethod
    def _audio_word(result: AudioFetch) -> str:
        return {"new": "nouveau", "changed": "modifié", "resumed": "repris"}[result.status]

    # ---------------------------------------------------------------- report

    def print_summary(self):
        p, a = self.summary.pages, self.summary.audio
        self.echo(f"Pages : {p['new']} nouvelle(s), {p['changed']} modifiée(s), {p['unchanged']} inchangée(s), "
                  f"{p['failed']} en échec ou refusée(s) ; {self.client.requests} requête(s).")
        if self.options.audio:
            self.echo(f"Audio : {a['new']} nouveau(x), {a['changed'] + a['resumed']} modifié(s) ou repris, "
                      f"{a['unchanged']} inchangé(s), {a['failed']} en échec.")
        if self.summary.offline:
            self.echo("Site injoignable en cours de route : les copies locales sont conservées ; "
                      "relancez la commande plus tard.", err=True)
        elif p["new"] + p["changed"] + a["new"] + a["changed"] + a["resumed"]:
            self.echo("Pour mettre l'index à jour : artoiscast index --update")
