"""``nngrade check``, ``grade`` and ``demo``: grading notebooks."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from autograder.cli.common import DEFAULT_SEED, UsageError, console, course_of, load_suite_or_exit
from autograder.cli.display import print_feedback, print_summary
from autograder.engine.batch import discover, grade_batch
from autograder.engine.course import assignment_of, sample_dirs
from autograder.engine.pipeline import grade_path
from autograder.engine.session import WorkerFactory
from autograder.records import export as export_mod
from autograder.records.feedback_pages import write_feedback_pages
from autograder.records.gradebook import Gradebook
from autograder.records.manual import ManualScoresError, merge_manual_scores


def _options(f):
    for option in reversed([
        click.option("-a", "--assignment", required=False,
                     help="Assignment id, e.g. hw1_forward."),
        click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
                     help="Grading seed: hidden inputs derive from it (keep it per term)."),
        click.option("--no-sandbox", is_flag=True,
                     help="Disable namespaces (rlimits still apply). For debugging only."),
    ]):
        f = option(f)
    return f


@click.command()
@click.argument("notebook", type=click.Path(dir_okay=False))
@_options
@click.pass_context
def check(ctx, notebook: str, assignment: str | None, seed: int, no_sandbox: bool) -> None:
    """Grade one NOTEBOOK and print its feedback (records nothing).

    The assignment is read from the notebook unless given with -a.
    """
    course = course_of(ctx)
    assignment = assignment or assignment_of(Path(notebook))
    if not assignment:
        raise UsageError("cannot tell the assignment from the notebook; pass -a/--assignment")
    suite = load_suite_or_exit(course, assignment)
    factory = WorkerFactory(suite.preload, isolate=not no_sandbox)
    try:
        result = grade_path(Path(notebook), suite, factory, seed)
    finally:
        factory.close()
    print_feedback(console, result)
    sys.exit(1 if result.error else 0)


@click.command()
@click.argument("paths", nargs=-1, required=False)
@_options
@click.option("-j", "--workers", type=int, default=os.cpu_count() or 1, show_default=True,
              help="Submissions graded in parallel.")
@click.option("--db", default="out/gradebook.db", show_default=True,
              help="Gradebook: a SQLite file or any SQLAlchemy URL (postgresql://...).")
@click.option("--out", type=click.Path(file_okay=False), default="out", show_default=True,
              help="Folder for feedback files and Gradescope results.")
@click.option("--regrade", is_flag=True, help="Grade again files already in the gradebook.")
@click.option("--manual-scores", type=click.Path(dir_okay=False, exists=True),
              help="CSV (student,question,score[,comment]) of hand-graded questions to merge.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Grade on a Dask cluster (tcp://host:8786) instead of this machine; its "
                   "workers need this package and the course (pip install "
                   "'nn-autograder[dask]').")
@click.pass_context
def grade(ctx, paths, assignment, seed, no_sandbox, workers, db, out, regrade,
          manual_scores, scheduler) -> None:
    """Grade submitted notebooks (files or folders of .ipynb) into the gradebook.

    The student id is the file name, or the folder name when the file is named after
    the assignment (submissions/alice/hw1_forward.ipynb -> alice).
    """
    course = course_of(ctx)
    if not assignment:
        raise UsageError("missing option -a/--assignment")
    suite = load_suite_or_exit(course, assignment)
    _make_parent(db)
    book = Gradebook(db)
    if manual_scores:
        _merge_manual(book, assignment, Path(manual_scores))
        if not paths:
            return
    if not paths:
        raise UsageError("give notebooks or folders to grade (or --manual-scores)")
    files = discover(Path(p) for p in paths)
    if scheduler:
        from autograder.engine.cluster import grade_on_cluster  # needs the dask extra

        outcome = _with_progress(files, suite, lambda advance: grade_on_cluster(
            files, suite, course, book, seed, scheduler, regrade, advance))
    else:
        outcome = _grade_here(files, suite, book, seed, workers, regrade, not no_sandbox)
    sys.exit(_show(outcome, suite, book, Path(out)))


def _with_progress(files, suite, run):
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn()]
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"grading {suite.assignment}", total=len(files))
        return run(lambda result: progress.advance(task))


def _grade_here(files, suite, book, seed, workers, regrade, isolate):
    """Grade on this machine; on Ctrl-C or kill (SIGTERM), kill every worker and keep
    what is recorded."""
    factory = WorkerFactory(suite.preload, isolate=isolate)
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        return _with_progress(files, suite, lambda advance: grade_batch(
            files, suite, book, seed, workers, factory, regrade, progress=advance))
    except KeyboardInterrupt:
        factory.kill_all()
        console.print("[yellow]Interrupted.[/] Finished submissions are recorded; run the "
                      "same command again to grade the rest.")
        os._exit(130)
    finally:
        factory.close()


def _interrupted(signum, frame):
    raise KeyboardInterrupt


def _show(outcome, suite, book: Gradebook, out: Path) -> int:
    """The summary table and the export files; returns the exit code."""
    results = book.latest(suite.assignment)
    graded = {r.student for r in outcome.results}
    shown = [r for r in results if r.student in graded or not outcome.results]
    print_summary(console, shown, f"{suite.assignment}: {len(outcome.results)} graded, "
                                  f"{len(outcome.skipped)} already recorded")
    out.mkdir(parents=True, exist_ok=True)
    export_mod.write_feedback(results, out / suite.assignment / "feedback")
    write_feedback_pages(results, out / suite.assignment / "feedback", outcome.results)
    export_mod.write_gradescope(results, out / suite.assignment / "gradescope")
    export_mod.gradebook_csv(results, out / suite.assignment / "gradebook.csv")
    console.print(f"Feedback, Gradescope results and gradebook.csv in {out / suite.assignment}")
    for r in outcome.failures:
        console.print(f"[red]not graded[/] {r.student}: {r.error}")
    return 1 if outcome.failures else 0


def _merge_manual(book: Gradebook, assignment: str, path: Path) -> None:
    try:
        n = merge_manual_scores(book, assignment, path)
    except ManualScoresError as exc:
        raise UsageError(str(exc)) from None
    console.print(f"Merged {n} manual scores from {path}")


def _make_parent(db: str) -> None:
    if "://" not in db:
        Path(db).resolve().parent.mkdir(parents=True, exist_ok=True)


@click.command()
@click.option("-j", "--workers", type=int, default=os.cpu_count() or 1, show_default=True)
@click.option("--out", "--keep", "out", type=click.Path(file_okay=False), default="out",
              show_default=True,
              help="Folder for the demo's gradebook (gradebook.db) and exports, the same "
                   "default as grade, export and report.")
@click.pass_context
def demo(ctx, workers: int, out: str) -> None:
    """Grade the bundled sample submissions of every assignment and print the scores."""
    course = course_of(ctx)
    samples = sample_dirs(course)
    if not samples:
        raise UsageError(f"no sample submissions under {course / 'examples' / 'submissions'}")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    book = Gradebook(str(folder / "gradebook.db"))
    code = 0
    for assignment, samples_dir in samples.items():
        suite = load_suite_or_exit(course, assignment)
        files = discover([samples_dir])
        outcome = _grade_here(files, suite, book, DEFAULT_SEED, workers, False, True)
        code |= _show(outcome, suite, book, folder)
    _reference_digits()
    # Samples include deliberately broken files; their refusal is the expected outcome.
    console.print("Demo finished: every sample was graded or refused with its reason.")
    where = "" if folder == Path("out") else f" --db {folder / 'gradebook.db'} --out {folder}"
    console.print(f"Its gradebook and exports are kept in {folder}/; for the instructor's "
                  f"report: nngrade report -a {next(iter(samples))}{where}")
    sys.exit(0 if code in (0, 1) else code)


def _reference_digits() -> None:
    """Train the reference MLP the course grades against on the digits, as a check."""
    import numpy as np

    from reference.data import load_digits_split
    from reference.network import MLP
    from reference.optim import SGD

    X_train, X_test, y_train, y_test = load_digits_split(0.2, np.random.default_rng(0))
    net = MLP([64, 50, 10], "sigmoid", "softmax", "cross_entropy", rng=np.random.default_rng(0))
    losses = net.fit(X_train, y_train, epochs=60, batch_size=32, optimizer=SGD(lr=1.0))["loss"]
    accuracy = float(np.mean(net.predict(X_test) == y_test))
    console.print("Reference MLP 64-50-10 (sigmoid, softmax, SGD lr 1.0, batch 32) on the "
                  f"digits, training loss every 10 epochs: "
                  f"{' '.join(f'{x:.3f}' for x in losses[::10])}; "
                  f"test accuracy {accuracy:.3f} on {len(y_test)} held-out images")

