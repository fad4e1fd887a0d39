"""The course configuration file, ``course.toml`` at the course root.

Every command reads it; command-line flags override it. Example::

    [grading]
    seed = 20261127              # hidden inputs derive from it: keep one per term
    workers = 2
    db = "out/gradebook.db"      # or a SQLAlchemy URL
    out = "out"
    roster = "roster.csv"        # relative to the course root
    isolation = "reduced-ok"     # weakest sandbox accepted: require-full, reduced-ok, none

    [late]
    grace_minutes = 15           # no penalty within the grace period
    penalty_per_day = 10         # percent of the maximum, per started day late
    max_penalty = 50             # percent; the penalty never exceeds it
    unknown_days = 1             # days charged when the LMS says "late" but not when

    [assignments.hw1_forward]
    deadline = 2026-10-06T23:59:00+02:00
    feedback_before = "mistakes" # what students see of a grade before the deadline
    feedback_after = "full"      # ... and after it
    daily_limit = 5              # graded submissions per student per 24 hours; 0: no limit
    published = false            # true: full feedback now, whatever the deadline
    accept_late = true           # false: no submission after the deadline

    # The submission service (nngrade serve); every key is optional.
    [serve]
    host = "127.0.0.1"
    port = 8000
    base_url = "http://127.0.0.1:8000"  # how students reach it (for sign-in links)
    data = "out/serve"           # uploaded notebooks, the session key, generated reports
    max_upload_mb = 5            # larger uploads are refused while they are read
    secure_cookies = false       # true behind HTTPS: cookies are then sent over HTTPS only
    session_hours = 12           # a sign-in lasts this long
    signin_failures = 10         # failed sign-ins per address per 10 minutes, then refused
    uploads_per_minute = 4       # per student, then refused for a moment
    feedback_before = "mistakes" # defaults of the per-assignment keys of the same names
    feedback_after = "full"
    daily_limit = 0

    # Who may see every submission: id = "instructor" or "ta".
    [staff]
    ines = "instructor"
    tara = "ta"

Feedback levels, from least to most: ``none`` (the submission was received and graded,
nothing more), ``scores`` (the total and each question's points and status),
``mistakes`` (also the feedback text with every expected value withheld, and the named
classic mistakes) and ``full`` (everything, with expected values).

Unknown keys are refused, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import IntEnum
from pathlib import Path

from autograder.engine.results import SubmissionResult
from autograder.sandbox.tiers import Policy

FILE = "course.toml"


class ConfigError(Exception):
    """The course configuration cannot be used; one line saying where and why."""


@dataclass(frozen=True)
class LatePolicy:
    grace_minutes: float = 0.0
    penalty_per_day: float = 0.0  # percent of the maximum score
    max_penalty: float = 100.0    # percent
    unknown_days: int = 1

    def days_late(self, submitted: datetime | None, deadline: datetime | None,
                  marked_late: bool) -> int:
        """Started days after the deadline's grace period (0 when on time)."""
        if submitted is not None and deadline is not None:
            over = submitted - deadline - timedelta(minutes=self.grace_minutes)
            return max(0, math.ceil(over / timedelta(days=1)))
        return self.unknown_days if marked_late else 0

    def penalty(self, days: int, max_score: float) -> float:
        """Points taken off for ``days`` late: a share of the maximum, capped."""
        share = min(days * self.penalty_per_day, self.max_penalty) / 100
        return round(share * max_score, 6)


class Feedback(IntEnum):
    """How much of a grade a student sees; each level shows what the ones below do."""

    NONE = 0      # received and graded
    SCORES = 1    # total, points and status per question
    MISTAKES = 2  # and the feedback text without expected values, and named mistakes
    FULL = 3      # everything

    @classmethod
    def parse(cls, text: str) -> Feedback:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"{text!r} is not a feedback level (none, scores, mistakes, "
                             "full)") from None


ROLES = ("instructor", "ta")


@dataclass(frozen=True)
class SubmissionPolicy:
    """What the submission service lets students do and see for one assignment."""

    feedback_before: Feedback = Feedback.MISTAKES
    feedback_after: Feedback = Feedback.FULL
    daily_limit: int = 0  # graded submissions per student per 24 hours; 0: no limit
    published: bool = False
    accept_late: bool = True

    def feedback(self, deadline: datetime | None, now: datetime) -> Feedback:
        """The feedback a student sees at ``now``: full once published, else by the
        deadline (an assignment without one is always "after")."""
        if self.published or deadline is None or now > deadline:
            return max(self.feedback_after, self.feedback_before)
        return self.feedback_before


@dataclass(frozen=True)
class ServeSettings:
    """The ``[serve]`` table: how ``nngrade serve`` runs."""

    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = ""
    data: str = "out/serve"
    max_upload_mb: float = 5.0
    secure_cookies: bool = False
    session_hours: float = 12.0
    signin_failures: int = 10
    uploads_per_minute: int = 4
    defaults: SubmissionPolicy = field(default_factory=SubmissionPolicy)


