"""Synthesizing the catalog into a staging folder: build the charts, collect and validate their
objects in memory, write them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cdk8s
from constructs import Construct

from ..configuration.model import EnvironmentConfig
from ..extensions import EXTENSIONS, Extension
from ..parts.argocd import ARGOCD_CM_PATCH, ArgoCdApplications, Kind, argocd_cm_patch, group_kind
from ..parts.chart import EnvironmentChart
from ..parts.manifest import DuplicateObject, ManifestChart, UnknownObject, file_name
from . import policies
from .apivalues import problems as api_values
from .catalog import PREVIEWS_FOLDER, Catalog
from .kustomize import ARGOCD_FOLDER, KUSTOMIZATION, kustomization
from .validation import document_errors
from .yaml_format import stringify

MANIFEST_SUFFIX = ".k8s.yaml"
Body = dict[str, Any]


class InvalidOutput(Exception):
    """Synthesized objects fail validation or a policy; nothing may be promoted."""


@dataclass(frozen=True)
class ChartOutput:
    """One chart's objects as written to its folder; ``env`` is None for the Argo CD folder."""

    folder: str
    objects: list[Body]
    env: EnvironmentConfig | None = None


def chart_problems(chart: ManifestChart, folder: str, env: EnvironmentConfig | None) -> tuple[list[Body], list[str]]:
    """The chart's objects and everything wrong with them, each problem naming its file (or construct).

    The objects are validated in memory, before they are written: parsing the
    written YAML back would cost more than the whole synth (docs/performance.md).
    """
    try:
        objects, errors = chart.synthesize()
    except (DuplicateObject, UnknownObject) as error:
        return [], [f"{folder}: {error.args[0]}"]
    problems = [f"{folder}: {error}" for error in errors]
    problems += [
        f"{folder}/{file_name(body)}{MANIFEST_SUFFIX}: {error}" for body in objects for error in document_errors(body)
    ]
    if not problems:  # the schema holds, so each object has the shape the API-value rules read
        problems += [
            f"{folder}/{file_name(body)}{MANIFEST_SUFFIX}: {error}" for body in objects for error in api_values(body)
        ]
    if env is not None and not problems:
        problems += [f"{folder}: {problem}" for problem in policies.problems(env, objects)]
    return objects, problems


class OutputTree:
    """The staging folder, rewritten file by file: after ``finish()`` it holds exactly what was written.

    An unchanged file is left alone. Measured here, creating a file is the
    slowest step of a synth (0.05-0.8 ms each, 2,200 files for 100 previews),
    so a synth that changes one preview creates ~22 files, and the writes run
    on a few threads: they wait on the disk, not on the CPU (a cold 100-preview
    synth went from 3.4-4.1 s to 3.1-3.2 s in two interleaved A/Bs). A changed file is
    replaced by a new one, never rewritten in place: ``dist/`` hard-links the
    staging files (see ``promote``).
    """

    WRITERS = 4

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: set[Path] = set()
        self._writers = ThreadPoolExecutor(max_workers=self.WRITERS, thread_name_prefix="output")
        self._pending: list[Future[None]] = []

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        self.written.add(path)
        self._pending.append(self._writers.submit(_store, path, text.encode()))

    def write_objects(self, objects: list[Body], folder: str, *, export: bool = False) -> None:
        """One file per object, named as ``App.synth()`` names them, plus the folder's kustomization.

        ``export``: manifests only, each file a document that starts with ``---``, so the
        files concatenated (what ``cdk8s synth --stdout`` prints) are one valid YAML stream.
        The YAML is written in Python (``yaml_format``): node's YAML library costs ~40 ms
        per environment, this ~2 ms.
        """
        names = []
        for body in objects:
            names.append(f"{file_name(body)}{MANIFEST_SUFFIX}")
            self.write(f"{folder}/{names[-1]}", ("---\n" if export else "") + stringify(body))
        if not export:
            self.write(f"{folder}/{KUSTOMIZATION}", kustomization(names))

    def finish(self) -> None:
        """Wait for the writes (re-raising the first failure), then delete everything under the root
        that this synth did not write."""
        self._writers.shutdown()
        for write in self._pending:
            write.result()
        for directory, folders, files in os.walk(self.root, topdown=False):
            for name in files:
                if (path := Path(directory, name)) not in self.written:
                    path.unlink()
            for name in folders:
                if not any(Path(directory, name).iterdir()):
                    Path(directory, name).rmdir()


