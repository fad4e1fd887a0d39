"""The service over HTTP (Starlette's ASGI test client), grading for real: signing in,
CSRF on every form, uploads and their checks, feedback by the policy (no expected value
before the deadline), late submissions, a student's view limited to their own
submissions, staff pages, hand grades, regrades, exports, restarts and logs."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.routing import Route

from autograder.authoring.redact import WITHHELD
from autograder.records.config import Feedback, LatePolicy, ServeSettings, SubmissionPolicy
from autograder.records.queue import RUNNING
from autograder.serve import logs
from autograder.serve.app import SESSION_COOKIE, create_app
from autograder.serve.grading import Graders, LocalBackend

from .conftest import SAMPLES, SEED, Browser, TestClient, course_config, make_service

pytestmark = pytest.mark.integration  # grades notebooks in the sandbox

HW1, HW2, HW3 = "hw1_forward", "hw2_backprop", "hw3_cost"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPECTED_NUMBER = re.compile(r"expected [-+]?(\d|inf|nan)")


def sample(hw: str, student: str) -> bytes:
    return (SAMPLES / hw / f"{student}.ipynb").read_bytes()


def variant(hw: str, student: str, n: int) -> bytes:
    """The sample with a distinct file content (an extra metadata field)."""
    nb = json.loads(sample(hw, student))
    nb["metadata"]["variant"] = n
    return json.dumps(nb).encode()


def expected_scores(hw: str, student: str) -> dict:
    return json.loads((FIXTURES / f"{hw}_samples.json").read_text())[student]["scores"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A service with three assignment policies, its graders running, and a factory of
    signed-in clients; the service's JSON log goes to its data folder."""
    tmp = tmp_path_factory.mktemp("site")
    now = datetime.now(UTC)
    policies = {HW1: SubmissionPolicy(Feedback.MISTAKES, Feedback.FULL, daily_limit=3),
                HW2: SubmissionPolicy(accept_late=False)}
    config = course_config(
        deadlines={HW1: now + timedelta(days=7), HW2: now - timedelta(days=1),
                   HW3: now - timedelta(days=2, hours=1)},
        policies=policies, late=LatePolicy(penalty_per_day=10, max_penalty=50), seed=SEED,
        serve=ServeSettings(uploads_per_minute=10))
    service = make_service(tmp, config)
    (tmp / "data").mkdir(exist_ok=True)
    logs.setup(tmp / "data")
    graders = Graders(service.queue, service.book, service.course, lambda: SEED,
                      LocalBackend(2))
    app = create_app(service, graders)
    tokens = service.tokens.issue(service.people())
    with TestClient(app, base_url="http://127.0.0.1"):  # runs the graders

        def signed_in(person: str) -> Browser:
            browser = Browser(TestClient(app, base_url="http://127.0.0.1"))
            browser.sign_in(tokens[person])
            return browser

        yield {"service": service, "app": app, "tokens": tokens, "as": signed_in,
               "log": tmp / "data" / "serve.log"}
    logging.getLogger("autograder").handlers.clear()
    logging.getLogger("autograder").propagate = True


def submit_and_wait(browser: Browser, hw: str, content: bytes) -> str:
    response = browser.upload(hw, content)
    assert response.status_code == 303, response.text[-600:]
    location = response.headers["location"]
    assert browser.wait(location)["state"] == "done"
    return location


# -- signing in ------------------------------------------------------------------

def test_pages_need_a_sign_in_and_a_valid_token(site):
    anonymous = Browser(TestClient(site["app"], base_url="http://127.0.0.1"))
    assert anonymous.client.get("/", follow_redirects=False).headers["location"] == "/signin"
    assert anonymous.client.get("/staff", follow_redirects=False).status_code == 303
    assert anonymous.client.get("/s/x/status").status_code == 401
    anonymous.get("/signin")
    refused = anonymous.post("/signin", {"token": "not-a-token"})
    assert refused.status_code == 403 and "not valid" in refused.text
    no_csrf = anonymous.post("/signin", {"token": site["tokens"]["ada_lovelace"]}, csrf=False)
    assert no_csrf.status_code == 403 and "did not come from this site" in no_csrf.text
    ok = anonymous.post("/signin", {"token": site["tokens"]["ada_lovelace"]})
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    cookie = ok.headers["set-cookie"].lower()
    assert cookie.startswith(SESSION_COOKIE)
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = anonymous.get("/")
    assert page.status_code == 200 and "Ada Lovelace" in page.text
    for header in ("content-security-policy", "x-content-type-options", "referrer-policy"):
        assert header in page.headers


