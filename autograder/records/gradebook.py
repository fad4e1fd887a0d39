"""The gradebook: every grade ever given, through SQLAlchemy.

Three layers, none of which ever deletes a row:

* ``Attempt``: one row per distinct submitted file (student, assignment, content hash),
  with when it was submitted and whether the LMS marked it late.
* ``Grading``: one row per run of the hidden suite over an attempt (its ``version``) and
  one ``Score`` row per question of that run. Grading a file that is already recorded
  changes nothing; a regrade adds a new version, so the history is kept.
* ``HandGrade``: what people entered (manual questions, overrides of automatic scores),
  with who and when. The engine never writes or removes these; they are laid over the
  automatic scores when a result is read.

A student's result is the counted attempt at its latest version: the latest submitted
on time, or the latest late one when none was on time (a late file never replaces an
on-time one); with the hand grades that apply to it: a manual grade applies while the
answer it graded is unchanged; an override applies to the file it was given for.

SQLite by default (WAL journal, busy timeout, retried writes, so concurrent batches
lose nothing); any SQLAlchemy URL, e.g. ``postgresql+psycopg://...``, by option.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
)

from autograder.engine.results import (
    CellLog,
    GradedWith,
    QuestionResult,
    Status,
    SubmissionResult,
)

RETRIES = 20
SCHEMA = "3"  # 3: gradings record the digest of the suite that made them
MANUAL, OVERRIDE = "manual", "override"
T = TypeVar("T")


class GradebookError(Exception):
    """The gradebook cannot be used as asked; the message says why in one line."""


class Base(DeclarativeBase):
    pass


class Meta(Base):
    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


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
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="file")
    gradings: Mapped[list[Grading]] = relationship(back_populates="attempt_row",
                                                   order_by="Grading.version")


class Grading(Base):
    __tablename__ = "gradings"
    __table_args__ = (UniqueConstraint("attempt_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    suite: Mapped[str] = mapped_column(String(64), default="")  # Suite.digest; "" before 3
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seconds: Mapped[float] = mapped_column(Float)
    isolation: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    cells: Mapped[list] = mapped_column(JSON, default=list)
    attempt_row: Mapped[Attempt] = relationship(back_populates="gradings")
    scores: Mapped[list[Score]] = relationship(back_populates="grading",
                                               order_by="Score.position")


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("grading_id", "question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grading_id: Mapped[int] = mapped_column(ForeignKey("gradings.id"), index=True)
    question: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    points: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_points: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    feedback: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    mistakes: Mapped[list] = mapped_column(JSON, default=list)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    grading: Mapped[Grading] = relationship(back_populates="scores")


class HandGrade(Base):
    """A grade a person entered. ``points`` None withdraws an earlier override."""

    __tablename__ = "hand_grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    student: Mapped[str] = mapped_column(String(200), index=True)
    assignment: Mapped[str] = mapped_column(String(100), index=True)
    question: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # manual | override
    points: Mapped[float | None] = mapped_column(Float, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    grader: Mapped[str] = mapped_column(String(100), default="")
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempt_sha256: Mapped[str] = mapped_column(String(64))  # the file it was given for
    answer_sha256: Mapped[str] = mapped_column(String(64), default="")  # manual: the answer


@dataclass
class Recorded:
    """What recording one result did."""

    attempt: int
    version: int
    new: bool  # False: that exact grading was already there, nothing written
    changes: list[tuple[str, float | None, float | None]] = field(default_factory=list)


@dataclass
class HandEntry:
    """One grade a person gives: a manual question's score, or an override."""

    student: str
    question: str
    points: float | None
    comment: str = ""
    grader: str = ""
    override: bool = False


def database_url(db: str) -> str:
    """A SQLAlchemy URL from a URL or a plain file path."""
    return db if "://" in db else f"sqlite:///{Path(db).resolve()}"


def answer_digest(text: str) -> str:
    return hashlib.sha256(text.strip().encode()).hexdigest()


