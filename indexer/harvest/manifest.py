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
from dataclasses import dataclass, field
from pathlib import Path

from ..corpus_files import CorpusFileError, read_corpus_file

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
        path = Path(root) / MANIFEST
        try:
            if path.read_text(encoding="utf-8") == text:
                return False
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(MANIFEST + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return True


def audio_path(root: Path, name: object) -> Path | None:
    """The file ``name`` under the corpus' audio/ folder, or None if it would resolve elsewhere."""
    if not isinstance(name, str) or not name:
        return None
    audio_root = (Path(root) / AUDIO_DIR).resolve()
    path = (audio_root / name).resolve()
    return path if path.is_relative_to(audio_root) and path != audio_root else None


def downloaded_audio(root: Path) -> dict[str, dict]:
    """Complete downloads whose file is there: audio url -> manifest entry."""
    found = {}
    for url, entry in Manifest.load(root).audio.items():
        path = audio_path(root, entry.get("file"))
        if entry.get("sha256") and path and path.is_file():
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
