"""Writes into a corpus never follow a link planted in it (issue 19, point 1).

Each test plants symbolic links where a writer would go (the folder, the target,
the old fixed temporary names) and checks that the file outside is untouched and
that the refusal names the file, in French.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.corpus_writes import (CorpusWriteError, atomic_writer, open_partial, remove_in_corpus,
                                   replace_in_corpus, safe_dir, write_atomic)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "victim.txt").write_text("précieux\n", encoding="utf-8")
    return folder


def test_write_atomic_creates_folders_and_replaces(corpus: Path):
    path = write_atomic(corpus, "pages/veillee.html", b"<p>un</p>")
    assert path == corpus.resolve() / "pages" / "veillee.html"
    write_atomic(corpus, "pages/veillee.html", b"<p>deux</p>")
    assert path.read_bytes() == b"<p>deux</p>"
    assert sorted(p.name for p in (corpus / "pages").iterdir()) == ["veillee.html"]  # no temporary left


def test_a_linked_folder_is_refused(corpus: Path, outside: Path):
    (corpus / "pages").symlink_to(outside)
    with pytest.raises(CorpusWriteError) as caught:
        write_atomic(corpus, "pages/victim.txt", b"pirate")
    assert "lien symbolique" in str(caught.value) and "pages" in str(caught.value)
    with pytest.raises(CorpusWriteError):
        safe_dir(corpus, "pages/sous-dossier")
    assert (outside / "victim.txt").read_text(encoding="utf-8") == "précieux\n"
    assert not (outside / "sous-dossier").exists()
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]


def test_a_linked_target_is_refused_and_left(corpus: Path, outside: Path):
    (corpus / "harvest.json").symlink_to(outside / "victim.txt")
    with pytest.raises(CorpusWriteError) as caught:
        write_atomic(corpus, "harvest.json", b"{}")
    assert "harvest.json" in str(caught.value)
    assert (outside / "victim.txt").read_text(encoding="utf-8") == "précieux\n"
    assert (corpus / "harvest.json").is_symlink()


def test_links_at_the_old_temporary_names_are_not_followed(corpus: Path, outside: Path):
    (corpus / "site.yaml.tmp").symlink_to(outside / "victim.txt")
    (corpus / "transcripts" / "auto").mkdir(parents=True)
    (corpus / "transcripts" / "auto" / ".a.json.tmp").symlink_to(outside / "victim.txt")
    write_atomic(corpus, "site.yaml", b"pages: []\n")
    with atomic_writer(corpus, "transcripts/auto/a.json", "w") as out:
        out.write('{"segments": []}')
    assert (corpus / "site.yaml").read_bytes() == b"pages: []\n"
    assert (corpus / "transcripts" / "auto" / "a.json").read_text() == '{"segments": []}'
    assert (outside / "victim.txt").read_text(encoding="utf-8") == "précieux\n"


@pytest.mark.parametrize("rel", ["../outside/victim.txt", "/etc/passwd", "pages/../../x", "", "a\0b"])
def test_names_leaving_the_corpus_are_refused(corpus: Path, outside: Path, rel: str):
    with pytest.raises(CorpusWriteError):
        write_atomic(corpus, rel, b"pirate")
    assert (outside / "victim.txt").read_text(encoding="utf-8") == "précieux\n"


def test_a_failed_block_leaves_the_target_and_no_temporary(corpus: Path):
    write_atomic(corpus, "harvest.json", b"ancien")
    with pytest.raises(RuntimeError):
        with atomic_writer(corpus, "harvest.json") as out:
            out.write(b"moiti")
            raise RuntimeError("coupure")
    assert (corpus / "harvest.json").read_bytes() == b"ancien"
    assert [p.name for p in corpus.iterdir()] == ["harvest.json"]


def test_a_corpus_root_that_is_a_link_is_fine(tmp_path: Path, corpus: Path):
    link = tmp_path / "lien-corpus"
    link.symlink_to(corpus)
    write_atomic(link, "pages/a.html", b"x")
    assert (corpus / "pages" / "a.html").read_bytes() == b"x"


def test_partial_download_resumes_and_is_renamed(corpus: Path, outside: Path):
    with open_partial(corpus, "audio/x.mp3.part") as part:
        part.write(b"debut-")
    with open_partial(corpus, "audio/x.mp3.part") as part:
        part.seek(0, os.SEEK_END)
        part.write(b"fin")
    replace_in_corpus(corpus, "audio/x.mp3.part", "audio/x.mp3")
    assert (corpus / "audio" / "x.mp3").read_bytes() == b"debut-fin"
    (corpus / "audio" / "y.mp3.part").symlink_to(outside / "victim.txt")
    with pytest.raises(CorpusWriteError):
        with open_partial(corpus, "audio/y.mp3.part"):
            pass
    remove_in_corpus(corpus, "audio/y.mp3.part")  # removes the link itself
    assert not (corpus / "audio" / "y.mp3.part").is_symlink()
    assert (outside / "victim.txt").read_text(encoding="utf-8") == "précieux\n"


def full_disk_available() -> bool:
    """A tiny tmpfs in a private user+mount namespace (no privilege needed) stands for a full disk."""
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


def run_on_full_disk(folder: Path, code: str) -> subprocess.CompletedProcess:
    """Run python ``code`` with a 16 KiB tmpfs mounted on ``folder`` (the disk that fills up)."""
    script = f'mount -t tmpfs -o size=16k tmpfs "{folder}" && exec "{sys.executable}" -c "$0"'
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(["unshare", "-rm", "sh", "-c", script, code], capture_output=True, text=True,
                          timeout=60, env=env)


@pytest.mark.skipif(not full_disk_available(), reason="unshare/tmpfs unavailable")
def test_a_full_disk_is_a_french_sentence(corpus: Path):
    (corpus / "pages").mkdir()
    code = ("import sys\n"
            "from indexer.corpus_writes import CorpusWriteError, write_atomic\n"
            f"write_atomic({str(corpus)!r}, 'pages/petite.html', b'x' * 1000)\n"
            "try:\n"
            f"    write_atomic({str(corpus)!r}, 'pages/petite.html', b'y' * 1_000_000)\n"
            "except CorpusWriteError as error:\n"
            "    print(error)\n"
            "import os; print(sorted(os.listdir(" + repr(str(corpus / "pages")) + ")))\n"
            f"print(open({str(corpus / 'pages' / 'petite.html')!r}).read(3))\n")
    done = run_on_full_disk(corpus / "pages", code)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "disque plein" in lines[0] and "pages/petite.html" in lines[0]
    assert lines[1] == "['petite.html']"  # the temporary file is gone
    assert lines[2] == "xxx"  # the old file is intact
