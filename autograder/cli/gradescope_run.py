"""Inside Gradescope's container: grade the submitted notebook, write results.json.

The package's ``run_autograder`` runs ``python -m autograder.cli.gradescope_run ROOT``
(``ROOT`` is ``/autograder``) as root, once per submission. The notebook in
``ROOT/submission`` (whatever its name) is graded with the hidden suite in
``ROOT/source/course``, in the strongest isolation tier the container allows; every
worker is checked from inside to be unable to read anything under ``ROOT`` but the
virtual environment. Below the package's policy nothing runs: the student gets zero and
a message, the instructor the reason (in the log, shown to instructors only by default).
``ROOT/results/results.json`` is written last, once every worker is gone.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

from autograder.authoring.gradescope import (
    CONFIG,
    COURSE_DIR,
    GradescopeConfig,
    PackageError,
    error_json,
    find_submission,
    results_json,
)
from autograder.engine.course import hidden_suite
from autograder.engine.pipeline import grade_path
from autograder.engine.session import PlatformUnsupported, WorkerFactory, refusal
from autograder.sandbox.tiers import Policy

NOT_ISOLATED = ("The autograder could not run your notebook safely on this server, so it "
                "was not graded. This is not your fault; your instructor can see why.")


def grade(root: Path, config: GradescopeConfig) -> dict:
    """The results of the submission under ``root`` (an error result if it has none)."""
    start = time.monotonic()
    try:
        notebook = find_submission(root / "submission", config.assignment)
    except PackageError as exc:
        return error_json(str(exc), config)
    print(f"grading {notebook.relative_to(root)} for {config.assignment}")
    suite = hidden_suite(root / "source" / COURSE_DIR, config.assignment)
    try:
        factory = WorkerFactory(suite.preload, isolation=config.isolation, protect=(root,))
    except PlatformUnsupported as exc:
        print(exc)
        return error_json(NOT_ISOLATED, config)
    try:
        isolation = factory.probe()
        print(f"isolation: {isolation.summary()}")
        if not isolation.meets(config.isolation):
            print(f"not graded: {refusal(isolation, Policy(config.isolation))}")
            return error_json(NOT_ISOLATED, config, time.monotonic() - start)
        result = grade_path(notebook, suite, factory, config.seed, student="submission")
    finally:
        factory.close()  # every worker and what it left is gone before results are written
    return results_json(result, config)


def lock_down(root: Path) -> None:
    """Only root may read the submission and results folders (the sandbox hides them
    from workers too; this is the container's own copy, nobody else's)."""
    for name in ("submission", "results"):
        (root / name).mkdir(exist_ok=True)
        os.chmod(root / name, 0o700)


def write_results(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".partial")
    tmp.write_text(json.dumps(data, indent=2))
    os.replace(tmp, path)


def report(data: dict) -> None:
    """The log Gradescope shows instructors: score and each question."""
    print(f"score: {data['score']:g}")
    for test in data["tests"]:
        if "score" in test:
            print(f"  {test['name']}: {test['score']:g} / {test['max_score']:g} "
                  f"{test['status']}")
    if data.get("output"):
        print(data["output"])


def main(argv: list[str] | None = None) -> int:
    """Grade, write results.json; 0 once it is written."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else "/autograder").resolve()
    config = GradescopeConfig.load(root / "source" / CONFIG)
    lock_down(root)
    try:
        data = grade(root, config)
    except Exception:  # an engine fault: the student gets zero and a message, never nothing
        traceback.print_exc(file=sys.stdout)
        data = error_json("The autograder failed on this submission; your instructor can "
                          "see why.", config)
    write_results(root / "results" / "results.json", data)
    report(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
