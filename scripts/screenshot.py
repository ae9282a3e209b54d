"""Screenshot of the search page on the default corpus, for the README.

    .venv/bin/python scripts/screenshot.py [--query énergie] [--out docs/screenshot-recherche.png] [--recording ID]

Indexes a copy of corpus/ in a temporary folder, serves it with waitress on a
free local port and photographs it with the system's Chromium (no download).
"""
from __future__ import annotations

import argparse
import shutil
import socket
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def screenshot(base_url: str, query: str, out: Path, browser=None, width: int = 1280, height: int = 1000) -> Path:
    """Photographs the search page for ``query``; with ``browser`` (a Playwright Browser) none is launched."""
    return screenshot_page(f"{base_url}/?{urlencode({'q': query})}", ".result", out, browser, width, height)


def screenshot_page(url: str, wait_for: str, out: Path, browser=None, width: int = 1280, height: int = 1000) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return screenshot_page(url, wait_for, out, launched, width, height)
            finally:
                launched.close()
    page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1, locale="fr-FR")
    try:
        page.goto(url)
        page.wait_for_selector(wait_for)
        page.screenshot(path=str(out), full_page=False)
    finally:
        page.close()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query", default="énergie")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot-recherche.png")
    parser.add_argument("--recording", default="economie-gazonor-yann-fouant",
                        help="also photographs this recording's page (screenshot-enregistrement.png); '' for none")
    args = parser.parse_args(argv)

    from waitress.server import create_server

    from indexer.build import build_index
    from webapp import create_app

    with tempfile.TemporaryDirectory(prefix="artoiscast-shot-") as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(args.corpus, corpus)
        build_index(corpus, Path(tmp) / "index")
        app = create_app({"INDEX_DIR": str(Path(tmp) / "index"), "CORPUS_DIR": str(corpus)})
        server = create_server(app, host="127.0.0.1", port=free_port())
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.effective_port}"
        try:
            paths = [screenshot(base, args.query, args.out)]
            if args.recording:
                paths.append(screenshot_page(f"{base}/enregistrement/{args.recording}?{urlencode({'q': args.query})}",
                                             ".in-recording", args.out.with_name("screenshot-enregistrement.png")))
        finally:
            server.close()
    for path in paths:
        print(f"Capture enregistrée : {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
