"""SQLite FTS5 baseline: the same corpus and query mix, answered by the stdlib.

    python -m bench.fts5_baseline build  --corpus DIR --db FILE
    python -m bench.fts5_baseline add    --corpus DIR --db FILE --id RECORDING_ID
    python -m bench.fts5_baseline serve  --db FILE [--host 127.0.0.1] [--port 8766]
    python -m bench.fts5_baseline search --db FILE --q 'fosse "bassin minier"' [--theme ...]

What it does, kept close to what the search engine does so the comparison means
something:
- reads corpus.yaml and the WebVTT transcripts (its own small parser);
- passages at the same grain: one speaker turn, cut into windows of about 30 s;
- an FTS5 table with tokenizer ``unicode61 remove_diacritics 2`` (accents and
  case folded, apostrophes and hyphens split words; no stemming, no stop words);
- places of a recording: gazetteer names found in its title and text;
- a query returns recordings (best passage first, bm25), up to 3 passages per
  recording with ``snippet()`` highlights, the total, and facet counts over all
  matching recordings with GROUP BY (theme, speaker, organisation, place, year, kind);
- ``serve`` answers ``GET /api/search`` with the same parameters and JSON shape
  as the application, from a ``ThreadingHTTPServer`` (stdlib).

Query syntax: words (AND), "a phrase", prefix*.
"""
from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

PASSAGE_WINDOW_S = 30.0
PASSAGE_MAX_S = 40.0
PASSAGES_PER_RESULT = 3
FACET_LIMIT = 20
FACETS = ("theme", "speaker", "organisation", "place", "year", "kind")

# Facet filter -> SQL condition (the speaker filter keeps the passages spoken by that person).
FILTER_CLAUSES = {
    "theme": "r.theme = ?",
    "kind": "r.kind = ?",
    "year": "r.year = ?",
    "place": "r.rid IN (SELECT rec FROM places WHERE place = ?)",
    "organisation": "r.rid IN (SELECT rec FROM speakers WHERE organisation = ?)",
    "speaker": "p.speaker = ?",
}

SCHEMA = """
CREATE TABLE recordings(
    rid INTEGER PRIMARY KEY, id TEXT UNIQUE, title TEXT, theme TEXT, kind TEXT,
    date TEXT, year TEXT, audio_url TEXT);
CREATE TABLE speakers(rec INTEGER, name TEXT, role TEXT, organisation TEXT, interviewer INTEGER);
CREATE TABLE places(rec INTEGER, place TEXT);
CREATE TABLE passages(id INTEGER PRIMARY KEY, rec INTEGER, speaker TEXT, start REAL, "end" REAL, text TEXT);
CREATE VIRTUAL TABLE passages_fts USING fts5(
    text, content='passages', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2');
"""
INDEXES = """
CREATE INDEX passages_rec ON passages(rec);
CREATE INDEX speakers_rec ON speakers(rec, name, organisation);
CREATE INDEX speakers_org ON speakers(organisation, rec);
CREATE INDEX places_rec ON places(rec, place);
CREATE INDEX places_place ON places(place, rec);
"""

# ---------------------------------------------------------------------------
# Reading the corpus
# ---------------------------------------------------------------------------

VOICE = re.compile(r"^<v(?:\.[^\s>]*)?\s+([^>]+)>")
TAG = re.compile(r"<[^>]*>")
WORD = re.compile(r"\S*\w\S*")  # a word: what whitespace separates, with a letter or digit in it


@dataclass
class Cue:
    start: float
    end: float
    speaker: str | None
    text: str


def parse_time(value: str) -> float:
    parts = value.strip().split()[0].replace(",", ".").split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def read_vtt(path: Path) -> list[Cue]:
    """Cues of a WebVTT file, with the voice tag as speaker."""
    text = Path(path).read_text(encoding="utf-8").replace("\r\n", "\n")
    cues = []
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        for i, line in enumerate(lines):
            if "-->" not in line:
                continue
            start, end = line.split("-->")
            payload = " ".join(lines[i + 1:]).strip()
            match = VOICE.match(payload)
            speaker = match.group(1).strip() if match else None
            words = TAG.sub("", payload).strip()
            if words:
                cues.append(Cue(parse_time(start), parse_time(end), speaker, words))
            break
    return cues


SENTENCE_END = re.compile(r"[.!?…][\s\"'»”’)\]]*$")


