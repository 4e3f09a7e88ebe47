"""One normalisation for every object a chart outputs, whichever path built it.

A part's body reaches the output by one of two paths: inside a ``ManifestChart`` as a plain dict (the
fast path: no round trip to node per object), anywhere else as a ``cdk8s.ApiObject``, whose ``toJson``
cleans it up in node. ``normalise`` is that clean-up, in Python, and both paths go through it, so a
part's output is the same text in any chart (``tests/test_normalisation.py`` compares the YAML).
"""

from __future__ import annotations

from typing import Any

Body = dict[str, Any]
_HEAD = ("apiVersion", "kind", "metadata")


def normalise(body: Body) -> Body:
    """The body as cdk8s's ``ApiObject.toJson`` returns it (cdk8s 2.70 ``lib/api-object.js``,
    ``lib/metadata.js``, ``lib/_util.js`` ``sanitizeValue``): ``apiVersion``, ``kind`` and ``metadata``
    first; in ``metadata`` no null values and no empty maps or lists, keys sorted at every level; every
    number as JSON carries it through node (``1.0`` is ``1``); tuples as lists. Changes ``body`` in place
    below its top level."""
    out: Body = {}
    for key in ("apiVersion", "kind"):
        if body.get(key) is not None:
            out[key] = body[key]
    metadata = _sanitized(body.get("metadata"))
    if metadata is not None:
        out["metadata"] = metadata
    for key, value in body.items():
        if key not in _HEAD:
            out[key] = _as_json(value)
    return out


def _as_json(value: Any) -> Any:
    """``value`` as after a round trip through JSON in node: integral floats become ints, tuples lists.
    Containers are changed in place, without recursion (most bodies hold no float at all)."""
    value = _scalar(value)
    stack = [value] if type(value) in (dict, list) else []
    while stack:
        container = stack.pop()
        items = container.items() if type(container) is dict else enumerate(container)
        for key, item in items:
            kind = type(item)
            if kind is dict or kind is list:
                stack.append(item)
            elif kind is float or kind is tuple:
                container[key] = item = _scalar(item)
                if type(item) is list:
                    stack.append(item)
    return value


def _scalar(value: Any) -> Any:
    if type(value) is float and value.is_integer() and abs(value) < 1e21:  # JavaScript prints 1e21 as a float
        return int(value)
    if type(value) is tuple:
        return list(value)
    return value


def _sanitized(value: Any) -> Any:
    """cdk8s's ``sanitizeValue`` with empty maps and lists filtered and keys sorted; None where it drops."""
    if value is None:
        return None
    if isinstance(value, dict):
        out = {}
        for key in sorted(value):
            item = _sanitized(value[key])
            if item is not None:
                out[key] = item
        return out or None
    if isinstance(value, list | tuple):
        return [_sanitized(item) for item in value] or None
    return _scalar(value)
