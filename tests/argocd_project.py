"""Argo CD's AppProject checks, ported line by line from argo-cd v3.5.1 so the tests can run them on our output.

- ``is_destination_matched``: ``AppProject.isDestinationMatched`` and ``globMatch``
  (pkg/apis/application/v1alpha1/app_project_types.go), with ``util/glob`` (gobwas/glob, no separators).
- ``is_group_kind_name_permitted``: ``AppProject.IsGroupKindNamePermitted`` with ``isResourceInList`` and
  ``isNamedResourceInList`` (pkg/apis/application/v1alpha1/types.go), which use Go's ``filepath.Match``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

Spec = dict[str, Any]


@cache
def _gobwas(pattern: str) -> re.Pattern[str] | None:
    """gobwas/glob without separators: ``*`` any run, ``?`` one character, ``[...]``/``[!...]`` classes,
    ``{a,b}`` alternatives, ``\\`` escapes. None when the pattern does not compile (Match returns false)."""
    out, i, depth = [], 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                return None
            body = pattern[i + 1 : end]
            negated = body.startswith("!")
            body = body[1:] if negated else body
            out.append("[" + ("^" if negated else "") + body.replace("\\", "\\\\") + "]")
            i = end
        elif c == "{":
            out.append("(?:")
            depth += 1
        elif c == "}" and depth:
            out.append(")")
            depth -= 1
        elif c == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.S) if depth == 0 else None


def _glob(pattern: str, value: str) -> bool:
    compiled = _gobwas(pattern)
    return bool(compiled and compiled.fullmatch(value))


def is_deny_pattern(pattern: str) -> bool:
    return pattern.startswith("!")


def glob_match(pattern: str, value: str, allow_negation: bool) -> bool:
    if allow_negation and is_deny_pattern(pattern):
        return not _glob(pattern[1:], value)
    if pattern == "*":
        return True
    return _glob(pattern, value)


def is_destination_matched(destinations: list[dict[str, str]], server: str, name: str, namespace: str) -> bool:
    """``isDestinationMatched``: the destination (a cluster's server and name, a namespace) against the project's."""
    any_destination_matched = False
    for item in destinations:
        item_name, item_server, item_namespace = item.get("name", ""), item.get("server", ""), item.get("namespace", "")
        dst_name_matched = name != "" and glob_match(item_name, name, True)
        dst_server_matched = server != "" and glob_match(item_server, server, True)
        dst_namespace_matched = glob_match(item_namespace, namespace, True)
        matched = (dst_server_matched or dst_name_matched) and dst_namespace_matched
        if matched:
            any_destination_matched = True
        # Go: a || b && c is a || (b && c).
        elif (
            (not dst_name_matched and is_deny_pattern(item_name))
            or (not dst_server_matched and is_deny_pattern(item_server) and dst_namespace_matched)
            or not dst_namespace_matched
            and is_deny_pattern(item_namespace)
            and dst_server_matched
        ):
            return False
    return any_destination_matched


def is_destination_permitted(spec: Spec, server: str, name: str, namespace: str) -> bool:
    """``IsDestinationPermitted`` for a registered cluster (``permitOnlyProjectScopedClusters`` unset)."""
    assert not spec.get("permitOnlyProjectScopedClusters"), "not ported"
    return is_destination_matched(spec.get("destinations") or [], server, name, namespace)


@cache
def _filepath(pattern: str) -> re.Pattern[str] | None:
    """Go's ``filepath.Match`` on a name without ``/``: ``*``, ``?``, ``[...]``/``[^...]``, ``\\`` escapes."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 1
        elif c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                return None  # ErrBadPattern
            body = pattern[i + 1 : end]
            negated = body.startswith("^")
            body = body[1:] if negated else body
            out.append("[" + ("^" if negated else "") + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.S)


def filepath_match(pattern: str, name: str) -> bool:
    compiled = _filepath(pattern)
    return bool(compiled and compiled.fullmatch(name))


def _in_list(group: str, kind: str, items: list[dict[str, str]]) -> bool:
    return any(filepath_match(i["kind"], kind) and filepath_match(i["group"], group) for i in items)


def _named_in_list(group: str, kind: str, name: str, items: list[dict[str, str]]) -> bool:
    for item in items:
        if not filepath_match(item["kind"], kind) or not filepath_match(item["group"], group):
            continue
        if item.get("name", "") == "" or filepath_match(item["name"], name):
            return True
    return False


def is_group_kind_name_permitted(spec: Spec, group: str, kind: str, name: str, namespaced: bool) -> bool:
    """``IsGroupKindNamePermitted``: a nil namespace whitelist allows every namespaced kind, an empty one none."""
    if namespaced:
        white, black = spec.get("namespaceResourceWhitelist"), spec.get("namespaceResourceBlacklist") or []
        whitelisted = white is None or (len(white) != 0 and _in_list(group, kind, white))
        return whitelisted and not (black and _in_list(group, kind, black))
    white, black = spec.get("clusterResourceWhitelist") or [], spec.get("clusterResourceBlacklist") or []
    whitelisted = len(white) != 0 and _named_in_list(group, kind, name, white)
    return whitelisted and not (black and _named_in_list(group, kind, name, black))
