"""Similar code between submissions: renamed copies are found, given code is not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.records.similarity import load_sources, segments, similar_pairs

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
GIVEN = COURSE / "assignments" / "hw1_forward" / "hw1_forward.ipynb"

ORIGINAL = '''
def softmax_rows(scores):
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=1, keepdims=True)


def accuracy(predicted, labels):
    hits = 0
    for guess, truth in zip(predicted, labels):
        if guess == truth:
            hits += 1
    return hits / len(labels)
'''

RENAMED = '''
# my own work, honestly
def soft(s):
    m = s - np.max(s, axis=1, keepdims=True)   # stability
    e = np.exp(m)
    return e / np.sum(e, axis=1, keepdims=True)

def acc(p, y):
    n = 0
    for a, b in zip(p, y):
        if a == b:
            n += 1
    return n / len(y)
'''

DIFFERENT = '''
class RunningMean:
    """The mean of a stream of numbers."""

    def __init__(self):
        self.count, self.total = 0, 0.0

    def push(self, value):
        self.count += 1
        self.total += float(value)
        return self.total / self.count
'''


def _notebook(path: Path, extra: str | None) -> Path:
    """The given student notebook, plus a cell of the student's own code."""
    nb = nbformat.read(GIVEN, as_version=4)
    if extra is not None:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    nbformat.write(nb, path)
    return path


@pytest.fixture
def folder(tmp_path) -> Path:
    subs = tmp_path / "subs"
    subs.mkdir()
    for name, code in [("orig", ORIGINAL), ("copy", RENAMED), ("other", DIFFERENT),
                       ("blank1", None), ("blank2", None)]:
        _notebook(subs / f"{name}.ipynb", code)
    (subs / "broken.ipynb").write_text("{not json")
    return subs


def _paths(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.glob("*.ipynb"))}


def test_a_renamed_copy_is_found_and_given_code_is_ignored(folder):
    sources, skipped = load_sources(_paths(folder), GIVEN)
    assert [s for s, _ in skipped] == ["broken"] and "not valid JSON" in skipped[0][1]
    pairs = {(m.a.student, m.b.student): m for m in similar_pairs(sources, 0.5)}
    assert list(pairs) == [("copy", "orig")]
    match = pairs["copy", "orig"]
    assert match.share_a > 0.8 and match.share_b > 0.8
    matched = "".join(text for text, hit in segments(match.b.code, match.spans_b) if hit)
    assert "np.max(scores, axis=1" in matched and "hits += 1" in matched


def test_without_the_given_notebook_blank_notebooks_match(folder):
    sources, _ = load_sources(_paths(folder), None)
    pairs = {(m.a.student, m.b.student) for m in similar_pairs(sources, 0.9)}
    assert ("blank1", "blank2") in pairs


def test_segments_cover_the_code_exactly_once():
    code = "abcdefghij"
    pieces = segments(code, [(2, 5), (4, 7), (9, 10)])
    assert "".join(text for text, _ in pieces) == code
    assert [text for text, hit in pieces if hit] == ["cdefg", "j"]


def test_the_command_writes_an_escaped_side_by_side_page(folder, tmp_path):
    _notebook(folder / "orig.ipynb", ORIGINAL + "\nprint('</pre><script>alert(1)</script>')\n")
    _notebook(folder / "copy.ipynb", RENAMED + "\nprint('</pre><script>alert(1)</script>')\n")
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "similarity", str(folder),
                           "-a", "hw1_forward", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=COURSE, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "copy and orig" in proc.stdout and "5 notebooks compared" in proc.stdout
    html = (tmp_path / "out/hw1_forward/similarity.html").read_text()
    assert html.count('class="pair"') == 1 and "<mark>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "broken: broken.ipynb: the file is not valid JSON" in html


def test_an_unknown_assignment_is_a_usage_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "similarity", "-a", "nope",
                           str(tmp_path)], capture_output=True, text=True, cwd=COURSE,
                          timeout=60)
    assert proc.returncode == 2 and "no student notebook" in proc.stderr
