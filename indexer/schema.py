"""The index as it is on disk: its schema and format, its state file, and opening it.

What search reads, apart from what the build writes (indexer/index.py): the search
side imports this module, never the build side.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

from whoosh import columns, fields, index

from .analysis import EXACT, FRENCH, index_terms
from .engine.reading import install_reading_fixes

STATE_FILE = "corpus_state.json"
# Bumped whenever the schema or the analyzer changes what is in the index: an
# index of another format is rebuilt by `serve`, and refused with advice by search.
INDEX_FORMAT = 13  # 6: sound events and section topics; 7: exact fields with word pairs, light stemmer;
# 8: uncertain ASR words; 9: rare terms' postings inlined in the term index, title/names fields of class
# RepeatedText (same terms and postings, another layout: indexer/engine/writer.py); 10: known names
# heard misspelled (approximate), searchable at the heard words' positions; 11: automatic speaker
# attribution's confidence; 12: passage anchors, cue and word offsets (links at the words: indexer/anchors.py);
# 13: a page's « écouter … » line is the recording's link text, no longer a presentation passage (an
# unchanged page is not re-read by --update: the format makes serve rebuild)


FACET_SEPARATOR = "\x1f"
TYPE_VERBATIM = "transcription"
TYPE_SUMMARY = "résumé"
TYPE_EVENTS = "événements"  # a transcript passage of sound events only: shown on its recording, never found


class FrenchText(fields.TEXT):
    """A text field of the French analyzers (FRENCH, EXACT), indexed through
    analysis.index_terms: a passage's words are found once for its two fields, without
    Whoosh's token objects. The terms, weights and positions are the ones fields.TEXT gives."""

    def index(self, value, **kwargs):
        # The writer's schema is unpickled from the index: its analyzers are equal to
        # FRENCH and EXACT, not the same objects. Which one, asked once.
        exact = self.__dict__.get("_exact")
        if exact is None:
            exact = self._exact = "exact" if self.analyzer == EXACT else "french" if self.analyzer == FRENCH else ""
        if kwargs or not isinstance(value, str) or not exact:
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        encode = self.format.encode
        return [(term.encode("utf-8"), len(positions), float(len(positions)) * boost, encode(positions))
                for term, positions in index_terms(value, exact == "exact").items()]

    def __getstate__(self):
        # The schema is pickled into the index's table of contents: without what is cached.
        return {key: value for key, value in self.__dict__.items() if key not in ("_exact", "_analyzed")}


class RepeatedText(FrenchText):
    """A text field whose value repeats on every passage of a recording (its title, its
    people): analyzed once per distinct value instead of once per passage. The postings
    are the ones FrenchText gives; only the work of finding them again is saved."""

    CACHED_VALUES = 4096

    def index(self, value, **kwargs):
        if kwargs or not isinstance(value, str):
            return super().index(value, **kwargs)
        cache = self.__dict__.setdefault("_analyzed", {})
        postings = cache.get(value)
        if postings is None:
            if len(cache) >= self.CACHED_VALUES:
                cache.clear()
            postings = cache[value] = list(super().index(value))
        return postings


