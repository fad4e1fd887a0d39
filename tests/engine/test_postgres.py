"""A batch graded into a real PostgreSQL gradebook (`--db postgresql+psycopg://...`).

CI (``.ci/run``) installs and starts a PostgreSQL server and sets
``NNGRADE_TEST_POSTGRES``; elsewhere the test skips, saying why.
"""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from autograder.engine.batch import Job, grade_batch
from autograder.engine.results import GradedWith, QuestionResult, Status, SubmissionResult
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


def test_a_schema_2_gradebook_in_postgresql_is_upgraded_keeping_every_grade(postgres_url):
    book = Gradebook(postgres_url)
    result = SubmissionResult("ada", "hw", "/x/ada.ipynb", "a" * 64, 3)
    result.questions = [QuestionResult("q1", 2.0, 1.5, Status.PARTIAL, "half")]
    book.record(result)
    with book.engine.begin() as db:  # schema 2 is schema 3 without gradings.suite
        db.execute(text("ALTER TABLE gradings DROP COLUMN suite"))
        db.execute(text("UPDATE meta SET value = '2' WHERE key = 'schema'"))
    book.engine.dispose()
    upgraded = Gradebook(postgres_url)
    try:
        [latest] = upgraded.latest("hw")
        assert [(q.question, q.score) for q in latest.questions] == [("q1", 1.5)]
        assert upgraded.recorded("hw") == {("ada", "a" * 64): GradedWith(3, "")}
    finally:
        upgraded.engine.dispose()
