"""The service grading on a Dask cluster (``nngrade serve --scheduler``): uploads are
graded by the cluster's workers and recorded here, with the scores they get alone."""

from __future__ import annotations

import json
from pathlib import Path

import local_cluster
import pytest

from autograder.serve.app import create_app
from autograder.serve.grading import DaskBackend, Graders

from .conftest import SAMPLES, SEED, Browser, TestClient, course_config, make_service

pytestmark = pytest.mark.integration  # grades notebooks in the sandbox

ALONE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                    "hw1_forward_samples.json").read_text())


@pytest.fixture(scope="module")
def scheduler():
    cluster = local_cluster.start(2)
    yield cluster.scheduler_address
    local_cluster.close(cluster)


def test_uploads_are_graded_on_the_cluster(scheduler, tmp_path):
    service = make_service(tmp_path, course_config(seed=SEED))
    backend = DaskBackend(scheduler, service.course)
    assert backend.slots == 2
    graders = Graders(service.queue, service.book, service.course, lambda: SEED, backend)
    app = create_app(service, graders)
    students = ("ada_lovelace", "emmy_noether", "kurt_goedel")
    tokens = service.tokens.issue(dict.fromkeys(students, "student"))
    with TestClient(app, base_url="http://127.0.0.1"):
        for sid in students:
            browser = Browser(TestClient(app, base_url="http://127.0.0.1"))
            browser.sign_in(tokens[sid])
            response = browser.upload("hw1_forward",
                                      (SAMPLES / "hw1_forward" / f"{sid}.ipynb").read_bytes())
            assert browser.wait(response.headers["location"])["state"] == "done"
    for sid in students:
        got = {q.question: q.score for q in service.counted("hw1_forward", sid).questions}
        assert got == pytest.approx(ALONE[sid]["scores"], abs=1e-6), sid
        (entry,) = service.queue.of_student(sid)
        assert entry.runs == 1 and Path(service.counted("hw1_forward", sid).path) == Path(
            entry.stored)
