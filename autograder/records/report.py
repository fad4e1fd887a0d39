"""The instructor's report: distributions, per-question difficulty, grading times."""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from autograder.engine.results import Status, SubmissionResult, question_ids  # noqa: E402


def write_report(results: list[SubmissionResult], assignment: str, outdir: Path) -> Path:
    """Write ``report.html`` and its figures into ``outdir``; returns the HTML path."""
    outdir.mkdir(parents=True, exist_ok=True)
    figures = [_histogram(results, outdir / "scores.png"),
               _difficulty(results, outdir / "questions.png"),
               _timing(results, outdir / "time.png")]
    path = outdir / "report.html"
    path.write_text(_html(results, assignment, figures))
    return path


def _histogram(results, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    scores = [r.score for r in results]
    top = max((r.max_score for r in results), default=1.0)
    ax.hist(scores, bins=np.linspace(0, top, min(21, int(top) + 2)), color="#4c72b0")
    ax.set_xlabel("total score")
    ax.set_ylabel("submissions")
    ax.set_title("Score distribution")
    return _save(fig, path)


def _difficulty(results, path: Path) -> Path:
    qids = question_ids(results)
    fig, ax = plt.subplots(figsize=(max(4, 0.7 * len(qids) + 2), 3.5))
    bottom = np.zeros(len(qids))
    for status in Status:
        counts = np.array([sum(1 for r in results for q in r.questions
                               if q.question == qid and q.status == status) for qid in qids])
        if counts.any():
            ax.bar(qids, counts, bottom=bottom, label=status)
            bottom += counts
    ax.set_xlabel("question")
    ax.set_ylabel("submissions")
    ax.set_title("Outcome per question")
    ax.legend(fontsize=7, ncols=2)
    return _save(fig, path)


def _timing(results, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist([r.seconds for r in results], bins=20, color="#55a868")
    ax.set_xlabel("seconds to grade (notebook and hidden suite)")
    ax.set_ylabel("submissions")
    ax.set_title("Time per submission")
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _html(results: list[SubmissionResult], assignment: str, figures: list[Path]) -> str:
    qids = question_ids(results)
    rows = []
    for qid in qids:
        qs = [q for r in results for q in r.questions if q.question == qid]
        graded = [q.score / q.max_points for q in qs if q.score is not None and q.max_points]
        statuses = Counter(q.status for q in qs)
        mean = f"{100 * np.mean(graded):.0f}%" if graded else "–"
        rows.append(f"<tr><td>{html.escape(qid)}</td><td>{mean}</td><td>"
                    + ", ".join(f"{k}: {v}" for k, v in statuses.most_common()) + "</td></tr>")
    isolation = Counter(r.isolation for r in results if r.isolation)
    failures = [r for r in results if r.error]
    scores = [r.score for r in results]
    summary = (f"{len(results)} submissions; mean {np.mean(scores):.2f}, median "
               f"{np.median(scores):.2f} of {results[0].max_score:g}" if results else "none")
    parts = [f"<html><head><meta charset='utf-8'><title>{html.escape(assignment)}</title>",
             "</head><body>", f"<h1>{html.escape(assignment)}: grading report</h1>",
             f"<p>{summary}</p>",
             *[f"<img src='{f.name}' alt='{f.stem}'>" for f in figures],
             "<h2>Questions</h2><table border=1><tr><th>question</th><th>mean score</th>"
             "<th>outcomes</th></tr>", *rows, "</table>",
             "<h2>Not graded</h2><ul>",
             *[f"<li>{html.escape(r.student)}: {html.escape(r.error)}</li>" for r in failures],
             "</ul><h2>Isolation in force</h2><ul>",
             *[f"<li>{html.escape(k)} ({v} submissions)</li>" for k, v in isolation.items()],
             "</ul></body></html>"]
    return "\n".join(parts)
