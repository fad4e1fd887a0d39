"""Where a course's files live: ``solutions/``, ``assignments/``, ``examples/``."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from autograder.engine.suite import Suite, load_suite

PACKAGE_COURSE = Path(__file__).resolve().parents[2]


class CourseError(Exception):
    pass


def course_dir(explicit: str | Path | None = None) -> Path:
    """The course root: ``--course``, else ``$NNGRADE_COURSE``, else the current
    directory if it has ``solutions/``, else the checkout this package came from."""
    for candidate in (explicit, os.environ.get("NNGRADE_COURSE"), Path.cwd(), PACKAGE_COURSE):
        if candidate and (Path(candidate) / "solutions").is_dir():
            return Path(candidate).resolve()
    raise CourseError("no course directory found (a folder with solutions/); use --course")


def hidden_suite(course: Path, assignment: str) -> Suite:
    path = course / "solutions" / assignment / "hidden.py"
    if not path.is_file():
        known = sorted(p.parent.name for p in (course / "solutions").glob("*/hidden.py"))
        raise CourseError(f"unknown assignment {assignment!r}; known: {', '.join(known)}")
    return load_suite(path, assignment)


def assignment_of(notebook: Path) -> str | None:
    """The assignment a notebook belongs to: Otter's metadata in a student notebook, the
    ``# ASSIGNMENT CONFIG`` cell's name in a master notebook; None if unreadable."""
    try:
        nb = json.loads(Path(notebook).read_text(encoding="utf-8-sig"))
        name = nb.get("metadata", {}).get("otter", {}).get("assignment_name")
        if name:
            return name
        for cell in nb.get("cells", []):
            source = "".join(cell.get("source", ""))
            if cell.get("cell_type") == "raw" and source.startswith("# ASSIGNMENT CONFIG"):
                match = re.search(r"^name:\s*(\S+)", source, re.M)
                return match.group(1) if match else None
    except (OSError, ValueError, AttributeError, TypeError):
        return None
    return None


def sample_dirs(course: Path) -> dict[str, Path]:
    """Sample submissions shipped with the course, by assignment."""
    root = course / "examples" / "submissions"
    return {p.name: p for p in sorted(root.iterdir()) if p.is_dir()} if root.is_dir() else {}
