"""A small, safe XML tree with line numbers, for the XML transcript formats (ELAN .eaf).

Built with the stdlib expat directly, as trs.py does: expat gives each
element's line, never loads an external DTD nor external entities, and entity
declarations are refused outright (as defusedxml does), so nothing is
resolved from outside and no entity can blow up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional
from xml.parsers import expat

from indexer.transcripts.model import Transcript


class EntityDeclarationRefused(Exception):
    pass


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list["Element"] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The element's own text (not its children's)."""
        return "".join(self.parts)

    def find_all(self, tag: str) -> Iterator["Element"]:
        return (child for child in self.children if child.tag == tag)

    def find(self, tag: str) -> Optional["Element"]:
        return next(self.find_all(tag), None)


def refuse_entity_declaration(*args) -> None:
    raise EntityDeclarationRefused()


def parse_xml(transcript: Transcript, text: str) -> Optional[Element]:
    """The root element of `text` (already decoded); None, and the file failed, when it is not XML."""
    parser = expat.ParserCreate(encoding="utf-8")  # we pass decoded text: ignore the declaration
    stack: list[Element] = []
    roots: list[Element] = []

    def start(tag: str, attrs: dict) -> None:
        element = Element(tag, attrs, parser.CurrentLineNumber)
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)

    def end(tag: str) -> None:
        stack.pop()

    def characters(data: str) -> None:
        if stack:
            stack[-1].parts.append(data)

    def skipped_entity(name: str, is_parameter_entity: bool) -> None:
        transcript.warn(parser.CurrentLineNumber, f"entité inconnue « &{name}; » ignorée")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.SkippedEntityHandler = skipped_entity
    parser.EntityDeclHandler = refuse_entity_declaration
    try:
        parser.Parse(text, True)
    except EntityDeclarationRefused:
        transcript.fail("déclaration d'entité XML refusée (sécurité)", parser.CurrentLineNumber)
        return None
    except expat.ExpatError as error:
        transcript.fail(f"XML invalide : {expat.ErrorString(error.code)}", error.lineno)
        return None
    return roots[0] if roots else None
