"""The search service: the current index generation, and each request's bounds.

    service = SearchService("var/index")
    doc = service.search(SearchParams(q="énergie", filters={"theme": ["…"]}))

The service keeps one open index per generation (a Snapshot) and one searcher per thread,
refreshed when a new generation is swapped in (no restart needed). Each request gets a
deadline and, if it is expensive, one of a few slots (see bounds.py); its answer is the
search document (document.py).
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

from ..schema import IndexUnavailable, index_damage
from .bounds import EXPENSIVE_SLOTS, Budget, Overloaded
from .document import SearchDocument, recording_document
from .matching import DocumentSets
from .params import SearchParams
from .passages import Shaper
from .snapshot import Snapshot, generation


class SearchService:
    sets_class = DocumentSets  # how passages are matched, counted and ranked (a test compares it with Whoosh's)

    def __init__(self, index_dir: os.PathLike | str, base_url: str = "", time_limit: float = 3.0,
                 expensive_slots: int = EXPENSIVE_SLOTS):
        self.index_dir = Path(index_dir)
        self.shaper = Shaper(base_url)
        self.time_limit = time_limit  # seconds for a whole search: matching, any-word retry, scoring
        self._snapshot: Optional[Snapshot] = None
        self._lock = threading.Lock()
        self._checked = 0.0
        self._budget = Budget()
        self._expensive = threading.BoundedSemaphore(max(1, expensive_slots))

    # ------------------------------------------------------------------ the answers
    def search(self, params: SearchParams) -> dict:
        """The search document: a page of results or passages, facets, notices (see document.py)."""
        with self.request() as sets:
            return SearchDocument(sets, self.shaper, params).answer()

    def export(self, params: SearchParams) -> dict:
        """The same search's every passage holding the words (up to MAX_EXPORT), for CSV/JSON files."""
        with self.request() as sets:
            return SearchDocument(sets, self.shaper, params, export=True).answer()

    def recording(self, rec_id: str, q: str = "") -> Optional[dict]:
        """A recording with all its passages in order, the query's words marked, and which passages match."""
        with self.request() as sets:
            return recording_document(sets, self.shaper, rec_id, q)

    def recordings(self) -> list[dict]:
        with self.request() as sets:
            return [self.shaper.recording(r) for r in sets.snap.recordings.values()]

    def recording_info(self, rec_id: str) -> Optional[dict]:
        """A recording's metadata and links, without its passages (None if unknown)."""
        with self.request() as sets:
            rec = sets.snap.recordings.get(rec_id)
            return self.shaper.recording(rec) if rec is not None else None

    # ------------------------------------------------------------------ request bounds
    @contextmanager
    def request(self):
        """One request: the current generation's document sets, its deadline and expensive
        slot, and an index damaged under it (a segment file truncated while serving) turned
        into IndexUnavailable (503) instead of an error per request."""
        budget = self._budget
        budget.start(self.time_limit, self._expensive)
        try:
            yield self.sets_class(self.snapshot(), budget)
        except (IndexUnavailable, Overloaded):
            raise
        except Exception as exc:
            damage = index_damage(self.index_dir)
            if damage is None:
                raise
            with self._lock:
                self._snapshot = None  # reopened (and refused, until rebuilt) by the next request
            raise IndexUnavailable(f"L'index de {self.index_dir} est endommagé ({damage}). "
                                   f"Reconstruisez-le avec « artoiscast index --rebuild ».") from exc
        finally:
            budget.finish()

    # ------------------------------------------------------------------ index
    def snapshot(self) -> Snapshot:
        """The current generation, reopened when a build has swapped in a new one."""
        snap = self._snapshot
        if snap is None or self._outdated(snap):
            with self._lock:
                if self._snapshot is snap:  # no other thread reopened it meanwhile
                    self._snapshot = Snapshot(self.index_dir)
                snap = self._snapshot
        return snap

    def _outdated(self, snap: Snapshot) -> bool:
        if snap.generation != generation(self.index_dir):
            return True  # the index link points to another generation
        if self.index_dir.is_symlink():
            return False
        # A plain index folder (not built by us): Whoosh's own generation number, checked once a second.
        now = time.monotonic()
        if now - self._checked < 1.0:
            return False
        self._checked = now
        return snap.ix.latest_generation() != snap.whoosh_generation
