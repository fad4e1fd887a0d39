"""Time the instructor's pages for a large class: the report and every feedback page for
400 synthetic students (12 questions, named mistakes, pending manual answers), and the
similarity of 150 notebooks (the hw1 student notebook, each with its own code cell made
of lines drawn from a common pool, so that pairs share some code)."""

import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

from autograder.engine.results import QuestionResult, Status, SubmissionResult
from autograder.records.feedback_pages import write_feedback_pages
from autograder.records.report import write_report
from autograder.records.similarity import load_sources, similar_pairs

COURSE = Path(__file__).resolve().parents[1]
GIVEN = COURSE / "assignments" / "hw1_forward" / "hw1_forward.ipynb"
STUDENTS, QUESTIONS, NOTEBOOKS = 400, 12, 150
MISTAKES = ["missing transpose", "sigma instead of sigma'", "summed instead of averaged"]


def _class(rng: np.random.Generator) -> list[SubmissionResult]:
    results = []
    for s in range(STUDENTS):
        r = SubmissionResult(f"student_{s:03d}", "hw", f"s{s}.ipynb", f"{s:064x}", 1,
                             isolation=f"namespaces: mount; uid {200000 + s % 8}; rlimits",
                             seconds=float(rng.gamma(2.0, 0.3)))
        for q in range(QUESTIONS):
            if q == QUESTIONS - 1 and s % 3:
                r.questions.append(QuestionResult(f"q{q + 1}", 3.0, None, Status.MANUAL))
                continue
            score = float(rng.choice([0.0, 1.0, 2.0, 3.0]))
            status = (Status.PASSED if score == 3 else Status.PARTIAL if score
                      else Status.FAILED)
            named = [MISTAKES[(s + q) % 3]] if status != Status.PASSED and s % 2 else []
            r.questions.append(QuestionResult(f"q{q + 1}", 3.0, score, status,
                                              "first mismatch at index (0, 1)", mistakes=named))
        results.append(r)
    return results


def _notebooks(folder: Path, rng: np.random.Generator) -> dict[str, Path]:
    pool = [f"def helper_{i}(x, y):\n    z = np.dot(x, y.T) * {i} + np.sum(x ** 2, axis=1)\n"
            f"    return np.maximum(z, 0.0) / (1.0 + np.abs(z).max())\n" for i in range(60)]
    base = nbformat.read(GIVEN, as_version=4)
    paths = {}
    for n in range(NOTEBOOKS):
        nb = nbformat.from_dict(base)
        nb.cells.append(nbformat.v4.new_code_cell(
            "\n".join(rng.choice(pool, size=12, replace=False))))
        paths[f"nb{n}"] = folder / f"nb{n}.ipynb"
        nbformat.write(nb, paths[f"nb{n}"])
    return paths


def main() -> None:
    rng = np.random.default_rng(0)
    results = _class(rng)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        write_report(results, "hw", out / "report", out / "feedback")
        report = time.perf_counter() - start
        start = time.perf_counter()
        write_feedback_pages(results, out / "feedback")
        pages = time.perf_counter() - start
        print(f"report for {STUDENTS} students x {QUESTIONS} questions: {report:.2f} s "
              f"({(out / 'report' / 'report.html').stat().st_size / 1e6:.1f} MB)")
        print(f"{STUDENTS} feedback pages: {pages:.2f} s ({1000 * pages / STUDENTS:.1f} ms each)")
        paths = _notebooks(out, rng)
        start = time.perf_counter()
        sources, _ = load_sources(paths, GIVEN)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        matches = similar_pairs(sources, 0.5)
        compared = time.perf_counter() - start
        pairs = NOTEBOOKS * (NOTEBOOKS - 1) // 2
        print(f"similarity of {NOTEBOOKS} notebooks: fingerprints {loaded:.2f} s, {pairs} pairs "
              f"{compared:.2f} s ({1e6 * compared / pairs:.0f} µs a pair), "
              f"{len(matches)} pairs at or above 50%")


if __name__ == "__main__":
    main()
