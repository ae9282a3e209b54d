"""The audio half of `artoiscast fetch --audio`: every recording's media file, and the dead links.

It runs after the pages, on the corpus as `index` reads it, and shares the run's HTTP client
(its delay and robots.txt), manifest (harvest.json: ``audio`` and ``dead``) and console with
the page half (``harvester``). Each file is downloaded by ``audio.fetch_audio``.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Optional

from ..corpus.manifest import AUDIO_DIR, DEAD_STATUSES, MANIFEST, Manifest, audio_path
from ..corpus_writes import CorpusWriteError, DiskFull
from ..sources import read_corpus
from .audio import AudioFetch, audio_file_name, fetch_audio
from .client import HarvestError, HttpStatus, Interrupted, PoliteClient, Unreachable, WrongType
from .console import Echo, Progress, plain_progress

DEAD_LINK_FIRST_WAIT_DAYS = 7  # a dead audio link is asked again a week later,
DEAD_LINK_MAX_WAIT_DAYS = 90  # then twice as late each time it is still dead


class AudioPass:
    """Downloads the media files the corpus' pages link to, remembering the dead links.

    ``counts`` ("new", "changed", "unchanged", "resumed", "failed") is the run's summary of the
    audio, updated in place; ``run`` says whether the site answered to the end.
    """

    def __init__(self, root: Path, client: PoliteClient, manifest: Manifest, counts: dict[str, int],
                 max_bytes: int, echo: Echo, progress: Progress = plain_progress):
        self.root, self.client, self.manifest, self.counts = Path(root), client, manifest, counts
        self.max_bytes, self.echo, self.progress = max_bytes, echo, progress

    def run(self) -> bool:
        """Every audio recording's media file, as the page parser finds its "écouter" link; False when
        the site stopped answering (the rest is left for the next run)."""
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
                if not self.fetch_one(url, sorted(urls[url])):
                    return False
        return True

    def fetch_one(self, url: str, pages: list[str]) -> bool:
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
                                 self.max_bytes, lambda: self.manifest.save(self.root))
        except Interrupted as exc:
            self.counts["failed"] += 1
            self.echo(f"audio {url} : {exc}", err=True)
            return True
        except Unreachable as exc:
            self.counts["failed"] += 1
            self.echo(f"audio {url} : impossible de joindre le site ({exc}).", err=True)
            return False
        except DiskFull:
            raise
        except CorpusWriteError as exc:  # a link planted in the corpus, a file where a folder should be …
            self.counts["failed"] += 1
            self.echo(f"audio {url} : {exc}", err=True)
            return True
        except HarvestError as exc:
            self.counts["failed"] += 1
            dead = isinstance(exc, (HttpStatus, WrongType))
            reason = str(exc).replace(f" pour {url}", "")  # the url is printed once, first
            self.echo(f"{'lien audio cassé' if dead else 'audio non téléchargé'} {url} : {reason}", err=True)
            if dead:
                self.remember_dead(url, reason, exc.code if isinstance(exc, HttpStatus) else None, pages)
            if not entry.get("sha256") and not entry.get("partial"):
                del self.manifest.audio[url]
            return True
        self.manifest.dead.pop(url, None)
        self.counts[result.status] += 1
        if result.status != "unchanged":
            self.echo(f"audio/{entry['file']} : {result.size} octets ({_status_word(result)})")
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


def _status_word(result: AudioFetch) -> str:
    return {"new": "nouveau", "changed": "modifié", "resumed": "repris"}[result.status]
