"""The course behind the web pages: who is who, what can be submitted, and submitting.

:class:`Service` ties the course folder and its ``course.toml`` (read again when the
file changes, so publishing feedback needs no restart), the roster, the gradebook, the
submission queue and the data folder together. Uploaded files are stored under their
content hash in the data folder, never under a name from the request, after the same
load checks as ``nngrade grade``.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from autograder.engine.course import assignment_of
from autograder.engine.load import LoadError, load_submission
from autograder.engine.results import SubmissionResult
from autograder.records.access import STUDENT, Tokens
from autograder.records.config import (
    ConfigError,
    CourseConfig,
    Feedback,
    SubmissionPolicy,
    load_config,
)
from autograder.records.gradebook import Gradebook
from autograder.records.queue import Entry, SubmissionQueue, day_window
from autograder.records.roster import Roster

log = logging.getLogger("autograder.serve")


class Refusal(Exception):
    """A request the service will not carry out; one line for the person who made it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str  # student | instructor | ta

    @property
    def staff(self) -> bool:
        return self.role != STUDENT


class Service:
    """One course's submission service."""

    def __init__(self, course: Path, config: CourseConfig, roster: Roster, book: Gradebook,
                 data: Path, config_path: Path | None = None) -> None:
        self.course, self.roster, self.book = course, roster, book
        self.data = data
        self.uploads = data / "uploads"
        self.incoming = data / "incoming"
        for folder in (self.uploads, self.incoming):
            folder.mkdir(parents=True, exist_ok=True)
        self.queue = SubmissionQueue(book)
        self.tokens = Tokens(book)
        self._config = config
        self._config_path = config_path or course / "course.toml"
        self._config_stamp = self._stamp()
        self._lock = threading.Lock()
        clash = sorted(set(config.staff) & set(roster.students))
        if clash:
            raise ConfigError(f"staff id(s) also in the roster: {', '.join(clash)}")

    # -- configuration -------------------------------------------------------

    def _stamp(self) -> float:
        try:
            return self._config_path.stat().st_mtime
        except OSError:
            return 0.0

    @property
    def config(self) -> CourseConfig:
        """The course configuration, read again when ``course.toml`` changed; a broken
        edit keeps the last good one and is logged."""
        stamp = self._stamp()
        if stamp != self._config_stamp:
            with self._lock:
                if stamp != self._config_stamp:
                    self._config_stamp = stamp
                    try:
                        self._config = load_config(self.course, self._config_path)
                    except ConfigError as exc:
                        log.error("course.toml not reloaded", extra={"reason": str(exc)})
        return self._config

    def assignments(self) -> list[str]:
        """Assignments students can submit: a hidden suite and a student notebook."""
        found = []
        for suite in sorted((self.course / "solutions").glob("*/hidden.py")):
            name = suite.parent.name
            if (self.course / "assignments" / name / f"{name}.ipynb").is_file():
                found.append(name)
        return found

    def notebook(self, assignment: str) -> Path:
        """The blank student notebook of ``assignment``."""
        self.require_assignment(assignment)
        return self.course / "assignments" / assignment / f"{assignment}.ipynb"

    def require_assignment(self, assignment: str) -> None:
        if assignment not in self.assignments():
            raise Refusal("no such assignment", 404)

    def deadline(self, assignment: str) -> datetime | None:
        return self.config.deadlines.get(assignment)

    def policy(self, assignment: str) -> SubmissionPolicy:
        return self.config.policy(assignment)

    def level(self, assignment: str, person: Person, now: datetime | None = None) -> Feedback:
        """How much of a grade ``person`` sees now."""
        if person.staff:
            return Feedback.FULL
        return self.policy(assignment).feedback(self.deadline(assignment),
                                                now or datetime.now(UTC))

    # -- people --------------------------------------------------------------

    def person(self, pid: str) -> Person | None:
        """A roster student or a staff member by id; None for anyone else."""
        role = self.config.staff.get(pid)
        if role:
            return Person(pid, pid, role)
        student = self.roster.students.get(pid)
        return Person(pid, student.name or pid, STUDENT) if student else None

    def people(self) -> dict[str, str]:
        """Everyone who may sign in: id -> role."""
        found = dict.fromkeys(self.roster.students, STUDENT)
        found.update(self.config.staff)
        return found

    # -- submitting ----------------------------------------------------------

    def limit_left(self, person: Person, assignment: str,
                   now: datetime | None = None) -> tuple[int | None, datetime | None]:
        """Graded submissions left in the current 24 hours (None: no limit) and, when
        none is left, when the next one may be made."""
        limit = self.policy(assignment).daily_limit
        if not limit:
            return None, None
        now = now or datetime.now(UTC)
        recent = self.queue.graded_since(person.id, assignment, day_window(now))
        left = max(0, limit - len(recent))
        again = recent[-limit].submitted_at + (now - day_window(now)) if not left else None
        return left, again

    def submit(self, person: Person, assignment: str, filename: str, data: bytes,
               now: datetime | None = None) -> Entry:
        """Check an uploaded notebook, store it and queue it for grading."""
        self.require_assignment(assignment)
        if person.staff:
            raise Refusal("staff accounts do not submit; sign in as a student", 403)
        now = now or datetime.now(UTC)
        deadline, policy = self.deadline(assignment), self.policy(assignment)
        late = deadline is not None and self.config.late.days_late(now, deadline, False) > 0
        if deadline is not None and now > deadline and not policy.accept_late:
            raise Refusal(f"the deadline of {assignment} has passed and late submissions are "
                          "not accepted", 403)
        left, again = self.limit_left(person, assignment, now)
        if left == 0 and again is not None:
            raise Refusal(f"you have used your {policy.daily_limit} graded submissions of the "
                          f"last 24 hours; the next one is possible at "
                          f"{again.strftime('%Y-%m-%d %H:%M')} UTC", 429)
        if not filename.lower().endswith(".ipynb"):
            raise Refusal("only Jupyter notebooks (.ipynb files) can be submitted", 415)
        stored = self._store(assignment, data)
        earlier = self.queue.find_file(person.id, assignment, stored.stem)
        if earlier is not None:
            raise Refusal(f"this exact file is already your submission of "
                          f"{earlier.submitted_at.strftime('%Y-%m-%d %H:%M')} UTC; change "
                          "the notebook to submit it again", 409)
        return self.queue.add(person.id, assignment, stored.stem, str(stored),
                              Path(filename).name, len(data), now, late)

    def _store(self, assignment: str, data: bytes) -> Path:
        """Load-check ``data`` under a random name, then keep it under its content hash."""
        probe = self.incoming / f"{secrets.token_hex(16)}.ipynb"
        try:
            probe.write_bytes(data)
            try:
                submission = load_submission(probe, "upload", assignment)
            except LoadError as exc:
                raise Refusal(f"this file cannot be graded: {exc}", 422) from None
            named = assignment_of(probe)
            if named and named != assignment:
                raise Refusal(f"this notebook belongs to {named}, not {assignment}", 422)
            final = self.uploads / submission.sha256[:2] / f"{submission.sha256}.ipynb"
            final.parent.mkdir(exist_ok=True)
            os.replace(probe, final)
            return final
        finally:
            probe.unlink(missing_ok=True)

    # -- reading grades ------------------------------------------------------

    def result(self, entry: Entry) -> SubmissionResult | None:
        """The grade of a finished submission, with the hand grades and late penalty of
        the counted attempt; None until it is graded."""
        if entry.attempt is None:
            return None
        counted = self.book.counted(entry.assignment, entry.student)
        result: SubmissionResult | None
        if counted is not None and counted.attempt == entry.attempt:
            result = counted
        else:
            result = next((r for r in self.book.history(entry.assignment, entry.student)
                           if r.attempt == entry.attempt), None)
        if result is not None:
            self.config.apply_late_policy([result])
        return result

    def counted(self, assignment: str, student: str) -> SubmissionResult | None:
        """A student's counted grade, late policy applied."""
        result = self.book.counted(assignment, student)
        if result is not None:
            self.config.apply_late_policy([result])
        return result

    def class_results(self, assignment: str) -> list[SubmissionResult]:
        """Every student's counted grade of ``assignment``, late policy applied."""
        results = self.book.latest(assignment)
        self.config.apply_late_policy(results)
        return results
