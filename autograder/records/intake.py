"""From submitted files to students: what LMS bulk downloads are called, and who they are.

Recognised layouts (a folder may mix them):

* Canvas: ``lastfirst[_LATE]_<user id>_<submission id>_<file>[-N].ipynb``;
* Moodle: ``Full Name_<id>_assignsubmission_file_<file>.ipynb``, or a folder of that name
  holding the file;
* a Gradescope export: a folder with ``submission_metadata.yml`` and one
  ``submission_<id>/`` folder per submission;
* plain files: ``<id>.ipynb``, or ``<id>/<assignment>.ipynb``.

With a roster, each file is matched to a student by an exact identifier (the LMS user
id, the SIS id or the email the LMS gives); files that match nobody are listed, never
guessed. Without one, the identifier the file carries is the student id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from autograder.engine.batch import Job
from autograder.records.roster import Roster

CANVAS = re.compile(r"^(?P<name>[a-z0-9]+?)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_"
                    r"(?P<file>.+?)(?:-(?P<n>\d+))?$", re.I)
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<user>\d+)_assignsubmission_file_(?P<file>.*)$")
GRADESCOPE_METADATA = "submission_metadata.yml"


class IntakeError(Exception):
    """The submissions cannot be taken in as given; one line saying why."""


@dataclass
class Found:
    """One submitted file and what its name or its LMS says of it."""

    path: Path
    keys: tuple[tuple[str, str], ...]  # (roster column, value) to match on, in order
    source: str = "file"
    name: str = ""  # as the LMS wrote it, for messages
    late: bool = False
    submitted_at: datetime | None = None
    order: tuple = ()  # sorts one student's files oldest first


@dataclass
class Intake:
    jobs: list[Job] = field(default_factory=list)
    unmatched: list[Found] = field(default_factory=list)
    clashes: dict[str, list[Path]] = field(default_factory=dict)  # same id, no order


def take_in(paths: list[Path], assignment: str, roster: Roster | None) -> Intake:
    """The jobs for ``paths`` (files, or folders searched recursively), in a stable
    order: by student, each student's files oldest first."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise IntakeError(f"no such file or folder: {', '.join(missing)}")
    found = [f for p in paths for f in _found(p, assignment)]
    intake, by_student = Intake(), dict[str, list[Found]]()
    for f in found:
        student = _student(f, roster)
        if student is None:
            intake.unmatched.append(f)
        else:
            by_student.setdefault(student, []).append(f)
    for student, files in sorted(by_student.items()):
        files = list({f.path.resolve(): f for f in files}.values())
        plain = [f for f in files if f.source == "file"]
        if len(plain) > 1 or (plain and len(files) > 1):
            intake.clashes[student] = sorted(f.path for f in files)
            continue
        for f in sorted(files, key=lambda f: f.order):
            intake.jobs.append(Job(f.path, student, f.submitted_at, f.late, f.source))
    return intake


def _student(f: Found, roster: Roster | None) -> str | None:
    if roster is None:
        return next((value for _, value in f.keys if value), None)
    match = roster.find(f.keys)
    return match.id if match else None


def _found(path: Path, assignment: str) -> list[Found]:
    if path.is_file():
        return [_from_name(path, assignment)]
    if (path / GRADESCOPE_METADATA).is_file():
        return _gradescope(path)
    found = []
    for child in sorted(path.iterdir()):
        if child.name.startswith(".") or child.name == ".ipynb_checkpoints":
            continue
        if child.is_dir():
            found += _found(child, assignment)
        elif child.suffix == ".ipynb":
            found.append(_from_name(child, assignment))
    return found


def _from_name(path: Path, assignment: str) -> Found:
    """What a file's name (or its folder's, for Moodle and plain layouts) says."""
    stem = path.stem
    canvas = CANVAS.match(stem)
    if canvas:
        return Found(path, (("id", canvas["user"]),), "canvas", canvas["name"],
                     bool(canvas["late"]),
                     order=(int(canvas["sub"]), int(canvas["n"] or 0)))
    for name in (stem, path.parent.name):
        moodle = MOODLE.match(name)
        if moodle:
            return Found(path, (("id", moodle["user"]),), "moodle", moodle["name"],
                         order=(path.name,))
    student = path.parent.name if stem == assignment and path.parent.name else stem
    keys = tuple((column, student) for column in ("id", "sis_login_id", "sis_user_id", "email"))
    return Found(path, keys, "file", student)


def _gradescope(folder: Path) -> list[Found]:
    """The submissions of a Gradescope export, identified by its metadata file."""
    meta_path = folder / GRADESCOPE_METADATA
    try:
        metadata = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise IntakeError(f"{meta_path}: cannot be read ({exc})") from None
    if not isinstance(metadata, dict):
        raise IntakeError(f"{meta_path}: not a Gradescope submission metadata file")
    found = []
    for key, entry in sorted(metadata.items()):
        submitters = (entry or {}).get(":submitters") if isinstance(entry, dict) else None
        if not submitters or not isinstance(submitters, list):
            raise IntakeError(f"{meta_path}: {key} has no :submitters")
        person = submitters[0] or {}
        sid, email = (str(person.get(k) or "").strip() for k in (":sid", ":email"))
        ids = tuple((column, sid) for column in ("sis_user_id", "id", "sis_login_id")) + (
            ("email", email),)
        when = _moment(entry.get(":created_at"))
        for notebook in sorted((folder / str(key)).rglob("*.ipynb")):
            if ".ipynb_checkpoints" not in notebook.parts:
                found.append(Found(notebook, ids, "gradescope", str(person.get(":name", "")),
                                   submitted_at=when, order=(when or datetime.min.replace(
                                       tzinfo=UTC), str(notebook))))
    return found


def _moment(value: object) -> datetime | None:
    """A Gradescope time (``2026-10-01 23:12:45.123456 -0700`` or a parsed datetime)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not value:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", str(value).strip())
    for fmt in ("%Y-%m-%d %H:%M:%S.%f %z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None
