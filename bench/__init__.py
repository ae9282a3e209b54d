"""Benchmark tools for issue 6 (performance at archive scale).

generate_archive  - a synthetic archive of N hours of WebVTT transcripts + corpus.yaml
                    (its vocabulary and French grammar: lexicon)
fts5_baseline     - the same corpus and query mix answered by SQLite FTS5
run_benchmark     - one command that builds, serves and measures both, then writes
                    docs/performance.md (processes: the commands and servers measured;
                    report: the markdown)
"""