def test_failed_sign_ins_are_rate_limited_per_address(site):
    app = create_app(site["service"])  # its own limiter, no graders
    browser = Browser(TestClient(app, base_url="http://127.0.0.1"))
    browser.get("/signin")
    limit = site["service"].config.serve.signin_failures
    for _ in range(limit):
        assert browser.post("/signin", {"token": "guess"}).status_code == 403
    blocked = browser.post("/signin", {"token": site["tokens"]["ada_lovelace"]})
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text


def test_a_new_token_ends_the_sessions_of_the_old_one(site):
    service = site["service"]
    browser = site["as"]("john_nash")
    assert browser.get("/").status_code == 200
    fresh = service.tokens.issue({"john_nash": "student"})["john_nash"]
    assert browser.client.get("/", follow_redirects=False).status_code == 303
    assert Browser(TestClient(site["app"])).sign_in(fresh).status_code == 303


def test_every_form_is_refused_without_its_csrf_token(site):
    staff, student = site["as"]("ines"), site["as"]("kurt_goedel")
    posts = [r for r in site["app"].routes if isinstance(r, Route) and "POST" in r.methods]
    assert len(posts) == 6
    for route in posts:
        url = route.path.replace("{assignment}", HW1).replace("{student}", "ada_lovelace")
        browser = student if url.startswith("/a/") else staff
        kw = {"files": {"notebook": ("x.ipynb", sample(HW1, "ada_lovelace"))}} \
            if url.endswith("/submit") else {}
        response = browser.post(url, {"format": "csv", "score:q1": "1"}, csrf=False, **kw)
        assert response.status_code == 403, url
        assert "did not come from this site" in response.text, url
        wrong = browser.post(url, {"csrf": "forged"}, csrf=False, **kw)
        assert wrong.status_code == 403, url
    assert site["service"].queue.of_student("kurt_goedel") == []


# -- submitting and feedback ------------------------------------------------------

def test_a_student_gets_scores_and_named_mistakes_but_no_expected_values(site):
    browser = site["as"]("claude_shannon")
    location = submit_and_wait(browser, HW1, sample(HW1, "claude_shannon"))
    page = browser.get(location).text
    expected = expected_scores(HW1, "claude_shannon")
    shown = dict(re.findall(r'id="q-(q\d+)">.*?class="num points">([^ ]+) /', page, re.S))
    assert {q: float(v) for q, v in shown.items()} == pytest.approx(
        {q: round(v, 2) for q, v in expected.items()}, abs=0.006)
    assert "as if it were a = sigmoid(z)" in page and "this submission counts" in page
    assert WITHHELD in page and not EXPECTED_NUMBER.search(page)
    staff = site["as"]("tara").get("/staff/hw1_forward/students/claude_shannon").text
    assert EXPECTED_NUMBER.search(staff) and WITHHELD not in staff
    assert browser.get(f"/a/{HW1}").text.count('class="state">done') == 1


def test_others_submissions_and_staff_pages_are_not_found_for_a_student(site):
    ada, grace = site["as"]("ada_lovelace"), site["as"]("grace_hopper")
    location = submit_and_wait(ada, HW1, sample(HW1, "ada_lovelace"))
    assert ada.get(location).status_code == 200
    for url in (location, f"{location}/status", "/s/" + "A" * 22, "/staff",
                f"/staff/{HW1}", f"/staff/{HW1}/students/ada_lovelace", f"/staff/{HW1}/report/",
                f"/staff/{HW1}/manual/ada_lovelace", "/a/no_such_hw", "/a/..%2Fsolutions"):
        response = grace.client.get(url, follow_redirects=False)
        assert response.status_code == 404, url
        assert "ada_lovelace" not in response.text and "17 / 17" not in response.text, url
    for url in (f"/staff/{HW1}/regrade", f"/staff/{HW1}/export"):
        assert grace.post(url, {"format": "csv"}).status_code == 404
    assert "ada_lovelace" not in grace.get(f"/a/{HW1}").text


