"""What one request may spend: a deadline for all its work, and few expensive requests at once.

A search whose query has more than EXPENSIVE_TERMS terms once prefixes and synonyms are
expanded, an export, or an any-word retry is "expensive", and only EXPENSIVE_SLOTS of those
run at once; the others are answered Overloaded (503), so that a handful of broad prefixes
or exports cannot take every thread from the others.
"""
from __future__ import annotations

import threading
import time

EXPENSIVE_TERMS = 48
EXPENSIVE_SLOTS = 2


class Overloaded(RuntimeError):
    """Too many expensive requests at once: the message is French, the web app answers 503."""

    retry_after = 5

    def __init__(self):
        super().__init__("Le serveur traite déjà plusieurs recherches coûteuses (préfixes très larges, exports, "
                         "recherches élargies) : réessayez dans quelques secondes, ou précisez la recherche.")


class Budget(threading.local):
    """What the current request (one per thread) may still spend: a deadline for all its
    work (matching, the any-word retry, scoring), whether matching was cut short, and
    the expensive-request slot it holds, if any."""

    deadline = float("inf")
    cut = False
    slot = False
    retry_skipped = False  # no slot was free for the any-word retry
    scored: dict = {}  # this request's scored matches (a partial one is never cached)

    def left(self) -> float:
        return self.deadline - time.monotonic()

    slots = None  # the service's semaphore of expensive slots

    def start(self, time_limit: float, slots: threading.BoundedSemaphore):
        """A new request on this thread: its deadline, nothing spent or held yet."""
        self.deadline, self.cut, self.slot = time.monotonic() + time_limit, False, False
        self.retry_skipped, self.scored, self.slots = False, {}, slots

    def claim_slot(self):
        """An expensive request takes one of the few slots, or is refused at once."""
        if not self.try_slot():
            raise Overloaded()

    def try_slot(self) -> bool:
        if not self.slot:
            self.slot = self.slots.acquire(blocking=False)
        return self.slot

    def finish(self):
        """The request is over: its slot, if it held one, is given back."""
        if self.slot:
            self.slot = False
            self.slots.release()
