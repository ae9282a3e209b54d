"""One run of `artoiscast fetch`: the curated pages, the site's menu pages, then their audio
(``audio_pass``, which shares this run's HTTP client, manifest and summary).

Nothing is written before the site answers: offline, the corpus is left as it
was. Every file is written atomically; site.yaml and harvest.json only when
their content changes, so a run that finds nothing new changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

from ..corpus import load_corpus
from ..corpus_files import CorpusFileError, read_corpus_file
from ..corpus_writes import CorpusWriteError, DiskFull
from .audio_pass import AudioPass
from .client import HarvestError, PoliteClient, TooSlow, Unreachable, Validators
from .console import Echo, Progress, plain_progress
from ..corpus.manifest import Manifest
from .pages import HTML_TYPES, canonical_url, decode_html, fetch_page, page_links, page_title
from ..corpus.sitelist import SitePage, page_file, page_path, read_site_list, slug_from_url, unique_id, write_site_list

MB = 1024 * 1024


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
            audio = AudioPass(self.root, self.client, self.manifest, self.summary.audio,
                              self.options.max_audio_bytes, self.echo, self.progress)
            if not audio.run():
                self.summary.offline = True
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
