"""The ``--isolation`` option of the grading commands, and starting workers under it.

A grading command first checks that the platform can sandbox at all (unless ``none``),
then every batch starts by measuring the tier a worker gets here and printing it; below
the policy's minimum it stops with one line that says why and how to proceed (exit 2).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from autograder.cli.common import config_of, console
from autograder.engine.session import PlatformUnsupported, WorkerFactory, refusal
from autograder.sandbox import support
from autograder.sandbox.limits import Limits
from autograder.sandbox.tiers import Policy


def isolation_option(f):
    """``--isolation require-full|reduced-ok|none``; default: ``course.toml``'s
    ``[grading] isolation``, else reduced-ok."""
    return click.option(
        "--isolation", type=click.Choice([p.value for p in Policy]), callback=_policy_of,
        help="Weakest sandbox accepted: require-full (namespaces and a private root), "
             "reduced-ok (where namespaces are refused: Landlock, seccomp and a uid of its "
             "own), none (no sandbox: only for notebooks you trust). Default: course.toml's "
             "[grading] isolation, else reduced-ok.")(f)


def _policy_of(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    """The policy given, else the course's, else reduced-ok."""
    return value or config_of(ctx).isolation or Policy.REDUCED_OK.value


def protected(*paths: str | os.PathLike[str] | None) -> list[str]:
    """Paths no worker may read: folders as given, the folders of files."""
    found = []
    for p in paths:
        if p is None:
            continue
        path = Path(p).resolve()
        found.append(str(path if path.is_dir() or not path.exists() else path.parent))
    return sorted(set(found))


def require_platform(policy: str) -> None:
    """Before anything else: on a platform without the sandbox's Linux features, only
    ``--isolation none`` can run; otherwise one line says what is missing (exit 2)."""
    missing = support.missing_features()
    if missing and Policy(policy) != Policy.NONE:
        refuse(support.unsupported_message(missing))


def start_workers(preload: tuple[str, ...], policy: str, protect: Iterable[str],
                  limits: Limits | None = None) -> WorkerFactory:
    """A worker factory whose workers meet ``policy``; prints the tier in force, or one
    line and exit 2 when this machine cannot meet it. ``limits`` are those of the
    workers to come (the probing worker's spare then serves the first of them)."""
    try:
        factory = WorkerFactory(preload, isolation=policy, protect=tuple(protect))
    except PlatformUnsupported as exc:
        refuse(str(exc))
    isolation = factory.probe(limits)
    style = {"full": "dim", "reduced": "yellow"}.get(isolation.tier, "bold red")
    console.print(f"isolation: {isolation.summary()}", style=style, highlight=False)
    if not isolation.meets(policy):
        factory.close()
        refuse(refusal(isolation, Policy(policy)))
    return factory


def refuse(message: str) -> None:
    """One line on stderr, exit code 2."""
    click.echo(f"nngrade: {message}", err=True)
    sys.exit(2)