def passages_from_cues(cues: list[Cue], window: float = PASSAGE_WINDOW_S, max_window: float = PASSAGE_MAX_S) -> list[tuple]:
    """(speaker, start, end, text): a speaker's turn, cut into windows.

    The same grain as the application: a window closes at the first sentence
    end once it lasts `window` seconds, and is cut before a cue that would take
    it past `max_window` (after the last sentence end of its second half, if any).
    """
    passages = []

    def emit(piece: list[Cue]) -> None:
        if piece:
            passages.append((piece[0].speaker, piece[0].start, piece[-1].end, " ".join(c.text for c in piece)))

    def last_sentence_end(piece: list[Cue]) -> int:
        for i in range(len(piece) - 1, -1, -1):
            if piece[i].end - piece[0].start < window / 2:
                break
            if SENTENCE_END.search(piece[i].text):
                return i + 1
        return len(piece)

    current: list[Cue] = []
    for cue in cues:
        if current and cue.speaker != current[0].speaker:
            emit(current)
            current = []
        if current and cue.end - current[0].start > max_window:
            cut = last_sentence_end(current)
            emit(current[:cut])
            current = current[cut:]
            if current and cue.end - current[0].start > max_window:
                emit(current)
                current = []
        current.append(cue)
        if cue.end - current[0].start >= window and SENTENCE_END.search(cue.text):
            emit(current)
            current = []
    emit(current)
    return passages


def load_corpus(corpus_dir: Path) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(Path(corpus_dir) / "corpus.yaml", encoding="utf-8") as f:
        return yaml.load(f, Loader=loader) or {}


def place_pattern(places: list[str]) -> re.Pattern | None:
    if not places:
        return None
    names = sorted(places, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(p) for p in names) + r")(?![\w-])")


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------

