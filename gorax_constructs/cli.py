"""``bin/gorax``: the command line for people and pipelines.

    bin/gorax previews add NAME --owner O --expires YYYY-MM-DD [--api-tag T] [--worker-tag T]
    bin/gorax previews remove NAME
    bin/gorax previews prune [--today YYYY-MM-DD]
    bin/gorax previews list
    bin/gorax image set ENV [--tag T] [--digest D]   (the one release image, for the API and the workers)
    bin/gorax image set ENV [--api-tag T] [--api-digest D] [--worker-tag T] [--worker-digest D]
    bin/gorax synth
    bin/gorax diff [ENV] [--patch]

A command that edits a file validates the edit as a synth would before it
replaces the file (``commands/datafiles.py``). None of them touches ``dist/``
except ``synth``, which is ``make synth``; every command first finishes or rolls
back a promotion of ``dist/`` a killed synth left half done
(``promote.recover``). Bad input: one message on stderr, exit 1.

Imports are deferred to the command that needs them: ``--help`` imports
nothing of the project, and only ``synth`` and ``diff`` start cdk8s (the
previews and image commands stay fast enough for a pipeline's every step; timings in docs/performance.md).
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Callable
from typing import NoReturn

from .commands import BUILD, DIST, ENVIRONMENTS_DOC, UsageError
from .commands.datafiles import image_set, previews_add, previews_list, previews_prune, previews_remove
from .commands.dist import diff, synth
from .configuration.errors import ConfigError, brief


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """argparse exits with status 2; every bad input here exits with 1."""
        self.print_usage(sys.stderr)
        self.exit(1, f"gorax: {message}\n")


def iso_date(value: str) -> datetime.date:
    from .configuration.previews import is_date

    if not is_date(value):
        raise argparse.ArgumentTypeError(f"{brief(value)} is not a date written YYYY-MM-DD, such as 2026-12-31")
    return datetime.date.fromisoformat(value)


def parser() -> Parser:
    top = Parser(prog="bin/gorax", description="Change previews and images, synthesize and diff dist/.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    previews = commands.add_parser("previews", help="list, add, remove or prune preview environments")
    what = previews.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = what.add_parser("list", help="the previews in previews.yaml")
    listing.set_defaults(run=previews_list)
    add = what.add_parser("add", help="add a preview to previews.yaml (validated like a synth)")
    add.add_argument("name", metavar="NAME", help="a DNS label starting with pr-, at most 30 characters, e.g. pr-123")
    add.add_argument("--owner", required=True, help="who to ask about it (a label value)")
    add.add_argument("--expires", required=True, type=iso_date, metavar="YYYY-MM-DD", help="when it may go")
    add.add_argument("--api-tag", default="", metavar="TAG", help="API image tag (default: development's)")
    add.add_argument("--worker-tag", default="", metavar="TAG", help="worker image tag (default: development's)")
    add.set_defaults(run=previews_add)
    remove = what.add_parser("remove", help="remove a preview from previews.yaml")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(run=previews_remove)
    prune = what.add_parser("prune", help="remove the expired previews and print them")
    prune.add_argument(
        "--today", type=iso_date, default=datetime.date.today(), metavar="YYYY-MM-DD", help="default: today"
    )
    prune.set_defaults(run=previews_prune)

    image = commands.add_parser("image", help="set the image a permanent environment runs (images.yaml)")
    image_what = image.add_subparsers(dest="action", required=True, metavar="ACTION")
    set_ = image_what.add_parser(
        "set",
        help="set the image (API and workers) of an environment",
        description="Set a tag, a digest (sha256:...) or both: --tag/--digest for the one release image both "
        "components run, or per component; a component not named keeps its image. Production and staging "
        "refuse what the configuration refuses (mutable tags).",
    )
    set_.add_argument("environment", metavar="ENV", help="a permanent environment, e.g. production")
    set_.add_argument("--tag", default="", metavar="TAG", help="the release image's tag, for both components")
    set_.add_argument("--digest", default="", metavar="DIGEST", help="the release image's digest, for both")
    for component in ("api", "worker"):
        set_.add_argument(f"--{component}-tag", default="", metavar="TAG")
        set_.add_argument(f"--{component}-digest", default="", metavar="DIGEST", help="sha256:<64 hex digits>")
    set_.set_defaults(run=image_set)

    synth_command = commands.add_parser("synth", help="synthesize dist/ (what make synth does)")
    synth_command.set_defaults(run=synth)
    diff_command = commands.add_parser(
        "diff",
        help="what a synth would change in dist/ (exit 1 if anything), changing nothing",
        description="Synthesize into a throwaway folder and list, per environment folder, the objects a synth "
        "would add (+), remove (-) or change (~). Exit status 1 when anything would change.",
    )
    diff_command.add_argument("environment", nargs="?", metavar="ENV", help="one environment or preview, or argocd")
    diff_command.add_argument("-p", "--patch", action="store_true", help="show each change as a unified diff")
    diff_command.set_defaults(run=diff)
    return top


def main(argv: list[str] | None = None) -> int:
    from .pipeline.reporting import doing, run

    args = parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.run
    name = " ".join(filter(None, (args.command, getattr(args, "action", None))))

    def execute() -> int:
        from .pipeline.promote import recover_checkout

        try:
            with doing(f"running bin/gorax {name}"):
                recover_checkout(DIST, [ENVIRONMENTS_DOC], BUILD / "synth.lock")
                return command(args)
        except (ConfigError, UsageError) as error:
            print(f"gorax: {error}", file=sys.stderr)
            return 1

    return run(execute)


if __name__ == "__main__":
    sys.exit(main())
