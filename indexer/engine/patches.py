"""The registry of Whoosh 2.7 functions this project replaces or adds.

Every replacement goes through ``replace``, so WHOOSH_ORIGINALS lists them all: the
comparison suites undo them to write or search with Whoosh's own functions
(tests/test_index_writer.py, tests/test_search_fast_path.py). An attribute Whoosh does not
have is recorded as MISSING (undo it with delattr).
"""
from __future__ import annotations

from typing import Callable

MISSING = object()
# (class, attribute) -> Whoosh's own value (or MISSING); the kind says which install adds it.
WHOOSH_ORIGINALS: dict[tuple[type, str], object] = {}
PATCH_KIND: dict[tuple[type, str], str] = {}


def replace(kind: str, cls: type, name: str, value: Callable):
    """Installs ``value`` as ``cls.name``, remembering Whoosh's own (once: installing twice is harmless)."""
    key = (cls, name)
    WHOOSH_ORIGINALS.setdefault(key, cls.__dict__[name] if name in cls.__dict__ else getattr(cls, name, MISSING))
    PATCH_KIND[key] = kind
    setattr(cls, name, value)


def undo(monkeypatch, kinds: tuple[str, ...] = ("reading", "writer")):
    """Whoosh's own functions back, through a pytest MonkeyPatch (restored when it ends)."""
    for (cls, name), original in WHOOSH_ORIGINALS.items():
        if PATCH_KIND[cls, name] not in kinds:
            continue
        if original is MISSING:
            monkeypatch.delattr(cls, name)
        else:
            monkeypatch.setattr(cls, name, original)