def _store(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless it already holds exactly that; a changed file becomes a new inode."""
    try:
        if path.read_bytes() == data:
            return
        path.unlink()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


class Folder(Construct):
    """A construct that groups charts, as the output folders group them (``previews/``).

    Its ``path`` is known in Python: each preview chart asks for its scope's path, which
    would otherwise cost two round trips to node per preview.
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.path = id


def synth_catalog(
    catalog: Catalog,
    outdir: Path,
    extensions: Mapping[str, tuple[Extension, ...]] = EXTENSIONS,
    *,
    export: bool = False,
) -> list[ChartOutput]:
    """Synthesize every environment and the Argo CD Applications into ``outdir``, each folder
    with its kustomization.yaml (manifests only with ``export``), and remove whatever else
    ``outdir`` held.

    ``extensions`` are called with the chart of the environment they are registered for.
    Returns every folder's objects, permanent environments first. Raises ``InvalidOutput``
    when any object fails validation or a policy.
    """
    unknown = sorted(set(extensions) - {env.name for env in (*catalog.permanent, *catalog.previews)})
    if unknown:
        raise InvalidOutput(f"extensions for environments that are not configured: {', '.join(unknown)}")
    # The construct tree mirrors the folders: app/<environment>, app/previews/<name>, app/argocd.
    app = cdk8s.App(outdir=str(outdir))
    previews = Folder(app, PREVIEWS_FOLDER)
    output = OutputTree(outdir)
    outputs: list[ChartOutput] = []
    problems: list[str] = []

    def emit(chart: ManifestChart, folder: str, env: EnvironmentConfig | None) -> None:
        if env is not None:
            for extend in extensions.get(env.name, ()):
                extend(chart)
        objects, chart_problems_ = chart_problems(chart, folder, env)
        problems.extend(chart_problems_)
        output.write_objects(objects, folder, export=export)
        outputs.append(ChartOutput(folder, objects, env))

    for env in catalog.permanent:
        emit(EnvironmentChart(app, env), env.name, env)
    for env in catalog.previews:
        emit(EnvironmentChart(previews, env), f"{PREVIEWS_FOLDER}/{env.name}", env)
    # Each AppProject allows exactly the kinds its environments emit; the previews' project also those of a
    # preview built in an App of its own and never written, so the kinds are right before the first preview.
    probe = EnvironmentChart(cdk8s.App(), catalog.preview_probe())
    kinds: dict[str, set[Kind]] = {catalog.preview_target.project: {group_kind(body) for body in probe.to_json()}}
    for chart_output in outputs:
        if chart_output.env is not None:
            project = kinds.setdefault(chart_output.env.argocd.project, set())
            project.update(group_kind(body) for body in chart_output.objects)
    argocd = ManifestChart(app, ARGOCD_FOLDER)
    ArgoCdApplications(
        argocd,
        "applications",
        gitops=catalog.gitops,
        environments=catalog.permanent,
        previews=catalog.preview_target,
        kinds=kinds,
    )
    emit(argocd, ARGOCD_FOLDER, None)
    if not export:
        output.write(f"{ARGOCD_FOLDER}/{ARGOCD_CM_PATCH}", argocd_cm_patch(catalog.gitops))
    output.finish()
    if problems:
        raise InvalidOutput("\n".join(problems))
    return outputs
