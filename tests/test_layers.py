"""The layers import one way: configuration never imports cdk8s, and the public names stay importable."""

import subprocess
import sys

from .conftest import REPO

NO_CDK8S = (
    "import sys; {imports}; sys.exit(str(sorted(m for m in sys.modules if m.split('.')[0] in ('cdk8s', 'jsii'))))"
)


def imports_cdk8s(imports: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", NO_CDK8S.format(imports=imports)], cwd=REPO, capture_output=True, text=True
    )


def test_loading_environments_and_previews_imports_no_cdk8s():
    run = imports_cdk8s(
        "from gorax_constructs.environments import ENVIRONMENTS; "
        "from gorax_constructs.pipeline.catalog import load_catalog; load_catalog(); "
        "from gorax_constructs import EnvironmentConfig, ExternalSecrets"
    )
    assert run.stderr == "[]\n"


def test_rendering_the_docs_imports_no_cdk8s():
    """envdoc reads synthesized objects only: rendering must not pay for node."""
    assert imports_cdk8s("import gorax_constructs.pipeline.envdoc").stderr == "[]\n"


def test_public_names_import():
    from gorax_constructs import (  # noqa: F401
        ApiService,
        Edge,
        EnvironmentChart,
        EnvironmentConfig,
        MigrationJob,
        NetworkPolicies,
        Observability,
        WorkerPool,
    )
    from gorax_constructs.environments import ENVIRONMENTS

    assert ENVIRONMENTS
