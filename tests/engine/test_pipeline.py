"""The per-submission pipeline reports a failing cell where the student finds it."""

from __future__ import annotations

import nbformat
import pytest

from autograder.engine.batch import Job, grade_batch

pytestmark = pytest.mark.integration  # runs a notebook in the sandbox


def test_a_failing_cell_is_named_by_its_place_and_its_first_line(
        course, suites, factory, tmp_path):
    nb = nbformat.read(course / "examples" / "submissions" / "hw1_forward" /
                       "grace_hopper.ipynb", as_version=4)
    nb.cells[1:1] = [nbformat.v4.new_markdown_cell("A note of mine."),
                     nbformat.v4.new_code_cell("\n\nscores = [0, 0, 0]  # mine\n"
                                               "scores[5] = 1")]
    path = tmp_path / "student.ipynb"
    nbformat.write(nb, path)
    result, = grade_batch([Job(path, "student")], suites("hw1_forward"), None, 3, 1,
                          factory).results
    failed = [c for c in result.cells if not c.ok]
    assert [c.where for c in failed] == ["cell 3 (scores = [0, 0, 0]  # mine)"]
    assert "IndexError" in failed[0].error
