"""Shared fixtures: the course checkout, a worker factory, hidden suites."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.engine.course import hidden_suite
from autograder.engine.session import WorkerFactory

COURSE = Path(__file__).resolve().parent.parent


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