class Gradebook:
    def __init__(self, db: str) -> None:
        url = database_url(db)
        self.url = url
        self.engine = create_engine(url, connect_args={"timeout": 60}
                                    if url.startswith("sqlite") else {})
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._retry(self._prepare)

    @property
    def file(self) -> str | None:
        """The SQLite file of this gradebook; None for a database server."""
        return self.engine.url.database if self.url.startswith("sqlite") else None

    def _prepare(self) -> None:
        """Create the tables of a new gradebook; refuse one of another format."""
        tables = set(inspect(self.engine).get_table_names())
        if "attempts" in tables and "meta" not in tables:
            raise GradebookError("this gradebook was written by an older version of nngrade "
                                 "(no schema version); grade into a new --db")
        Base.metadata.create_all(self.engine)
        with Session(self.engine) as s, s.begin():
            row = s.get(Meta, "schema")
            if row is None:
                s.add(Meta(key="schema", value=SCHEMA))
            elif row.value == "2":
                self._upgrade_from_2(s)
                row.value = SCHEMA
            elif row.value != SCHEMA:
                raise GradebookError(f"gradebook schema {row.value}, expected {SCHEMA}")
            else:  # a write now, so that a read-only gradebook is found before grading
                s.execute(update(Meta).where(Meta.key == "schema").values(value=SCHEMA))

    def _upgrade_from_2(self, s: Session) -> None:
        """Schema 2 to 3: gradings get a ``suite`` column; the earlier ones keep "" (the
        suite that made them is unknown), and every grade stays as it was."""
        columns = {c["name"] for c in inspect(s.connection()).get_columns("gradings")}
        if "suite" not in columns:
            s.execute(text("ALTER TABLE gradings ADD COLUMN suite VARCHAR(64) "
                           "NOT NULL DEFAULT ''"))

    def ensure_tables(self, *models: type[Base]) -> None:
        """Create the tables of ``models`` that this database does not have yet."""
        tables = [cast(Table, m.__table__) for m in models]
        self._retry(lambda: Base.metadata.create_all(self.engine, tables=tables))

    def _retry(self, action: Callable[[], T]) -> T:
        """Run ``action``, retrying while another writer holds the database or won a race
        for the same row (the retry then sees that row)."""
        for attempt in range(RETRIES):
            try:
                return action()
            except (OperationalError, IntegrityError, ProgrammingError) as exc:
                transient = isinstance(exc, IntegrityError) or any(
                    word in str(exc) for word in ("locked", "busy", "could not serialize",
                                                  "already exists"))
                if not transient or attempt == RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    # -- the automatic layer -------------------------------------------------

    def recorded(self, assignment: str) -> dict[tuple[str, str], GradedWith]:
        """(student, file hash) -> the seed and suite of the latest grading of that file,
        for every file of ``assignment`` graded so far (one query, for a whole batch)."""
        with Session(self.engine) as s:
            rows = s.execute(select(Attempt.student, Attempt.sha256, Grading.seed, Grading.suite)
                             .join(Grading).where(Attempt.assignment == assignment)
                             .order_by(Grading.version))
            return {(student, sha): GradedWith(seed, suite)
                    for student, sha, seed, suite in rows}

    def automatic_scores(self, student: str, assignment: str,
                         sha256: str) -> dict[str, float | None] | None:
        """Question -> points of the latest grading of this very file, None if never
        graded."""
        with Session(self.engine) as s:
            row = s.scalar(select(Attempt).where(
                Attempt.student == student, Attempt.assignment == assignment,
                Attempt.sha256 == sha256))
            if row is None or not row.gradings:
                return None
            return {sc.question: sc.points for sc in row.gradings[-1].scores}

    def record(self, result: SubmissionResult, regrade: bool = False) -> int:
        """Store a result; returns its attempt number (see :meth:`record_many`)."""
        return self.record_many([result], regrade)[0].attempt

    def record_many(self, results: list[SubmissionResult],
                    regrade: bool = False) -> list[Recorded]:
        """Store results in one transaction. A file already recorded is left alone
        unless ``regrade``, which adds a new version of its grading; nothing is ever
        deleted. Sets each result's ``attempt`` and ``version``."""
        done = self._retry(lambda: self._record_all(results, regrade))
        for result, rec in zip(results, done, strict=True):
            result.attempt, result.version = rec.attempt, rec.version
        return done

    def _record_all(self, results: list[SubmissionResult], regrade: bool) -> list[Recorded]:
        with Session(self.engine) as s, s.begin():
            return [self._record_one(s, r, regrade) for r in results]

    def _record_one(self, s: Session, result: SubmissionResult, regrade: bool) -> Recorded:
        row = s.scalar(select(Attempt).where(
            Attempt.student == result.student, Attempt.assignment == result.assignment,
            Attempt.sha256 == result.sha256))
        if row is None:
            last = s.scalar(select(func.max(Attempt.attempt)).where(
                Attempt.student == result.student,
                Attempt.assignment == result.assignment)) or 0
            row = Attempt(student=result.student, assignment=result.assignment,
                          attempt=last + 1, sha256=result.sha256, path=result.path,
                          submitted_at=result.submitted_at, late=result.late,
                          source=result.source or "file")
            s.add(row)
            s.flush()
        previous = row.gradings[-1] if row.gradings else None
        if previous is not None and not regrade:
            return Recorded(row.attempt, previous.version, False)
        grading = Grading(attempt_id=row.id, version=(previous.version if previous else 0) + 1,
                          seed=result.seed, suite=result.suite, graded_at=datetime.now(UTC),
                          seconds=result.seconds, isolation=result.isolation,
                          error=result.error, cells=[vars(c) for c in result.cells])
        s.add(grading)
        s.flush()
        if result.questions:  # one multi-row insert, not one ORM object per question
            s.execute(insert(Score), [
                dict(grading_id=grading.id, question=q.question, position=position,
                     points=q.score, max_points=q.max_points, status=str(q.status),
                     feedback=q.feedback, answer=q.answer, mistakes=list(q.mistakes),
                     seconds=q.seconds, manual=q.manual)
                for position, q in enumerate(result.questions)])
        return Recorded(row.attempt, grading.version, True,
                        _changes(previous, result) if previous else [])

    # -- the hand-grade layer ------------------------------------------------

    def enter_hand_grades(self, assignment: str, entries: list[HandEntry]) -> None:
        """Record grades people gave, all or none. Each entry is checked against the
        student's counted attempt: the question exists, the points are within its
        bounds, a manual grade is for a manual question and an override is asked for."""
        self._retry(lambda: self._enter(assignment, entries))

    def _enter(self, assignment: str, entries: list[HandEntry]) -> None:
        now = datetime.now(UTC)
        with Session(self.engine) as s, s.begin():
            for e in entries:
                result = self._counted(s, assignment, e.student)
                if result is None:
                    raise KeyError(f"{e.student} has no graded submission of {assignment}")
                q = next((q for q in result.questions if q.question == e.question), None)
                if q is None:
                    raise KeyError(f"{assignment} has no question {e.question!r}")
                manual = q.manual
                _validate(e, q, manual)
                s.add(HandGrade(
                    student=e.student, assignment=assignment, question=e.question,
                    kind=MANUAL if manual else OVERRIDE, points=e.points, comment=e.comment,
                    grader=e.grader, entered_at=now, attempt_sha256=result.sha256,
                    answer_sha256=answer_digest(q.answer) if manual else ""))

    def hand_grades(self, assignment: str) -> list[HandGrade]:
        """Every grade people entered for ``assignment``, oldest first."""
        with Session(self.engine) as s:
            return list(s.scalars(select(HandGrade).where(HandGrade.assignment == assignment)
                                  .order_by(HandGrade.id)))

    # -- reading -------------------------------------------------------------

    def latest(self, assignment: str) -> list[SubmissionResult]:
        """Each student's counted attempt at ``assignment`` with the hand grades that
        apply to it, by student id."""
        with Session(self.engine) as s:
            students = s.scalars(select(Attempt.student).where(
                Attempt.assignment == assignment).distinct().order_by(Attempt.student)).all()
            attempts: dict[str, list[Attempt]] = defaultdict(list)
            for row in s.scalars(select(Attempt).where(Attempt.assignment == assignment)
                                 .options(selectinload(Attempt.gradings)
                                          .selectinload(Grading.scores))):
                attempts[row.student].append(row)
            hand: dict[str, list[HandGrade]] = defaultdict(list)
            for h in s.scalars(select(HandGrade).where(HandGrade.assignment == assignment)
                               .order_by(HandGrade.id)):
                hand[h.student].append(h)
            results = [_counted_of(attempts[student], hand[student]) for student in students]
            return [r for r in results if r is not None]

    def counted(self, assignment: str, student: str) -> SubmissionResult | None:
        """One student's counted attempt at ``assignment`` with the hand grades that apply
        to it (as in :meth:`latest`); None before any graded attempt."""
        with Session(self.engine) as s:
            return self._counted(s, assignment, student)

    def history(self, assignment: str, student: str) -> list[SubmissionResult]:
        """Every attempt of one student at ``assignment`` (latest grading each), oldest
        first, without hand grades."""
        with Session(self.engine) as s:
            rows = s.scalars(select(Attempt).where(
                Attempt.assignment == assignment, Attempt.student == student)
                .order_by(Attempt.attempt)).all()
            return [_to_result(r, r.gradings[-1]) for r in rows if r.gradings]

    def pending_manual(self, assignment: str) -> list[tuple[str, str]]:
        """(student, question) of every manual question still waiting for a grade."""
        return [(r.student, q) for r in self.latest(assignment) for q in r.pending]

    def _counted(self, s: Session, assignment: str, student: str) -> SubmissionResult | None:
        rows = s.scalars(select(Attempt).where(
            Attempt.assignment == assignment, Attempt.student == student)).all()
        hand = s.scalars(select(HandGrade).where(
            HandGrade.assignment == assignment, HandGrade.student == student)
            .order_by(HandGrade.id)).all()
        return _counted_of(list(rows), list(hand))


