"""Loading submissions: valid notebooks load; everything else is refused in one line."""

from __future__ import annotations

import json
import os

import nbformat
import pytest

from autograder.engine.load import LoadError, load_submission, student_id


def notebook(cells, **metadata):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata.update(metadata)
    return nb


def write(tmp_path, name, nb):
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_code_cells_are_kept_in_order_and_otter_cells_skipped(tmp_path):
    nb = notebook([nbformat.v4.new_code_cell("import otter\ngrader = otter.Notebook('x')"),
                   nbformat.v4.new_markdown_cell("text"),
                   nbformat.v4.new_code_cell("x = 1"),
                   nbformat.v4.new_code_cell('grader.check("q1")'),
                   nbformat.v4.new_code_cell("   "),
                   nbformat.v4.new_code_cell("y = x + 1")])
    sub = load_submission(write(tmp_path, "ada.ipynb", nb))
    assert sub.cells == ["import otter\ngrader = otter.Notebook('x')", "x = 1", "y = x + 1"]
    assert sub.positions == [0, 2, 5]
    assert sub.student == "ada" and len(sub.sha256) == 64


def test_student_id_comes_from_the_folder_when_the_file_is_named_after_the_assignment(tmp_path):
    assert student_id(tmp_path / "alice" / "hw1_forward.ipynb", "hw1_forward") == "alice"
    assert student_id(tmp_path / "bob smith.ipynb", "hw1_forward") == "bob smith"


def test_nbformat_v3_notebooks_are_upgraded(tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {},
          "worksheets": [{"cells": [{"cell_type": "code", "input": "z = 3", "outputs": [],
                                     "language": "python", "metadata": {}}]}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3))
    assert load_submission(path).cells == ["z = 3"]


@pytest.mark.parametrize("content, reason", [
    (b'{"cells": [', "not valid JSON"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not text"),
    (b'{"hello": "world"}', "not a Jupyter notebook"),
    (b"[1, 2, 3]", "not a Jupyter notebook"),
    (b'{"cells": "oops", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
     "not a valid Jupyter notebook"),
    (b"", "not valid JSON"),
])
def test_broken_files_are_refused_with_a_clear_reason(tmp_path, content, reason):
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason) as info:
        load_submission(path)
    assert "\n" not in str(info.value)


def test_an_r_notebook_is_refused(tmp_path):
    nb = notebook([nbformat.v4.new_code_cell("x <- 1")],
                  kernelspec={"name": "ir", "language": "R", "display_name": "R"})
    with pytest.raises(LoadError, match="R kernel"):
        load_submission(write(tmp_path, "r.ipynb", nb))


def test_oversized_notebooks_are_refused_before_reading(tmp_path):
    path = tmp_path / "big.ipynb"
    with open(path, "wb") as f:
        f.truncate(30 * 2**20)
    with pytest.raises(LoadError, match="over the 20 MB limit"):
        load_submission(path)


def test_too_many_cells_are_refused(tmp_path):
    nb = notebook([nbformat.v4.new_code_cell("pass") for _ in range(2500)])
    with pytest.raises(LoadError, match="2500 cells"):
        load_submission(write(tmp_path, "many.ipynb", nb))


def test_a_symlink_is_refused(tmp_path):
    target = write(tmp_path, "real.ipynb", notebook([]))
    link = tmp_path / "link.ipynb"
    os.symlink(target, link)
    with pytest.raises(LoadError, match="symbolic link"):
        load_submission(link)


def test_a_python_notebook_is_graded_whatever_its_kernel_is_called(tmp_path):
    nb = notebook([nbformat.v4.new_code_cell("x = 1")],
                  kernelspec={"name": "irene", "language": "python", "display_name": "ML"},
                  language_info={"name": "python"})
    assert load_submission(write(tmp_path, "py.ipynb", nb)).cells == ["x = 1"]


def test_a_byte_order_mark_is_ignored(tmp_path):
    path = write(tmp_path, "bom.ipynb", notebook([nbformat.v4.new_code_cell("x = 1")]))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_submission(path).cells == ["x = 1"]


def test_a_manual_answer_may_be_written_in_cells_the_student_added(tmp_path):
    """Inside a manual question's block: the placeholder left, the answer below it in
    two new cells; a second block whose answer cell was deleted and replaced."""
    def md(text, **meta):
        cell = nbformat.v4.new_markdown_cell(text)
        cell.metadata.update(meta)
        return cell
    prompt = {"editable": False, "deletable": False}
    nb = notebook([
        md("<!-- BEGIN QUESTION -->\n\n## Question 6", nngrade={"question": "q6"}, **prompt),
        md("_Type your answer here, replacing this text._", nngrade={"question": "q6"},
           tags=["otter_answer_cell"]),
        md("The slowdown comes from the output."), md("And from saturated hidden units."),
        md("<!-- END QUESTION -->\n\n<!-- BEGIN QUESTION -->\n\n## Question 7",
           nngrade={"question": "q7"}, **prompt),
        md("Only the deleted cell's replacement."),
        md("<!-- END QUESTION -->\n\n## Submitting", **prompt),
        md("A note after the questions.")])
    sub = load_submission(write(tmp_path, "ada.ipynb", nb))
    assert sub.answer_to("q6", 0) == ("The slowdown comes from the output.\n\n"
                                      "And from saturated hidden units.")
    assert sub.answer_to("q7", 1) == "Only the deleted cell's replacement."
