"""YAML from a corpus (corpus.yaml, site.yaml): untrusted, so inspected before it is built.

Aliases and deep nesting are refused before any Python object exists; every entry's
line is kept, for errors that name the file and the line.
"""
from __future__ import annotations

from typing import Any, Optional

import yaml


class YamlRefused(ValueError):
    """A corpus.yaml construct that is refused (an alias); ``line`` is 1-based."""

    def __init__(self, line: Optional[int], reason: str):
        super().__init__(reason)
        self.line = line


# libyaml's parser when PyYAML has it: a 1,000-hour archive's corpus.yaml takes
# seconds with the pure-Python one. The constructor is Python either way.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_YAML_DEPTH = 50  # corpus.yaml needs 5
_LINE_DEPTH = 4  # "recordings.x.speaker_labels.SPEAKER_00": deep enough for every report


def read_yaml(text: str) -> tuple[Any, dict[str, int], list[tuple[str, str, int]]]:
    """corpus.yaml text -> (data, lines of its entries, duplicate keys).

    The node tree is composed first and inspected before any Python object is
    built: an alias (``*name``) is refused (YamlRefused), because a 1 KB file of
    nested aliases ("billion laughs") expands to gigabytes in whatever walks the
    data; so is nesting deeper than MAX_YAML_DEPTH (json.dumps of the entries
    would overflow). ``lines`` maps "pages[0]", "pages[0].file", "recordings.x" … to their
    line; duplicates are (mapping path, key, line of the repeated key).
    Raises yaml.YAMLError for invalid YAML.
    """
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        lines, duplicates = _inspect_nodes(node)
        return loader.construct_document(node), lines, duplicates
    finally:
        loader.dispose()


def _inspect_nodes(root) -> tuple[dict[str, int], list[tuple[str, str, int]]]:
    """One pass over the node tree (each node once): lines, duplicate keys, aliases."""
    lines: dict[str, int] = {}
    duplicates: list[tuple[str, str, int]] = []
    seen: set[int] = set()
    # (node, path, depth, its line, line of the reference to it): the node of an
    # alias is its anchor's, so its own mark points at the anchor, not the alias.
    stack = [(root, "", 0, root.start_mark.line + 1, root.start_mark.line + 1)]
    while stack:
        node, path, depth, line, where = stack.pop()
        if id(node) in seen:  # document order: the anchor was visited first, this is an alias
            raise YamlRefused(where, "les alias YAML (« *nom ») ne sont pas acceptés : écrivez la valeur en entier")
        seen.add(id(node))
        if depth > MAX_YAML_DEPTH:  # what walks the data later (json.dumps …) would overflow the stack
            raise YamlRefused(line, f"imbrication de plus de {MAX_YAML_DEPTH} niveaux : refusée")
        if depth <= _LINE_DEPTH and path:
            lines.setdefault(path, line)
        children = []
        if isinstance(node, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key, value in node.value:
                key_line = key.start_mark.line + 1
                name = str(key.value) if isinstance(key, yaml.ScalarNode) else f"<{key.tag}>"
                if isinstance(key, yaml.ScalarNode) and name in first_line:
                    duplicates.append((path, name, key_line))
                first_line.setdefault(name, key_line)
                children.append((key, f"{path}.<clé>", depth + 1, key_line, key_line))
                children.append((value, f"{path}.{name}" if path else name, depth + 1, key_line, key_line))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                children.append((item, f"{path}[{i}]", depth + 1, item.start_mark.line + 1, line))
        stack.extend(reversed(children))  # popped in document order
    return lines, duplicates