def _counted_of(attempts: list[Attempt], hand: list[HandGrade]) -> SubmissionResult | None:
    """The attempt that counts (the latest on time, else the latest), with the hand
    grades (oldest first) that apply to it; None before any graded attempt."""
    rows = [r for r in attempts if r.gradings]
    if not rows:
        return None
    on_time = [r for r in rows if not r.late]
    row = max(on_time or rows, key=_submission_order(rows))
    result = _to_result(row, row.gradings[-1])
    _apply_hand_grades(result, hand)
    return result


def _submission_order(rows: list[Attempt]) -> Callable[[Attempt], tuple]:
    """Latest submitted first: by submission time when every attempt has one, else by
    the order the files were recorded."""
    if all(r.submitted_at is not None for r in rows):
        return lambda r: (_aware(r.submitted_at), r.attempt)
    return lambda r: (r.attempt,)


def _aware(moment: datetime | None) -> datetime:
    """SQLite returns naive datetimes; every time stored here is UTC."""
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _validate(e: HandEntry, q: QuestionResult, manual: bool) -> None:
    if not manual and not e.override:
        raise ValueError(f"{e.student} {e.question} is graded automatically; to change its "
                         "score, mark the row as an override")
    if e.points is None:
        if manual:
            raise ValueError(f"{e.student} {e.question}: a manual question needs a score")
        return
    if not 0 <= e.points <= q.max_points:
        raise ValueError(f"{e.student} {e.question}: {e.points:g} is outside "
                         f"0..{q.max_points:g}")


