"""The course configuration file, ``course.toml`` at the course root.

Every command reads it; command-line flags override it. Example::

    [grading]
    seed = 20261127              # hidden inputs derive from it: keep one per term
    workers = 2
    db = "out/gradebook.db"      # or a SQLAlchemy URL
    out = "out"
    roster = "roster.csv"        # relative to the course root

    [late]
    grace_minutes = 15           # no penalty within the grace period
    penalty_per_day = 10         # percent of the maximum, per started day late
    max_penalty = 50             # percent; the penalty never exceeds it
    unknown_days = 1             # days charged when the LMS says "late" but not when

    [assignments.hw1_forward]
    deadline = 2026-10-06T23:59:00+02:00

Unknown keys are refused, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from autograder.engine.results import SubmissionResult

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

    def apply_late_policy(self, results: list[SubmissionResult]) -> None:
        """Set each result's days late and penalty from the deadline and the policy."""
        for r in results:
            deadline = self.deadlines.get(r.assignment)
            r.days_late = self.late.days_late(r.submitted_at, deadline, r.late)
            r.late = r.late or r.days_late > 0
            r.penalty = self.late.penalty(r.days_late, r.max_score)


GRADING_KEYS = {"seed": int, "workers": int, "db": str, "out": str, "roster": str,
                "isolation": str}
LATE_KEYS = {"grace_minutes": (int, float), "penalty_per_day": (int, float),
             "max_penalty": (int, float), "unknown_days": int}


def load_config(root: Path, path: Path | None = None) -> CourseConfig:
    """``course.toml`` of the course at ``root`` (or ``path``); defaults if absent."""
    path = path or root / FILE
    if not path.is_file():
        return CourseConfig(root)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    _only(path, data, {"grading", "late", "assignments"}, "")
    grading = _section(path, data, "grading", GRADING_KEYS)
    late = _section(path, data, "late", LATE_KEYS)
    config = CourseConfig(root, **{k: v for k, v in grading.items() if k != "roster"},
                          late=LatePolicy(**late))
    if "roster" in grading:
        config.roster = (root / grading["roster"]).resolve()
    for name, table in (data.get("assignments") or {}).items():
        _only(path, table, {"deadline"}, f"assignments.{name}")
        deadline = table.get("deadline")
        if deadline is not None:
            if not isinstance(deadline, datetime) or deadline.tzinfo is None:
                raise ConfigError(f"{path}: assignments.{name}.deadline must be a date and "
                                  "time with its UTC offset, e.g. 2026-10-06T23:59:00+02:00")
            config.deadlines[name] = deadline
    return config


def _section(path: Path, data: dict, name: str, keys: dict) -> dict:
    table = data.get(name) or {}
    _only(path, table, set(keys), name)
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, keys[key]):
            raise ConfigError(f"{path}: {name}.{key} has the wrong type ({value!r})")
    return dict(table)


def _only(path: Path, table: object, allowed: set[str], where: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where or 'the file'} must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        place = f"[{where}] " if where else ""
        raise ConfigError(f"{path}: unknown key(s) {place}{', '.join(unknown)}; "
                          f"allowed: {', '.join(sorted(allowed))}")
