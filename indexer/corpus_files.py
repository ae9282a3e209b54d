"""Reading the files a corpus names - the one way every reader does it.

A corpus comes from third parties: ``corpus.yaml``, a harvested list or a
manifest may name ``/etc/passwd``, ``../../secret.ini``, a symbolic link to
``/dev/zero``, a FIFO or a 200 MB file. Every reader of corpus files goes
through this module, so that a name:

- resolves (after symbolic links) inside the corpus folder,
- is a regular file (opened with O_NONBLOCK, then checked with fstat: a FIFO
  never blocks, a device is never read),
- is read up to a size limit only (one byte more is read to detect overflow).

Anything else raises :class:`CorpusFileError`: ``str(error)`` names the file
and says why (French, for the person fixing the corpus); ``error.reason`` is
the reason alone, for reports that name the file already. The limit comes from
the environment (``ARTOISCAST_MAX_FILE_MB``), never from the corpus itself.

Typical use::

    try:
        data = read_corpus_file(corpus_root, "transcripts/a.vtt")
    except CorpusFileError as error:
        report(error.name, error.reason)

``resolve_corpus_path`` alone is for files that are checked but not read
(audio files served later); ``read_regular_file`` is for a file named by the
user rather than by a corpus (no folder to stay in, same other checks).
"""
from __future__ import annotations

import os
import signal
import stat
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

MAX_FILE_MB_VARIABLE = "ARTOISCAST_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 32.0
_CHUNK = 1 << 20


class CorpusFileError(Exception):
    """A corpus file that must not or cannot be read. ``str(error)`` is the French reason."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"« {name} » : {reason}")
        self.name = name  # the name as the corpus gave it (printable)
        self.reason = reason


def _os_reason(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "fichier introuvable"
    if isinstance(error, PermissionError):
        return "fichier illisible : accès refusé"
    if isinstance(error, IsADirectoryError):
        return "c'est un dossier, pas un fichier"
    return f"fichier illisible ({error.strerror or error})"


def positive_setting(variable: str, default: float) -> float:
    """A positive, finite number from the environment variable ``variable``; ``default`` when it is
    unset, not a number, zero, negative, infinite or NaN."""
    value = os.environ.get(variable, "").strip()
    try:
        number = float(value) if value else default
    except ValueError:
        return default
    return number if 0 < number < float("inf") else default


def max_file_bytes() -> int:
    """The size limit of one corpus file, from ARTOISCAST_MAX_FILE_MB (default 32 MB)."""
    return int(positive_setting(MAX_FILE_MB_VARIABLE, DEFAULT_MAX_FILE_MB) * 1024 * 1024)


MAX_YAML_MB_VARIABLE = "ARTOISCAST_MAX_YAML_MB"
DEFAULT_MAX_YAML_MB = 4.0


def max_yaml_bytes() -> int:
    """The size limit of corpus.yaml and site.yaml, from ARTOISCAST_MAX_YAML_MB (default 4 MB).

    Smaller than the other files' (max_file_bytes): a YAML document takes some 140 times its size
    in memory while it is read (31 MB of place names: 4.25 GB), 4 MB stay under 600 MB."""
    return int(positive_setting(MAX_YAML_MB_VARIABLE, DEFAULT_MAX_YAML_MB) * 1024 * 1024)


def display_name(name, limit: Optional[int] = 200) -> str:
    """A file name fit for a message, even when it is not valid UTF-8 (shown as \\xNN),
    cut at ``limit`` characters."""
    text = os.fsdecode(name) if isinstance(name, bytes) else str(name)
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text if limit is None or len(text) <= limit else text[:limit] + "…"


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes of a file name come as lone surrogates
        return False
    return True


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} Mo"


def resolve_corpus_path(root: os.PathLike | str, name: os.PathLike | str) -> Path:
    """The real path of ``name`` (relative to ``root``), which must be a regular file
    inside ``root`` once symbolic links are followed. Raises CorpusFileError."""
    shown = display_name(name)
    text = os.fspath(name) if isinstance(name, os.PathLike) else str(name)
    if not text.strip():
        raise CorpusFileError(shown, "nom de fichier vide")
    if "\0" in text:
        raise CorpusFileError(shown, "nom de fichier invalide (caractère nul)")
    if not _is_utf8(text):  # would fail later, in the index and in every message
        raise CorpusFileError(shown, "nom de fichier qui n'est pas de l'UTF-8 valide : renommez le fichier")
    real_root = Path(root).resolve()
    try:
        path = (real_root / text).resolve()
    except OSError as error:
        raise CorpusFileError(shown, _os_reason(error)) from None
    except RuntimeError:  # a loop of symbolic links
        raise CorpusFileError(shown, "boucle de liens symboliques") from None
    # Containment before existence: whether a file exists outside the corpus is none of its business.
    if not path.is_relative_to(real_root):
        raise CorpusFileError(shown, "hors du dossier du corpus : refusé")
    _check_regular(path, shown)
    return path


def _check_regular(path: Path, shown: str) -> None:
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise CorpusFileError(shown, _os_reason(error)) from None
    if stat.S_ISDIR(mode):
        raise CorpusFileError(shown, "c'est un dossier, pas un fichier")
    if not stat.S_ISREG(mode):
        raise CorpusFileError(shown, f"pas un fichier ordinaire ({_kind(mode)}) : refusé")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "dossier"
    if stat.S_ISFIFO(mode):
        return "tube nommé"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "périphérique"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "type inconnu"


def _open_regular(path: Path, shown: str) -> int:
    """A file descriptor on ``path``, which must be a regular file (never blocks)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise CorpusFileError(shown, _os_reason(error)) from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as error:
        os.close(fd)
        raise CorpusFileError(shown, _os_reason(error)) from None
    if not stat.S_ISREG(mode):  # swapped after resolve_corpus_path's check
        os.close(fd)
        raise CorpusFileError(shown, f"pas un fichier ordinaire ({_kind(mode)}) : refusé")
    return fd


