"""Rooms of a legible size (issue 22): no module over 600 lines, no class over 250 lines,
unless a reason is written down here.

Reads every module of indexer/, webapp/, bench/ and scripts/ with ``ast``, lists each one over
MODULE_LIMIT lines and each class over CLASS_LIMIT lines (decorators included, nested classes
too), and fails for each that has no entry in REASONS, the one place where a size is explained.

    python scripts/sizes.py          # one line per oversized module or class; exit status 1
                                     # when one has no reason, else the last line says "ok"
    python scripts/sizes.py ROOT     # the same on another tree, without REASONS (the tests use a
                                     # generated one)

A reason that no longer applies (the module or class is now within its limit, or gone) fails
too, as "stale": the split that made it stale removes it, so that REASONS stays true.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FOLDERS = ("indexer", "webapp", "bench", "scripts")
MODULE_LIMIT = 600  # lines of a module
CLASS_LIMIT = 250  # lines of a class

# "path" (a module) or "path::Class" -> one sentence saying why it may stay over its limit.
REASONS: dict[str, str] = {}


def measure(root: Path = REPO) -> list[tuple[str, int, int]]:
    """(key, lines, limit) for every module and class over its limit, in path order."""
    found = []
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            text = path.read_text(encoding="utf-8")
            lines = len(text.splitlines())
            if lines > MODULE_LIMIT:
                found.append((rel, lines, MODULE_LIMIT))
            for node in ast.walk(ast.parse(text, rel)):
                if isinstance(node, ast.ClassDef):
                    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                    size = node.end_lineno - first + 1
                    if size > CLASS_LIMIT:
                        found.append((f"{rel}::{node.name}", size, CLASS_LIMIT))
    return found


def report(root: Path = REPO, reasons: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """(the lines to print, the problems among them: oversized without a reason, stale reasons)."""
    reasons = REASONS if reasons is None else reasons
    lines, problems = [], []
    oversized = measure(root)
    for key, size, limit in oversized:
        reason = reasons.get(key)
        if reason:
            lines.append(f"{key}: {size} lines (limit {limit}): {reason}")
        else:
            line = f"{key}: {size} lines (limit {limit}) and no reason in scripts/sizes.py REASONS"
            lines.append(line)
            problems.append(line)
    measured = {key for key, _, _ in oversized}
    stale = [f"{key}: stale reason, now within its limit (remove it from REASONS)"
             for key in sorted(set(reasons) - measured)]
    return lines + stale, problems + stale


def main(argv: list[str]) -> int:
    root = Path(argv[0]).resolve() if argv else REPO
    lines, problems = report(root, REASONS if root == REPO else {})  # the reasons are about this repository
    print("\n".join(lines + ([] if problems else ["ok"])))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
