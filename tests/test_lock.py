"""The synth lock's file and the link that `cdk8s synth`'s output folder becomes
(tests/test_end_to_end.py runs two synths at once, and the CLI)."""

import os

from gorax_constructs.lock import SynthLock, show_staging_as


def test_the_lock_file_names_its_holder_while_held(tmp_path):
    lock = SynthLock(tmp_path / "build" / "synth.lock")
    with lock:
        assert lock.path.read_text() == f"{os.getpid()}\n"
    assert lock.path.read_text() == ""


def test_cli_output_becomes_a_link_to_the_staging_folder(tmp_path):
    staging = tmp_path / "build" / "synth"
    (staging / "development").mkdir(parents=True)
    (staging / "development" / "Namespace.gorax-dev.k8s.yaml").write_text("kind: Namespace\n")
    outdir = tmp_path / "build" / "cdk8s-synth"
    (outdir / "old").mkdir(parents=True)  # a real folder, as an older configuration left it
    for _ in range(2):  # and then the link of the previous run
        show_staging_as(outdir, staging)
        assert outdir.is_symlink() and os.readlink(outdir) == "synth"
        assert (outdir / "development" / "Namespace.gorax-dev.k8s.yaml").read_text() == "kind: Namespace\n"
    assert sorted(p.name for p in outdir.parent.iterdir()) == ["cdk8s-synth", "synth"], "no leftovers"


def test_cli_output_that_is_the_staging_folder_is_left_alone(tmp_path):
    staging = tmp_path / "synth"
    staging.mkdir()
    show_staging_as(staging, staging)
    assert staging.is_dir() and not staging.is_symlink()
