"""Charts and constructs whose Kubernetes objects may be plain Python dicts, and whose output is
everything in their construct tree.

Most of a cdk8s synth's time is synchronous Python-to-node round trips
(docs/performance.md). An ``ApiObject`` costs one to
create, one per JSON patch and one more when node asks Python for its body.
So the Gorax parts (``ChartPart``) are real ``constructs.Construct``s -- in the
tree, with ids that name them, usable in any cdk8s ``Chart`` -- but inside a
``ManifestChart`` they hand it plain-dict bodies (the fast path) instead of
creating an ``ApiObject`` each. Anything else in the chart's tree -- a plain
``ApiObject``, ``Include``, cdk8s-plus-27 constructs, classes from ``imports/``
-- is collected by ``ManifestChart.to_json`` too, so nothing added to a chart is
ever dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import cdk8s
from constructs import Construct, IValidation, Node
from jsii._reference_map import _refs as jsii_references

from ..configuration.syncwaves import with_sync_wave

Body = dict[str, Any]


def file_name(body: Body) -> str:
    """The file cdk8s writes the object to (``<Kind>.<name>``, as ``App.synth`` derives it)."""
    return re.sub(r"[^0-9a-zA-Z-_.]", "", f"{body['kind']}.{body['metadata']['name']}")


def object_id(body: Body) -> str:
    """A construct id for the object: ``<Kind>.<name>`` is unique in a namespace (no ``/`` in either)."""
    return f"{body['kind']}.{body['metadata']['name']}"


class DuplicateObject(ValueError):
    """Two constructs of one chart emit an object of the same kind and name."""


class UnknownObject(KeyError):
    """A patch names an object that the chart does not emit."""


class ManifestChart(cdk8s.Chart):
    """A chart whose output is its plain-dict bodies plus every ``ApiObject`` in its construct tree.

    Props (besides cdk8s's ``Chart`` ones):
        namespace: given to every ``ApiObject`` in the tree that names none (cdk8s's own rule);
            default: none.
        labels: added to every ``ApiObject`` in the tree (cdk8s's own rule); default: none.

    Every object gets its kind's Argo CD sync wave. Two objects of the same
    kind and name are an error naming both construct paths, rather than one
    silently overwriting the other's file. ``patch`` is the escape hatch: JSON
    patches applied to one object of the chart, whatever built it, before validation.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        namespace: str | None = None,
        labels: dict[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id, disable_resource_name_hashes=True, namespace=namespace, labels=labels)
        # Known without a round trip to node: the chart ids of this project are its folders.
        self.path = id if isinstance(scope, cdk8s.App) else f"{_path(scope)}/{id}"
        self._bodies: dict[tuple[str, str], tuple[Body, str]] = {}
        self._patches: dict[tuple[str, str], list[cdk8s.JsonPatch]] = {}

    @property
    def chart(self) -> ManifestChart:
        return self

    def add_manifest(self, body: Body, *, by: str) -> None:
        """Add a plain-dict object, emitted by the construct at path ``by``."""
        key = (body["kind"], body["metadata"]["name"])
        if key in self._bodies:
            raise DuplicateObject(_duplicate(key, self._bodies[key][1], by))
        self._bodies[key] = (with_sync_wave(body), by)

    def patch(self, kind: str, name: str, *patches: cdk8s.JsonPatch) -> None:
        """Apply JSON patches to the chart's object ``kind``/``name`` when the chart is synthesized.

        Works for every object of the chart, plain-dict or ``ApiObject``; applied
        before schema validation, so a patch that breaks the object fails the synth.
        """
        self._patches.setdefault((kind, name), []).extend(patches)

    def objects(self, tree: list[Construct] | None = None) -> Iterator[tuple[Body, str]]:
        """Every object of the chart with the path of the construct that emitted it.

        The plain-dict bodies in the order they were added, then the ``ApiObject``s
        of the construct tree in tree order (those of nested charts belong to them).
        """
        yield from self._bodies.values()
        yield from self._api_objects(self.node.find_all() if tree is None else tree)

    def to_json(self) -> list[Any]:
        """The chart's objects, patched; what ``App.synth()``, ``Testing.synth`` and ``make synth`` write."""
        return self._patched(self.objects())

    def synthesize(self) -> tuple[list[Body], list[str]]:
        """``to_json()`` and the errors of the tree's ``node.add_validation`` validations, from one walk
        of the tree (``App.synth`` runs the same validations)."""
        node = self.node
        tree = node.find_all()  # one round trip for the whole tree
        return self._patched(self.objects(tree)), self._validation_errors(tree, node)

    def _patched(self, objects: Iterator[tuple[Body, str]]) -> list[Body]:
        seen: dict[tuple[str, str], str] = {}
        out = []
        for body, path in objects:
            key = (body["kind"], body["metadata"]["name"])
            if key in seen:
                raise DuplicateObject(_duplicate(key, seen[key], path))
            seen[key] = path
            patches = self._patches.get(key)
            out.append(cdk8s.JsonPatch.apply(body, *patches) if patches else body)
        missing = sorted(set(self._patches) - set(seen))
        if missing:
            kind, name = missing[0]
            raise UnknownObject(f"chart {self.path}: patch for {kind} {name}, which the chart does not emit")
        return out

    def _api_objects(self, tree: list[Construct]) -> Iterator[tuple[Body, str]]:
        nested: list[str] = []
        for construct in tree:
            if construct is self or isinstance(construct, ChartPart):  # ours: known without a round trip
                continue
            if isinstance(construct, cdk8s.Chart):
                nested.append(construct.node.path + "/")
            elif isinstance(construct, cdk8s.ApiObject):
                path = construct.node.path
                if not any(path.startswith(prefix) for prefix in nested):
                    yield with_sync_wave(construct.to_json()), path

    def _validation_errors(self, tree: list[Construct], node: Node) -> list[str]:
        # Asking a node costs two round trips. Our parts add no validations of their own, so a part's
        # validations can only be Python objects handed to node: when there are none (the usual
        # case), the parts are skipped, ~6 ms of a ~12 ms environment saved.
        parts_too = _python_validations_exist()
        nodes = [node if c is self else c.node for c in tree if parts_too or not isinstance(c, ChartPart)]
        return [f"{n.path}: {error}" for n in nodes for error in n.validate()]


class ChartPart(Construct):
    """One concern of an environment (the API, the edge, ...): a construct that emits Kubernetes objects.

    Inside a ``ManifestChart`` (or a part in one) it adds plain-dict bodies to
    that chart, one round trip for the whole chart. In any other scope -- an
    ordinary ``cdk8s.Chart`` -- each object becomes an ``ApiObject`` child of
    the part, so ``ApiObject.of``, ``add_json_patch`` and ``Testing.synth`` work
    as in any cdk8s library.
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.path = f"{_path(scope)}/{id}"
        self.chart: ManifestChart | None = scope.chart if isinstance(scope, ManifestChart | ChartPart) else None

    def add_manifest(self, body: Body) -> None:
        if self.chart is not None:
            self.chart.add_manifest(body, by=self.path)
            return
        body = with_sync_wave(body)
        top = {k: v for k, v in body.items() if k not in ("apiVersion", "kind", "metadata")}
        api_object = cdk8s.ApiObject(
            self, object_id(body), api_version=body["apiVersion"], kind=body["kind"], metadata=body["metadata"]
        )
        for key, value in top.items():
            api_object.add_json_patch(cdk8s.JsonPatch.add(f"/{key}", value))


def _python_validations_exist() -> bool:
    """Whether any Python ``IValidation`` was ever handed to node (jsii keeps every such object)."""
    return any(IValidation in getattr(type(o), "__jsii_ifaces__", ()) for o in list(jsii_references._refs.values()))


def _path(scope: Construct) -> str:
    path = getattr(scope, "path", None)
    return path if isinstance(path, str) else scope.node.path


def _duplicate(key: tuple[str, str], first: str, second: str) -> str:
    return f"two objects {key[0]} {key[1]}: one from {first}, one from {second}"
