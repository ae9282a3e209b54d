"""harvest.json: what the harvester downloaded, to download only what changed.

    {"pages": {url: {"id", "etag", "last_modified", "sha256", "size", "links"?}},
     "audio": {url: {"file", "etag", "last_modified", "sha256", "size", "content_type", "pages",
                     "partial"?}},
     "dead": {url: {"reason", "failures", "retry_after", "status"?, "pages"?}}}

``dead`` remembers the audio links that answered an error, so that a run does not ask for
them again (a crawl delay each) before ``retry_after`` (a week, later after each failure).
A link the site says is gone (``status`` 404 or 410) and never downloaded is no audio: the
index offers no player for it.

``partial`` holds the validators of an unfinished download (its ``.part`` file),
so that the next run resumes it with an HTTP Range request. Nothing volatile
(no time of the run) is stored: a run that finds nothing new leaves the file,
and so the index's view of the corpus, unchanged.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..corpus_files import CorpusFileError, read_corpus_file, resolve_corpus_path
from ..corpus_writes import write_atomic
from ..records import Problem

MANIFEST = "harvest.json"
AUDIO_DIR = "audio"
DEAD_STATUSES = (404, 410)  # the site says the media is not there: a dead link, not audio


@dataclass
class Manifest:
    pages: dict[str, dict] = field(default_factory=dict)
    audio: dict[str, dict] = field(default_factory=dict)
    dead: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> "Manifest":
        try:
            data = json.loads(read_corpus_file(root, MANIFEST).decode("utf-8"))
        except (CorpusFileError, ValueError):  # absent, not a regular file, too large, not JSON
            return cls()
        if not isinstance(data, dict):
            return cls()
        return cls(*(
            {str(k): v for k, v in data.get(key).items() if isinstance(v, dict)}
            if isinstance(data.get(key), dict) else {}
            for key in ("pages", "audio", "dead")))

    def save(self, root: Path) -> bool:
        """Writes the manifest if it changed; atomic, so an interrupted run never leaves half a file."""
        data = {"pages": self.pages, "audio": self.audio}
        if self.dead:
            data["dead"] = self.dead
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
        try:
            if read_corpus_file(root, MANIFEST).decode("utf-8") == text:
                return False
        except (CorpusFileError, UnicodeDecodeError):
            pass
        write_atomic(root, MANIFEST, text.encode("utf-8"))  # never through a link planted in the corpus
        return True


def audio_path(root: Path, name: object) -> Path | None:
    """Where the file ``name`` goes under the corpus' audio/ folder, or None for a name that could
    lead elsewhere ("..", absolute, a backslash). Only the name is checked: the file may not be
    there yet; reading it goes through corpus_files, writing it through corpus_writes."""
    if not isinstance(name, str) or not name or name.startswith("/") or "\\" in name or "\0" in name:
        return None
    if any(part in ("", ".", "..") for part in name.split("/")):
        return None
    return Path(root) / AUDIO_DIR / name


def local_audio_file(root: Path, name: object) -> Path | None:
    """The real path of audio/<name> when it is a regular file inside the corpus (a link leading
    out of the corpus, or an audio/ folder that is such a link, gives None) - the corpus-file rules."""
    if audio_path(root, name) is None:
        return None
    try:
        return resolve_corpus_path(root, f"{AUDIO_DIR}/{name}")
    except CorpusFileError:
        return None


def audio_link_problems(root: Path, limit: int = 10_000) -> list[Problem]:
    """A Problem for each symbolic link in audio/ (or audio/ itself) leading out of the corpus:
    such a file is neither transcribed nor served, and `check` says so."""
    root = Path(root)
    real_root = root.resolve()
    folder = root / AUDIO_DIR
    if folder.is_symlink() and not folder.resolve().is_relative_to(real_root):
        return [Problem(AUDIO_DIR, None, "lien vers un dossier hors du corpus : aucun de ses fichiers n'est "
                                         "transcrit ni servi ; remplacez-le par un vrai dossier")]
    problems = []
    seen = 0
    for folder_path, folders, files in os.walk(folder):  # links to folders are not walked into
        for name in sorted(folders + files):
            seen += 1
            if seen > limit:
                return problems
            path = Path(folder_path) / name
            if path.is_symlink():
                rel = path.relative_to(root).as_posix()
                try:
                    resolve_corpus_path(root, rel)
                except CorpusFileError as error:
                    problems.append(Problem(rel, None, f"{error.reason} (lien symbolique) : ni transcrit ni servi"))
    return problems


def downloaded_audio(root: Path) -> dict[str, dict]:
    """Complete downloads whose file is there (a regular file inside the corpus): audio url -> manifest entry."""
    found = {}
    for url, entry in Manifest.load(root).audio.items():
        if entry.get("sha256") and local_audio_file(root, entry.get("file")):
            found[url] = entry
    return found


def dead_audio_links(root: Path) -> set[str]:
    """Audio urls `fetch --audio` found dead (404, 410), with no copy downloaded before."""
    manifest = Manifest.load(root)
    return {url for url, entry in manifest.dead.items()
            if entry.get("status") in DEAD_STATUSES and not manifest.audio.get(url, {}).get("sha256")}


def downloaded_audio_files(root: Path) -> dict[str, str]:
    """Audio url -> file name under audio/ (what a Recording's ``audio_file`` holds)."""
    return {url: entry["file"] for url, entry in downloaded_audio(root).items()}


def downloaded_audio_by_page(root: Path) -> dict[str, list]:
    """Page id -> the downloads of its recordings, for the page's fingerprint in the index state."""
    by_page: dict[str, list] = {}
    for url, entry in sorted(downloaded_audio(root).items()):
        for page_id in entry.get("pages") or []:
            by_page.setdefault(str(page_id), []).append([url, entry["file"], entry["sha256"]])
    dead = Manifest.load(root).dead
    for url in sorted(dead_audio_links(root)):  # a link found dead since: the page's recordings change too
        for page_id in dead[url].get("pages") or []:
            by_page.setdefault(str(page_id), []).append([url, "dead"])
    return by_page
