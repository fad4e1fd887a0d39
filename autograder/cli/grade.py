"""``nngrade grade``: grade a term's submissions into the gradebook.

Everything is checked before the first notebook runs: the paths exist, the gradebook
connects and is writable, the output folder is writable, every file belongs to one
student (through the roster when there is one) and no two files claim the same student
without an order. Then the batch runs, stoppable at any moment, and prints what it
recorded, what changed, and what needs attention.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import click

from autograder.cli.common import (
    DEFAULT_SEED,
    UsageError,
    config_of,
    console,
    course_of,
    load_suite_or_exit,
    open_gradebook,
    roster_of,
    setup_logging,
    writable_folder,
)
from autograder.cli.display import print_summary
from autograder.cli.isolation import (
    isolation_option,
    protected,
    require_platform,
    start_workers,
)
from autograder.cli.running import INTERRUPTED, stop_on_signals, with_progress
from autograder.engine.batch import BatchOutcome, Job, grade_batch
from autograder.engine.course import assignment_of
from autograder.engine.load import file_hash
from autograder.engine.suite import Suite
from autograder.records import export as export_mod
from autograder.records.config import CourseConfig
from autograder.records.feedback_pages import write_feedback_pages
from autograder.records.gradebook import Gradebook
from autograder.records.intake import IntakeError, take_in
from autograder.records.manual import ManualScoresError, merge_manual_scores
from autograder.records.roster import Roster


@click.command()
@click.argument("paths", nargs=-1, required=False)
@click.option("-a", "--assignment", help="Assignment id, e.g. hw1_forward. Default: read from "
                                         "the notebooks.")
@click.option("--seed", type=int, help="Grading seed: hidden inputs derive from it (keep one "
                                       f"per term). Default: course.toml, else {DEFAULT_SEED}.")
@isolation_option
@click.option("-j", "--workers", type=int, help="Submissions graded in parallel (default: one "
                                                "per core).")
@click.option("--db", help="Gradebook: a SQLite file or any SQLAlchemy URL (postgresql://...). "
                           "Default: course.toml, else out/gradebook.db.")
@click.option("--out", type=click.Path(file_okay=False), help="Folder for feedback, exports "
                                                               "and the log. Default: out.")
@click.option("--roster", type=click.Path(dir_okay=False), help="Roster CSV (id, name, email, "
                                                                 "sis_user_id, sis_login_id, "
                                                                 "section).")
@click.option("--regrade", is_flag=True, help="Grade again files already recorded (a new "
                                              "version; hand grades are kept).")
@click.option("--dry-run", is_flag=True, help="Grade and show what would change; write "
                                              "nothing.")
@click.option("--manual-scores", type=click.Path(dir_okay=False, exists=True),
              help="manual.csv with hand grades (and explicit overrides) to merge.")
@click.option("--grader", help="Name recorded with merged hand grades (default: your user).")
@click.option("--scheduler", metavar="ADDRESS",
              help="Grade on a Dask cluster (tcp://host:8786); its workers need this package "
                   "and the course (pip install 'nn-autograder[dask]').")
@click.option("-v", "--verbose", is_flag=True, help="Also print engine and suite faults, "
                                                    "with tracebacks, to the terminal.")
@click.pass_context
def grade(ctx, paths, assignment, seed, isolation, workers, db, out, roster, regrade, dry_run,
          manual_scores, grader, scheduler, verbose) -> None:
    """Grade submitted notebooks (files, folders, LMS downloads) into the gradebook.

    \b
    File names from Canvas, Moodle and Gradescope downloads are recognised; with a
    roster, each file is matched to a student exactly, and files that match nobody are
    listed and left ungraded. A student's several files are attempts: the latest on time
    counts (a late file only when none was on time).
    """
    require_platform(isolation)
    course, config = course_of(ctx), config_of(ctx)
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    seed = seed if seed is not None else config.seed or DEFAULT_SEED
    db = db or config.db or "out/gradebook.db"
    book = open_gradebook(db)
    out_dir = writable_folder(Path(out or config.out or "out"))
    setup_logging(out_dir, verbose)
    the_roster = roster_of(roster, config)
    if manual_scores:
        _merge(book, assignment, Path(manual_scores), grader, course, the_roster, config,
               out_dir)
        if not paths:
            return
    if not paths:
        raise UsageError("give notebooks or folders to grade (or --manual-scores)")
    chosen = [Path(p) for p in paths]
    assignment = assignment or _infer_assignment(chosen)
    suite = load_suite_or_exit(course, assignment)
    jobs, unmatched = _jobs(chosen, assignment, the_roster)
    protect = protected(course, out_dir, None if "://" in db else db, *chosen)
    jobs = [replace(j, late=config.is_late(assignment, j.submitted_at, j.late)) for j in jobs]
    if dry_run:
        sys.exit(_dry_run(jobs, suite, book, seed, workers, isolation, protect))
    seeds = {} if regrade else book.recorded(assignment)
    todo = sum((j.student, file_hash(j.path)) not in seeds for j in jobs)
    console.print(f"{assignment}: {len(jobs)} file(s), {todo} to grade (seed {seed}), "
                  f"gradebook {book.url}", highlight=False)
    workers = workers or config.workers
    outcome, signal_name = _run(jobs, todo, suite, book, seed, workers, regrade,
                                isolation, protect, scheduler, course)
    sys.exit(_report(outcome, signal_name, suite, book, out_dir, the_roster, config, unmatched))




def _infer_assignment(paths: list[Path]) -> str:
    """The assignment the notebooks say they belong to; one, or a usage error."""
    found: dict[str, int] = {}
    for path in paths:
        notebooks = [path] if path.is_file() else sorted(path.rglob("*.ipynb"))
        for nb in notebooks:
            if ".ipynb_checkpoints" not in nb.parts:
                name = assignment_of(nb)
                if name:
                    found[name] = found.get(name, 0) + 1
    if len(found) == 1:
        return next(iter(found))
    if not found:
        raise UsageError("cannot tell the assignment from the notebooks; pass -a/--assignment")
    listed = ", ".join(f"{name} ({n} files)" for name, n in sorted(found.items()))
    raise UsageError(f"the notebooks belong to several assignments: {listed}; grade one "
                     "assignment at a time with -a")


def _jobs(paths: list[Path], assignment: str,
          roster: Roster | None) -> tuple[list[Job], list[str]]:
    """The files to grade, matched to students; clashes and empty selections refused."""
    try:
        intake = take_in(paths, assignment, roster)
    except IntakeError as exc:
        raise UsageError(str(exc)) from None
    if intake.clashes:
        lines = "; ".join(f"{student}: {', '.join(map(str, files))}"
                          for student, files in intake.clashes.items())
        raise UsageError(f"several files for one student and nothing to order them by: "
                         f"{lines}. Grade them separately (each later file is a new attempt)")
    unmatched = [f"{f.path} ({f.name or 'no identifier'}, {f.source})" for f in intake.unmatched]
    if not intake.jobs and not unmatched:
        raise UsageError(f"no notebooks (.ipynb) found in {', '.join(map(str, paths))}")
    return intake.jobs, unmatched


def _run(jobs: list[Job], total: int, suite: Suite, book: Gradebook, seed: int,
         workers: int | None,
         regrade: bool, isolation: str, protect: list[str], scheduler: str | None,
         course: Path) -> tuple[BatchOutcome, str]:
    """Grade here or on the cluster; returns the outcome and the signal that stopped it."""
    title = f"grading {suite.assignment}"
    with stop_on_signals() as stop:
        if scheduler:
            from autograder.engine.cluster import ClusterError, grade_on_cluster

            console.print(f"isolation: each Dask worker grades under --isolation {isolation} "
                          "and records the tier it gets with every grade", highlight=False)
            try:
                outcome = with_progress(total, title, lambda advance: grade_on_cluster(
                    jobs, suite, course, book, seed, scheduler, regrade, advance, stop.event,
                    isolation))
            except ClusterError as exc:
                raise UsageError(str(exc)) from None
        else:
            factory = start_workers(suite.preload, isolation, protect, suite.limits)
            try:
                outcome = with_progress(total, title, lambda advance: grade_batch(
                    jobs, suite, book, seed, workers or os.cpu_count() or 1, factory, regrade,
                    advance, stop.event))
            finally:
                factory.close()
    return outcome, stop.signal


def _report(outcome: BatchOutcome, signal_name: str, suite: Suite, book: Gradebook, out: Path,
            roster: Roster | None, config: CourseConfig, unmatched: list[str]) -> int:
    """The summary of what was recorded and what needs attention; the exit code."""
    results = book.latest(suite.assignment)
    config.apply_late_policy(results)
    graded = {r.student for r in outcome.results}
    shown = [r for r in results if r.student in graded or not outcome.results]
    print_summary(console, shown, f"{suite.assignment}: {len(outcome.results)} graded, "
                                  f"{len(outcome.skipped)} already recorded")
    _print_changes(outcome, results)
    _print_attention(outcome, unmatched)
    if outcome.interrupted or outcome.error:
        return _stopped(outcome, signal_name)
    write_exports(results, suite.assignment, out, roster, outcome.results)
    console.print(f"Feedback, Gradescope results and gradebook.csv in {out / suite.assignment}")
    return 1 if outcome.failures or unmatched else 0


def _print_changes(outcome: BatchOutcome, current: list) -> None:
    by_student = {r.student: r for r in current}
    changed = [(res, rec) for res, rec in zip(outcome.results, outcome.records, strict=False)
               if rec.changes]
    for result, rec in changed:
        now = by_student.get(result.student)
        parts = []
        for qid, before, after in rec.changes:
            kept = now is not None and any(q.question == qid and q.graded_by
                                           for q in now.questions)
            note = " (hand grade kept)" if kept else ""
            parts.append(f"{qid} {_show(before)} -> {_show(after)}{note}")
        console.print(f"changed {result.student} (attempt {rec.attempt}, version "
                      f"{rec.version}): {'; '.join(parts)}", highlight=False)
    regraded = [rec for rec in outcome.records if rec.version > 1]
    if regraded:
        console.print(f"Regraded {len(regraded)} file(s): {len(changed)} with changed scores "
                      f"({sum(len(rec.changes) for _, rec in changed)} scores). Earlier "
                      "versions are kept in the gradebook.")


def _show(points: float | None) -> str:
    return "pending" if points is None else f"{points:g}"


def _print_attention(outcome: BatchOutcome, unmatched: list[str]) -> None:
    for job, seed in outcome.other_seed:
        console.print(f"[yellow]graded under seed {seed}[/] {job.student} ({job.path}); "
                      "not regraded: use --regrade to grade it under this seed",
                      highlight=False)
    if outcome.other_suite:
        names = ", ".join(job.student for job in outcome.other_suite[:5])
        more = f" and {len(outcome.other_suite) - 5} more" if len(outcome.other_suite) > 5 else ""
        console.print(f"[yellow]graded by an earlier hidden suite[/] {len(outcome.other_suite)} "
                      f"file(s) ({names}{more}): hidden.py or reference/ changed since, so "
                      "their recorded scores may differ from this suite's. Not regraded: "
                      "--dry-run shows what would change, --regrade grades them again (earlier "
                      "versions and hand grades are kept).", highlight=False)
    for line in unmatched:
        console.print(f"[red]not in the roster, not graded[/] {line}", highlight=False)
    for r in outcome.failures:
        console.print(f"[red]not graded[/] {r.student}: {r.error}", highlight=False)


def _stopped(outcome: BatchOutcome, signal_name: str) -> int:
    recorded, left = len(outcome.results), len(outcome.not_started)
    if outcome.error:
        console.print(f"[red]Stopped:[/] {outcome.error}. {recorded} submission(s) recorded "
                      f"before; {left} not started. Fix the cause and run the same command "
                      "again to grade the rest.", highlight=False)
        return 1
    console.print(f"[yellow]Interrupted by {signal_name or 'a signal'}.[/] {recorded} "
                  f"submission(s) recorded; {left} not started. Run the same command again to "
                  "grade the rest (exports were not rewritten).", highlight=False)
    return INTERRUPTED


def write_exports(results: list, assignment: str, out: Path, roster: Roster | None,
                  fresh: list | None = None) -> None:
    """The working exports of an assignment: feedback (Markdown and HTML pages), Gradescope
    results, gradebook.csv. ``fresh`` results, just graded, lend their checks to the pages."""
    folder = out / assignment
    export_mod.write_feedback(results, folder / "feedback")
    write_feedback_pages(results, folder / "feedback", fresh or [])
    export_mod.write_gradescope(results, folder / "gradescope")
    export_mod.gradebook_csv(results, folder / "gradebook.csv", roster)


def _merge(book: Gradebook, assignment: str | None, path: Path, grader: str | None,
           course: Path, roster: Roster | None, config: CourseConfig, out: Path) -> None:
    if not assignment:
        raise UsageError("--manual-scores needs -a/--assignment")
    try:
        changes = merge_manual_scores(book, assignment, path, grader)
    except ManualScoresError as exc:
        raise UsageError(str(exc)) from None
    for change in changes:
        console.print(f"  {change.describe()}", highlight=False)
    console.print(f"Merged {path}: {len(changes)} hand grade(s) changed.")
    if changes:
        results = book.latest(assignment)
        config.apply_late_policy(results)
        write_exports(results, assignment, out, roster)
        console.print(f"Rewrote the exports in {out / assignment}; earlier Canvas or manual "
                      "exports are now out of date: run nngrade export again.")


def _dry_run(jobs: list[Job], suite: Suite, book: Gradebook, seed: int, workers: int | None,
             isolation: str, protect: list[str]) -> int:
    """Grade without writing; print how each recorded file's scores would change."""
    with stop_on_signals() as stop:
        factory = start_workers(suite.preload, isolation, protect, suite.limits)
        try:
            outcome = with_progress(len(jobs), f"dry run {suite.assignment}",
                                    lambda advance: grade_batch(
                                        jobs, suite, None, seed, workers or os.cpu_count() or 1,
                                        factory, progress=advance, stop=stop.event))
        finally:
            factory.close()
    changed = 0
    for result in outcome.results:
        before = book.automatic_scores(result.student, suite.assignment, file_hash(
            Path(result.path)))
        diffs = [f"{q.question} {_show((before or {}).get(q.question))} -> {_show(q.score)}"
                 for q in result.questions if before is None
                 or before.get(q.question) != q.score]
        if diffs:
            changed += 1
            label = "new" if before is None else "would change"
            console.print(f"{label} {result.student}: {'; '.join(diffs)}", highlight=False)
    console.print(f"Dry run: {len(outcome.results)} graded, {changed} would change; nothing "
                  "was written.")
    return INTERRUPTED if outcome.interrupted else 0
