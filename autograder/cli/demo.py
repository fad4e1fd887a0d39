"""``nngrade demo``: grade the bundled sample submissions and print their scores."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from autograder.cli.common import (
    DEFAULT_SEED,
    UsageError,
    console,
    course_of,
    load_suite_or_exit,
    open_gradebook,
    writable_folder,
)
from autograder.cli.display import print_summary
from autograder.cli.grade import write_exports
from autograder.cli.isolation import (
    isolation_option,
    protected,
    require_platform,
    start_workers,
)
from autograder.cli.running import INTERRUPTED, stop_on_signals, with_progress
from autograder.engine.batch import Job, grade_batch
from autograder.engine.course import sample_dirs
from autograder.records.gradebook import Gradebook
from autograder.records.intake import take_in


@click.command()
@click.option("-j", "--workers", type=int, default=os.cpu_count() or 1, show_default=True)
@click.option("--out", "--keep", "out", type=click.Path(file_okay=False), default="out",
              show_default=True,
              help="Folder for the demo's gradebook (gradebook.db) and exports, the same "
                   "default as grade, export and report.")
@isolation_option
@click.pass_context
def demo(ctx, workers: int, out: str, isolation: str) -> None:
    """Grade the bundled sample submissions of every assignment and print the scores."""
    require_platform(isolation)
    course = course_of(ctx)
    samples = sample_dirs(course)
    if not samples:
        raise UsageError(f"no sample submissions under {course / 'examples' / 'submissions'}")
    folder = writable_folder(Path(out))
    book = open_gradebook(str(folder / "gradebook.db"))
    for assignment, samples_dir in samples.items():
        _grade_samples(course, assignment, samples_dir, book, workers, folder, isolation)
    _reference_digits()
    # Samples include deliberately broken files; their refusal is the expected outcome.
    console.print("Demo finished: every sample was graded or refused with its reason.")
    where = "" if folder == Path("out") else f" --db {folder / 'gradebook.db'} --out {folder}"
    console.print(f"Its gradebook and exports are kept in {folder}/; for the instructor's "
                  f"report: nngrade report -a {next(iter(samples))}{where}")


def _grade_samples(course: Path, assignment: str, folder: Path, book: Gradebook,
                   workers: int, out: Path, isolation: str) -> None:
    suite = load_suite_or_exit(course, assignment)
    jobs: list[Job] = take_in([folder], assignment, None).jobs
    with stop_on_signals() as stop:
        factory = start_workers(suite.preload, isolation, protected(course, out), suite.limits)
        try:
            outcome = with_progress(len(jobs), f"grading {assignment}", lambda advance: (
                grade_batch(jobs, suite, book, DEFAULT_SEED, workers, factory,
                            progress=advance, stop=stop.event)))
        finally:
            factory.close()
    if outcome.interrupted:
        console.print(f"[yellow]Interrupted by {stop.signal or 'a signal'}.[/]")
        sys.exit(INTERRUPTED)
    results = book.latest(assignment)
    print_summary(console, results, f"{assignment}: {len(outcome.results)} graded, "
                                    f"{len(outcome.skipped)} already recorded")
    write_exports(results, assignment, out, None, outcome.results)


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
