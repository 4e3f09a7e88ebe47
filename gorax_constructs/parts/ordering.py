"""The order of a chart's objects: Argo CD's apply order, then ``node.dependencies``, then construct order.

This is the order of ``to_json()``, of ``Testing.synth`` and of the stream ``cdk8s synth --stdout``
prints, which ``kubectl apply -f -`` applies top to bottom: each namespace before what lives in it.
"""

from __future__ import annotations

import heapq
from typing import Any

from ..configuration.syncwaves import SYNC_WAVE, apply_key

Body = dict[str, Any]


class OrderError(ValueError):
    """A dependency the apply order contradicts, or a cycle of dependencies."""


def in_apply_order(objects: list[tuple[Body, str]], dependencies: list[tuple[str, str]]) -> list[Body]:
    """The bodies, given with the path of the construct that emitted each, sorted by Argo CD's apply
    order (hook phase, sync wave, kind); within one phase, wave and kind, an object comes after those
    it depends on, then in construct order. ``dependencies``: (dependent, dependency) construct paths,
    as ``node.add_dependency`` recorded them; a construct stands for every object under it (cdk8s's
    ``resolveDependencies``, lib/app.js). A dependency the apply order contradicts is an error."""
    keys = [apply_key(body) for body, _ in objects]
    after = _edges(objects, dependencies)
    base = _topological(objects, after)
    order = sorted(base, key=lambda i: keys[i])  # stable: dependencies, then construct order
    order = _namespaces_first(order, objects)
    position = {index: at for at, index in enumerate(order)}
    for index, dependencies_of in after.items():
        for dependency in dependencies_of:
            if position[dependency] > position[index]:
                raise OrderError(
                    f"{_name(objects, index)} depends on {_name(objects, dependency)}, which is applied after it "
                    f"({_where(objects[index][0])} before {_where(objects[dependency][0])}): give it a later "
                    f"{SYNC_WAVE}, or remove the dependency"
                )
    return [objects[i][0] for i in order]


def _edges(objects: list[tuple[Body, str]], dependencies: list[tuple[str, str]]) -> dict[int, set[int]]:
    def under(path: str) -> list[int]:
        return [i for i, (_, emitter) in enumerate(objects) if emitter == path or emitter.startswith(path + "/")]

    after: dict[int, set[int]] = {}
    for dependent, dependency in dependencies:
        targets = under(dependency)
        for index in under(dependent):
            after.setdefault(index, set()).update(t for t in targets if t != index)
    return after


def _topological(objects: list[tuple[Body, str]], after: dict[int, set[int]]) -> list[int]:
    """Kahn's algorithm, the smallest construct-order index first among those ready."""
    waiting = {index: set(dependencies) for index, dependencies in after.items() if dependencies}
    dependents: dict[int, list[int]] = {}
    for index, dependencies in waiting.items():
        for dependency in dependencies:
            dependents.setdefault(dependency, []).append(index)
    ready = [i for i in range(len(objects)) if i not in waiting]
    heapq.heapify(ready)
    order = []
    while ready:
        index = heapq.heappop(ready)
        order.append(index)
        for dependent in dependents.get(index, ()):
            waiting[dependent].discard(index)
            if not waiting[dependent]:
                del waiting[dependent]
                heapq.heappush(ready, dependent)
    if waiting:
        cycle = ", ".join(_name(objects, i) for i in sorted(waiting))
        raise OrderError(f"a cycle of node.add_dependency among {cycle}")
    return order


def _namespaces_first(order: list[int], objects: list[tuple[Body, str]]) -> list[int]:
    """Each Namespace moved before the first object in it, as Argo CD does whatever their waves
    (``syncTasks.adjustDeps``, gitops-engine/pkg/sync/sync_tasks.go, argo-cd v3.5.1)."""
    namespaces = {
        objects[i][0]["metadata"]["name"]: i
        for i in order
        if objects[i][0]["kind"] == "Namespace" and objects[i][0]["apiVersion"] == "v1"
    }
    if not namespaces:
        return order
    out: list[int] = []
    placed: set[int] = set()
    for index in order:
        namespace = namespaces.get(objects[index][0]["metadata"].get("namespace"))
        for next_ in (namespace, index):
            if next_ is not None and next_ not in placed:
                placed.add(next_)
                out.append(next_)
    return out


def _name(objects: list[tuple[Body, str]], index: int) -> str:
    body, path = objects[index]
    return f"{body['kind']} {body['metadata']['name']} ({path})"


def _where(body: Body) -> str:
    phase, wave, _ = apply_key(body)
    return f"{body['kind']} in wave {wave}" + (f", hook phase {phase}" if phase else "")
