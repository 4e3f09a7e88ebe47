"""Building the cdk8s App from a list of environments."""

from __future__ import annotations

from collections.abc import Iterable

import cdk8s

from .chart import EnvironmentChart
from .config import EnvironmentConfig

OUTPUT_TYPE = cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE


def build_app(environments: Iterable[EnvironmentConfig], outdir: str) -> cdk8s.App:
    """One chart per environment, written as ``<outdir>/<environment>/<Kind>.<name>.k8s.yaml``.

    ``FOLDER_PER_CHART_FILE_PER_RESOURCE`` keeps same-named objects of
    different environments apart (``FILE_PER_RESOURCE`` would overwrite them).
    """
    app = cdk8s.App(outdir=outdir, yaml_output_type=OUTPUT_TYPE)
    for env in environments:
        EnvironmentChart(app, env)
    return app
