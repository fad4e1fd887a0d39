"""Loading hidden suites and seeding their inputs."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from autograder.engine.checks import DEFAULT_TOLERANCE
from autograder.engine.course import assignment_of
from autograder.engine.suite import SuiteError, load_suite, question_rng, run_question


def test_questions_are_collected_in_declaration_order_assigned_or_not(tmp_path):
    path = tmp_path / "hidden.py"
    path.write_text(
        "from autograder.authoring import Budgets, manual, question\n"
        "@question('q2', points=3)\n"
        "def second(student, rng):\n    pass\n"
        "manual('q3', points=2)\n"
        "@question('q1', points=1, timeout=5)\n"
        "def first(student, rng):\n    pass\n"
        "BUDGETS = Budgets(call_seconds=1)\n")
    suite = load_suite(path, "hwx")
    assert [(q.id, q.points, q.manual) for q in suite.questions] == [
        ("q2", 3.0, False), ("q3", 2.0, True), ("q1", 1.0, False)]
    assert suite.budgets.call_seconds == 1 and suite.max_score == 6


def test_question_inputs_are_reproducible_and_distinct():
    a = question_rng("hw1", "q1", 7).normal(size=5)
    assert np.array_equal(a, question_rng("hw1", "q1", 7).normal(size=5))
    for other in (question_rng("hw1", "q2", 7), question_rng("hw2", "q1", 7),
                  question_rng("hw1", "q1", 8)):
        assert not np.allclose(a, other.normal(size=5))


def test_the_assignment_is_read_from_student_and_master_notebooks(tmp_path):
    course = Path(__file__).resolve().parents[2]
    assert assignment_of(course / "assignments/hw1_forward/hw1_forward.ipynb") == "hw1_forward"
    assert assignment_of(course / "solutions/hw1_forward/hw1_forward.ipynb") == "hw1_forward"
    (tmp_path / "junk.ipynb").write_bytes(b"\x00\x01")
    assert assignment_of(tmp_path / "junk.ipynb") is None


def test_suites_load_from_many_threads_at_once():
    """Dask runs several tasks in one process: suites must load safely in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    course = Path(__file__).resolve().parents[2]
    paths = {hw: course / "solutions" / hw / "hidden.py" for hw in ("hw1_forward", "hw3_cost")}
    expected = {hw: [q.id for q in load_suite(path, hw).questions]
                for hw, path in paths.items()}
    work = [hw for hw in paths for _ in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        loaded = list(pool.map(lambda hw: (hw, load_suite(paths[hw], hw)), work))
    assert all([q.id for q in suite.questions] == expected[hw] for hw, suite in loaded)


def test_a_broken_suite_names_its_file_and_line(tmp_path):
    from autograder.engine.suite import SuiteError

    path = tmp_path / "hidden.py"
    path.write_text("from autograder.authoring import question\n\nx = 1\ny = undefined_name\n")
    with pytest.raises(SuiteError, match=r"hidden.py:4: NameError"):
        load_suite(path, "hwx")
    path.write_text("def broken(:\n")
    with pytest.raises(SuiteError, match=r"hidden.py:1: SyntaxError"):
        load_suite(path, "hwx")


def test_a_suite_sets_its_default_tolerance_with_a_reason(tmp_path):
    path = tmp_path / "hidden.py"
    path.write_text(
        "from autograder.authoring import Tolerance, expect, question\n"
        "TOLERANCE = Tolerance(1e-3, 0.0, 'answers are rounded to three digits')\n"
        "@question('q1', points=1, timeout=5)\n"
        "def first(student, rng):\n    expect(1.0005).close_to(1.0)\n")
    suite = load_suite(path, "hwx")
    assert suite.tolerance.rtol == 1e-3 and suite.questions[0].tolerance is suite.tolerance
    idle = SimpleNamespace(starved_seconds=lambda: 0.0)  # the question never calls the notebook
    result = run_question(suite.questions[0], idle, np.random.default_rng(0))
    assert result.score == 1.0
    path.write_text("TOLERANCE = (1e-9, 1e-12)\n")
    with pytest.raises(SuiteError, match="TOLERANCE must be a Tolerance"):
        load_suite(path, "hwy")
    path.write_text("from autograder.authoring import Tolerance\n"
                    "TOLERANCE = Tolerance(1e-9, 1e-12, '')\n")
    with pytest.raises(SuiteError, match="hidden.py:2: ValueError: state the reason"):
        load_suite(path, "hwz")


def test_without_a_tolerance_a_suite_gets_the_engines_default(tmp_path):
    path = tmp_path / "hidden.py"
    path.write_text("from autograder.authoring import question\n"
                    "@question('q1', points=1)\ndef first(student, rng):\n    pass\n")
    assert load_suite(path, "hwd").questions[0].tolerance == DEFAULT_TOLERANCE


def test_a_bug_inside_a_check_is_an_internal_error_for_the_student(tmp_path, caplog):
    path = tmp_path / "hidden.py"
    path.write_text(
        "from autograder.authoring import check, expect, question\n"
        "@question('q1', points=2, timeout=5)\n"
        "def first(student, rng):\n"
        "    with check('a passing check'):\n        expect(1.0).close_to(1.0)\n"
        "    with check('a check the suite breaks'):\n        {}['no such key']\n")
    idle = SimpleNamespace(starved_seconds=lambda: 0.0)  # the question never calls the notebook
    result = run_question(load_suite(path, "hwq").questions[0], idle, np.random.default_rng(0))
    assert result.score == 0.0 and "a check the suite breaks: internal error in the hidden " \
        "suite; your instructor has been told" in result.feedback
    assert "no such key" not in result.feedback and "no expectation" not in result.feedback
    assert "KeyError: 'no such key'" in caplog.text and "hidden.py" in caplog.text
