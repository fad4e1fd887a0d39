"""The report, a feedback page and the similarity page in a real browser (headless
Chromium driven by Playwright): tables and figures are there, sorting and search work,
no console error occurs, and markup from a hostile notebook stays inert text.

Debian's ``chromium`` is needed (``.ci/run`` installs it): in CI its absence fails the
test; elsewhere the test is skipped with the reason. Pages are opened from ``file://``
paths and every other request is refused. Screenshots go to the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
SAMPLES = COURSE / "examples" / "submissions" / "hw1_forward"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAYLOAD = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">"
HOSTILE = "mallory<img src=x onerror=window.__pwned=3>"


def _need(condition: bool, reason: str) -> None:
    """Fail in CI (the browser must be there), skip elsewhere."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI installs it: see .ci/run)")
        pytest.skip(reason)


def nngrade(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=COURSE, timeout=300)


def _hostile_notebook(path: Path) -> None:
    """grace_hopper's notebook with markup in a cell's source, its stored output and the
    error a cell raises while graded."""
    nb = nbformat.read(SAMPLES / "grace_hopper.ipynb", as_version=4)
    cell = nbformat.v4.new_code_cell(f"print({PAYLOAD!r})  # {PAYLOAD}")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=PAYLOAD),
                    nbformat.v4.new_output("display_data", data={"text/html": PAYLOAD})]
    nb.cells += [cell, nbformat.v4.new_code_cell(f"raise ValueError({PAYLOAD!r})")]
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """A graded batch of three notebooks, its report, feedback pages and similarity page."""
    _need(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("browser")
    subs = tmp / "subs"
    subs.mkdir()
    for name in ("ada_lovelace", "grace_hopper"):
        shutil.copy(SAMPLES / f"{name}.ipynb", subs)
    _hostile_notebook(subs / f"{HOSTILE}.ipynb")
    db, out = tmp / "g.db", tmp / "out"
    graded = nngrade("grade", subs, "-a", "hw1_forward", "--db", db, "--out", out)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    for command in (("report",), ("similarity", "--threshold", "0.3")):
        proc = nngrade(*command, "-a", "hw1_forward", "--db", db, "--out", out)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    folder = out / "hw1_forward"
    feedback = sorted((folder / "feedback").glob("mallory*.html"))
    assert len(feedback) == 1
    return {"report": folder / "report" / "report.html", "feedback": feedback[0],
            "similarity": folder / "similarity.html", "shots": tmp}


@pytest.fixture(scope="module")
def browser(pages):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(pages["shots"] / "profile"), executable_path=CHROMIUM, headless=True,
            args=FLAGS, viewport={"width": 1280, "height": 900})
        outside: list[str] = []

        def local_only(route):
            url = route.request.url
            if url.startswith(("file://", "data:")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        context.route("**/*", local_only)
        yield context, outside
        context.close()


class Page:
    """A page opened in the browser with its console errors and uncaught exceptions."""

    def __init__(self, context, path: Path, width: int = 1280) -> None:
        self.page = context.new_page()
        self.page.set_viewport_size({"width": width, "height": 900})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def pwned(self):
        return self.page.evaluate("window.__pwned")

    def rows(self, table: str) -> list[str]:
        return self.page.eval_on_selector_all(
            f"#{table} tbody tr:not([hidden])", "rows => rows.map(r => r.cells[0].innerText)")


def test_the_report_works_in_a_browser(pages, browser):
    context, outside = browser
    view = Page(context, pages["report"])
    page = view.page
    for table in ("misconception-table", "item-table", "student-table"):
        assert page.locator(f"#{table} tbody tr").count() >= 1, table
    assert page.locator("#item-table tbody tr").count() == 7
    sizes = page.eval_on_selector_all("figure img", "imgs => imgs.map(i => i.naturalWidth)")
    assert len(sizes) == 3 and all(w > 100 for w in sizes)

    totals = lambda: page.eval_on_selector_all(  # noqa: E731
        "#student-table tbody tr", "rows => rows.map(r => parseFloat(r.cells[1].dataset.value))")
    page.get_by_role("button", name="total").click()
    assert totals() == sorted(totals()) and len(totals()) == 3
    assert page.locator("th[aria-sort=ascending]").inner_text() == "total"
    page.get_by_role("button", name="total").click()
    assert totals() == sorted(totals(), reverse=True)
    page.get_by_role("button", name="student").click()
    assert view.rows("student-table") == sorted(view.rows("student-table"), key=str.lower)

    page.get_by_placeholder("student id").fill("grace")
    assert view.rows("student-table") == ["grace_hopper"]
    assert page.locator("[data-count=student-table]").inner_text() == "1 shown"
    page.get_by_placeholder("student id").fill("")

    assert page.get_by_text(HOSTILE, exact=True).count() == 1  # shown as text
    assert view.pwned() is None and not view.errors, view.errors
    page.screenshot(path=pages["shots"] / "report.png", full_page=True)

    page.get_by_role("link", name=HOSTILE).click()  # the student's feedback page
    page.wait_for_load_state("load")
    assert page.url == pages["feedback"].as_uri()
    assert outside == []


def test_a_feedback_page_renders_hostile_output_inert(pages, browser):
    context, outside = browser
    view = Page(context, pages["feedback"], width=390)  # a phone
    page = view.page
    assert HOSTILE in page.locator("h1").inner_text()
    cells = page.locator("#cells").inner_text()
    assert "ValueError: <script>window.__pwned = 1</script>" in cells
    assert page.locator("section.question").count() == 7
    note = page.locator(".mistake-note").first.inner_text()
    assert "Your answer matches a common mistake" in note
    assert page.locator("details.checks[open] li.bad").count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing forces sideways scrolling on a phone
    assert page.locator("script").count() == 0 and page.locator("main img").count() == 0
    assert view.pwned() is None and not view.errors, view.errors
    page.screenshot(path=pages["shots"] / "feedback.png", full_page=True)
    assert outside == []


def test_the_similarity_page_shows_code_as_text(pages, browser):
    context, outside = browser
    view = Page(context, pages["similarity"])
    page = view.page
    assert page.locator("#pair-table tbody tr").count() >= 1
    assert page.locator("mark").count() >= 1
    assert PAYLOAD in page.locator("main").inner_text()
    assert view.pwned() is None and not view.errors, view.errors
    page.screenshot(path=pages["shots"] / "similarity.png", full_page=True)
    assert outside == []
