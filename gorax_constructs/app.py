"""Synthesizing the catalog into a staging folder: build, validate, write."""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import cdk8s
from constructs import Construct

from .argocd import ArgoCdApplications
from .catalog import PREVIEWS_FOLDER, Catalog
from .chart import EnvironmentChart
from .gitops import ARGOCD_FOLDER, KUSTOMIZATION, kustomization
from .manifest import ManifestChart, file_name
from .validation import document_errors
from .yaml_format import stringify

MANIFEST_SUFFIX = ".k8s.yaml"


class InvalidOutput(Exception):
    """Synthesized objects fail schema validation; nothing may be promoted."""


def schema_problems(chart: ManifestChart, folder: str) -> list[str]:
    """Every schema error of the chart's objects, each prefixed with the file it goes to.

    The objects are validated in memory, before they are written: parsing the
    written YAML back would cost more than the whole synth (README, "Performance").
    """
    return [
        f"{folder}/{file_name(body)}{MANIFEST_SUFFIX}: {error}"
        for body in chart.to_json()
        for error in document_errors(body)
    ]


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

    def write_chart(self, chart: ManifestChart, folder: str) -> None:
        """What ``App.synth()`` would write for the chart, plus the folder's kustomization.

        The YAML is formatted in Python, byte-identical to cdk8s's (tests/test_yaml_format.py
        compares every file with ``cdk8s.Yaml.stringify``): node's YAML library costs ~40 ms
        per environment, this ~3 ms.
        """
        names = []
        for body in chart.to_json():
            names.append(f"{file_name(body)}{MANIFEST_SUFFIX}")
            self.write(f"{folder}/{names[-1]}", stringify(body))
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


def synth_catalog(catalog: Catalog, outdir: Path) -> list[EnvironmentChart]:
    """Synthesize every environment and the Argo CD Applications into ``outdir``, each folder
    with its kustomization.yaml, and remove whatever else ``outdir`` held.

    Returns the permanent environments' charts. Raises ``InvalidOutput`` when any object
    fails schema validation.
    """
    # The construct tree mirrors the folders: app/<environment>, app/previews/<name>, app/argocd.
    app = cdk8s.App(outdir=str(outdir))
    previews = Construct(app, PREVIEWS_FOLDER)
    output = OutputTree(outdir)
    problems: list[str] = []

    def emit(chart: ManifestChart, folder: str) -> None:
        problems.extend(schema_problems(chart, folder))
        output.write_chart(chart, folder)

    permanent = [EnvironmentChart(app, env) for env in catalog.permanent]
    for chart in permanent:
        emit(chart, chart.env.name)
    for env in catalog.previews:
        emit(EnvironmentChart(previews, env), f"{PREVIEWS_FOLDER}/{env.name}")
    argocd = ManifestChart(app, ARGOCD_FOLDER)
    ArgoCdApplications(argocd, "applications", gitops=catalog.gitops, environments=catalog.permanent)
    emit(argocd, ARGOCD_FOLDER)
    output.finish()
    if problems:
        raise InvalidOutput("\n".join(problems))
    return permanent
