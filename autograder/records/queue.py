"""Submissions received by the web service, queued for grading in the gradebook's database.

One row per uploaded file: who sent it, for which assignment, when, the server-chosen
name it is stored under, and its state:

* ``queued``: waiting for a grader;
* ``running``: claimed by a grader (``runs`` counts the claims);
* ``done``: graded and recorded in the gradebook (``attempt`` says which attempt);
* ``failed``: the grader could not record it (``error`` says why).

Claiming is atomic on SQLite and PostgreSQL: a grader picks the oldest queued row and
moves it to ``running`` with a compare-and-set on its state (on PostgreSQL the pick
also skips rows another transaction holds), so no row is claimed twice. A server that
stops while grading leaves rows ``running``; the next one requeues them when it starts.
Grading is idempotent (the gradebook records a file once), so a requeued row never
adds a second grade.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from autograder.records.gradebook import Base, Gradebook, rowcount

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATES = (QUEUED, RUNNING, DONE, FAILED)
T = TypeVar("T")


class QueuedSubmission(Base):
    __tablename__ = "web_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # in URLs; unguessable
    student: Mapped[str] = mapped_column(String(200), index=True)
    assignment: Mapped[str] = mapped_column(String(100), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    stored: Mapped[str] = mapped_column(Text)  # server-chosen path of the file
    filename: Mapped[str] = mapped_column(String(200), default="")  # as uploaded, shown only
    size: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    regrade: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(10), index=True, default=QUEUED)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempt: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class Entry:
    """A queued submission as read from the database (detached from any session)."""

    id: int
    public_id: str
    student: str
    assignment: str
    sha256: str
    stored: str
    filename: str
    size: int
    submitted_at: datetime
    late: bool
    regrade: bool
    state: str
    runs: int
    started_at: datetime | None
    finished_at: datetime | None
    attempt: int | None
    error: str

    @property
    def seconds_to_feedback(self) -> float | None:
        """From upload to recorded grade, once done."""
        if self.finished_at is None or self.state != DONE:
            return None
        return (self.finished_at - self.submitted_at).total_seconds()


def _entry(row: QueuedSubmission) -> Entry:
    return Entry(row.id, row.public_id, row.student, row.assignment, row.sha256, row.stored,
                 row.filename, row.size, _utc(row.submitted_at), row.late, row.regrade,
                 row.state, row.runs, _utc_or_none(row.started_at), _utc_or_none(row.finished_at),
                 row.attempt, row.error)


def _utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every time stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else _utc(moment)


class SubmissionQueue:
    """The queue of web submissions, in the database of ``book``."""

    def __init__(self, book: Gradebook) -> None:
        self.book = book
        book.ensure_tables(QueuedSubmission)

    def _run(self, action: Callable[[Session], T]) -> T:
        """``action`` in one transaction, retried while another writer holds the database."""
        def attempt() -> T:
            with Session(self.book.engine, expire_on_commit=False) as s, s.begin():
                return action(s)
        return self.book._retry(attempt)

    def add(self, student: str, assignment: str, sha256: str, stored: str, filename: str,
            size: int, submitted_at: datetime, late: bool, regrade: bool = False) -> Entry:
        """Queue one file for grading; returns its entry."""
        def add(s: Session) -> Entry:
            row = QueuedSubmission(public_id=secrets.token_urlsafe(16), student=student,
                                   assignment=assignment, sha256=sha256, stored=stored,
                                   filename=filename[:200], size=size,
                                   submitted_at=submitted_at, late=late, regrade=regrade,
                                   state=QUEUED, runs=0, claimed_by="", error="")
            s.add(row)
            s.flush()
            return _entry(row)
        return self._run(add)

    def claim(self, grader: str) -> Entry | None:
        """The oldest queued submission, now ``running`` for ``grader``; None if none."""
        def claim(s: Session) -> Entry | None | bool:
            candidate = s.scalar(select(QueuedSubmission.id).where(
                QueuedSubmission.state == QUEUED).order_by(QueuedSubmission.id).limit(1)
                .with_for_update(skip_locked=True))
            if candidate is None:
                return None
            taken = s.execute(update(QueuedSubmission).where(
                QueuedSubmission.id == candidate, QueuedSubmission.state == QUEUED).values(
                state=RUNNING, claimed_by=grader, started_at=datetime.now(UTC),
                runs=QueuedSubmission.runs + 1))
            if rowcount(taken) != 1:
                return False  # another grader won this row: try the next one
            row = s.get(QueuedSubmission, candidate)
            return None if row is None else _entry(row)
        while True:
            got = self._run(claim)
            if not isinstance(got, bool):
                return got

    def finish(self, entry_id: int, attempt: int | None, error: str = "") -> None:
        """Mark a claimed submission done (recorded as ``attempt``) or failed."""
        self._run(lambda s: s.execute(update(QueuedSubmission).where(
            QueuedSubmission.id == entry_id).values(
            state=FAILED if error else DONE, attempt=attempt, error=error,
            finished_at=datetime.now(UTC))))

    def release(self, entry_id: int) -> None:
        """Put one claimed submission back in the queue (its grading failed for a
        reason other than the file)."""
        self._run(lambda s: s.execute(update(QueuedSubmission).where(
            QueuedSubmission.id == entry_id, QueuedSubmission.state == RUNNING).values(
            state=QUEUED, claimed_by="")))

    def requeue_running(self, grader: str | None = None) -> int:
        """Put back every ``running`` submission (of ``grader``, or all: a server that
        starts owns the queue); returns how many."""
        def requeue(s: Session) -> int:
            query = update(QueuedSubmission).where(QueuedSubmission.state == RUNNING)
            if grader is not None:
                query = query.where(QueuedSubmission.claimed_by == grader)
            return rowcount(s.execute(query.values(state=QUEUED, claimed_by="")))
        return self._run(requeue)

    # -- reading -------------------------------------------------------------

    def get(self, public_id: str) -> Entry | None:
        with Session(self.book.engine) as s:
            row = s.scalar(select(QueuedSubmission).where(
                QueuedSubmission.public_id == public_id))
            return _entry(row) if row else None

    def of_student(self, student: str, assignment: str | None = None) -> list[Entry]:
        """A student's submissions (of one assignment, or all), newest first."""
        with Session(self.book.engine) as s:
            query = select(QueuedSubmission).where(QueuedSubmission.student == student)
            if assignment is not None:
                query = query.where(QueuedSubmission.assignment == assignment)
            rows = s.scalars(query.order_by(QueuedSubmission.id.desc())).all()
            return [_entry(r) for r in rows]

    def all(self, assignment: str | None = None) -> list[Entry]:
        """Every submission (of one assignment), oldest first."""
        with Session(self.book.engine) as s:
            query = select(QueuedSubmission)
            if assignment is not None:
                query = query.where(QueuedSubmission.assignment == assignment)
            return [_entry(r) for r in s.scalars(query.order_by(QueuedSubmission.id))]

    def position(self, entry: Entry) -> int:
        """How many queued submissions are ahead of ``entry`` (0 when it is next)."""
        with Session(self.book.engine) as s:
            return s.scalar(select(func.count()).where(
                QueuedSubmission.state == QUEUED, QueuedSubmission.id < entry.id)) or 0

    def counts(self) -> dict[str, int]:
        """Submissions per state."""
        with Session(self.book.engine) as s:
            rows = s.execute(select(QueuedSubmission.state, func.count())
                             .group_by(QueuedSubmission.state)).all()
        found = dict.fromkeys(STATES, 0)
        found.update({state: n for state, n in rows})
        return found

    def graded_since(self, student: str, assignment: str, since: datetime) -> list[Entry]:
        """A student's own submissions (not regrades) of ``assignment`` since ``since``,
        oldest first: what counts against the daily limit."""
        with Session(self.book.engine) as s:
            rows = s.scalars(select(QueuedSubmission).where(
                QueuedSubmission.student == student,
                QueuedSubmission.assignment == assignment,
                QueuedSubmission.regrade.is_(False),
                QueuedSubmission.submitted_at >= since).order_by(QueuedSubmission.id)).all()
            return [_entry(r) for r in rows]

    def find_file(self, student: str, assignment: str, sha256: str) -> Entry | None:
        """The student's earlier upload of this very file, if any."""
        with Session(self.book.engine) as s:
            row = s.scalar(select(QueuedSubmission).where(
                QueuedSubmission.student == student, QueuedSubmission.assignment == assignment,
                QueuedSubmission.sha256 == sha256, QueuedSubmission.regrade.is_(False))
                .order_by(QueuedSubmission.id).limit(1))
            return _entry(row) if row else None


def day_window(now: datetime) -> datetime:
    """The start of the 24 hours a daily limit counts over."""
    return now - timedelta(days=1)
