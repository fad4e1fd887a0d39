"""What every command shares: the console, the course and its configuration, the
gradebook, the output folder and the log."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import click

from autograder.cli.display import make_console
from autograder.engine.course import CourseError, course_dir, hidden_suite
from autograder.engine.suite import Suite, SuiteError

if TYPE_CHECKING:
    from autograder.records.config import CourseConfig
    from autograder.records.roster import Roster

console = make_console()
DEFAULT_SEED = 20261127
MIN_FREE_MB = 50  # an output folder with less room than this is refused up front

UsageError = click.UsageError  # exit code 2


def course_of(ctx: click.Context) -> Path:
    """The course folder of this invocation (``--course``, else found)."""
    try:
        return course_dir(ctx.obj.get("course") if ctx.obj else None)
    except CourseError as exc:
        raise UsageError(str(exc)) from None


def config_of(ctx: click.Context):
    """The course configuration (``course.toml``), read once per invocation."""
    from autograder.records.config import ConfigError, load_config

    if ctx.obj is not None and "config_loaded" in ctx.obj:
        return ctx.obj["config_loaded"]
    explicit = ctx.obj.get("config") if ctx.obj else None
    try:
        config = load_config(course_of(ctx), Path(explicit) if explicit else None)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if ctx.obj is not None:
        ctx.obj["config_loaded"] = config
    return config


def roster_of(path: str | None, config: CourseConfig) -> Roster | None:
    """The roster given by ``--roster`` or course.toml (None without one)."""
    from autograder.records.roster import Roster, RosterError  # noqa: F811

    chosen = Path(path) if path else config.roster
    try:
        return Roster.load(chosen) if chosen else None
    except RosterError as exc:
        raise UsageError(str(exc)) from None


def load_suite_or_exit(course: Path, assignment: str) -> Suite:
    """The hidden suite of ``assignment``; a missing or broken suite is a usage error
    naming the file and line."""
    try:
        return hidden_suite(course, assignment)
    except (CourseError, SuiteError) as exc:
        raise UsageError(str(exc)) from None


def open_gradebook(db: str):
    """The gradebook at ``db``, connected and writable, or a one-line usage error."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from autograder.records.gradebook import Gradebook, GradebookError

    if "://" not in db:
        folder = Path(db).resolve().parent
        if not folder.is_dir():
            raise UsageError(f"--db {db}: the folder {folder} does not exist")
    try:
        return Gradebook(db)
    except GradebookError as exc:
        raise UsageError(f"--db {db}: {exc}") from None
    except (ArgumentError, SQLAlchemyError, ImportError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"--db {db}: cannot use this gradebook ({detail[:300]})") from None


def writable_folder(folder: Path, option: str = "--out") -> Path:
    """``folder``, created if needed, checked writable with room to spare."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".nngrade-probe-{os.getpid()}"
        probe.write_bytes(b"x")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"{option} {folder}: not writable ({exc.strerror or exc})") from None
    free = shutil.disk_usage(folder).free / 2**20
    if free < MIN_FREE_MB:
        raise UsageError(f"{option} {folder}: only {free:.0f} MB free; at least "
                         f"{MIN_FREE_MB} MB are needed")
    return folder


def setup_logging(folder: Path | None, verbose: bool) -> Path | None:
    """Log engine and hidden-suite faults with their tracebacks to ``nngrade.log`` in
    ``folder`` (and to the terminal with ``verbose``); returns the log's path."""
    root = logging.getLogger("autograder")
    root.setLevel(logging.INFO)
    root.propagate = False
    for handler in list(root.handlers):
        root.removeHandler(handler)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    path = None
    if folder is not None:
        path = folder / "nngrade.log"
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(fmt)
        root.addHandler(handler)
    if verbose:
        stream = logging.StreamHandler()
        stream.setFormatter(fmt)
        root.addHandler(stream)
    return path
