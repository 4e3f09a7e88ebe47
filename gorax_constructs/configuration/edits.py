"""The edits ``bin/gorax`` makes to ``previews.yaml`` and ``images.yaml``, as text in, text out.

Each edit touches only the characters of the entry it adds, removes or changes
(see ``datafile``): comments, order, quoting and blank lines elsewhere stay as
they were. A list or mapping written in flow style (``[...]``, ``{...}``) is
rewritten as a whole, since its items share lines.
"""

from __future__ import annotations

from collections.abc import Mapping

import yaml

from .datafile import block, compose, construct, end, line_end, line_start, mapping_get, scalar
from .errors import FileError

PREVIEWS_KEY = "previews"


def _item(entry: Mapping[str, str], indent: int) -> str:
    """One block-sequence item: ``- name: x`` and its other keys aligned under ``name``."""
    return f"{' ' * indent}- {block(dict(entry), indent + 2)}\n"


def _append(text: str, addition: str) -> str:
    return text + ("\n" if text and not text.endswith("\n") else "") + addition


def add_preview(text: str, source: str, entry: Mapping[str, str]) -> str:
    """``text`` with ``entry`` appended to its ``previews`` list (created if absent or empty)."""
    root = compose(text, source)
    pair = mapping_get(root, PREVIEWS_KEY) if root is not None else None
    if pair is None:
        return _append(text, f"{PREVIEWS_KEY}:\n{_item(entry, 2)}")
    key, entries = pair
    if isinstance(entries, yaml.SequenceNode) and not entries.flow_style and entries.value:
        at = line_end(text, end(entries))
        prefix = "" if text[:at].endswith("\n") else "\n"
        return text[:at] + prefix + _item(entry, entries.start_mark.column) + text[at:]
    listed = construct(entries) if isinstance(entries, yaml.SequenceNode) else []
    return _rewrite_list(text, key, entries, [*listed, dict(entry)])


def _rewrite_list(text: str, key: yaml.Node, entries: yaml.Node, items: list[dict[str, str]]) -> str:
    """Replace a flow-style or empty ``previews`` value (up to the end of its last line) by a block list,
    or by ``[]`` when no item is left."""
    stop = line_end(text, max(end(entries), key.end_mark.index))
    rendered = ":\n" + "".join(_item(item, 2) for item in items) if items else ": []\n"
    return text[: key.end_mark.index] + rendered + text[stop:]


def remove_preview(text: str, source: str, name: str) -> str:
    """``text`` without the ``previews`` entry named ``name``, and without the comment lines just above it."""
    root = compose(text, source)
    pair = mapping_get(root, PREVIEWS_KEY) if root is not None else None
    entries = pair[1] if pair else None
    items = entries.value if isinstance(entries, yaml.SequenceNode) else []
    names = [construct(found[1]) if (found := mapping_get(item, "name")) else None for item in items]
    if name not in names:
        raise FileError(f"{source}: no preview named '{name}'")
    index = names.index(name)
    assert pair is not None and isinstance(entries, yaml.SequenceNode)
    if entries.flow_style or len(items) == 1:  # the last one goes: "no previews" is written out, []
        kept = [construct(item) for i, item in enumerate(items) if i != index]
        return _rewrite_list(text, pair[0], entries, kept)
    start = line_start(text, items[index].start_mark.index)
    floor = line_end(text, end(items[index - 1])) if index else line_end(text, pair[0].end_mark.index)
    while start > floor:
        above = line_start(text, start - 1)
        content = text[above:start]
        if not content.lstrip().startswith("#") or len(content) - len(content.lstrip()) < entries.start_mark.column:
            break
        start = above
    return text[:start] + text[line_end(text, end(items[index])) :]


def set_image(text: str, source: str, environment: str, changes: Mapping[str, Mapping[str, str]]) -> str:
    """``text`` with the images of ``environment`` replaced, per component in ``changes`` (``{tag?, digest?}``).

    An environment the file does not list yet is appended, and then needs every component.
    """
    from .images import COMPONENTS

    root = compose(text, source)
    pair = mapping_get(root, environment) if root is not None else None
    if pair is None:
        missing = [component for component in COMPONENTS if component not in changes]
        if missing:
            raise FileError(f"{source}: '{environment}' has no images yet: give the {' and '.join(missing)} image too")
        lines = [f"{environment}:\n"]
        for component in COMPONENTS:
            lines.append(f"  {component}:\n")
            lines += [f"    {key}: {scalar(value)}\n" for key, value in changes[component].items()]
        return _append(text, "".join(lines))
    for component, image in changes.items():
        components = mapping_get(compose(text, source), environment)
        assert components is not None
        found = mapping_get(components[1], component)
        if found is None:
            raise FileError(f"{source}, line {components[0].start_mark.line + 1}: '{environment}' has no {component}")
        value = found[1]
        if isinstance(value, yaml.MappingNode) and not value.flow_style and value.value:
            rendered = block(dict(image), value.start_mark.column)
        else:
            rendered = "{" + ", ".join(f"{key}: {scalar(v)}" for key, v in image.items()) + "}"
        text = text[: value.start_mark.index] + rendered + text[end(value) :]
    return text
