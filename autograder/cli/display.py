"""Terminal output: the per-question summary table and one submission's feedback.

The summary keeps every score and total readable at any width: question columns are
as narrow as their numbers, notes go under the table, and when the questions do not
fit beside each other the table is split into several, each repeating the student
and the total. Numbers are never cut.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder.engine.results import QuestionResult, Status, SubmissionResult, question_ids

STYLE = {Status.PASSED: "green", Status.PARTIAL: "yellow", Status.FAILED: "red",
         Status.ERROR: "red", Status.TIMEOUT: "magenta", Status.MISSING: "red",
         Status.MANUAL: "cyan"}
MARK = {Status.PASSED: "", Status.PARTIAL: "~", Status.FAILED: "x", Status.ERROR: "!",
        Status.TIMEOUT: "T", Status.MISSING: "?", Status.MANUAL: "M"}
LEGEND = "~ partial  x wrong  ! error  T timeout  ? missing  M manual (pending)"
GAP = 3          # characters between two columns (padding, rule, padding)
MIN_STUDENT = 12  # the student column folds ids longer than a quarter of the width, or this


@dataclass
class _Column:
    """One column of the summary: its header lines, its plain cells and its style."""

    header: list[str]
    cells: list[str]
    styles: list[str]

    @property
    def width(self) -> int:
        return max(cell_len(text) for text in [*self.header, *self.cells])


def print_summary(console: Console, results: list[SubmissionResult], title: str) -> None:
    """Print the summary of ``results``: the table (split to fit the console), the
    legend, then one line per submission that has a note (refused file, failing cell)."""
    student, total, questions = _columns(results)
    width = console.width
    name_width = min(student.width, max(MIN_STUDENT, width // 4))
    groups = _fit(questions, width - name_width - total.width - 2 * GAP)
    for n, group in enumerate(groups):
        part = f" ({n + 1} of {len(groups)})" if len(groups) > 1 else ""
        console.print(_table([student, total, *group], name_width, f"{title}{part}"))
    console.print(LEGEND, style="dim", highlight=False)
    notes = [(r.student, _note(r)) for r in results if _note(r)]
    if notes:
        console.print("Notes:")
        for name, note in notes:
            console.print(f"  [bold]{escape(name)}[/]: {escape(note)}", highlight=False)


def _columns(results: list[SubmissionResult]) -> tuple[_Column, _Column, list[_Column]]:
    maxima = {q.question: q.max_points for r in results for q in r.questions}
    student = _Column(["", "student"], [r.student for r in results], [""] * len(results))
    total = _Column(["", "total"], [f"{_short(r.score)}/{r.max_score:g}" for r in results],
                    ["bold"] * len(results))
    questions = []
    for qid in question_ids(results):
        answers = [next((q for q in r.questions if q.question == qid), None) for r in results]
        questions.append(_Column([qid, f"/{maxima[qid]:g}"], [_cell(q) for q in answers],
                                 [STYLE[q.status] if q else "" for q in answers]))
    return student, total, questions


def _cell(q: QuestionResult | None) -> str:
    if q is None:
        return ""
    return ("–" if q.score is None else _short(q.score)) + MARK[q.status]


def _fit(questions: list[_Column], room: int) -> list[list[_Column]]:
    """Question columns in groups that each fit in ``room`` characters (one at least)."""
    groups: list[list[_Column]] = [[]]
    used = 0
    for column in questions:
        need = column.width + GAP
        if groups[-1] and used + need > room:
            groups.append([])
            used = 0
        groups[-1].append(column)
        used += need
    return groups if questions else [[]]


def _table(columns: list[_Column], name_width: int, title: str) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False, padding=(0, 1))
    student, *numbers = columns
    table.add_column("\n".join(student.header), width=name_width, overflow="fold")
    for column in numbers:
        table.add_column("\n".join(column.header), justify="right", no_wrap=True)
    for i in range(len(student.cells)):
        table.add_row(escape(student.cells[i]), *(
            f"[{c.styles[i]}]{c.cells[i]}[/]" if c.styles[i] else c.cells[i] for c in numbers))
    return table


def _short(x: float) -> str:
    """Points for the table: at most two decimals (exports keep six)."""
    return f"{round(x, 2):g}"


def _note(r: SubmissionResult) -> str:
    """Why a submission deserves a look: refused, or cells that failed."""
    if r.error:
        return r.error
    bad = [c for c in r.cells if not c.ok]
    if not bad:
        return ""
    more = f" (+{len(bad) - 1} more failing cells)" if len(bad) > 1 else ""
    first = bad[0].error.splitlines()[0] if bad[0].error else "failed"
    return f"{bad[0].where}: {first}{more}"


def make_console() -> Console:
    """A console for the commands: the terminal's width; when output goes to a file or a
    pipe, ``COLUMNS`` if set, else 160 so that a log keeps whole lines."""
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 160
    return console


def print_feedback(console: Console, r: SubmissionResult) -> None:
    console.print(f"[bold]{escape(r.student)}[/] {r.assignment}: {r.score:g} / "
                  f"{r.max_score:g}")
    if r.error:
        console.print(f"[red]Not graded:[/] {escape(r.error)}")
    for c in r.cells:
        if not c.ok:
            console.print(f"  {escape(c.where)} failed: "
                          f"{escape(c.error.splitlines()[0][:200])}", highlight=False)
    for q in r.questions:
        points = "pending" if q.score is None else f"{q.score:g}"
        console.print(f"  [{STYLE[q.status]}]{q.question} {points}/{q.max_points:g} "
                      f"{q.status}[/]: {escape(q.feedback.strip())}", highlight=False)
    if r.isolation:
        console.print(f"  isolation: {r.isolation}", style="dim")
