"""Writing into a corpus - the one way every writer does it (fetch, transcribe …).

A corpus folder may hold links planted by whoever supplied it: ``pages`` may be
a symbolic link to ``/etc``, ``harvest.json.tmp`` a link to ``~/.bashrc``. A
writer that opens ``<name>.tmp`` with a plain ``open(…, "w")`` follows them and
overwrites the file they point to. Every write into a corpus goes through this
module, so that:

- every folder on the way from the corpus root to the file is a real folder
  (no component is a symbolic link, "..", or absolute), walked with
  ``O_DIRECTORY | O_NOFOLLOW`` file descriptors, so a folder swapped for a link
  while we walk is refused too;
- a temporary file is created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` in the
  target's own folder (a planted file or link at its name is never opened),
  then renamed over the target with ``os.replace`` (atomic: a reader sees the old
  file or the new one, never half of one);
- a target that is itself a symbolic link is refused, not replaced;
- a failure of the disk (full, read-only …) raises :class:`CorpusWriteError`,
  whose ``str`` is a French sentence naming the file - never a traceback.

The corpus root itself may be a link (a corpus kept on another disk): it is
resolved once; only what lies inside it is checked.

Typical use::

    write_atomic(corpus_root, "harvest.json", text.encode("utf-8"))

    with atomic_writer(corpus_root, "transcripts/auto/a.json") as out:
        for piece in pieces:
            out.write(piece)          # the target appears only if the block ends normally

    with open_partial(corpus_root, "audio/x.mp3.part") as part:   # resumable download
        part.seek(0, os.SEEK_END)
        part.write(chunk)
    replace_in_corpus(corpus_root, "audio/x.mp3.part", "audio/x.mp3")
"""
from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterator

from .corpus_files import CorpusFileError, display_name

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class CorpusWriteError(CorpusFileError):
    """A corpus file that must not or could not be written. ``str(error)`` names it and says why (French)."""


class DiskFull(CorpusWriteError):
    """The disk refused the write (full, over quota, read-only): nothing more can be written this run."""


