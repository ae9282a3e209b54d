"""Every use of Whoosh's internals, in one folder: a Whoosh upgrade touches this folder only.

- ``patches``: the one registry of Whoosh functions replaced (WHOOSH_ORIGINALS);
- ``reading``: fixes that change what a search finds or reads, installed by
  ``install_reading_fixes()`` where an index is opened (indexer/schema.py open_index);
- ``writer``: the build's writer (TermPool, inlined postings, faster writing functions),
  installed by ``install_writer_patches()`` before an index is written (indexer/index.py);
- ``column_scores``: a query's matches scored a term's postings at a time (numpy), and the
  lazy union of a prefix's many words (WideOr, LazyArrayUnionMatcher);
- ``frequent_postings``: frequent terms' postings decoded at build time.

The contract with Whoosh is three comparison suites, bit for bit: tests/test_search_fast_path.py
(these scores against Whoosh's walk), tests/test_index_writer.py (this writer against Whoosh's
own functions, undone through WHOOSH_ORIGINALS) and tests/test_analysis.py (the fused
analysis against the Whoosh analyzers).

This ``__init__`` imports nothing: the search side loads no writer code.
"""
