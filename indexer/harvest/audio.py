"""Media files: one recording's "écouter" link downloaded into corpus/audio/.

Resumable: the bytes go to ``<name>.part``; an interrupted download is resumed
with ``Range: bytes=N-`` and ``If-Range`` (so a file that changed meanwhile is
downloaded again from the start, not spliced). The complete file is checked
against the announced length, its sha256 recorded, then renamed into place.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Optional
from urllib.parse import unquote, urlsplit

from unidecode import unidecode

from ..corpus_files import CorpusFileError, resolve_corpus_path
from ..corpus_writes import open_partial, remove_in_corpus, replace_in_corpus
from .client import HttpStatus, Interrupted, PoliteClient, Refused, Validators

AUDIO_TYPES = ("audio/", "video/", "application/ogg", "application/octet-stream")
AUDIO_SUFFIXES = {".mp3", ".m4a", ".mp4", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac", ".webm"}
CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


def audio_file_name(url: str, taken: set[str]) -> str:
    """A safe file name from the URL's path ("/media/2024/criee.mp3" -> "media-2024-criee.mp3")."""
    path = PurePosixPath(unquote(urlsplit(url).path))
    suffix = path.suffix.lower() if path.suffix.lower() in AUDIO_SUFFIXES else ".bin"
    stem = str(path.with_suffix("")) if path.suffix else str(path)
    slug = re.sub(r"[^a-z0-9]+", "-", unidecode(stem).lower()).strip("-")[:80].strip("-") or "audio"
    name, n = slug + suffix, 2
    while name in taken:
        name, n = f"{slug}-{n}{suffix}", n + 1
    return name


@dataclass
class AudioFetch:
    status: str  # "new", "changed", "unchanged", "resumed"
    size: int = 0


def fetch_audio(client: PoliteClient, url: str, root: Path, name: str, entry: dict, max_bytes: int,
                save_progress: Callable[[], None]) -> AudioFetch:
    """Downloads ``url`` into the corpus file ``name`` (audio/<file>) unless unchanged; ``entry`` is its
    manifest entry, updated.

    ``save_progress`` is called once the download starts, so that the validators
    of a .part survive an interruption. A .part that cannot be resumed (416, a
    bad Content-Range, too large) is removed. Every write goes through corpus_writes:
    never through a link planted in the corpus (the .part, the file or audio/ itself).
    """
    part = name + ".part"
    try:
        return _fetch_audio(client, url, root, name, part, entry, max_bytes, save_progress)
    except HttpStatus as exc:
        if exc.code != 416 or _size(root, part) is None:
            raise
        # The range asked is past the end of the file now there: start again.
        remove_in_corpus(root, part)
        entry.pop("partial", None)
        return _fetch_audio(client, url, root, name, part, entry, max_bytes, save_progress)
    except Refused:
        remove_in_corpus(root, part)
        entry.pop("partial", None)
        raise


def _size(root: Path, name: str) -> Optional[int]:
    """The size of the corpus file ``name``, None when it is absent or not a regular file inside the corpus."""
    try:
        return resolve_corpus_path(root, name).stat().st_size
    except (CorpusFileError, OSError):
        return None


def _fetch_audio(client: PoliteClient, url: str, root: Path, name: str, part: str, entry: dict, max_bytes: int,
                 save_progress: Callable[[], None]) -> AudioFetch:
    complete = _size(root, name) == entry.get("size") and entry.get("size") is not None and entry.get("sha256")
    partial = entry.get("partial") or {}
    headers, validators, offset = {}, None, 0
    part_size = _size(root, part)
    if complete:
        validators = Validators.of(entry)
    elif part_size is not None and (partial.get("etag") or partial.get("last_modified")):
        offset = part_size
        headers = {"Range": f"bytes={offset}-", "If-Range": partial.get("etag") or partial["last_modified"]}
    with client.get(url, validators=validators, accept=AUDIO_TYPES, max_bytes=None, headers=headers,
                    media=True) as response:
        if response.status == 304:
            return AudioFetch("unchanged", entry.get("size") or 0)
        if response.content_encoding not in ("identity", ""):  # compressed bytes are not the media file
            raise Refused(f"encodage de contenu « {response.content_encoding[:40]} » pour un fichier audio : ignoré")
        total = _expected_total(response, offset)
        if response.status != 206:
            offset = 0  # a whole file: the server ignored the range, or the file changed
        if total is not None and total > max_bytes:
            raise Refused(f"{total // 1024} Kio (limite {max_bytes // 1024} Kio) : trop volumineux, ignoré")
        fresh = response.validators
        entry["partial"] = {"etag": fresh.etag, "last_modified": fresh.last_modified}
        save_progress()
        sha = hashlib.sha256()
        with open_partial(root, part) as out:
            if offset:
                _hash_file(out, sha, offset)
                out.seek(offset)
            out.truncate()
            size = offset
            for chunk in response.chunks(max_bytes - offset):
                out.write(chunk)
                sha.update(chunk)
                size += len(chunk)
    if total is not None and size != total:
        raise Interrupted(f"téléchargement interrompu à {size}/{total} octets ; "
                         "relancez la commande pour le reprendre")
    replace_in_corpus(root, part, name)
    status = "resumed" if offset else ("changed" if complete else "new")
    entry.pop("partial", None)
    entry.update(size=size, sha256=sha.hexdigest(), etag=fresh.etag, last_modified=fresh.last_modified,
                 content_type=response.content_type)
    return AudioFetch(status, size)


def _expected_total(response, offset: int) -> Optional[int]:
    """The whole file's size: from Content-Range on a 206 (checked to start where we stopped)."""
    if response.status == 206:
        match = CONTENT_RANGE.match(response.headers.get("Content-Range") or "")
        if not match or int(match.group(1)) != offset:
            raise Refused("réponse partielle incohérente (Content-Range) ; fichier ignoré")
        return int(match.group(3)) if match.group(3) != "*" else None
    return response.length


def _hash_file(handle, sha, length: int):
    handle.seek(0)
    left = length
    while left > 0:
        chunk = handle.read(min(1 << 20, left))
        if not chunk:
            break
        sha.update(chunk)
        left -= len(chunk)