def _chunks(fd: int, shown: str, limit: Optional[int]) -> Iterator[bytes]:
    """The file's bytes; CorpusFileError once more than ``limit`` bytes were read."""
    total = 0
    while True:
        want = _CHUNK if limit is None else min(_CHUNK, limit + 1 - total)
        try:
            chunk = os.read(fd, want)
        except OSError as error:
            raise CorpusFileError(shown, _os_reason(error)) from None
        if not chunk:
            return
        total += len(chunk)
        if limit is not None and total > limit:
            variable = MAX_YAML_MB_VARIABLE if limit == max_yaml_bytes() else MAX_FILE_MB_VARIABLE
            raise CorpusFileError(shown, f"fichier de plus de {_megabytes(limit)} (taille maximale) : ignoré ; "
                                         f"limite réglable par la variable {variable}")
        yield chunk


def read_corpus_file(root: os.PathLike | str, name: os.PathLike | str, limit: Optional[int] = None) -> bytes:
    """The bytes of the corpus file ``name`` (relative to ``root``).

    ``limit``: the most bytes accepted (default: max_file_bytes()).
    Raises CorpusFileError when the name leaves the corpus, is not a regular
    file, cannot be read or is larger than the limit.
    """
    shown = display_name(name)
    path = resolve_corpus_path(root, name)
    return _read(path, shown, limit)


def read_regular_file(path: os.PathLike | str, limit: Optional[int] = None) -> bytes:
    """The bytes of ``path``, which must be a regular file within the size limit
    (no containment: for a file the user named, e.g. on the command line)."""
    shown = display_name(path)
    real = Path(path)
    try:
        real = real.resolve(strict=True)
    except OSError as error:
        raise CorpusFileError(shown, _os_reason(error)) from None
    except RuntimeError:
        raise CorpusFileError(shown, "boucle de liens symboliques") from None
    _check_regular(real, shown)
    return _read(real, shown, limit)


def _read(path: Path, shown: str, limit: Optional[int]) -> bytes:
    """A regular file's bytes, at most ``limit`` (default: max_file_bytes())."""
    fd = _open_regular(path, shown)
    try:
        return b"".join(_chunks(fd, shown, max_file_bytes() if limit is None else limit))
    finally:
        os.close(fd)


def corpus_file_digest(root: os.PathLike | str, name: os.PathLike | str, digest, limit: Optional[int] = None) -> None:
    """Feed the bytes of a corpus file to ``digest`` (a hashlib object) without
    holding it in memory; same checks and limit as read_corpus_file."""
    shown = display_name(name)
    path = resolve_corpus_path(root, name)
    limit = max_file_bytes() if limit is None else limit
    fd = _open_regular(path, shown)
    try:
        for chunk in _chunks(fd, shown, limit):
            digest.update(chunk)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- parse time

MAX_PARSE_SECONDS_VARIABLE = "ARTOISCAST_MAX_PARSE_SECONDS"
DEFAULT_MAX_PARSE_SECONDS = 120.0


class ParseTimeLimit(BaseException):
    """Raised inside a parser whose file took longer than max_parse_seconds().

    A BaseException (like KeyboardInterrupt), so that no ``except Exception`` inside a
    parser swallows it; whoever opened parse_time_limit() catches it and reports the file."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds

    def reason(self) -> str:
        return (f"lecture arrêtée après {self.seconds:g} s de calcul (durée maximale par fichier) : fichier ignoré ; "
                f"limite réglable par la variable {MAX_PARSE_SECONDS_VARIABLE}")


def max_parse_seconds() -> float:
    """The processor time one corpus file may take to parse, from ARTOISCAST_MAX_PARSE_SECONDS (default 120 s)."""
    return positive_setting(MAX_PARSE_SECONDS_VARIABLE, DEFAULT_MAX_PARSE_SECONDS)


@contextmanager
def parse_time_limit(seconds: Optional[float] = None):
    """Bound the parsing of one file: ParseTimeLimit is raised in the block once it has used
    ``seconds`` (default max_parse_seconds()) of processor time, so that one hostile file cannot
    hold `index` (and the cron line ``fetch && index --update``) forever; the caller reports the file.

    Processor time (ITIMER_VIRTUAL, SIGVTALRM), not wall-clock time: a loaded machine does not
    make a sound file fail, and the SIGALRM of a caller is left alone. Only in the main thread
    (elsewhere the block runs unbounded); a virtual timer already set is put back afterwards.
    """
    seconds = max_parse_seconds() if seconds is None else seconds
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum, frame):
        raise ParseTimeLimit(seconds)

    previous_handler = signal.signal(signal.SIGVTALRM, stop)
    previous = signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous_handler)
        if previous[0]:
            signal.setitimer(signal.ITIMER_VIRTUAL, *previous)
