"""Harvesting artoiscast.fr: `artoiscast fetch [--site URL] [--audio]`.

- ``client``: a polite HTTP client (robots.txt, delay, User-Agent, timeouts,
  conditional GET, size and type limits, no redirect to another host);
- ``pages`` and ``audio``: downloading pages and media files;
- ``harvester``: one run, from the menu of the home page to the pages' audio, whose
  half ``audio_pass`` downloads (and remembers the dead links) with the run's client
  and manifest;
- ``console``: what a run prints to (the CLI's echo and progress bar, or plain stand-ins).

What the harvester writes into the corpus has its format in the corpus package, which
reads it without this one: ``indexer/corpus/sitelist.py`` (site.yaml, the pages found,
kept apart from the curated corpus.yaml, which wins over it) and
``indexer/corpus/manifest.py`` (harvest.json, what was downloaded: HTTP validators,
sizes, sha256, dead links).
"""
