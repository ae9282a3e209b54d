"""harvest.json: what the harvester downloaded, to download only what changed.

    {"pages": {url: {"id", "etag", "last_modified", "sha256", "size", "links"?}},
     "audio": {url: {"file", "etag", "last_modified", "sha256", "size", "content_type", "pages",
                     "partial"?}}}

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
from ..corpus_writes import write_atomic

MANIFEST = "harvest.json"
AUDIO_DIR = "audio"


@dataclass
class Manifest:
    pages: dict[str, dict] = field(default_factory=dict)
    audio: dict[str, dict] = field(default_factory=dict)

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
            for key in ("pages", "audio")))

    def save(self, root: Path) -> bool:
        """Writes the manifest if it changed; atomic, so an interrupted run never leaves half a file."""
        text = json.dumps({"pages": self.pages, "audio": self.audio}, ensure_ascii=False, indent=1, sort_keys=True)
        try:
            if read_corpus_file(root, MANIFEST).decode("utf-8") == text:
                return False
        except (CorpusFileError, UnicodeDecodeError):
            pass
        write_atomic(root, MANIFEST, text.encode("utf-8"))  # never through a link planted in the corpus
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


def downloaded_audio_files(root: Path) -> dict[str, str]:
    """Audio url -> file name under audio/ (what a Recording's ``audio_file`` holds)."""
    return {url: entry["file"] for url, entry in downloaded_audio(root).items()}


def downloaded_audio_by_page(root: Path) -> dict[str, list]:
    """Page id -> the downloads of its recordings, for the page's fingerprint in the index state."""
    by_page: dict[str, list] = {}
    for url, entry in sorted(downloaded_audio(root).items()):
        for page_id in entry.get("pages") or []:
            by_page.setdefault(str(page_id), []).append([url, entry["file"], entry["sha256"]])
    return by_page