_DISK_ERRNOS = {errno.ENOSPC, errno.EROFS, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _write_error(shown: str, error: OSError) -> CorpusWriteError:
    kind = DiskFull if error.errno in _DISK_ERRNOS else CorpusWriteError
    return kind(shown, _write_reason(error))


def _write_reason(error: OSError) -> str:
    if error.errno == errno.ENOSPC or error.errno == getattr(errno, "EDQUOT", -1):
        return "disque plein : libérez de la place puis relancez la commande (rien n'a été perdu)"
    if error.errno == errno.EROFS:
        return "disque en lecture seule : écriture impossible"
    if isinstance(error, PermissionError):
        return "écriture refusée (droits d'accès)"
    if error.errno == errno.ELOOP:
        return "lien symbolique : refusé (on n'écrit jamais à travers un lien)"
    if error.errno == errno.ENOTDIR:
        return "un élément du chemin n'est pas un dossier"
    return f"écriture impossible ({error.strerror or error})"


def _parts(rel: os.PathLike | str) -> list[str]:
    """The components of a path relative to the corpus; CorpusWriteError for one that could leave it."""
    text = os.fspath(rel)
    shown = display_name(text)
    if not text or "\0" in text or os.path.isabs(text) or "\\" in text:
        raise CorpusWriteError(shown, "chemin d'écriture invalide (absolu, vide ou caractère interdit)")
    parts = [p for p in PurePosixPath(text).parts if p != "."]
    if not parts or any(p == ".." for p in parts):
        raise CorpusWriteError(shown, "chemin d'écriture hors du dossier du corpus : refusé")
    return parts


def _open_dir(root: os.PathLike | str, parts: list[str], shown: str, create: bool) -> int:
    """A descriptor on the folder root/parts[0]/…, every component a real folder (created if asked)."""
    try:
        if create:  # the corpus folder itself is the user's choice (command line), not the corpus'
            Path(root).mkdir(parents=True, exist_ok=True)
        fd = os.open(Path(root).resolve(), _DIR_FLAGS)
    except OSError as error:
        raise CorpusWriteError(shown, f"dossier du corpus inaccessible : {_write_reason(error)}") from None
    walked = []
    try:
        for part in parts:
            walked.append(part)
            try:
                info = os.stat(part, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                if not create:
                    raise CorpusWriteError(shown, f"dossier « {'/'.join(walked)} » absent") from None
                try:
                    os.mkdir(part, dir_fd=fd)
                except FileExistsError:  # made meanwhile by another run: checked just below
                    pass
                info = os.stat(part, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                raise CorpusWriteError(shown, f"« {'/'.join(walked)} » est un lien symbolique : on n'écrit "
                                              "jamais à travers un lien (supprimez-le)")
            if not stat.S_ISDIR(info.st_mode):
                raise CorpusWriteError(shown, f"« {'/'.join(walked)} » n'est pas un dossier")
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)  # O_NOFOLLOW: a link swapped in now fails
            os.close(fd)
            fd = child
    except CorpusWriteError:
        os.close(fd)
        raise
    except OSError as error:
        os.close(fd)
        raise _write_error(shown, error) from None
    return fd


def safe_dir(root: os.PathLike | str, rel: os.PathLike | str, create: bool = True) -> Path:
    """The folder ``root/rel``, created if absent (``create``), checked: no component of ``rel``
    is a symbolic link, "..", or anything but a folder, so it resolves inside the corpus.

    Returns its real path. Raises CorpusWriteError (French message naming it) otherwise.
    ``rel`` may be "" or "." for the corpus root itself.
    """
    text = os.fspath(rel)
    parts = [] if text in ("", ".") else _parts(text)
    fd = _open_dir(root, parts, display_name(text or "."), create)
    os.close(fd)
    return Path(root).resolve().joinpath(*parts)


def _check_not_link(dir_fd: int, name: str, shown: str) -> None:
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise CorpusWriteError(shown, "la cible est un lien symbolique : refusé (supprimez le lien)")
    if stat.S_ISDIR(info.st_mode):
        raise CorpusWriteError(shown, "la cible est un dossier : refusé")


def _temporary_name(name: str) -> str:
    return f".{name[:150]}.{os.getpid()}.{os.urandom(4).hex()}.tmp"


@contextmanager
def atomic_writer(root: os.PathLike | str, rel: os.PathLike | str, mode: str = "wb",
                  encoding: str = "utf-8") -> Iterator[BinaryIO]:
    """Write ``root/rel`` atomically, streaming: yields an open file ("wb", or "w" for text in
    ``encoding``); when the block ends normally the data is flushed and renamed over the target,
    when it raises the temporary file is removed and the target left as it was.

    The folder of ``rel`` is made safe (see safe_dir); the temporary file is created in it with
    O_CREAT|O_EXCL|O_NOFOLLOW (a random name: concurrent writers never share one); a target that
    is a symbolic link or a folder is refused. Errors: CorpusWriteError (disk full included).
    """
    if mode not in ("wb", "w"):
        raise ValueError("atomic_writer: mode 'wb' or 'w'")
    parts = _parts(rel)
    shown = display_name(os.fspath(rel))
    dir_fd = _open_dir(root, parts[:-1], shown, create=True)
    name, tmp = parts[-1], _temporary_name(parts[-1])
    try:
        _check_not_link(dir_fd, name, shown)
        try:
            fd = os.open(tmp, _NEW_FILE_FLAGS, 0o644, dir_fd=dir_fd)
        except OSError as error:
            raise _write_error(shown, error) from None
        try:
            with os.fdopen(fd, mode, **({"encoding": encoding} if mode == "w" else {})) as handle:
                try:
                    yield handle
                    handle.flush()
                except OSError as error:
                    raise _write_error(shown, error) from None
            _check_not_link(dir_fd, name, shown)
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except OSError as error:  # closing flushes too: a full disk can show up here
            _remove_quietly(dir_fd, tmp)
            raise _write_error(shown, error) from None
        except BaseException:
            _remove_quietly(dir_fd, tmp)
            raise
    finally:
        os.close(dir_fd)


def _remove_quietly(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


def write_atomic(root: os.PathLike | str, rel: os.PathLike | str, data: bytes) -> Path:
    """Write ``data`` to ``root/rel`` atomically (see atomic_writer); returns the written path."""
    with atomic_writer(root, rel) as out:
        out.write(data)
    parts = _parts(rel)
    return Path(root).resolve().joinpath(*parts)


@contextmanager
def open_partial(root: os.PathLike | str, rel: os.PathLike | str) -> Iterator[BinaryIO]:
    """An unfinished download's file (e.g. audio/<name>.part), opened read-write ("r+b") without
    truncation, created if absent; never through a link (O_NOFOLLOW), in a safe folder, and only a
    regular file. The caller seeks/truncates; the file is closed at the end of the block, and an
    OSError in the block (a full disk …) comes out as CorpusWriteError / DiskFull naming the file."""
    parts = _parts(rel)
    shown = display_name(os.fspath(rel))
    dir_fd = _open_dir(root, parts[:-1], shown, create=True)
    try:
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(parts[-1], flags, 0o644, dir_fd=dir_fd)
        except OSError as error:
            raise _write_error(shown, error) from None
    finally:
        os.close(dir_fd)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise CorpusWriteError(shown, "pas un fichier ordinaire : refusé")
    os.set_blocking(fd, True)
    try:
        with os.fdopen(fd, "r+b") as handle:
            yield handle
    except OSError as error:
        raise _write_error(shown, error) from None


def replace_in_corpus(root: os.PathLike | str, src: os.PathLike | str, dst: os.PathLike | str) -> None:
    """Rename ``src`` over ``dst`` (both relative to root, in the same folder), atomically;
    both folders made safe, a ``dst`` that is a link or a folder refused, a ``src`` that is not a
    regular file refused."""
    src_parts, dst_parts = _parts(src), _parts(dst)
    shown = display_name(os.fspath(dst))
    if src_parts[:-1] != dst_parts[:-1]:
        raise ValueError("replace_in_corpus: source and target must share a folder")
    dir_fd = _open_dir(root, dst_parts[:-1], shown, create=False)
    try:
        info = os.stat(src_parts[-1], dir_fd=dir_fd, follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            raise CorpusWriteError(display_name(os.fspath(src)), "pas un fichier ordinaire : refusé")
        _check_not_link(dir_fd, dst_parts[-1], shown)
        os.replace(src_parts[-1], dst_parts[-1], src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except OSError as error:
        raise _write_error(shown, error) from None
    finally:
        os.close(dir_fd)


def remove_in_corpus(root: os.PathLike | str, rel: os.PathLike | str) -> None:
    """Remove the file ``root/rel`` if present (a link is removed itself, never what it points to)."""
    parts = _parts(rel)
    shown = display_name(os.fspath(rel))
    try:
        dir_fd = _open_dir(root, parts[:-1], shown, create=False)
    except CorpusWriteError:
        return  # no safe folder: nothing of ours to remove
    try:
        os.unlink(parts[-1], dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise _write_error(shown, error) from None
    finally:
        os.close(dir_fd)
