"""Notebooks that answer nothing and try to be scored as right anyway earn no point.

Each notebook in ``score_gaming/`` leaves Homework 1's answers blank or trivial and adds
one trick aimed at an in-process checker: values that compare equal to anything (a duck
array, an ndarray subclass, masked arrays, NaN), NumPy's comparison functions rewritten,
the test runner's results forged, the reference or the expected values searched for in
memory, answers memorised from the public tests, arguments overwritten so that an
expected value computed afterwards agrees, or skip exceptions. The hidden suite runs in
the trusted process on values copied out of the worker, so none of them reaches it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.engine.batch import Job, grade_batch

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

HERE = Path(__file__).resolve().parent
NOTEBOOKS = sorted((HERE / "score_gaming").glob("*.ipynb"))
# other homeworks: stubs (zeros, empty lists, NaN) behind a trick, named <assignment>__<trick>;
# a later answer judged with a stub earlier one earns nothing either
STUBS = sorted((HERE / "score_gaming_stubs").glob("*.ipynb"))


@pytest.fixture(scope="module")
def graded(suites, factory):
    jobs = [Job(path, path.stem) for path in NOTEBOOKS]
    outcome = grade_batch(jobs, suites("hw1_forward"), None, 20261127, 2, factory)
    return {r.student: r for r in outcome.results}


def test_there_is_a_notebook_for_each_trick():
    assert len(NOTEBOOKS) >= 10


@pytest.mark.parametrize("name", [p.stem for p in NOTEBOOKS])
def test_a_trick_earns_no_point(graded, name):
    result = graded[name]
    assert not result.error, result.error
    assert {q.question: q.score for q in result.questions if q.score} == {}, \
        {q.question: q.feedback for q in result.questions if q.score}


@pytest.mark.parametrize("path", STUBS, ids=lambda p: p.stem)
def test_stubs_earn_nothing_in_other_homeworks(path, suites, factory):
    assignment = path.stem.split("__")[0]
    [result] = grade_batch([Job(path, path.stem)], suites(assignment), None, 20261127, 1,
                           factory).results
    assert not result.error, result.error
    assert {q.question: q.score for q in result.questions if q.score} == {}, \
        {q.question: q.feedback for q in result.questions if q.score}
