"""The hostile corpus submitted through the web, by many students at once, together with
ordinary students: every attack gets exactly the score it gets from ``nngrade grade``
(no unearned point), files that are not notebooks are refused at upload with their
reason, and the ordinary students' results are exactly their samples' scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile.cases import ACCEPTED, CASES, REFUSED

from autograder.records.roster import Roster, Student
from autograder.serve.app import create_app
from autograder.serve.grading import Graders, LocalBackend

from .conftest import SAMPLES, SEED, Browser, TestClient, course_config, make_service

pytestmark = pytest.mark.integration  # grades notebooks in the sandbox

CORPUS = Path(__file__).resolve().parents[1] / "hostile" / "corpus"
ALONE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                    "hw1_forward_samples.json").read_text())
ORDINARY = ("ada_lovelace", "claude_shannon", "grace_hopper")
HW = "hw1_forward"


@pytest.fixture(scope="module")
def submitted(tmp_path_factory):
    """Every corpus notebook on disk, each from a student of its own, and three ordinary
    students; all uploaded before grading starts, then graded with two graders."""
    tmp = tmp_path_factory.mktemp("hostile-web")
    files = {f"h{i:02d}": path for i, path in enumerate(sorted(CORPUS.glob("*.ipynb")))}
    files.update({s: SAMPLES / HW / f"{s}.ipynb" for s in ORDINARY})
    roster = Roster([Student(sid, sid) for sid in files])
    service = make_service(tmp, course_config(seed=SEED), roster=roster)
    tokens = service.tokens.issue(dict.fromkeys(files, "student"))
    app = create_app(service)
    uploads = {}
    for sid, path in files.items():
        browser = Browser(TestClient(app, base_url="http://127.0.0.1"))
        browser.sign_in(tokens[sid])
        uploads[sid] = (path.stem, browser, browser.upload(HW, path.read_bytes(), path.name))
    graders = Graders(service.queue, service.book, service.course, lambda: SEED,
                      LocalBackend(2))
    graders.start()
    try:
        for _, browser, response in uploads.values():
            if response.status_code == 303:
                browser.wait(response.headers["location"], seconds=600)
    finally:
        graders.shutdown()
    return service, uploads


def test_every_attack_gets_exactly_its_score(submitted):
    service, uploads = submitted
    by_case = {case: sid for sid, (case, _, _) in uploads.items()}
    for case, want in {**{c: v["score"] for c, v in CASES.items()}, **ACCEPTED}.items():
        sid = by_case[case]
        assert uploads[sid][2].status_code == 303, case
        result = service.counted(HW, sid)
        assert result is not None and result.score == pytest.approx(want, abs=1e-6), case
    assert service.queue.counts()["failed"] == 0


def test_files_that_are_not_notebooks_are_refused_at_upload(submitted):
    _, uploads = submitted
    refused = {case: response for case, _, response in uploads.values() if case in REFUSED}
    assert len(refused) >= 4
    for case, response in refused.items():
        assert response.status_code == 422, case
        assert REFUSED[case] in response.text, case


def test_ordinary_students_get_exactly_their_scores(submitted):
    service, _ = submitted
    for sid in ORDINARY:
        got = {q.question: q.score for q in service.counted(HW, sid).questions}
        assert got == pytest.approx(ALONE[sid]["scores"], abs=1e-6), sid
        assert service.book.history(HW, sid)[0].version == 1
