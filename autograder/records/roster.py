"""The class roster: who the students are and how each LMS names them.

``roster.csv`` has one row per student with the columns ``id`` (the LMS's user id,
which Canvas calls ``ID``) and ``name``, and optionally ``email``, ``sis_user_id``,
``sis_login_id`` and ``section``. A submission is matched to a student by an exact
identifier, never by a guess.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

REQUIRED = ("id", "name")
OPTIONAL = ("email", "sis_user_id", "sis_login_id", "section")


class RosterError(Exception):
    """The roster cannot be used; one line with the file and row."""


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    email: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


class Roster:
    def __init__(self, students: list[Student]) -> None:
        self.students = {s.id: s for s in students}

    @classmethod
    def load(cls, path: Path) -> Roster:
        """Read and validate ``path``; raises :class:`RosterError` with the reason."""
        try:
            with open(path, newline="", encoding="utf-8-sig") as f:
                reader = csv.DictReader(f)
                header = [h.strip().lower() for h in reader.fieldnames or []]
                missing = [c for c in REQUIRED if c not in header]
                if missing:
                    raise RosterError(f"{path}: missing column(s) {', '.join(missing)} "
                                      f"(the roster needs {', '.join(REQUIRED)})")
                rows = [{k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                        for row in reader]
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise RosterError(f"{path}: cannot be read as CSV ({exc})") from None
        return cls(_students(path, rows))

    def __len__(self) -> int:
        return len(self.students)

    def find(self, keys: tuple[tuple[str, str], ...]) -> Student | None:
        """The one student named exactly by any of ``keys``, pairs of (roster column,
        value), tried in order; None if nobody is, or if a value names two students."""
        for column, value in keys:
            if not value:
                continue
            value = value.lower() if column == "email" else value
            hits = {s.id for s in self.students.values()
                    if (getattr(s, column).lower() if column == "email"
                        else getattr(s, column)) == value}
            if len(hits) == 1:
                return self.students[hits.pop()]
        return None


def _students(path: Path, rows: list[dict[str, str]]) -> list[Student]:
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if not row.get("id"):
            raise RosterError(f"{path}:{line}: empty id")
        if row["id"] in seen:
            raise RosterError(f"{path}:{line}: id {row['id']} appears twice (also on line "
                              f"{seen[row['id']]})")
        seen[row["id"]] = line
        students.append(Student(row["id"], row.get("name", ""),
                                **{c: row.get(c, "") for c in OPTIONAL}))
    return students