def test_uploads_are_checked_and_stored_under_their_content_hash(site):
    service = site["service"]
    browser = site["as"]("alan_turing")
    limit_mb = service.config.serve.max_upload_mb
    big = b"{" + b" " * int(limit_mb * 2**20 + 100_000) + b"}"
    assert browser.upload(HW1, big).status_code == 413

    def chunks():  # no Content-Length: the limit bites while reading
        for _ in range(int(limit_mb) + 2):
            yield b"x" * 2**20
    streamed = browser.client.post(f"/a/{HW1}/submit", content=chunks(), headers={
        "content-type": "multipart/form-data; boundary=b"})
    assert streamed.status_code == 413 and "MB limit" in streamed.text
    cases = [(b"hello", "notes.txt", 415, "only Jupyter notebooks"),
             (b"{not json", "a.ipynb", 422, "not valid JSON"),
             (b'{"cells": 3}', "a.ipynb", 422, "cannot be graded"),
             (sample(HW2, "carl_gauss"), "a.ipynb", 422, "belongs to hw2_backprop")]
    for content, name, status, words in cases:
        response = browser.upload(HW1, content, name)
        assert response.status_code == status and words in response.text, name
    evil = browser.upload(HW1, sample(HW1, "alan_turing"), "../../../../tmp/evil.ipynb")
    assert evil.status_code == 303
    again = browser.upload(HW1, sample(HW1, "alan_turing"), "copy.ipynb")
    assert again.status_code == 409 and "this exact file" in again.text
    assert site["as"]("ines").upload(HW1, sample(HW1, "alan_turing")).status_code == 403
    stored = sorted(p.relative_to(service.uploads) for p in service.uploads.rglob("*")
                    if p.is_file())
    assert stored and all(re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{64}\.ipynb", str(p))
                          for p in stored)
    assert not list(service.incoming.iterdir()) and not Path("/tmp/evil.ipynb").exists()
    (entry,) = service.queue.of_student("alan_turing")
    assert entry.filename == "evil.ipynb"


def test_the_daily_limit_counts_graded_submissions(site):
    browser = site["as"]("srinivasa_ramanujan")
    for n in range(3):
        assert browser.upload(HW1, variant(HW1, "srinivasa_ramanujan", n)).status_code == 303
    refused = browser.upload(HW1, variant(HW1, "srinivasa_ramanujan", 3))
    assert refused.status_code == 429 and "3 graded submissions" in refused.text
    assert "0 graded submission(s) left" in browser.get(f"/a/{HW1}").text


def test_uploads_in_quick_succession_are_rate_limited(site):
    browser = site["as"]("edsger_dijkstra")
    codes = [browser.upload(HW1, b"{not json", "a.ipynb").status_code for _ in range(11)]
    assert codes == [422] * 10 + [429]
    assert "too many uploads" in browser.upload(HW1, b"{}", "a.ipynb").text


def test_after_the_deadline_late_work_is_marked_penalised_and_fully_explained(site):
    browser = site["as"]("paul_dirac")
    assert "The deadline has passed" in browser.get(f"/a/{HW3}").text
    location = submit_and_wait(browser, HW3, sample(HW3, "paul_dirac"))
    (entry,) = site["service"].queue.of_student("paul_dirac")
    assert entry.late
    page = browser.get(location).text
    total = sum(v for v in expected_scores(HW3, "paul_dirac").values() if v)
    result = site["service"].counted(HW3, "paul_dirac")
    assert result.days_late == 3 and result.penalty == pytest.approx(0.3 * result.max_score)
    assert "Submitted late (3 day(s))" in page and result.score == pytest.approx(total)
    assert EXPECTED_NUMBER.search(page) and WITHHELD not in page  # full after the deadline
    closed = site["as"]("carl_gauss").upload(HW2, sample(HW2, "carl_gauss"))
    assert closed.status_code == 403 and "not accepted" in closed.text


# -- staff -------------------------------------------------------------------------

