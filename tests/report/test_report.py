"""The instructor's report: the figures it computes and the page it writes."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from autograder.engine.results import CellLog, QuestionResult, Status, SubmissionResult
from autograder.records import analysis
from autograder.records.feedback_pages import page_path, write_feedback_pages
from autograder.records.report import write_report

ISOLATION = ("namespaces: mount, pid, network, ipc, uts; private read-only root (no course "
             "files); uid {}; rlimits")
TRANSPOSE = "missing transpose in BP2"


def _result(student: str, scores: dict[str, float | None], mistakes=None, uid=200100,
            **kw) -> SubmissionResult:
    r = SubmissionResult(student, "hw", f"/subs/{student}.ipynb", "ab" * 32, 7,
                         isolation=ISOLATION.format(uid), seconds=1.5,
                         graded_at=datetime(2026, 11, 30, 9, 15), **kw)
    for qid, score in scores.items():
        top = 3.0 if qid == "q4" else 2.0
        status = (Status.MANUAL if score is None else Status.PASSED if score == top
                  else Status.PARTIAL if score else Status.FAILED)
        named = (mistakes or {}).get(qid, [])
        feedback = "All 2 checks passed." if status == Status.PASSED else (
            "f(X (2, 3)): expected shape (3, 2), got shape (2, 3)\n"
            + "".join(f"This matches a common mistake: {m}.\n" for m in named)
            + "(0 of 2 checks passed)")
        r.questions.append(QuestionResult(qid, top, score, status, feedback, mistakes=named))
    return r


@pytest.fixture
def results() -> list[SubmissionResult]:
    """Six students: q1 everyone passes, q2 and q5 tell strong from weak, q3 fails the
    strongest one, q4 is manual and partly pending; one file was refused."""
    return [
        _result("ana", {"q1": 2, "q2": 2, "q3": 0, "q4": 3, "q5": 2}, uid=200101),
        _result("ben", {"q1": 2, "q2": 2, "q3": 2, "q4": None, "q5": 2}, uid=200102),
        _result("cy", {"q1": 2, "q2": 1, "q3": 2, "q4": 2, "q5": 1}, {"q2": [TRANSPOSE]},
                uid=200103),
        _result("dee", {"q1": 2, "q2": 0, "q3": 2, "q4": None, "q5": 0}, {"q2": [TRANSPOSE]}),
        _result("eve", {"q1": 2, "q2": 0, "q3": 2, "q4": 1, "q5": 0},
                {"q2": [TRANSPOSE, "summed instead of averaged"]}),
        _refused("zed"),
    ]


def _refused(student: str) -> SubmissionResult:
    r = SubmissionResult(student, "hw", f"/subs/{student}.ipynb", "", 7,
                         error=f"{student}.ipynb: the file is not valid JSON")
    r.questions = [QuestionResult(q, 3.0 if q == "q4" else 2.0, 0.0, Status.ERROR,
                                  "Not graded") for q in ("q1", "q2", "q3", "q4", "q5")]
    return r


def test_misconceptions_are_counted_per_question_most_frequent_first(results):
    found = analysis.misconceptions(results)
    assert [(m.question, m.mistake, m.count) for m in found] == [
        ("q2", TRANSPOSE, 3), ("q2", "summed instead of averaged", 1)]
    assert found[0].students == ["cy", "dee", "eve"] and found[0].answered == 5
    assert f"common mistake: {TRANSPOSE}" in found[0].example


def test_pending_manual_answers_are_not_zeros(results):
    q4 = analysis.item_analysis(results)[3]
    assert (q4.answered, q4.pending) == (3, 2)
    assert q4.mean_score == pytest.approx(2.0)          # (3 + 2 + 1) / 3, not / 5
    rows = analysis.student_rows(results)
    ben = rows[1]
    assert (ben.points, ben.possible, ben.pending) == (8.0, 8.0, ["q4"])
    totals = analysis.totals(rows)
    assert totals.pending == 2 and totals.pending_questions == ["q4"]
    assert totals.possible is None                      # graded points differ per student
    assert totals.mean_share == pytest.approx(
        sum(row.points / row.possible for row in rows[:5]) / 6)


def test_item_analysis_flags_questions_that_separate_no_one(results):
    q1, q2, q3, _, q5 = analysis.item_analysis(results)
    assert q1.full_marks == 1.0 and q1.discrimination is None
    assert any("passes everyone" in f for f in q1.flags)
    assert q2.discrimination > 0.5 and not q2.flags and not q5.flags
    assert q3.discrimination < 0 and any("fails strong students" in f for f in q3.flags)
    assert q2.outcomes[Status.PARTIAL] == 1 and sum(q2.outcomes.values()) == 5


def test_isolation_is_summarised_by_kind_not_by_uid(results):
    facts = analysis.facts(results)
    assert len(facts.isolation) == 1
    (kind, count), = facts.isolation.items()
    assert count == 5 and "uid 2001" not in kind and "a uid of its own" in kind
    assert facts.refused == [("zed", "zed.ipynb", "zed.ipynb: the file is not valid JSON")]
    assert facts.seeds == {7: 6}


def test_the_page_has_every_section_and_links_each_student(results, tmp_path):
    path = write_report(results, "hw", tmp_path / "report", tmp_path / "feedback")
    html = path.read_text()
    for anchor in ("misconception-table", "item-table", "student-table", "refused-table",
                   "isolation"):
        assert f'id="{anchor}"' in html
    assert html.count("data:image/svg+xml;base64,") == 3
    assert 'href="../feedback/ana.html"' in html
    assert "2 manual grades pending" in html
    assert html.count("a uid of its own") == 1
    assert "<link" not in html and "http" not in html.replace("http-equiv", "")


def test_no_refused_files_no_heading(results, tmp_path):
    html = write_report(results[:5], "hw", tmp_path).read_text()
    assert "could not be graded" not in html and 'id="refused-table"' not in html


HOSTILE = "<script>window.pwned = 1</script><img src=x onerror=alert(1)>"


def test_everything_from_a_notebook_is_escaped(results, tmp_path):
    evil = _result(f"mallory{HOSTILE}", {"q1": 0, "q2": 0, "q3": 0, "q4": None, "q5": 0},
                   {"q1": [HOSTILE]})
    evil.questions[0].feedback = f"got {HOSTILE}"
    evil.questions[3].answer = HOSTILE
    evil.cells = [CellLog(3, False, 0.1, f"ValueError: {HOSTILE}")]
    pages = [write_report([*results, evil], "hw", tmp_path / "report"),
             *write_feedback_pages([evil], tmp_path / "feedback")]
    for page in pages:
        html = page.read_text()
        assert "<img src=x" not in html and "window.pwned = 1</script>" not in html
        assert "&lt;script&gt;window.pwned" in html
        scripts = re.findall(r"<script[^>]*>", html)
        assert all(re.fullmatch(r'<script nonce="[\w-]+">', s) for s in scripts)
    assert page_path(tmp_path / "feedback", evil.student).name == "mallory_script_window.pwned_" \
        "1_script_img_src_x_onerror_alert_1.html"


def test_a_feedback_page_shows_checks_mistakes_and_failed_cells(results, tmp_path):
    from autograder.engine.results import CheckResult

    fresh = _result("cy", {"q1": 2, "q2": 1, "q3": 2, "q4": 2, "q5": 1}, {"q2": [TRANSPOSE]},
                    uid=200103)
    fresh.questions[1].checks = [CheckResult("f(X (2, 3))", True),
                                 CheckResult("f(X (4, 1))", False, message="expected shape "
                                             "(1, 4), got shape (4, 1)", mistake=TRANSPOSE)]
    results[2].cells = [CellLog(4, False, 0.2, "NameError: name 'np' is not defined",
                                "x = np.ones(3)")]
    page, = write_feedback_pages([results[2]], tmp_path, fresh=[fresh])
    html = page.read_text()
    assert "Score <strong>8 / 11</strong>" in html
    assert f"Your answer matches a common mistake: {TRANSPOSE}" in html
    assert '<li class="bad">f(X (4, 1)): expected shape (1, 4), got shape (4, 1)</li>' in html
    assert '<li class="ok">f(X (2, 3))</li>' in html
    assert "Cell 5 (x = np.ones(3)):" in html and "name &#39;np&#39; is not defined" in html
    assert "script-src 'none'" in html and "<script" not in html
