"""Harvesting artoiscast.fr: `artoiscast fetch [--site URL] [--audio]`.

- ``sitelist``: site.yaml, the pages the harvester found (kept apart from the
  curated corpus.yaml, which wins over it);
- ``manifest``: harvest.json, what was downloaded (HTTP validators, sizes, sha256);
- ``client``: a polite HTTP client (robots.txt, delay, User-Agent, timeouts,
  conditional GET, size and type limits, no redirect to another host);
- ``pages`` and ``audio``: downloading pages and media files;
- ``harvester``: one run, from the menu of the home page to the audio files.

This package's ``__init__`` imports nothing: corpus.py and sources.py read
site.yaml and harvest.json without loading the HTTP machinery.
"""
