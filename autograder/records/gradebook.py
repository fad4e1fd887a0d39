"""The gradebook: every grade ever given, through SQLAlchemy.

One ``Attempt`` row per distinct submitted file (student, assignment, content hash)
and one ``Score`` row per (student, assignment, question, attempt). Grading a file
that is already recorded changes nothing unless asked to regrade it, so a batch can
be rerun or resumed at will, and earlier attempts stay in the history.

SQLite by default (WAL journal, busy timeout, retried writes, so concurrent batches
lose nothing); any SQLAlchemy URL, e.g. ``postgresql+psycopg://...``, by option.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from autograder.engine.results import CellLog, QuestionResult, Status, SubmissionResult

RETRIES = 20


class Base(DeclarativeBase):
    pass


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("student", "assignment", "sha256"),
                      UniqueConstraint("student", "assignment", "attempt"))

    id: Mapped[int] = mapped_column(primary_key=True)
    student: Mapped[str] = mapped_column(String(200), index=True)
    assignment: Mapped[str] = mapped_column(String(100), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    seed: Mapped[int] = mapped_column(Integer)
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seconds: Mapped[float] = mapped_column(Float)
    isolation: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    cells: Mapped[list] = mapped_column(JSON, default=list)
    scores: Mapped[list[Score]] = relationship(back_populates="attempt_row",
                                               cascade="all, delete-orphan",
                                               order_by="Score.position")


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("student", "assignment", "question", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    student: Mapped[str] = mapped_column(String(200))
    assignment: Mapped[str] = mapped_column(String(100))
    question: Mapped[str] = mapped_column(String(100))
    attempt: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    points: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_points: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    feedback: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    mistakes: Mapped[list] = mapped_column(JSON, default=list)
    graded_by: Mapped[str] = mapped_column(String(20), default="engine")
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    attempt_row: Mapped[Attempt] = relationship(back_populates="scores")


def database_url(db: str) -> str:
    """A SQLAlchemy URL from a URL or a plain file path."""
    return db if "://" in db else f"sqlite:///{Path(db).resolve()}"


class Gradebook:
    def __init__(self, db: str) -> None:
        url = database_url(db)
        self.url = url
        self.engine = create_engine(url, connect_args={"timeout": 60}
                                    if url.startswith("sqlite") else {})
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._retry(lambda: Base.metadata.create_all(self.engine))

    def _retry(self, action):
        """Run ``action``, retrying while another writer holds the database or won a race
        for the same row (the retry then sees that row)."""
        for attempt in range(RETRIES):
            try:
                return action()
            except (OperationalError, IntegrityError) as exc:
                transient = isinstance(exc, IntegrityError) or any(
                    word in str(exc) for word in ("locked", "busy", "could not serialize"))
                if not transient or attempt == RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    # -- writing -------------------------------------------------------------

    def recorded(self, student: str, assignment: str, sha256: str) -> bool:
        with Session(self.engine) as s:
            return s.scalar(select(Attempt.id).where(
                Attempt.student == student, Attempt.assignment == assignment,
                Attempt.sha256 == sha256)) is not None

    def record(self, result: SubmissionResult, regrade: bool = False) -> int:
        """Store a result; returns its attempt number. A file already recorded is left
        alone unless ``regrade``, which replaces that attempt's scores in place."""
        return self._retry(lambda: self._record(result, regrade))

    def _record(self, result: SubmissionResult, regrade: bool) -> int:
        with Session(self.engine) as s, s.begin():
            row = s.scalar(select(Attempt).where(
                Attempt.student == result.student, Attempt.assignment == result.assignment,
                Attempt.sha256 == result.sha256))
            if row is not None and not regrade:
                return row.attempt
            if row is None:
                last = s.scalar(select(func.max(Attempt.attempt)).where(
                    Attempt.student == result.student,
                    Attempt.assignment == result.assignment)) or 0
                row = Attempt(student=result.student, assignment=result.assignment,
                              attempt=last + 1, sha256=result.sha256)
            else:
                row.scores.clear()
                s.flush()
            row.path, row.seed, row.seconds = result.path, result.seed, result.seconds
            row.isolation, row.error = result.isolation, result.error
            row.cells = [vars(c) for c in result.cells]
            row.graded_at = datetime.now(UTC)
            s.add(row)
            for position, q in enumerate(result.questions):
                row.scores.append(Score(
                    student=result.student, assignment=result.assignment, question=q.question,
                    attempt=row.attempt, sha256=result.sha256, position=position,
                    points=q.score, max_points=q.max_points, status=q.status,
                    feedback=q.feedback, answer=q.answer, seconds=q.seconds,
                    mistakes=list(q.mistakes)))
            return row.attempt

    # -- reading -------------------------------------------------------------

    def latest(self, assignment: str) -> list[SubmissionResult]:
        """Each student's most recent attempt at ``assignment``, by student id."""
        with Session(self.engine) as s:
            newest = (select(Attempt.student, func.max(Attempt.attempt).label("n"))
                      .where(Attempt.assignment == assignment).group_by(Attempt.student)
                      .subquery())
            rows = s.scalars(select(Attempt).join(
                newest, (Attempt.student == newest.c.student) & (Attempt.attempt == newest.c.n))
                .where(Attempt.assignment == assignment).order_by(Attempt.student)).all()
            return [_to_result(r) for r in rows]

    def history(self, assignment: str, student: str) -> list[SubmissionResult]:
        """Every attempt of one student at ``assignment``, oldest first."""
        with Session(self.engine) as s:
            rows = s.scalars(select(Attempt).where(
                Attempt.assignment == assignment, Attempt.student == student)
                .order_by(Attempt.attempt)).all()
            return [_to_result(r) for r in rows]

    def set_manual_score(self, assignment: str, student: str, question: str,
                         points: float, comment: str = "") -> None:
        """Give a manually graded question its points on the student's latest attempt."""
        self._retry(lambda: self._set_manual(assignment, student, question, points, comment))

    def _set_manual(self, assignment, student, question, points, comment) -> None:
        with Session(self.engine) as s, s.begin():
            row = s.scalar(select(Score).join(Attempt).where(
                Score.assignment == assignment, Score.student == student,
                Score.question == question).order_by(Score.attempt.desc()).limit(1))
            if row is None:
                raise KeyError(f"no recorded answer of {student} to {assignment} {question}")
            if not 0 <= points <= row.max_points:
                raise ValueError(f"{student} {question}: {points} is outside "
                                 f"0..{row.max_points:g}")
            row.points, row.graded_by = float(points), "manual"
            row.status = (Status.PASSED if points >= row.max_points
                          else Status.PARTIAL if points > 0 else Status.FAILED)
            row.feedback = comment or "Graded by hand."

    def pending_manual(self, assignment: str) -> list[tuple[str, str]]:
        """(student, question) of every manual question still waiting for a grade."""
        return [(r.student, q.question) for r in self.latest(assignment)
                for q in r.questions if q.status == Status.MANUAL]


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _to_result(row: Attempt) -> SubmissionResult:
    result = SubmissionResult(row.student, row.assignment, row.path, row.sha256, row.seed,
                              isolation=row.isolation, seconds=row.seconds, error=row.error,
                              attempt=row.attempt)
    result.cells = [CellLog(**c) for c in (row.cells if isinstance(row.cells, list)
                                           else json.loads(row.cells))]
    result.graded_at = row.graded_at
    result.questions = [QuestionResult(sc.question, sc.max_points, sc.points, Status(sc.status),
                                       sc.feedback, [], sc.seconds, sc.answer,
                                       list(sc.mistakes or []))
                        for sc in row.scores]
    return result
