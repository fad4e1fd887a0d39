"""Shared fixtures: the course checkout, a worker factory, hidden suites; and a private
temporary folder for the whole session, which must be free of the grader's own
folders (``nngrade-*``) when the session ends: nothing may be left behind."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

import autograder.records.access  # noqa: F401  (their tables belong to the gradebook too)
import autograder.records.queue  # noqa: F401
from autograder.engine.course import hidden_suite
from autograder.engine.session import WorkerFactory
from autograder.records.gradebook import Base

COURSE = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def private_tmp():
    """Run the session (and every grader and fork server it starts) with TMPDIR set to a
    fresh folder; afterwards, no folder of the grader may remain in it."""
    folder = Path(tempfile.mkdtemp(prefix="nngrade-tests-tmp-"))
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None
    yield folder
    if saved is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved
    tempfile.tempdir = None
    left = _leftovers(folder)
    shutil.rmtree(folder, ignore_errors=True)
    assert not left, f"left behind in the temporary folder: {left}"


def _leftovers(folder: Path, seconds: float = 10.0) -> list[str]:
    """The grader's folders still in ``folder`` once the processes of the last tests
    have had ``seconds`` to finish cleaning up."""
    end = time.monotonic() + seconds
    while True:
        left = sorted(p.name for p in folder.iterdir() if p.name.startswith("nngrade-"))
        if not left or time.monotonic() > end:
            return left
        time.sleep(0.2)


@pytest.fixture(scope="session")
def course() -> Path:
    return COURSE


@pytest.fixture(scope="session")
def factory():
    f = WorkerFactory(("sklearn.datasets",))
    yield f
    f.close()


@pytest.fixture(scope="session")
def suites(course):
    cache = {}

    def get(assignment: str):
        if assignment not in cache:
            cache[assignment] = hidden_suite(course, assignment)
        return cache[assignment]

    return get


@pytest.fixture
def postgres_url():
    """The URL of the test PostgreSQL database, emptied before and after the test. Skips
    where there is none; fails in CI, whose .ci/run must start one."""
    url = os.environ.get("NNGRADE_TEST_POSTGRES")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("NNGRADE_TEST_POSTGRES is not set in CI: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL server: set NNGRADE_TEST_POSTGRES to a SQLAlchemy URL "
                    "(.ci/run starts one)")
    _empty(url)
    yield url
    _empty(url)


def _empty(url: str) -> None:
    engine = create_engine(url)
    try:
        Base.metadata.drop_all(engine)
    finally:
        engine.dispose()