def connect(db_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(db_path), isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def insert_recording(db: sqlite3.Connection, corpus_dir: Path, rec_id: str, entry: dict, places_re) -> tuple[int, int]:
    """Inserts one recording and its passages (not yet in the FTS index); returns (rid, words)."""
    date = str(entry.get("date") or "")
    cur = db.execute(
        "INSERT INTO recordings(id, title, theme, kind, date, year, audio_url) VALUES (?,?,?,?,?,?,?)",
        (rec_id, entry.get("title"), entry.get("theme"), entry.get("kind"), date or None, date[:4] or None, entry.get("audio_url")),
    )
    rid = cur.lastrowid
    db.executemany(
        "INSERT INTO speakers(rec, name, role, organisation, interviewer) VALUES (?,?,?,?,?)",
        [(rid, s.get("name"), s.get("role"), s.get("organisation"), int(bool(s.get("interviewer")))) for s in entry.get("speakers") or []],
    )
    passages = []
    if entry.get("transcript"):
        passages = passages_from_cues(read_vtt(Path(corpus_dir) / entry["transcript"]))
    db.executemany(
        'INSERT INTO passages(rec, speaker, start, "end", text) VALUES (?,?,?,?,?)',
        [(rid, speaker, start, end, text) for speaker, start, end, text in passages],
    )
    if places_re is not None:
        found = set(places_re.findall(entry.get("title") or ""))
        for _, _, _, text in passages:
            found.update(places_re.findall(text))
        db.executemany("INSERT INTO places(rec, place) VALUES (?,?)", [(rid, p) for p in sorted(found)])
    words = sum(len(WORD.findall(text)) for _, _, _, text in passages)
    return rid, words


def build(corpus_dir: Path, db_path: Path) -> dict:
    """Builds the database from scratch; returns counts and timings."""
    started = time.perf_counter()
    db_path = Path(db_path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    corpus = load_corpus(corpus_dir)
    places_re = place_pattern(corpus.get("places") or [])
    db = connect(db_path)
    db.executescript(SCHEMA)
    db.execute("BEGIN")
    words = 0
    recordings = corpus.get("recordings") or {}
    for rec_id, entry in recordings.items():
        words += insert_recording(db, corpus_dir, rec_id, entry, places_re)[1]
    db.execute("COMMIT")
    loaded = time.perf_counter()
    db.execute("INSERT INTO passages_fts(passages_fts) VALUES('rebuild')")
    db.execute("INSERT INTO passages_fts(passages_fts) VALUES('optimize')")
    db.executescript(INDEXES)
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    passages = db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    db.close()
    return {
        "recordings": len(recordings),
        "passages": passages,
        "words": words,
        "read_seconds": round(loaded - started, 2),
        "index_seconds": round(time.perf_counter() - loaded, 2),
        "seconds": round(time.perf_counter() - started, 2),
        "bytes": db_size(db_path),
    }


def add(corpus_dir: Path, db_path: Path, rec_id: str) -> dict:
    """Indexes one more recording of corpus.yaml into an existing database."""
    started = time.perf_counter()
    corpus = load_corpus(corpus_dir)
    entry = corpus["recordings"][rec_id]
    db = connect(db_path)
    db.execute("BEGIN")
    rid, words = insert_recording(db, corpus_dir, rec_id, entry, place_pattern(corpus.get("places") or []))
    db.execute("INSERT INTO passages_fts(rowid, text) SELECT id, text FROM passages WHERE rec = ?", (rid,))
    db.execute("COMMIT")
    db.close()
    return {"id": rec_id, "words": words, "seconds": round(time.perf_counter() - started, 3)}


def db_size(db_path: Path) -> int:
    return sum(Path(str(db_path) + s).stat().st_size for s in ("", "-wal") if Path(str(db_path) + s).exists())


# ---------------------------------------------------------------------------
# Searching
# ---------------------------------------------------------------------------

QUERY_PART = re.compile(r'"([^"]*)"|(\S+)')


def to_match(query: str) -> str:
    """The application's query syntax as an FTS5 MATCH expression (implicit AND)."""
    parts = []
    for phrase, word in QUERY_PART.findall(query or ""):
        if phrase:
            if re.search(r"\w", phrase):
                parts.append('"' + phrase.replace('"', '""') + '"')
        elif re.search(r"\w", word):
            prefix = word.endswith("*")
            word = word.rstrip("*")
            if re.search(r"\w", word):
                parts.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(parts)


class Fts5Search:
    """Answers /api/search queries; one instance per thread (own connection)."""

    def __init__(self, db_path: Path):
        self.db = sqlite3.connect(f"file:{db_path}?mode=rw", uri=True, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA temp_store=MEMORY")

    def close(self) -> None:
        self.db.close()

    def search(self, params: dict) -> dict:
        """The answer, with ``took_ms`` (search only, without HTTP and JSON) as the application reports it."""
        started = time.perf_counter()
        answer = self._search(params)
        answer["took_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return answer

    def _search(self, params: dict) -> dict:
        q = (params.get("q") or "").strip()
        page = max(1, int(params.get("page") or 1))
        per_page = min(50, max(1, int(params.get("per_page") or 10)))
        match = to_match(q)
        empty = {"query": q, "total": 0, "suggestion": None, "results": [], "facets": {f: [] for f in FACETS}}
        if not match:
            return empty
        db = self.db

        filters, args = [], [match]
        for name, clause in FILTER_CLAUSES.items():
            if params.get(name):
                filters.append(clause)
                args.append(str(params[name]))
        where = "".join(" AND " + f for f in filters)

        db.execute("DROP TABLE IF EXISTS temp.hits")
        db.execute("DROP TABLE IF EXISTS temp.hit_recs")
        # Matching passages (after filters), then matching recordings: every
        # count below is a GROUP BY over these two temporary tables.
        join_recordings = " JOIN recordings r ON r.rid = p.rec" if any(f.startswith("r.") for f in filters) else ""
        db.execute(
            "CREATE TEMP TABLE hits AS SELECT p.id AS pid, p.rec AS rec, f.rank AS rank "
            "FROM passages_fts f JOIN passages p ON p.id = f.rowid" + join_recordings +
            " WHERE passages_fts MATCH ?" + where,
            args,
        )
        db.execute("CREATE TEMP TABLE hit_recs(rec INTEGER PRIMARY KEY, best REAL, n INTEGER)")
        db.execute("INSERT INTO hit_recs SELECT rec, MIN(rank), COUNT(*) FROM hits GROUP BY rec")
        total = db.execute("SELECT COUNT(*) FROM hit_recs").fetchone()[0]

        page_recs = db.execute(
            "SELECT rec, best FROM hit_recs ORDER BY best, rec LIMIT ? OFFSET ?", (per_page, (page - 1) * per_page)
        ).fetchall()
        results = []
        if page_recs:
            recs = [rec for rec, _ in page_recs]
            marks = ",".join("?" * len(recs))
            top = db.execute(
                f"SELECT pid, rec FROM (SELECT pid, rec, ROW_NUMBER() OVER (PARTITION BY rec ORDER BY rank, pid) AS n "
                f"FROM hits WHERE rec IN ({marks})) WHERE n <= ?",
                recs + [PASSAGES_PER_RESULT],
            ).fetchall()
            pids = [pid for pid, _ in top]
            pmarks = ",".join("?" * len(pids))
            snippets = dict(
                db.execute(
                    f"SELECT rowid, snippet(passages_fts, 0, '<mark>', '</mark>', '…', 24) FROM passages_fts "
                    f"WHERE passages_fts MATCH ? AND rowid IN ({pmarks})",
                    [match] + pids,
                ).fetchall()
            )
            rows = db.execute(
                f'SELECT p.id, p.rec, p.speaker, p.start, p."end", p.text, r.audio_url FROM passages p '
                f"JOIN recordings r ON r.rid = p.rec WHERE p.id IN ({pmarks})",
                pids,
            ).fetchall()
            by_rec: dict[int, list] = {rec: [] for rec in recs}
            order = {pid: i for i, pid in enumerate(pids)}
            for pid, rec, speaker, start, end, text, audio_url in sorted(rows, key=lambda row: order[row[0]]):
                by_rec[rec].append({
                    "text": text,
                    "snippet": snippets.get(pid, ""),
                    "speaker": speaker,
                    "start": start,
                    "end": end,
                    "verbatim": True,
                    "link": f"{audio_url}#t={int(start)}" if audio_url else None,
                })
            info = {
                row[0]: row for row in db.execute(
                    f"SELECT rid, id, title, theme, kind, date, year, audio_url FROM recordings WHERE rid IN ({marks})", recs
                )
            }
            people: dict[int, list] = {rec: [] for rec in recs}
            for rec, name in db.execute(f"SELECT rec, name FROM speakers WHERE rec IN ({marks}) ORDER BY rowid", recs):
                people[rec].append(name)
            for rec, best in page_recs:
                rid, rec_id, title, theme, kind, date, year, audio_url = info[rec]
                results.append({
                    "recording": {"id": rec_id, "title": title, "theme": theme, "kind": kind, "date": date,
                                  "year": year, "audio_url": audio_url, "speakers": people[rec]},
                    "score": round(-best, 4),
                    "passages": by_rec[rec],
                })

        # CROSS JOIN keeps hit_recs as the outer loop (SQLite does not reorder it).
        facet_sql = {
            "theme": "SELECT r.theme, COUNT(*) FROM hit_recs h CROSS JOIN recordings r ON r.rid = h.rec GROUP BY 1",
            "kind": "SELECT r.kind, COUNT(*) FROM hit_recs h CROSS JOIN recordings r ON r.rid = h.rec GROUP BY 1",
            "year": "SELECT r.year, COUNT(*) FROM hit_recs h CROSS JOIN recordings r ON r.rid = h.rec GROUP BY 1",
            "speaker": "SELECT s.name, COUNT(DISTINCT s.rec) FROM hit_recs h CROSS JOIN speakers s ON s.rec = h.rec GROUP BY 1",
            "organisation": "SELECT s.organisation, COUNT(DISTINCT s.rec) FROM hit_recs h CROSS JOIN speakers s ON s.rec = h.rec "
                            "WHERE s.organisation IS NOT NULL GROUP BY 1",
            "place": "SELECT pl.place, COUNT(*) FROM hit_recs h CROSS JOIN places pl INDEXED BY places_rec ON pl.rec = h.rec GROUP BY 1",
        }
        facets = {}
        for name, sql in facet_sql.items():
            rows = db.execute(sql + " ORDER BY 2 DESC, 1 LIMIT ?", (FACET_LIMIT,)).fetchall()
            facets[name] = [{"value": value, "count": count} for value, count in rows if value is not None]
        return {"query": q, "total": total, "suggestion": None, "results": results, "facets": facets}


# ---------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------

def make_server(db_path: Path, host: str, port: int) -> ThreadingHTTPServer:
    local = threading.local()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like waitress
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

        def do_GET(self):
            url = urlsplit(self.path)
            if url.path != "/api/search":
                self.reply(404, {"error": "not found"})
                return
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            if not hasattr(local, "searcher"):
                local.searcher = Fts5Search(db_path)
            try:
                self.reply(200, local.searcher.search(params))
            except (sqlite3.Error, ValueError) as error:
                self.reply(400, {"error": str(error)})

        def reply(self, status: int, payload: dict) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


# ---------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SQLite FTS5 baseline for the benchmark")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="build the database from a corpus")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--db", type=Path, required=True)
    p = sub.add_parser("add", help="index one more recording of corpus.yaml")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--id", required=True)
    p = sub.add_parser("serve", help="answer GET /api/search over HTTP")
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8766)
    p = sub.add_parser("search", help="one query, JSON on stdout")
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--q", required=True)
    for name in ("theme", "speaker", "place", "year", "kind", "organisation", "page", "per_page"):
        p.add_argument("--" + name)
    args = parser.parse_args(argv)

    if args.command == "build":
        stats = build(args.corpus, args.db)
        print(json.dumps(stats))
    elif args.command == "add":
        print(json.dumps(add(args.corpus, args.db, args.id)))
    elif args.command == "serve":
        server = make_server(args.db, args.host, args.port)
        print(f"FTS5 baseline on http://{args.host}:{server.server_port}/api/search", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    else:
        params = {k: v for k, v in vars(args).items() if k not in ("command", "db") and v is not None}
        searcher = Fts5Search(args.db)
        print(json.dumps(searcher.search(params), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
