"""Isolation tiers: what a worker's sandbox guarantees, and what a grader requires.

* ``full``: Linux namespaces (mount, PID, network, IPC, UTS), a private read-only root
  that holds no course files, an unprivileged uid of its own (or a user namespace),
  rlimits, and cgroups where they are writable.
* ``reduced``: where namespaces are refused (Docker's default seccomp profile, Ubuntu's
  restriction of unprivileged user namespaces). A Landlock view of the filesystem
  (read-only system and Python directories, its own working directory, nothing else),
  checked from inside: the course files, gradebook, output and submissions must be
  unreadable; no new sockets of any address family and no io_uring (a seccomp filter),
  and, where Landlock is new enough, no TCP bind or connect; an unprivileged uid of its
  own (or, without root, Landlock's scoping of signals and abstract sockets); rlimits,
  cgroups where writable, and a watchdog on the working directory's size.
* ``none``: anything less. Only chosen by request (``--isolation none``): a trusted
  notebook on a machine without these Linux features.

The worker measures what is in force and reports it as an :class:`Isolation` record
before any student code runs; the trusted side compares its tier with the
:class:`Policy` it was given and refuses to go on below it. This module is imported on
every platform: it uses nothing but the standard library.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum

# Exit code of a worker whose own serving code failed, which only student code that
# replaces builtins or the worker's modules can cause.
HARNESS_FAILED = 70

# Workers of one fork server run as uids base .. base + UID_SLOTS - 1 (when root).
UID_SLOTS = 64

TIERS = ("none", "reduced", "full")  # weakest first

# What keeps a worker off the network (entries of ``Isolation.network``).
NET_NAMESPACE = "own network namespace with no interface up"
NET_SECCOMP = "seccomp refuses socket() of every address family and io_uring"
NET_LANDLOCK = "Landlock refuses TCP bind and connect"


class Policy(StrEnum):
    """The weakest tier a grader accepts (``nngrade grade --isolation``)."""

    REQUIRE_FULL = "require-full"
    REDUCED_OK = "reduced-ok"
    NONE = "none"

    @property
    def minimum(self) -> str:
        return {"require-full": "full", "reduced-ok": "reduced", "none": "none"}[self.value]


@dataclass
class Isolation:
    """What isolation was actually in force for a worker (recorded with every grade)."""

    requested: str = Policy.REDUCED_OK.value
    as_root: bool = False
    namespaces: list[str] = field(default_factory=list)
    refused: str = ""              # why namespaces could not be entered
    filesystem: str = "shared"     # private-root | landlock | shared
    landlock_abi: int = 0          # 0: unavailable
    landlock_error: str = ""
    uid: int | None = None         # its own unprivileged uid, if it got one
    network: list[str] = field(default_factory=list)  # what keeps it off the network
    scoped: bool = False           # Landlock scoping of signals and abstract sockets
    checked: int = 0               # protected paths checked unreadable from inside
    exposed: list[str] = field(default_factory=list)  # protected paths found readable
    rlimits: bool = False
    cgroups: str = ""
    disk: str = ""
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> Isolation:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def tier(self) -> str:
        if self.requested == Policy.NONE or self.exposed or not self.rlimits:
            return "none"
        if self._full():
            return "full"
        if self._reduced():
            return "reduced"
        return "none"

    def _full(self) -> bool:
        return ({"mount", "pid", "network"} <= set(self.namespaces)
                and self.filesystem == "private-root"
                and (self.uid is not None or "user" in self.namespaces))

    def _reduced(self) -> bool:
        separated = self.uid is not None or (not self.as_root and self.scoped)
        offline = NET_SECCOMP in self.network or NET_NAMESPACE in self.network
        return self.filesystem in ("landlock", "private-root") and offline and separated

    def meets(self, policy: Policy | str) -> bool:
        """Whether this worker's tier is at least what ``policy`` requires."""
        return TIERS.index(self.tier) >= TIERS.index(Policy(policy).minimum)

    def shortfall(self) -> str:
        """Why the tier is not higher, in a few words (empty for ``full``)."""
        if self.requested == Policy.NONE:
            return "isolation not requested (--isolation none)"
        reasons = []
        if self.refused:
            reasons.append(f"namespaces refused ({self.refused})")
        if self.exposed:
            reasons.append(f"readable from the worker: {', '.join(self.exposed)}")
        if self.filesystem == "shared":
            reasons.append(f"Landlock unavailable ({self.landlock_error or 'not tried'})")
        if NET_SECCOMP not in self.network and NET_NAMESPACE not in self.network:
            reasons.append("network not restricted")
        if self.uid is None and "user" not in self.namespaces:
            if self.as_root:
                reasons.append("could not drop root for a uid of its own")
            elif not self.scoped and not self.namespaces:
                reasons.append("runs as the grader's uid without Landlock scoping (ABI < 6)")
        return "; ".join(reasons + self.notes)

    def summary(self) -> str:
        """``<tier>: what was in force``, e.g. ``reduced: namespaces refused (...); ...``."""
        parts = [self._namespaces(), self._filesystem(), self._network(), self._uid(),
                 "rlimits" if self.rlimits else "no rlimits"]
        if self.cgroups:
            parts.append(self.cgroups)
        if self.disk:
            parts.append(self.disk)
        if self.exposed:
            parts.append(f"READABLE: {', '.join(self.exposed)}")
        return f"{self.tier}: " + "; ".join([p for p in parts if p] + self.notes)

    def _namespaces(self) -> str:
        if self.requested == Policy.NONE:
            return "isolation not requested (--isolation none)"
        if self.namespaces:
            return f"namespaces: {', '.join(self.namespaces)}"
        return f"namespaces refused ({self.refused})" if self.refused else "no namespaces"

    def _filesystem(self) -> str:
        checked = (f" ({self.checked} course, gradebook, output and submission paths checked "
                   "unreadable from inside)" if self.checked else "")
        if self.filesystem == "private-root":
            return "private read-only root (no course files)" + checked
        if self.filesystem == "landlock":
            return (f"Landlock ABI {self.landlock_abi} view: read-only system and Python "
                    "directories, writable only its own working directory, no /proc" + checked)
        if self.landlock_error:
            return f"shared filesystem (Landlock unavailable: {self.landlock_error})"
        return "shared filesystem"

    def _network(self) -> str:
        return "network: " + ", ".join(self.network) if self.network else "network open"

    def _uid(self) -> str:
        if self.uid is not None:
            return f"uid {self.uid} of its own"
        if "user" in self.namespaces:
            return "user namespace (no capability outside it)"
        who = "root" if self.as_root else "the grader's uid"
        scope = "; Landlock scopes signals and abstract sockets" if self.scoped else ""
        return f"runs as {who}{scope}"

