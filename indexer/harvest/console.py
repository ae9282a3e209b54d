"""What a harvest run prints to: click's echo and progress bar from the CLI, plain stand-ins elsewhere."""
from __future__ import annotations

from contextlib import nullcontext
from typing import Callable

Echo = Callable[..., None]  # click.echo's signature: echo(message, err=False)
Progress = Callable[[list, str], object]  # (items, label) -> a context manager yielding an iterable


def plain_progress(items: list, label: str):
    return nullcontext(items)
