"""The YAML data files pipelines edit (``previews.yaml``, ``images.yaml``): read with line numbers
and changed in place (``bin/gorax`` writes the result atomically).

An edit replaces or inserts the exact characters of the entries it changes,
located by PyYAML's node marks, and leaves every other byte of the file as it
was: comments, order, quoting and blank lines. (A round-trip library such as
ruamel.yaml was tried and rejected: removing a list entry with it moved or
dropped the comments next to it, because it attaches a comment to the node
before it.) Only what the commands write has to be rendered, and that is plain
block YAML.
"""

from __future__ import annotations

import json

import yaml

from .errors import FileError


def compose(text: str, source: str) -> yaml.Node | None:
    """The YAML node tree of ``text`` (with positions); a syntax error names the file, line and column."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FileError(f"{source}{where}: not valid YAML: {error.problem or error.context}") from None


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