@dataclass
class CourseConfig:
    root: Path
    seed: int | None = None
    workers: int | None = None
    db: str | None = None
    out: str | None = None
    roster: Path | None = None
    isolation: str | None = None
    late: LatePolicy = field(default_factory=LatePolicy)
    deadlines: dict[str, datetime] = field(default_factory=dict)
    serve: ServeSettings = field(default_factory=ServeSettings)
    staff: dict[str, str] = field(default_factory=dict)  # id -> role (instructor, ta)
    policies: dict[str, SubmissionPolicy] = field(default_factory=dict)

    def policy(self, assignment: str) -> SubmissionPolicy:
        """The submission policy of ``assignment`` (the ``[serve]`` defaults if unset)."""
        return self.policies.get(assignment, self.serve.defaults)

    def is_late(self, assignment: str, submitted: datetime | None, marked: bool) -> bool:
        """Whether a submission is late: after the deadline's grace period, or marked late
        by the LMS when its time is unknown."""
        return marked or self.late.days_late(submitted, self.deadlines.get(assignment),
                                             False) > 0

    def apply_late_policy(self, results: list[SubmissionResult]) -> None:
        """Set each result's days late and penalty from the deadline and the policy."""
        for r in results:
            deadline = self.deadlines.get(r.assignment)
            r.days_late = self.late.days_late(r.submitted_at, deadline, r.late)
            r.late = r.late or r.days_late > 0
            r.penalty = self.late.penalty(r.days_late, r.max_score)


POLICIES = tuple(p.value for p in Policy)
GRADING_KEYS = {"seed": int, "workers": int, "db": str, "out": str, "roster": str,
                "isolation": str}
LATE_KEYS = {"grace_minutes": (int, float), "penalty_per_day": (int, float),
             "max_penalty": (int, float), "unknown_days": int}
POLICY_KEYS = {"feedback_before": str, "feedback_after": str, "daily_limit": int,
               "published": bool, "accept_late": bool}
SERVE_KEYS = {"host": str, "port": int, "base_url": str, "data": str,
              "max_upload_mb": (int, float), "secure_cookies": bool,
              "session_hours": (int, float), "signin_failures": int,
              "uploads_per_minute": int, "feedback_before": str, "feedback_after": str,
              "daily_limit": int}


def load_config(root: Path, path: Path | None = None) -> CourseConfig:
    """``course.toml`` of the course at ``root`` (or ``path``); defaults if absent."""
    path = path or root / FILE
    if not path.is_file():
        return CourseConfig(root)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    _only(path, data, {"grading", "late", "assignments", "serve", "staff"}, "")
    grading = _section(path, data, "grading", GRADING_KEYS)
    late = _section(path, data, "late", LATE_KEYS)
    config = CourseConfig(root, **{k: v for k, v in grading.items() if k != "roster"},
                          late=LatePolicy(**late), serve=_serve(path, data),
                          staff=_staff(path, data))
    if grading.get("isolation", POLICIES[0]) not in POLICIES:
        raise ConfigError(f"{path}: grading.isolation must be one of {', '.join(POLICIES)} "
                          f"({grading['isolation']!r})")
    if "roster" in grading:
        config.roster = (root / grading["roster"]).resolve()
    for name, table in (data.get("assignments") or {}).items():
        policy = _section(path, {name: table}, name, {"deadline": object, **POLICY_KEYS},
                          f"assignments.{name}")
        policy.pop("deadline", None)
        if policy:
            config.policies[name] = _policy(path, f"assignments.{name}", policy,
                                            config.serve.defaults)
        deadline = table.get("deadline")
        if deadline is not None:
            if not isinstance(deadline, datetime) or deadline.tzinfo is None:
                raise ConfigError(f"{path}: assignments.{name}.deadline must be a date and "
                                  "time with its UTC offset, e.g. 2026-10-06T23:59:00+02:00")
            config.deadlines[name] = deadline
    return config


def _serve(path: Path, data: dict) -> ServeSettings:
    """The ``[serve]`` table, checked."""
    table = _section(path, data, "serve", SERVE_KEYS)
    defaults = _policy(path, "serve", {k: table.pop(k) for k in list(table)
                                       if k in POLICY_KEYS}, SubmissionPolicy())
    for key in ("port", "max_upload_mb", "session_hours", "signin_failures",
                "uploads_per_minute"):
        if key in table and table[key] <= 0:
            raise ConfigError(f"{path}: serve.{key} must be positive ({table[key]!r})")
    if "base_url" in table and not table["base_url"].startswith(("http://", "https://")):
        raise ConfigError(f"{path}: serve.base_url must start with http:// or https:// "
                          f"({table['base_url']!r})")
    return ServeSettings(**table, defaults=defaults)


def _policy(path: Path, where: str, table: dict, base: SubmissionPolicy) -> SubmissionPolicy:
    """A submission policy from ``table`` over ``base``; levels and limits checked."""
    values = dict(table)
    for key in ("feedback_before", "feedback_after"):
        if key in values:
            try:
                values[key] = Feedback.parse(values[key])
            except ValueError as exc:
                raise ConfigError(f"{path}: {where}.{key}: {exc}") from None
    if values.get("daily_limit", 0) < 0:
        raise ConfigError(f"{path}: {where}.daily_limit must be 0 (no limit) or more")
    return replace(base, **values)


def _staff(path: Path, data: dict) -> dict[str, str]:
    """The ``[staff]`` table: id = role."""
    table = data.get("staff") or {}
    _only(path, table, set(table), "staff")
    for person, role in table.items():
        if role not in ROLES:
            raise ConfigError(f"{path}: staff.{person} must be one of {', '.join(ROLES)} "
                              f"({role!r})")
    return dict(table)


def _section(path: Path, data: dict, name: str, keys: dict, where: str = "") -> dict:
    table = data.get(name) or {}
    where = where or name
    _only(path, table, set(keys), where)
    for key, value in table.items():
        if isinstance(value, bool) != (keys[key] is bool) or not isinstance(value, keys[key]):
            raise ConfigError(f"{path}: {where}.{key} has the wrong type ({value!r})")
    return dict(table)


def _only(path: Path, table: object, allowed: set[str], where: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where or 'the file'} must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        place = f"[{where}] " if where else ""
        raise ConfigError(f"{path}: unknown key(s) {place}{', '.join(unknown)}; "
                          f"allowed: {', '.join(sorted(allowed))}")
