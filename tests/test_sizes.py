"""Rooms of a legible size (scripts/sizes.py): no module over 600 lines and no class over
250 lines without a reason written in the script."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import sizes  # noqa: E402

SCRIPT = sizes.REPO / "scripts" / "sizes.py"


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=120)


def test_the_repository_passes_its_size_check():
    done = run()
    assert done.returncode == 0, done.stdout
    assert done.stdout.strip().splitlines()[-1] == "ok"


def write_module(path: Path, lines: int, class_lines: int = 0) -> None:
    """A module of exactly ``lines`` lines, its first ``class_lines`` lines one class."""
    body = []
    if class_lines:
        body += ["class Room:"] + [f"    attribute_{n} = {n}" for n in range(class_lines - 1)]
    body += [f"value_{n} = {n}" for n in range(lines - len(body))]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(body) + "\n", encoding="utf-8")


def test_a_module_too_long_without_a_reason_fails(tmp_path):
    write_module(tmp_path / "indexer" / "grenier.py", 601)
    write_module(tmp_path / "bench" / "cave.py", 600)  # at the limit: fine
    write_module(tmp_path / "docs" / "ailleurs.py", 5000)  # not a folder the check reads
    done = run(tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "indexer/grenier.py: 601 lines (limit 600) and no reason in scripts/sizes.py REASONS"]


def test_a_class_too_long_without_a_reason_fails(tmp_path):
    write_module(tmp_path / "webapp" / "salon.py", 300, class_lines=251)
    lines, problems = sizes.report(tmp_path, reasons={})
    assert problems == ["webapp/salon.py::Room: 251 lines (limit 250) and no reason in scripts/sizes.py REASONS"]
    write_module(tmp_path / "webapp" / "salon.py", 300, class_lines=250)
    assert sizes.report(tmp_path, reasons={}) == ([], [])


def test_a_written_reason_lets_it_pass_and_a_stale_one_fails(tmp_path):
    write_module(tmp_path / "scripts" / "long.py", 700, class_lines=260)
    reasons = {"scripts/long.py": "a table read top to bottom", "scripts/long.py::Room": "one state machine"}
    lines, problems = sizes.report(tmp_path, reasons=reasons)
    assert problems == []
    assert lines == ["scripts/long.py: 700 lines (limit 600): a table read top to bottom",
                     "scripts/long.py::Room: 260 lines (limit 250): one state machine"]
    write_module(tmp_path / "scripts" / "long.py", 550)  # split since: its reasons are stale
    lines, problems = sizes.report(tmp_path, reasons=reasons)
    assert problems == lines == ["scripts/long.py: stale reason, now within its limit (remove it from REASONS)",
                                 "scripts/long.py::Room: stale reason, now within its limit (remove it from REASONS)"]
