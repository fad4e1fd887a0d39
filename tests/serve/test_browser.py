"""The service in a real browser (Debian's Chromium, headless, driven by Playwright)
against a real ``nngrade serve`` on 127.0.0.1: a student signs in, uploads a sample
notebook, watches it being graded and reads the feedback's scores; another student is
refused that feedback page; a teaching assistant enters a hand grade. No request may
leave the server's address, no console error may occur.

In CI a missing Chromium or Playwright fails the test; elsewhere it is skipped."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autograder.records.gradebook import Gradebook

from .conftest import ROSTER, SAMPLES, SEED
from .server import running

pytestmark = pytest.mark.integration  # grades notebooks in the sandbox

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _need(condition: bool, reason: str) -> None:
    """Fail in CI (the browser must be there), skip elsewhere."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI installs it: see .ci/run)")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _need(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("browser-serve")
    deadline = (datetime.now(UTC) + timedelta(days=3)).isoformat(timespec="seconds")
    config = (f"[grading]\nseed = {SEED}\n[staff]\ntara = 'ta'\n"
              f"[assignments.hw1_forward]\ndeadline = {deadline}\n"
              "feedback_before = 'mistakes'\n")
    with running(tmp, config, ROSTER) as srv:
        yield srv, tmp


@pytest.fixture(scope="module")
def browser(server):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        # Playwright gives the browser a fresh temporary profile (--user-data-dir) of its own.
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


class Visitor:
    """One person's browser context, limited to the server's address."""

    def __init__(self, chromium, url: str) -> None:
        self.url = url
        self.context = chromium.new_context(viewport={"width": 1100, "height": 900})
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._local_only)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _local_only(self, route) -> None:
        if route.request.url.startswith(self.url + "/"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def sign_in(self, token: str) -> None:
        self.page.goto(f"{self.url}/signin?token={token}")
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state("load")

    def submit(self, assignment: str, notebook: Path) -> str:
        """Upload and wait for the feedback page; returns its address."""
        self.page.goto(f"{self.url}/a/{assignment}")
        self.page.set_input_files("#notebook", str(notebook))
        self.page.get_by_role("button", name="Submit", exact=True).click()
        self.page.wait_for_selector("#summary", timeout=180_000)
        return self.page.url

    def close(self) -> None:
        self.context.close()


def scores(hw: str, student: str) -> dict[str, float]:
    return json.loads((FIXTURES / f"{hw}_samples.json").read_text())[student]["scores"]


def test_a_student_submits_and_reads_the_feedback_another_is_refused(server, browser):
    srv, tmp = server
    assert "isolation: full" in (tmp / "server.out").read_text()  # printed at the start
    grace = Visitor(browser, srv.url)
    grace.sign_in(srv.tokens["grace_hopper"])
    assert "Your assignments" in grace.page.inner_text("h1")
    url = grace.submit("hw1_forward", SAMPLES / "hw1_forward" / "grace_hopper.ipynb")
    assert "/s/" in url
    expected = scores("hw1_forward", "grace_hopper")
    total = sum(expected.values())
    assert grace.page.inner_text("#score") == f"{round(total, 3):g} / 17"
    for qid, points in expected.items():
        shown = grace.page.inner_text(f"#q-{qid} .points")
        assert shown == f"{round(points, 3):g} / " + shown.split(" / ")[1], qid
    assert "subtract each row's maximum before exp" in grace.page.inner_text("main")
    assert "withheld until the deadline" in grace.page.inner_text("main")
    grace.page.screenshot(path=tmp / "feedback.png", full_page=True)
    grace.page.goto(f"{srv.url}/a/hw1_forward")
    assert grace.page.locator("#submissions tbody tr").count() == 1
    assert grace.page.inner_text("#submissions .state") == "done"

    ada = Visitor(browser, srv.url)
    ada.sign_in(srv.tokens["ada_lovelace"])
    response = ada.page.goto(url)
    assert response.status == 404
    assert ada.page.inner_text("h1") == "Not found"
    assert "grace" not in ada.page.inner_text("body").lower()
    assert ada.page.goto(f"{srv.url}/staff/hw1_forward").status == 404
    refusals = [e for e in ada.errors if "status of 404" in e]
    assert len(refusals) == 2  # the two pages refused above, nothing else
    ada.errors = [e for e in ada.errors if e not in refusals]
    for visitor in (grace, ada):
        assert visitor.outside == [] and visitor.errors == [], visitor.errors
        visitor.close()


def test_a_teaching_assistant_enters_a_hand_grade(server, browser):
    srv, tmp = server
    student = Visitor(browser, srv.url)
    student.sign_in(srv.tokens["rosalind_franklin"])
    student.submit("hw3_cost", SAMPLES / "hw3_cost" / "rosalind_franklin.ipynb")
    assert "still to be graded by hand" in student.page.inner_text("#summary")

    ta = Visitor(browser, srv.url)
    ta.sign_in(srv.tokens["tara"])
    assert ta.page.url == f"{srv.url}/staff"
    ta.page.get_by_role("link", name="hw3_cost").click()
    ta.page.get_by_role("link", name="Grade by hand").click()
    ta.page.get_by_role("link", name="rosalind_franklin").click()
    ta.page.fill("#score-q6", "2")
    ta.page.fill("#comment-q6", "Good reasoning; say why the curve flattens.")
    ta.page.get_by_role("button", name="Save hand grades").click()
    assert ta.page.inner_text("#notice") == "Saved 1 hand grade(s)."
    ta.page.screenshot(path=tmp / "manual.png", full_page=True)
    q6 = Gradebook(str(srv.db)).counted("hw3_cost", "rosalind_franklin").question("q6")
    assert (q6.score, q6.graded_by) == (2.0, "tara")
    assert q6.comment == "Good reasoning; say why the curve flattens."

    student.page.reload()
    assert "Graded by tara: Good reasoning" in student.page.inner_text("#q-q6")
    for visitor in (student, ta):
        assert visitor.outside == [] and visitor.errors == [], visitor.errors
        visitor.close()