def _apply_hand_grades(result: SubmissionResult, hand: list[HandGrade]) -> None:
    """Lay the hand grades that still apply over the automatic scores (the newest
    entry per question wins)."""
    by_question = {q.question: q for q in result.questions}
    current: dict[str, HandGrade] = {}
    for h in hand:
        q = by_question.get(h.question)
        if q is None:
            continue
        applies = (h.answer_sha256 == answer_digest(q.answer) if h.kind == MANUAL
                   else h.attempt_sha256 == result.sha256)
        if applies:
            current[h.question] = h
    for qid, h in current.items():
        q = by_question[qid]
        if h.points is None:  # an override withdrawn
            continue
        if h.kind == OVERRIDE:
            q.auto_score = q.score
        q.score, q.graded_by, q.comment = float(h.points), h.grader or "grader", h.comment
        q.status = (Status.PASSED if h.points >= q.max_points
                    else Status.PARTIAL if h.points > 0 else Status.FAILED)


def _changes(previous: Grading, result: SubmissionResult) -> list[
        tuple[str, float | None, float | None]]:
    """Automatic scores that differ between the previous grading and ``result``."""
    before = {sc.question: sc.points for sc in previous.scores}
    return [(q.question, before.get(q.question), q.score) for q in result.questions
            if before.get(q.question) != q.score]


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _to_result(row: Attempt, grading: Grading) -> SubmissionResult:
    result = SubmissionResult(row.student, row.assignment, row.path, row.sha256, grading.seed,
                              suite=grading.suite, isolation=grading.isolation,
                              seconds=grading.seconds, error=grading.error,
                              attempt=row.attempt, version=grading.version,
                              submitted_at=_aware(row.submitted_at) if row.submitted_at
                              else None, late=row.late, source=row.source)
    result.cells = [CellLog(**c) for c in grading.cells or []]
    result.graded_at = _aware(grading.graded_at)
    result.questions = [QuestionResult(sc.question, sc.max_points, sc.points, Status(sc.status),
                                       sc.feedback, [], sc.seconds, sc.answer,
                                       list(sc.mistakes or []), manual=sc.manual)
                        for sc in grading.scores]
    return result


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched (its result is a cursor result)."""
    return cast(CursorResult[Any], result).rowcount
