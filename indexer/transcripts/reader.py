"""read_transcript: pick the reader for a file and never raise on bad content."""
from __future__ import annotations

import json
import os
from pathlib import Path

from indexer.transcripts.cha import read_cha
from indexer.transcripts.common import decode_into
from indexer.transcripts.eaf import read_eaf
from indexer.transcripts.model import Transcript
from indexer.transcripts.otr import is_otr, read_otr
from indexer.transcripts.srt import read_srt
from indexer.transcripts.textgrid import read_textgrid
from indexer.transcripts.timestamped import read_timestamped
from indexer.transcripts.trs import read_trs
from indexer.transcripts.vtt import read_vtt
from indexer.transcripts.whisper import is_whisperx, read_whisper, whisper_segments

TEXT_READERS = {
    ".vtt": ("webvtt", read_vtt),
    ".srt": ("srt", read_srt),
    ".txt": ("text", read_timestamped),
    ".textgrid": ("textgrid", read_textgrid),
    ".cha": ("chat", read_cha),
}
XML_READERS = {  # decoded as their XML declaration says
    ".trs": ("trs", read_trs),
    ".eaf": ("elan", read_eaf),
}
EXTENSIONS = (*TEXT_READERS, ".json", ".otr", *XML_READERS)
# The format known before reading (.json may be whisper, whisperx or otr).
FORMAT_BY_EXTENSION = {**{ext: fmt for ext, (fmt, _) in {**TEXT_READERS, **XML_READERS}.items()}, ".otr": "otr"}


def os_error_reason(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "fichier introuvable"
    if isinstance(error, PermissionError):
        return "fichier illisible : accès refusé"
    if isinstance(error, IsADirectoryError):
        return "c'est un dossier, pas un fichier"
    return f"fichier illisible ({error.strerror or error})"


def read_transcript(path: str | os.PathLike) -> Transcript:
    """Read a transcript file; the format comes from the extension (and, for .json, the content).

    Never raises on bad content: an unreadable, undecodable or invalid file gives
    a Transcript with no cues, readable=False and one error Problem.
    """
    extension = os.path.splitext(str(path))[1].lower()
    transcript = Transcript(path=str(path), format=FORMAT_BY_EXTENSION.get(extension, "unknown"))
    if extension not in EXTENSIONS:
        transcript.fail(f"format de transcription inconnu « {extension or os.path.basename(str(path))} » "
                        f"(formats reconnus : {', '.join(EXTENSIONS).replace('.textgrid', '.TextGrid')})")
        return transcript
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        transcript.fail(os_error_reason(error))
        return transcript
    try:
        read_content(transcript, extension, data)
    except Exception as error:  # a reader bug must not stop the indexing of the other files
        transcript.fail(f"erreur interne en lisant ce fichier ({type(error).__name__} : {error})")
        return transcript
    if transcript.readable and transcript.cues_read == 0:
        transcript.warn(None, "aucun passage horodaté trouvé")
    # Sorted by start; stable, so cues sharing a start keep the file's order.
    # A file with untimed utterances (CHAT) keeps its own order.
    if all(cue.start is not None for cue in transcript.cues):
        transcript.cues.sort(key=lambda cue: cue.start)
    return transcript


def read_content(transcript: Transcript, extension: str, data: bytes) -> None:
    if extension in XML_READERS:
        XML_READERS[extension][1](transcript, data)
        return
    text = decode_into(transcript, data)
    if extension in TEXT_READERS:
        read = TEXT_READERS[extension][1]
        read(transcript, text)
        return
    # .json and .otr: the shape of the content says which tool wrote it.
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        transcript.fail(f"JSON invalide : {error.msg}", error.lineno)
        return
    if extension == ".otr" or (whisper_segments(content) is None and is_otr(content)):
        transcript.format = "otr"
        read_otr(transcript, content)
    elif whisper_segments(content) is not None:
        transcript.format = "whisperx" if is_whisperx(content) else "whisper"
        read_whisper(transcript, content)
    else:
        transcript.fail("JSON de forme inconnue (ni Whisper, ni WhisperX, ni oTranscribe)")