def make_schema() -> fields.Schema:
    return fields.Schema(
        doc_type=fields.ID(stored=False),  # "passage" | "recording"
        recording_id=fields.ID(stored=True),
        # Searchable text, all through the one French analyzer.
        text=FrenchText(analyzer=FRENCH, stored=True, phrase=True, multitoken_query="phrase"),
        # The recording's title and people, on each of its passages (RepeatedText).
        title=RepeatedText(analyzer=FRENCH, stored=False, phrase=True, field_boost=2.0, multitoken_query="phrase"),
        names=RepeatedText(analyzer=FRENCH, stored=False, phrase=True, field_boost=1.5, multitoken_query="phrase"),
        # The same texts for quoted phrases and prefixes: every word, unstemmed, and
        # each pair of adjacent words (indexer/analysis.py, EXACT).
        text_exact=FrenchText(analyzer=EXACT, stored=False, phrase=True),
        title_exact=RepeatedText(analyzer=EXACT, stored=False, phrase=True, field_boost=2.0),
        names_exact=RepeatedText(analyzer=EXACT, stored=False, phrase=True, field_boost=1.5),
        # Per-document columns, read into memory once per index generation: the facet
        # filters and counts work from them (and from the recordings' metadata), not
        # from indexed keyword fields, which would cost postings on every passage.
        c_rec=fields.COLUMN(columns.RefBytesColumn()),
        c_speaker=fields.COLUMN(columns.RefBytesColumn()),
        c_type=fields.COLUMN(columns.RefBytesColumn()),
        c_interviewer=fields.COLUMN(columns.BitColumn()),
        # Stored passage details.
        passage_no=fields.STORED(),
        label=fields.STORED(),
        speaker_name=fields.STORED(),
        is_interviewer=fields.STORED(),
        start=fields.STORED(),
        end=fields.STORED(),
        cues=fields.STORED(),
        anchors=fields.STORED(),  # char offsets of cues and timed words: see indexer/anchors.py
        events=fields.STORED(),  # sound events of a transcript passage: shown, not searched
        topic=fields.STORED(),  # a transcript section's own topic
        line=fields.STORED(),
        uncertain=fields.STORED(),  # char spans of words speech recognition was unsure of
        speaker_confidence=fields.STORED(),  # a speaker named by voice (automatic): how sure
        approximate=fields.STORED(),  # known names heard misspelled: [start, end, name, heard, form]
        recording_json=fields.STORED(),
    )


def read_state(index_dir: Path) -> Optional[dict]:
    try:
        return json.loads((Path(index_dir) / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def index_damage(index_dir: os.PathLike | str) -> Optional[str]:
    """Why the index in ``index_dir`` cannot be served (missing, unreadable, a file of
    its segments truncated or missing), or None when it looks whole.

    Cheap: file sizes against those recorded at build time, then an open of the index
    and of its readers. `index --update` and `--if-stale` rebuild in full when this
    says something (an update would hard-link the damaged files into the next generation),
    and the search service answers 503 instead of failing request after request."""
    path = Path(index_dir)
    state = read_state(path)
    if state is None:
        return "pas d'index, ou état illisible"
    damage = truncated_file(path, state)
    if damage:
        return damage
    try:
        ix = open_index(path)
        with ix.searcher() as searcher:
            searcher.reader().doc_count_all()
    except Exception as exc:  # IndexUnavailable, or a garbled file Whoosh trips on
        return f"index illisible ({type(exc).__name__}: {exc})"
    return None


def truncated_file(index_dir: os.PathLike | str, state: dict) -> Optional[str]:
    """The first file of the index whose size differs from the one recorded at build time."""
    for name, size in (state.get("segments") or {}).items():
        try:
            actual = (Path(index_dir) / name).stat().st_size
        except OSError:
            return f"fichier d'index manquant : {name}"
        if actual != size:
            return f"fichier d'index tronqué ou modifié : {name} ({actual} octets au lieu de {size})"
    return None


def open_index(index_dir: os.PathLike | str):
    """Opens the current generation; raises IndexUnavailable with a clear message.
    Installs the reading fixes first: they change what a search finds (indexer/engine/reading.py)."""
    install_reading_fixes()
    path = Path(index_dir)
    if not path.exists():
        raise IndexUnavailable(
            f"Aucun index dans {path}. Construisez-le avec « artoiscast index » "
            f"(ou « artoiscast index --rebuild »)."
        )
    try:
        if not index.exists_in(str(path)):
            raise IndexUnavailable(
                f"{path} ne contient pas d'index lisible. Reconstruisez-le avec « artoiscast index --rebuild »."
            )
        return index.open_dir(str(path))
    except IndexUnavailable:
        raise
    except Exception as exc:  # corrupt segment files, wrong schema, permissions …
        raise IndexUnavailable(
            f"L'index de {path} est illisible ({type(exc).__name__}: {exc}). "
            f"Reconstruisez-le avec « artoiscast index --rebuild »."
        ) from exc


class IndexUnavailable(RuntimeError):
    """The index is missing, locked or corrupt: the message says what to do."""
