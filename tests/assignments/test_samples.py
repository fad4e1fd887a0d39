"""Sample submissions get exactly the scores recorded in their fixture, and the
feedback names the planted mistake. The samples of each assignment are graded once,
as one parallel batch into a gradebook, which also checks that regrading changes
nothing and that the exports are valid."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from autograder.engine.batch import grade_batch
from autograder.records.intake import take_in
from autograder.records.export import gradebook_csv, gradescope_results
from autograder.records.gradebook import Gradebook

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
FIXTURES = COURSE / "tests" / "fixtures"
SEED = 20261127  # the default grading seed of `nngrade grade`
WITH_SAMPLES = sorted(p.stem.removesuffix("_samples") for p in FIXTURES.glob("*_samples.json"))


def fixture(hw: str) -> dict:
    return json.loads((FIXTURES / f"{hw}_samples.json").read_text())


@pytest.fixture(scope="module")
def graded(suites, factory, tmp_path_factory):
    cache = {}

    def get(hw: str):
        if hw not in cache:
            book = Gradebook(str(tmp_path_factory.mktemp(hw) / "gradebook.db"))
            jobs = take_in([COURSE / "examples" / "submissions" / hw], hw, None).jobs
            outcome = grade_batch(jobs, suites(hw), book, SEED, 2, factory)
            cache[hw] = (book, jobs, outcome)
        return cache[hw]

    return get


@pytest.mark.parametrize("hw", WITH_SAMPLES)
def test_every_sample_has_a_fixture_and_vice_versa(hw, graded):
    _, _, outcome = graded(hw)
    assert sorted(r.student for r in outcome.results) == sorted(fixture(hw))


@pytest.mark.parametrize("hw", WITH_SAMPLES)
def test_samples_get_their_recorded_scores_and_named_mistakes(hw, graded):
    _, _, outcome = graded(hw)
    expected = fixture(hw)
    for result in outcome.results:
        want = expected[result.student]
        got = {q.question: q.score for q in result.questions}
        assert got == pytest.approx(want["scores"], abs=1e-6), result.student
        for qid, fragment in want.get("feedback", {}).items():
            assert fragment in result.question(qid).feedback, (result.student, qid)
        if "error" in want:
            assert want["error"] in result.error, result.student
        else:
            assert not result.error, (result.student, result.error)


@pytest.mark.parametrize("hw", WITH_SAMPLES)
def test_regrading_the_samples_changes_nothing(hw, graded, suites, factory):
    book, jobs, _ = graded(hw)
    before = {r.student: (r.attempt, r.score) for r in book.latest(hw)}
    again = grade_batch(jobs, suites(hw), book, SEED, 2, factory)
    assert again.results == [] and len(again.skipped) == len(jobs)  # refusals are recorded too
    assert {r.student: (r.attempt, r.score) for r in book.latest(hw)} == before


@pytest.mark.parametrize("hw", WITH_SAMPLES)
def test_exports_are_valid(hw, graded, tmp_path, suites):
    book, _, _ = graded(hw)
    results = book.latest(hw)
    path = gradebook_csv(results, tmp_path / "gradebook.csv")
    rows = list(csv.DictReader(path.open()))
    qids = [q.id for q in suites(hw).questions]
    assert [r["student"] for r in rows] == sorted(r.student for r in results)
    for row, result in zip(rows, sorted(results, key=lambda r: r.student), strict=True):
        automatic = [row[q] for q in qids if row[q] != "pending"]
        assert sum(map(float, automatic)) == pytest.approx(float(row["total"]))
        assert float(row["total"]) == pytest.approx(result.score)
        gs = json.loads(json.dumps(gradescope_results(result)))
        assert gs["score"] == pytest.approx(sum(t.get("score", 0.0) for t in gs["tests"]))
        assert {t["name"] for t in gs["tests"]} == set(qids)
        for test in gs["tests"]:  # a pending question has no score yet, never "failed"
            pending = result.question(test["name"]).pending
            assert set(test) >= {"name", "max_score", "output", "visibility"}
            assert ("score" in test) != pending and test["output"].startswith("[pending]") == pending
