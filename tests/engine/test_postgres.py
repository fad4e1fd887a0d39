"""A batch graded into a real PostgreSQL gradebook (`--db postgresql+psycopg://...`).

CI (``.ci/run``) installs and starts a PostgreSQL server and sets
``NNGRADE_TEST_POSTGRES``; elsewhere the test skips, saying why.
"""

from __future__ import annotations

import os
import shutil

import pytest

from autograder.engine.batch import Job, grade_batch
from autograder.records.gradebook import Base, Gradebook

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

URL = os.environ.get("NNGRADE_TEST_POSTGRES")


@pytest.fixture
def postgres_book():
    if not URL:
        if os.environ.get("CI"):
            pytest.fail("NNGRADE_TEST_POSTGRES is not set in CI: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL server: set NNGRADE_TEST_POSTGRES to a SQLAlchemy URL "
                    "(.ci/run starts one)")
    book = Gradebook(URL)
    Base.metadata.drop_all(book.engine)
    Base.metadata.create_all(book.engine)
    yield book
    Base.metadata.drop_all(book.engine)
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
