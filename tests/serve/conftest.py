"""Fixtures of the service's tests: a service over the bundled course with its own
gradebook and data folder, and a signed-in HTTP client (Starlette's ASGI test client)."""

from __future__ import annotations

import re
import time
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

from autograder.records.config import CourseConfig, load_config
from autograder.records.gradebook import Gradebook
from autograder.records.roster import Roster

COURSE = Path(__file__).resolve().parents[2]
ROSTER = COURSE / "examples" / "roster.csv"
SAMPLES = COURSE / "examples" / "submissions"
SEED = 20261127
STAFF = {"ines": "instructor", "tara": "ta"}

with warnings.catch_warnings():  # Starlette prefers httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def course_config(**changes) -> CourseConfig:
    """The bundled course's configuration with staff and ``changes``."""
    config = load_config(COURSE)
    return replace(config, staff=dict(STAFF), **changes)


def make_service(tmp_path: Path, config: CourseConfig | None = None, db: str | None = None,
                 roster: Roster | None = None):
    from autograder.serve.service import Service

    book = Gradebook(db or str(tmp_path / "gradebook.db"))
    return Service(COURSE, config or course_config(), roster or Roster.load(ROSTER), book,
                   tmp_path / "data", tmp_path / "no-course.toml")


class Browser:
    """A client session: signs in with a token, keeps its cookie and CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def get(self, url: str, **kw):
        response = self.client.get(url, **kw)
        self._remember(response.text)
        return response

    def _remember(self, text: str) -> None:
        found = re.search(r'name="csrf" value="([^"]+)"', text)
        if found:
            self.csrf = found.group(1)

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kw):
        fields = dict(data or {})
        if csrf:
            fields["csrf"] = self.csrf
        response = self.client.post(url, data=fields, follow_redirects=False, **kw)
        self._remember(response.text)
        return response

    def sign_in(self, token: str):
        self.get(f"/signin?token={token}")
        response = self.post("/signin", {"token": token})
        self.get("/")
        return response

    def upload(self, assignment: str, content: bytes, name: str = "notebook.ipynb"):
        return self.post(f"/a/{assignment}/submit",
                         files={"notebook": (name, content, "application/x-ipynb+json")})

    def wait(self, location: str, seconds: float = 120.0) -> dict:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            state = self.client.get(f"{location}/status").json()
            if state["state"] in ("done", "failed"):
                return state
            time.sleep(0.1)
        raise AssertionError(f"{location} not graded within {seconds} s")


@pytest.fixture
def service(tmp_path):
    return make_service(tmp_path)
