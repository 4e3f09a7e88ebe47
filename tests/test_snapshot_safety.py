"""`make snapshots` (pytest --snapshot-update) after a failing run deletes nothing: syrupy deletes every snapshot
no test asserted, and after an error that is every snapshot whose test did not get that far."""

from types import SimpleNamespace

import pytest

from . import conftest


def session(update: bool, failed: int, exitstatus: int = 0) -> SimpleNamespace:
    option = SimpleNamespace(update_snapshots=update, no_cleanup=False)
    return SimpleNamespace(config=SimpleNamespace(option=option), testsfailed=failed), exitstatus


@pytest.mark.parametrize(
    "update,failed,exitstatus,kept",
    [
        (True, 1, 1, True),  # a failing update keeps every snapshot
        (True, 0, 2, True),  # interrupted, or a collection error
        (True, 0, 0, False),  # a green update may remove the snapshots of tests that are gone
        (False, 3, 1, False),  # without --snapshot-update nothing is deleted anyway
    ],
)
def test_cleanup_only_after_a_green_update(update, failed, exitstatus, kept):
    fake, status = session(update, failed, exitstatus)
    conftest.pytest_sessionfinish(fake, status)
    assert fake.config.option.no_cleanup is kept


def test_the_hook_runs_before_syrupys():
    """syrupy removes unused snapshots in its own pytest_sessionfinish: ours must set the option first."""
    assert conftest.pytest_sessionfinish.pytest_impl["tryfirst"] is True
