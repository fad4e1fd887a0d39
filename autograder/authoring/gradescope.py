"""A Gradescope autograder package for one assignment, and the results it reports.

Gradescope runs an autograder in its own Docker container (its Ubuntu image): it
unpacks ``autograder.zip`` into ``/autograder/source``, runs ``setup.sh`` once to build
the image, then for each submission puts the student's files in
``/autograder/submission``, runs ``/autograder/run_autograder`` as root and reads
``/autograder/results/results.json``. :func:`build` makes that zip:

* ``setup.sh`` installs this project from the course checkout inside the zip
  (``course/``: the engine, the reference package and this assignment's hidden suite,
  never the master notebook) into a virtual environment, its dependencies pinned to the
  versions the package was built and checked with (``constraints.txt``);
* ``run_autograder`` grades the one notebook found in the submission with the hidden
  suite (:mod:`autograder.cli.gradescope_run`), in the best isolation tier the
  container allows and no weaker than the package's policy;
* ``nngrade-gradescope.json`` holds the assignment, grading seed, isolation policy and
  visibility settings (:class:`GradescopeConfig`).

:func:`preflight` grades the master and the blank student notebook as the package will,
so that a package that would give wrong grades is never written.

:func:`results_json` turns a graded submission into Gradescope's results format: per
question a test with its score and which checks passed (``test_visibility``), and a
separate test with the full feedback, which names expected values
(``details_visibility``, by default only once grades are published).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import asdict, dataclass, fields
from importlib import metadata
from pathlib import Path

from autograder.authoring import assign
from autograder.authoring.gradescope_scripts import RUN_AUTOGRADER, SETUP_SH
from autograder.engine.course import assignment_of, hidden_suite
from autograder.engine.pipeline import grade_path
from autograder.engine.results import QuestionResult, Status, SubmissionResult
from autograder.engine.session import WorkerFactory
from autograder.sandbox.tiers import Policy

CONFIG = "nngrade-gradescope.json"
CONSTRAINTS = "constraints.txt"
COURSE_DIR = "course"
VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")
PROJECT = "nn-autograder"
# What setup.sh installs from the course checkout (paths relative to the course root).
COURSE_FILES = ("pyproject.toml", "README.md", "course.toml", "autograder", "reference")


class PackageError(Exception):
    pass


@dataclass(frozen=True)
class GradescopeConfig:
    """How the package grades and what students see, and when."""

    assignment: str
    seed: int
    isolation: str = Policy.REDUCED_OK.value
    visibility: str = "visible"            # the submission's results as a whole
    test_visibility: str = "visible"       # each question's score and checks passed
    details_visibility: str = "after_published"  # full feedback, with expected values
    stdout_visibility: str = "hidden"      # the grader's log (isolation, timings)

    def __post_init__(self) -> None:
        Policy(self.isolation)
        for name in ("visibility", "test_visibility", "details_visibility",
                     "stdout_visibility"):
            if getattr(self, name) not in VISIBILITY:
                raise PackageError(f"{name} must be one of {', '.join(VISIBILITY)}, "
                                   f"not {getattr(self, name)!r}")

    @classmethod
    def load(cls, path: Path) -> GradescopeConfig:
        data = json.loads(Path(path).read_text())
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def dump(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def pinned_requirements(project: str = PROJECT) -> list[str]:
    """``name==version`` for each dependency of ``project`` (not its extras), as installed
    here: the versions the package was checked with. Their own dependencies are left to
    pip, which must pick what the container's Python supports."""
    from packaging.requirements import Requirement

    pins = {}
    for text in metadata.distribution(project).requires or []:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        try:
            pins[req.name.lower()] = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            raise PackageError(f"{req.name} (needed by {project}) is not installed here; "
                               "install the project first") from None
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def build(course: Path, config: GradescopeConfig, dest: Path) -> Path:
    """Write the autograder zip for ``config.assignment`` to ``dest``."""
    hidden_suite(course, config.assignment)  # refuses an unknown assignment or a broken suite
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".partial")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_text(zf, "setup.sh", SETUP_SH, executable=True)
        _add_text(zf, "run_autograder", RUN_AUTOGRADER, executable=True)
        _add_text(zf, CONFIG, config.dump())
        _add_text(zf, CONSTRAINTS, "\n".join(pinned_requirements()) + "\n")
        for path in course_files(course, config.assignment):
            zf.write(path, f"{COURSE_DIR}/{path.relative_to(course).as_posix()}")
    shutil.move(tmp, dest)
    return dest


