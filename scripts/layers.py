"""The layers of the code, and a check that imports respect them.

Reads every module's imports with ``ast`` (those inside functions too: a lazy import is
still a dependency) and reports

- a cycle between modules,
- an import of a layer the importing layer may not use (a lower layer importing a
  higher one, or the search side importing the build side).

Data flows one way: sources -> records -> index -> search -> views/CLI.

    python scripts/layers.py        # exit status 1 and one line per problem, or "ok"
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("indexer", "webapp")

# Each layer: the module prefixes it holds (the longest prefix wins), and the layers
# it may import besides itself.
LAYERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # Plain records, safe file access inside a corpus, the French analyzers, small helpers.
    "base": (("indexer.records", "indexer.corpus_files", "indexer.corpus_writes", "indexer.analysis",
              "indexer.dates", "indexer.gazetteer", "indexer.names", "indexer.anchors", "indexer.links"), ()),
    # The corpus' own files: corpus.yaml, safe YAML, site.yaml, harvest.json, the automatic
    # transcript's format. Read without the harvester or speech recognition.
    "corpus": (("indexer.corpus",), ("base",)),
    # Turning the corpus into records: transcript readers, the page parser, sources.
    "reading": (("indexer.transcripts", "indexer.page", "indexer.sources"), ("base", "corpus")),
    # What fills the corpus: the harvester and speech recognition (they read it too).
    "acquisition": (("indexer.harvest", "indexer.transcribe", "indexer.speech"), ("base", "corpus", "reading")),
    # Whoosh internals: writer and search-time patches, column scoring, frequent-term tables.
    "engine": (("indexer.engine",),
               ("base",)),
    # The index on disk as search reads it: schema, format, state, vocabulary.
    "index format": (("indexer.schema", "indexer.vocabulary"), ("base", "engine")),
    # Writing an index generation from the records.
    "build": (("indexer.index", "indexer.build"), ("base", "corpus", "reading", "engine", "index format")),
    # Answering a query: parsing, scoring, facets, passages.
    "search": (("indexer.query", "indexer.search", "indexer.highlight"),
               ("base", "engine", "index format")),
    # Entry points: the command line, serving, the web application.
    "interface": (("indexer.cli", "indexer.__main__", "indexer.serving", "webapp"),
                  ("base", "corpus", "reading", "acquisition", "engine", "index format", "build", "search")),
}
# Package __init__ files that only name their package (no imports of their own to check).
EMPTY_PACKAGES = ("indexer",)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str | None:
    best, found = -1, None
    for layer, (prefixes, _) in LAYERS.items():
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), layer
    return found


def imports_of(path: Path, module: str, known: set[str]) -> set[str]:
    """The project modules ``path`` imports (resolved to modules that exist)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # "from . import api" names a module; "from .x import name" names x.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                found.add(name)  # a submodule importing its own package's __init__ is Python's doing
    return found


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for package in PACKAGES for p in (REPO / package).rglob("*.py")}
    known = set(files)
    return {module: imports_of(path, module, known) for module, path in files.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def problems(edges: dict[str, set[str]] | None = None) -> list[str]:
    edges = graph() if edges is None else edges
    found = [f"cycle: {' <-> '.join(component)}" for component in cycles(edges)]
    for module in sorted(edges):
        layer = layer_of(module)
        if layer is None:
            if module not in EMPTY_PACKAGES:
                found.append(f"{module}: in no layer (add it to LAYERS in scripts/layers.py)")
            continue
        allowed = {layer, *LAYERS[layer][1]}
        for imported in sorted(edges[module]):
            other = layer_of(imported)
            if other is not None and other not in allowed:
                found.append(f"{module} ({layer}) imports {imported} ({other})")
    return found


if __name__ == "__main__":
    found = problems()
    print("\n".join(found) or "ok")
    sys.exit(1 if found else 0)
