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
    import gorax_constructs
    from gorax_constructs import parts

    assert set(gorax_constructs._PARTS) == set(parts.__all__), "the lazy re-exports name every construct"


LAYERS = {"configuration": 0, "environments": 1, "parts": 2, "extensions": 3, "pipeline": 4}


def runtime_imports() -> dict[str, set[str]]:
    """Each gorax_constructs module's imports of other gorax_constructs modules (not under TYPE_CHECKING)."""
    import ast

    package = REPO / "gorax_constructs"
    graph: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        tree = ast.parse(path.read_text())
        typing_only = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)
        }
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and id(node) not in typing_only and node.level:
                base = module.split(".") if parts[-1] == "__init__" else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
                found.add(target)
        graph[module] = {t for t in found if t != module}
    return graph


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_imports_go_one_way_and_have_no_cycles():
    graph = runtime_imports()
    upward = [
        f"{m} -> {t}"
        for m, targets in graph.items()
        for t in targets
        if layer(m) is not None and layer(t) is not None and layer(t) > layer(m)
    ]
    assert upward == []
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in visiting, " -> ".join((*path, module))
        if module in done:
            return
        visiting.add(module)
        for target in graph.get(module, ()):
            visit(target, (*path, module))
        visiting.discard(module)
        done.add(module)

    for module in graph:
        visit(module, ())


def test_type_checkers_see_every_construct_with_its_real_type():
    """The constructs load lazily at run time; under TYPE_CHECKING the package imports each one, so a type
    checker sees ``EnvironmentChart`` as the class, not ``Any``."""
    import ast

    import gorax_constructs
    from gorax_constructs import parts

    module = ast.parse((REPO / "gorax_constructs" / "__init__.py").read_text())
    checked = {
        alias.asname or alias.name
        for statement in module.body
        if isinstance(statement, ast.If) and getattr(statement.test, "id", "") == "TYPE_CHECKING"
        for node in statement.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert checked == set(gorax_constructs._PARTS) == set(parts.__all__)
    for name in parts.__all__:
        assert getattr(gorax_constructs, name) is getattr(parts, name)


def test_every_settings_type_is_exported_from_the_package():
    """A user writes any setting with the package's names alone (docs/common-tasks.md, "Switching an option"):
    every section type reachable from EnvironmentConfig, each option of a union included."""
    import gorax_constructs
    from gorax_constructs import configuration
    from gorax_constructs.configuration.fieldtypes import sections
    from gorax_constructs.configuration.model import EnvironmentConfig

    types = {cls.__name__ for _, cls in sections(EnvironmentConfig)}
    assert {"SealedSecrets", "CsiSecretStore", "AwsIrsa", "QueueDepth"} <= types, "sections() reaches the options"
    assert types - set(configuration.__all__) == set()
    assert set(configuration.__all__) <= set(gorax_constructs.__all__)