def course_files(course: Path, assignment: str) -> list[Path]:
    """The part of the course checkout the package carries: the project and this
    assignment's hidden suite with its data, never a notebook."""
    tops = [course / name for name in COURSE_FILES if (course / name).exists()]
    tops.append(course / "solutions" / assignment)
    files = []
    for top in tops:
        for path in [top] if top.is_file() else sorted(top.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".ipynb":
                files.append(path)
    return files


def _add_text(zf: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)


def preflight(course: Path, assignment: str, factory: WorkerFactory,
              seed: int) -> tuple[dict[str, SubmissionResult], list[str]]:
    """Grade the master notebook (it must score full marks on every automatic question)
    and the blank student notebook (it must score zero), as the package will; returns
    both results and what is wrong, if anything."""
    suite = hidden_suite(course, assignment)
    graded = {name: grade_path(path, suite, factory, seed)
              for name, path in [("master notebook", assign.master_notebook(course, assignment)),
                                 ("blank notebook", assign.student_notebook(course, assignment))]}
    problems = [f"{name}: {r.error}" for name, r in graded.items() if r.error]
    master = graded["master notebook"]
    problems += [f"master notebook: {q.question} scored {q.score or 0:g} / {q.max_points:g} "
                 f"({q.feedback.splitlines()[0] if q.feedback else q.status})"
                 for q in master.questions if q.status not in (Status.PASSED, Status.MANUAL)]
    if graded["blank notebook"].score != 0:
        problems.append(f"blank notebook: scored {graded['blank notebook'].score:g}, not 0")
    return graded, problems


def find_submission(folder: Path, assignment: str) -> Path:
    """The notebook a student submitted, whatever its file name (Gradescope unpacks an
    uploaded zip into the folder): the only ``.ipynb``, or the only one of this
    assignment. Raises PackageError with a message for the student otherwise."""
    found = sorted(p for p in Path(folder).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts and "__MACOSX" not in p.parts)
    if len(found) > 1:
        found = [p for p in found if assignment_of(p) == assignment] or found
    if not found:
        raise PackageError("No notebook (.ipynb file) was found in your submission; "
                           "submit the notebook itself.")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise PackageError(f"Your submission holds several notebooks ({names}); submit only "
                           "the one for this assignment.")
    return found[0]


# ---------------------------------------------------------------------------
# results.json


def results_json(result: SubmissionResult, config: GradescopeConfig) -> dict:
    """Gradescope's results for one graded submission (see the module docstring)."""
    tests = []
    for number, q in enumerate(result.questions, start=1):
        tests += _question_tests(q, str(number), config)
    out = {"score": result.score, "execution_time": round(result.seconds, 3),
           "output": _overall(result), "visibility": config.visibility,
           "stdout_visibility": config.stdout_visibility, "tests": tests,
           "extra_data": {"assignment": result.assignment, "sha256": result.sha256,
                          "seed": result.seed, "isolation": result.isolation}}
    return out


def error_json(message: str, config: GradescopeConfig, seconds: float = 0.0) -> dict:
    """Results for a submission that could not be graded at all: zero, and why."""
    return {"score": 0.0, "execution_time": round(seconds, 3), "output": message,
            "visibility": config.visibility, "stdout_visibility": config.stdout_visibility,
            "tests": [], "extra_data": {"assignment": config.assignment}}


def _question_tests(q: QuestionResult, number: str, config: GradescopeConfig) -> list[dict]:
    if q.status == Status.MANUAL:
        return [{"name": f"{q.question} (graded by hand)", "number": number,
                 "output": "This question is graded by hand on Gradescope.",
                 "visibility": config.test_visibility}]
    tests = [{"name": q.question, "number": number, "score": q.score or 0.0,
              "max_score": q.max_points,
              "status": "passed" if q.status == Status.PASSED else "failed",
              "output": _checks_summary(q), "visibility": config.test_visibility}]
    if q.status != Status.PASSED and q.feedback.strip():
        tests.append({"name": f"{q.question}: details", "number": f"{number}.1",
                      "output": q.feedback.strip(), "visibility": config.details_visibility})
    return tests


def _checks_summary(q: QuestionResult) -> str:
    """Status and the checks passed and failed, by name: no values."""
    lines = [f"{q.status}: {q.score or 0:g} / {q.max_points:g}"]
    if q.checks:
        passed = sum(c.passed for c in q.checks)
        lines.append(f"{passed} of {len(q.checks)} checks passed")
    for c in q.checks:
        if not c.passed:
            mistake = f" (looks like: {c.mistake})" if c.mistake else ""
            lines.append(f"failed: {c.label or 'a check'}{mistake}")
    return "\n".join(lines)


def _overall(result: SubmissionResult) -> str:
    lines = [f"Score: {result.score:g} / {result.max_score:g}. Your notebook was run from "
             "top to bottom in a fresh process, then tested on new inputs."]
    if result.error:
        lines.append(f"This submission could not be graded: {result.error}")
    failed = [c for c in result.cells if not c.ok]
    if failed:
        lines.append("Cells that failed:")
        lines += [f"- {c.where}: {(c.error or 'failed').splitlines()[0][:300]}"
                  for c in failed]
    return "\n".join(lines)