def test_a_teaching_assistant_grades_by_hand_into_the_hand_grade_layer(site):
    service = site["service"]
    submit_and_wait(site["as"]("rosalind_franklin"), HW3, sample(HW3, "rosalind_franklin"))
    ta = site["as"]("tara")
    assert "rosalind_franklin" in ta.get(f"/staff/{HW3}/manual").text
    form = ta.get(f"/staff/{HW3}/manual/rosalind_franklin")
    assert form.status_code == 200 and 'name="score:q6"' in form.text
    bad = ta.post(f"/staff/{HW3}/manual/rosalind_franklin", {"score:q6": "99"})
    assert bad.status_code == 422 and "outside" in bad.text
    saved = ta.post(f"/staff/{HW3}/manual/rosalind_franklin",
                    {"score:q6": "1.5", "comment:q6": "Right idea <b>but</b> no units."})
    assert saved.status_code == 303
    q6 = service.book.counted(HW3, "rosalind_franklin").question("q6")
    assert (q6.score, q6.graded_by, q6.comment) == (1.5, "tara", "Right idea <b>but</b> no units.")
    (grade,) = service.book.hand_grades(HW3)
    assert grade.kind == "manual" and grade.grader == "tara"
    page = ta.get(f"/staff/{HW3}/manual/rosalind_franklin?saved=1").text
    assert "Right idea &lt;b&gt;but&lt;/b&gt; no units." in page
    student = site["as"]("rosalind_franklin").get(f"/a/{HW3}").text
    assert "counts" in student


def test_staff_see_everything_regrade_and_export(site):
    service = site["service"]
    submit_and_wait(site["as"]("grace_hopper"), HW1, sample(HW1, "grace_hopper"))
    staff = site["as"]("ines")
    overview = staff.get("/staff").text
    assert HW1 in overview and "Grading queue" in overview
    page = staff.get(f"/staff/{HW1}").text
    assert "exp of large logits overflows: subtract each row" in page  # misconceptions
    assert "grace_hopper" in page and "Grace Hopper" in page
    report = staff.get(f"/staff/{HW1}/report/")
    assert report.status_code == 200 and "grace_hopper" in report.text
    link = staff.client.get(f"/staff/{HW1}/feedback/grace_hopper.html", follow_redirects=False)
    assert link.headers["location"] == f"/staff/{HW1}/students/grace_hopper"
    exported = staff.post(f"/staff/{HW1}/export", {"format": "csv"})
    assert exported.status_code == 200 and "attachment" in exported.headers[
        "content-disposition"]
    rows = exported.text.splitlines()
    assert rows[0].startswith("student,name") and any(r.startswith("grace_hopper,Grace")
                                                      for r in rows)
    canvas = staff.post(f"/staff/{HW1}/export", {"format": "canvas"})
    assert "Points Possible" in canvas.text
    before = len(service.queue.all(HW1))
    regraded = staff.post(f"/staff/{HW1}/regrade", {"student": "grace_hopper"})
    assert regraded.status_code == 303
    assert "1 submission(s) queued for regrading" in staff.get(f"/staff/{HW1}").text
    (entry,) = [e for e in service.queue.all(HW1)[before:]]
    assert entry.regrade and staff.wait(f"/s/{entry.public_id}")["state"] == "done"
    history = service.book.history(HW1, "grace_hopper")
    assert len(history) == 1 and history[0].version == 2
    assert staff.get("/healthz").json()["status"] == "ok"


def test_a_submission_left_running_by_a_stopped_server_is_graded_once(site, tmp_path):
    service = make_service(tmp_path, course_config(seed=SEED))
    browser = Browser(TestClient(create_app(service), base_url="http://127.0.0.1"))
    browser.sign_in(service.tokens.issue({"emmy_noether": "student"})["emmy_noether"])
    location = browser.upload(HW1, sample(HW1, "emmy_noether")).headers["location"]
    crashed = service.queue.claim("a-server-that-died")
    assert crashed.state == RUNNING and browser.client.get(
        f"{location}/status").json()["state"] == "running"
    graders = Graders(service.queue, service.book, service.course, lambda: SEED,
                      LocalBackend(1))
    assert graders.start() == 1
    try:
        assert browser.wait(location)["state"] == "done"
    finally:
        graders.shutdown()
    (entry,) = service.queue.all()
    assert entry.runs == 2 and entry.attempt == 1
    assert len(service.book.history(HW1, "emmy_noether")) == 1
    assert service.book.history(HW1, "emmy_noether")[0].version == 1


def test_no_secret_reaches_the_log(site):
    text = site["log"].read_text()
    events = [json.loads(line) for line in text.splitlines()]
    assert {"request", "signed in", "submission queued", "graded"} <= {e["event"] for e in events}
    assert any(e.get("route") == "/s/{public_id}" for e in events)
    for token in site["tokens"].values():
        assert token not in text
    key = (site["service"].data / "session.key").read_text().strip()
    assert key not in text and "csrf" not in text and "token=" not in text
