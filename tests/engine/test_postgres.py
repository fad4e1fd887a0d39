"""A batch graded into a real PostgreSQL gradebook (`--db postgresql+psycopg://...`).

CI (``.ci/run``) installs and starts a PostgreSQL server and sets
``NNGRADE_TEST_POSTGRES``; elsewhere the test skips, saying why.
"""

from __future__ import annotations

import shutil

import pytest

from autograder.engine.batch import Job, grade_batch
from autograder.records.gradebook import Gradebook

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox



@pytest.fixture
def postgres_book(postgres_url):
    book = Gradebook(postgres_url)
    yield book
    book.engine.dispose()


def test_a_batch_is_recorded_in_postgresql_and_a_rerun_changes_nothing(
        postgres_book, course, suites, factory, tmp_path):
    suite = suites("hw1_forward")
    shutil.copy(course / "solutions/hw1_forward/hw1_forward.ipynb", tmp_path / "ada.ipynb")
    shutil.copy(course / "assignments/hw1_forward/hw1_forward.ipynb", tmp_path / "bob.ipynb")
    paths = sorted(tmp_path.glob("*.ipynb"))
    jobs = [Job(p, p.stem) for p in paths]
    first = grade_batch(jobs, suite, postgres_book, 7, 2, factory)
    assert [r.student for r in first.results] == ["ada", "bob"]
    again = grade_batch(jobs, suite, postgres_book, 7, 2, factory)
    assert again.results == [] and len(again.skipped) == 2
    latest = {r.student: r for r in postgres_book.latest("hw1_forward")}
    assert latest["ada"].score == suite.max_score and latest["bob"].score == 0
    assert [q.question for q in latest["ada"].questions] == [q.id for q in suite.questions]
