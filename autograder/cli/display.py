"""Terminal output: the per-question summary table and one submission's feedback."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder.engine.results import Status, SubmissionResult, question_ids

STYLE = {Status.PASSED: "green", Status.PARTIAL: "yellow", Status.FAILED: "red",
         Status.ERROR: "red", Status.TIMEOUT: "magenta", Status.MISSING: "red",
         Status.MANUAL: "cyan"}
MARK = {Status.PASSED: "", Status.PARTIAL: "~", Status.FAILED: "x", Status.ERROR: "!",
        Status.TIMEOUT: "T", Status.MISSING: "?", Status.MANUAL: "M"}


def summary_table(results: list[SubmissionResult], title: str) -> Table:
    """One row per submission, one column per question: points and a status mark."""
    qids = question_ids(results)
    table = Table(title=title, title_justify="left")
    table.add_column("student", no_wrap=True)
    maxima = {q.question: q.max_points for r in results for q in r.questions}
    for qid in qids:
        table.add_column(f"{qid}\n/{maxima[qid]:g}", justify="right")
    table.add_column("total", justify="right", no_wrap=True)
    table.add_column("note", no_wrap=True, overflow="ellipsis", max_width=70)
    for r in results:
        by_id = {q.question: q for q in r.questions}
        cells = []
        for qid in qids:
            q = by_id.get(qid)
            if q is None:
                cells.append("")
                continue
            points = "–" if q.score is None else _short(q.score)
            cells.append(f"[{STYLE[q.status]}]{points}{MARK[q.status]}[/]")
        note = escape(r.error or _first_cell_error(r))
        table.add_row(escape(r.student), *cells, f"{_short(r.score)}/{r.max_score:g}", note)
    table.caption = ("~ partial  x wrong  ! error  T timeout  ? missing  M manual (pending)")
    return table


def _short(x: float) -> str:
    """Points for the table: at most two decimals (exports keep six)."""
    return f"{round(x, 2):g}"


def _first_cell_error(r: SubmissionResult) -> str:
    bad = [c for c in r.cells if not c.ok]
    if not bad:
        return ""
    more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
    return f"cell {bad[0].index + 1}: {bad[0].error.splitlines()[0][:80]}{more}"


def make_console() -> Console:
    """A console that does not squeeze tables to 80 columns when output is a file."""
    console = Console()
    if not console.is_terminal:
        console.width = 160
    return console


def print_feedback(console: Console, r: SubmissionResult) -> None:
    console.print(f"[bold]{escape(r.student)}[/] {r.assignment}: {r.score:g} / "
                  f"{r.max_score:g}")
    if r.error:
        console.print(f"[red]Not graded:[/] {escape(r.error)}")
    for c in r.cells:
        if not c.ok:
            console.print(f"  cell {c.index + 1} failed: "
                          f"{escape(c.error.splitlines()[0][:200])}", highlight=False)
    for q in r.questions:
        points = "pending" if q.score is None else f"{q.score:g}"
        console.print(f"  [{STYLE[q.status]}]{q.question} {points}/{q.max_points:g} "
                      f"{q.status}[/]: {escape(q.feedback.strip())}", highlight=False)
    if r.isolation:
        console.print(f"  isolation: {r.isolation}", style="dim")
