"""read_transcript: pick the reader for a file and never raise on bad content."""
from __future__ import annotations

import json
import os

from indexer.corpus_files import (CorpusFileError, ParseTimeLimit, parse_time_limit, read_corpus_file,
                                  read_regular_file)
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


def read_transcript(path: str | os.PathLike, root: str | os.PathLike | None = None) -> Transcript:
    """Read a transcript file; the format comes from the extension (and, for .json, the content).

    ``root``: the corpus folder, when ``path`` is a name from the corpus (relative
    to it): the file must then be inside it (indexer.corpus_files). Either way it
    must be a regular file within the size limit.

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
        data = read_regular_file(path) if root is None else read_corpus_file(root, path)
    except CorpusFileError as error:
        transcript.fail(error.reason)
        return transcript
    try:
        with parse_time_limit():
            read_content(transcript, extension, data)
    except ParseTimeLimit as limit:
        transcript.fail(limit.reason())
        return transcript
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


def _json_int(digits: str) -> int | float:
    """A JSON integer; past 18 digits a float (inf when too large), which the readers
    report on its segment - int() refuses 4,300 digits and would drop the whole file."""
    return int(digits) if len(digits) <= 18 else float(digits)


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
        content = json.loads(text, parse_int=_json_int)
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
