"""The YAML data files pipelines edit (``previews.yaml``, ``images.yaml``): read with line numbers
and changed in place (``bin/gorax`` writes the result atomically).

An edit replaces or inserts the exact characters of the entries it changes,
located by PyYAML's node marks, and leaves every other byte of the file as it
was: comments, order, quoting and blank lines. (A round-trip library such as
ruamel.yaml was tried and rejected: removing a list entry with it moved or
dropped the comments next to it, because it attaches a comment to the node
before it.) Only what the commands write has to be rendered, and that is plain
block YAML.

Data files are read strictly, since a pipeline writes them and PyYAML's
defaults hide mistakes: a key given twice (PyYAML keeps the last, so a second
``previews:`` silently drops the first list), anchors and aliases (a 480-byte
alias bomb expands to gigabytes), explicit tags (``!!python/object``), absurd
nesting, and bytes that are not UTF-8 text are each one ``FileError`` naming
the file and line.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .errors import FileError, brief, shown

MAX_DEPTH = 16
"""Deeper than any data file needs (``images.yaml`` nests 3 levels); PyYAML's composer recurses per level."""


class Refused(yaml.MarkedYAMLError):
    """YAML that parses but that a data file may not hold."""


class StrictLoader(yaml.SafeLoader):
    """The safe loader without aliases, anchors, explicit tags, repeated keys or deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            problem = "anchors and aliases (&name, *name) are not allowed here"
            raise Refused(problem=problem, problem_mark=event.start_mark)
        if getattr(event, "tag", None) is not None:
            raise Refused(problem=f"tags ({brief(event.tag, 40)}) are not allowed here", problem_mark=event.start_mark)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Refused(problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=event.start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if isinstance(node, yaml.MappingNode):
            _check_keys(node)
        return node


def _check_keys(node: yaml.MappingNode) -> None:
    seen: dict[tuple[str, str], yaml.Node] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise Refused(problem="a key must be a plain value, not a list or mapping", problem_mark=key.start_mark)
        first = seen.setdefault((key.tag, key.value), key)
        if first is not key:
            raise Refused(
                problem=f"the key {brief(key.value)} is given twice (first on line {line(first)})",
                problem_mark=key.start_mark,
            )


def read(path: Path) -> str:
    """A data file's text; one ``FileError`` naming the file when it is not a readable UTF-8 text file."""
    source = shown(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise FileError(f"{source}: is a directory, not a YAML file") from None
    except OSError as error:
        raise FileError(f"{source}: cannot be read ({error.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileError(f"{source}: not UTF-8 text (byte {error.start + 1}): save it as UTF-8") from None
    if "\x00" in text:
        raise FileError(f"{source}, line {text.count(chr(10), 0, text.index(chr(0))) + 1}: a NUL byte: not a text file")
    return text


def compose(text: str, source: str) -> yaml.Node | None:
    """The YAML node tree of ``text`` (with positions); a syntax error names the file, line and column."""
    try:
        return yaml.compose(text, Loader=StrictLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = str(error.problem or error.context)[:200]
        if isinstance(error, Refused):
            raise FileError(f"{source}{where}: {reason}") from None
        raise FileError(f"{source}{where}: not valid YAML: {reason}") from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow (a control character)
        at = f", line {text.count(chr(10), 0, error.position) + 1}" if isinstance(error.position, int) else ""
        raise FileError(f"{source}{at}: the character {brief(chr(error.character))} is not allowed in YAML") from None


def load(path: Path) -> object:
    """A whole data file's value, read strictly (``FileError`` naming the file and line otherwise)."""
    root = compose(read(path), shown(path))
    return None if root is None else construct(root)


def construct(node: yaml.Node) -> object:
    """The Python value of a node (what ``yaml.safe_load`` would give for it)."""
    return yaml.SafeLoader("").construct_object(node, deep=True)


def line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def mapping_get(node: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    """The (key node, value node) pair of ``key`` in a mapping node."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return key_node, value_node
    return None


def end(node: yaml.Node) -> int:
    """Where a node's own text ends (a block collection's end mark lies past the comments that follow it)."""
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        return end(last[1] if isinstance(last, tuple) else last)
    return node.end_mark.index


def line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def line_end(text: str, index: int) -> int:
    """The index just past the newline of the line holding ``index`` (its inline comment included)."""
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def scalar(value: str) -> str:
    """``value`` as a YAML scalar that reads back as the same string: plain when it can be, else quoted."""
    try:
        plain = yaml.safe_load(f"k: {value}") == {"k": value} and "#" not in value and value.strip() == value
    except yaml.YAMLError:
        plain = False
    return value if plain and value else json.dumps(value)


def block(mapping: dict[str, str], indent: int) -> str:
    """``key: value`` lines; the first unindented (it goes where the replaced node started)."""
    return f"\n{' ' * indent}".join(f"{key}: {scalar(value)}" for key, value in mapping.items())
