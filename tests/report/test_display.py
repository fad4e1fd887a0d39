"""The terminal summary keeps every score and total visible at any width."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from autograder.cli.display import LEGEND, make_console, print_summary
from autograder.engine.results import CellLog, QuestionResult, Status, SubmissionResult

TOTAL = re.compile(r"^\d+(\.\d+)?/\d+$")


def _results(n_questions: int) -> list[SubmissionResult]:
    """Students with partial, fractional, pending and wrong answers, a long id, a note."""
    names = ["ada", "a_student_with_a_remarkably_long_identifier_from_the_lms", "grace",
             "edsger"]
    results = []
    for s, name in enumerate(names):
        r = SubmissionResult(name, "hw", f"{name}.ipynb", "0" * 64, 1)
        for i in range(n_questions):
            points = 10.0 if i % 4 == 0 else 3.0
            status, score = [(Status.PASSED, points), (Status.PARTIAL, points * 2 / 3),
                             (Status.FAILED, 0.0), (Status.MANUAL, None)][(i + s) % 4]
            r.questions.append(QuestionResult(f"q{i + 1}", points, score, status))
        results.append(r)
    results[2].cells = [CellLog(7, False, 0.1, "ValueError: operands could not be broadcast "
                                               "together with shapes (20,5) (20,2) " * 2)]
    results[3].error = "edsger.ipynb: the file is not valid JSON (line 16, column 5)"
    return results


def _render(results: list[SubmissionResult], width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    print_summary(console, results, "hw: 4 graded")
    return console.file.getvalue()


def _expected(r: SubmissionResult) -> dict[str, str]:
    def cell(q: QuestionResult) -> str:
        mark = {Status.PASSED: "", Status.PARTIAL: "~", Status.FAILED: "x",
                Status.MANUAL: "M"}[q.status]
        return ("–" if q.score is None else f"{round(q.score, 2):g}") + mark
    return {q.question: cell(q) for q in r.questions}


def _parse(text: str) -> tuple[dict[int, dict[str, str]], list[str]]:
    """Each row's cells by question (rows numbered in order within each table part), and
    the totals in order."""
    rows: dict[int, dict[str, str]] = {}
    totals: list[str] = []
    qids: list[str] = []
    row = 0
    for line in text.splitlines():
        tokens = line.split()
        if tokens and all(re.fullmatch(r"q\d+", t) for t in tokens):
            qids, row = tokens, 0
            continue
        hit = [i for i, t in enumerate(tokens) if TOTAL.match(t)]
        if qids and hit and tokens[0] != "student":
            cells = tokens[hit[0] + 1:]
            assert len(cells) == len(qids), line
            rows.setdefault(row, {}).update(zip(qids, cells, strict=True))
            totals.append(tokens[hit[0]])
            row += 1
    return rows, totals


@pytest.mark.parametrize("n_questions", [7, 14])
@pytest.mark.parametrize("width", [80, 120, 200])
def test_every_score_and_total_is_visible(width, n_questions):
    results = _results(n_questions)
    text = _render(results, width)
    assert max(len(line) for line in text.splitlines()) <= width
    rows, totals = _parse(text)
    assert [rows[i] for i in range(len(results))] == [_expected(r) for r in results]
    want = [f"{round(r.score, 2):g}/{r.max_score:g}" for r in results]
    assert set(totals) == set(want) and totals[:len(results)] == want


def test_the_widest_console_shows_one_table_and_the_narrow_one_splits_it():
    results = _results(14)
    assert "(1 of" not in _render(results, 200)
    assert "(1 of 2)" in _render(results, 80)


def test_notes_are_whole_and_under_the_table():
    results = _results(7)
    text = _render(results, 80)
    flat = " ".join(text.split())
    assert "edsger: edsger.ipynb: the file is not valid JSON (line 16, column 5)" in flat
    assert "cell 8: ValueError: operands could not be broadcast together with shapes " \
           "(20,5) (20,2) ValueError: operands" in flat
    assert text.index("Notes:") > text.index(LEGEND)


def test_a_long_student_id_folds_instead_of_hiding_numbers():
    lines = _render(_results(7), 80).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("a_student"))
    name = lines[start].split()[0]
    for line in lines[start + 1:]:
        if len(line.split()) != 1:
            break
        name += line.strip()
    assert name == "a_student_with_a_remarkably_long_identifier_from_the_lms"


def test_piped_output_is_wide_unless_columns_says_otherwise(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert make_console().width == 160
    monkeypatch.setenv("COLUMNS", "90")
    assert make_console().width == 90
