"""Every assignment, end to end on real notebooks: the master notebook scores full
marks, the blank student notebook scores zero, the generated notebook is up to date,
and points agree between the master notebook and the hidden suite."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.authoring.assign import (
    assignments,
    disagreements,
    master_notebook,
    stale,
    student_notebook,
)
from autograder.authoring.expect import audit_mutants
from autograder.engine.pipeline import grade_path
from autograder.engine.results import Status

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]

ASSIGNMENTS = assignments(COURSE)
SEED = 12345


def test_every_assignment_has_a_hidden_suite_and_a_student_notebook():
    assert ASSIGNMENTS, "no assignments found"
    for hw in ASSIGNMENTS:
        assert (COURSE / "solutions" / hw / "hidden.py").is_file()
        assert student_notebook(COURSE, hw).is_file()


@pytest.mark.parametrize("hw", ASSIGNMENTS)
def test_points_and_manual_flags_match_the_master_notebook(hw, suites):
    suite = suites(hw)
    assert disagreements(COURSE, suite) == []


@pytest.mark.parametrize("hw", ASSIGNMENTS)
def test_the_solution_scores_full_marks(hw, suites, factory):
    """Full marks, and on the suite's own inputs every mutant differs from the correct
    answer by more than its check's tolerance (else a right answer could be called a
    mistake, or a mistake pass)."""
    suite = suites(hw)
    with audit_mutants() as audit:
        result = grade_path(master_notebook(COURSE, hw), suite, factory, SEED)
    assert audit.never_revealed() == [], "mutants the question's inputs never tell apart"
    assert not result.error
    assert [c for c in result.cells if not c.ok] == []
    for q in result.questions:
        if q.status == Status.MANUAL:
            assert q.score is None
        else:
            assert (q.question, q.score, q.status) == (q.question, q.max_points, "passed"), \
                q.feedback


@pytest.mark.parametrize("hw", ASSIGNMENTS)
def test_the_blank_student_notebook_scores_zero(hw, suites, factory):
    suite = suites(hw)
    result = grade_path(student_notebook(COURSE, hw), suite, factory, SEED)
    assert not result.error
    assert result.score == 0.0
    automatic = [q for q in result.questions if q.status != Status.MANUAL]
    assert automatic and all(q.status in ("failed", "error", "missing") for q in automatic)


@pytest.mark.parametrize("hw", ASSIGNMENTS)
def test_the_student_notebook_is_up_to_date(hw):
    assert stale(COURSE, hw) == [], f"run `nngrade assign {hw}` and commit the result"


@pytest.mark.parametrize("hw", ASSIGNMENTS)
def test_the_text_states_the_rule_every_call_enforces(hw):
    """Every call of a student function fails its check when it changes an array it was
    given (unless the suite allows it), so every student notebook must say so."""
    cells = nbformat.read(student_notebook(COURSE, hw), as_version=4).cells
    text = " ".join(c.source for c in cells if c.cell_type == "markdown")
    assert "arrays you are given" in text
