"""Small, single-purpose modules: none in the package grows past what a reader holds in mind at once."""

from .conftest import REPO

PACKAGE = REPO / "gorax_constructs"
MOST_LINES = 400
"""Past this, split the module by concern (the developers' guide)."""


def test_no_module_is_over_the_limit():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert modules, f"no modules under {PACKAGE}"
    sizes = {path.relative_to(PACKAGE.parent): len(path.read_text().splitlines()) for path in modules}
    assert {path: lines for path, lines in sizes.items() if lines > MOST_LINES} == {}
