"""Sign-in tokens of the web service, stored hashed in the gradebook's database.

``nngrade serve tokens`` issues one token per person (the roster's students and the
course's staff); only its SHA-256 is stored, so the database never holds a usable
secret. Issuing a new token for someone revokes the old one (and with it every session
signed in with it). A token is 32 random bytes, so a plain hash is as good as a slow
one: there is nothing to guess.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from autograder.records.gradebook import Base, Gradebook, rowcount

STUDENT = "student"
TOKEN_BYTES = 32


class AccessToken(Base):
    __tablename__ = "web_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person: Mapped[str] = mapped_column(String(200), index=True)
    role: Mapped[str] = mapped_column(String(20))  # student | instructor | ta
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                        nullable=True)


@dataclass(frozen=True)
class Identity:
    """Who a valid token belongs to; ``token_id`` ties a session to the token."""

    person: str
    role: str
    token_id: int

    @property
    def staff(self) -> bool:
        return self.role != STUDENT


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Tokens:
    """Issue, check and revoke sign-in tokens."""

    def __init__(self, book: Gradebook) -> None:
        self.book = book
        book.ensure_tables(AccessToken)

    def issue(self, people: dict[str, str]) -> dict[str, str]:
        """A new token for each person (id -> role), revoking their earlier ones; returns
        id -> token. The tokens are shown once and never stored in clear."""
        fresh = {person: secrets.token_urlsafe(TOKEN_BYTES) for person in people}

        def write() -> None:
            now = datetime.now(UTC)
            with Session(self.book.engine) as s, s.begin():
                s.execute(update(AccessToken).where(
                    AccessToken.person.in_(list(people)),
                    AccessToken.revoked_at.is_(None)).values(revoked_at=now))
                s.add_all(AccessToken(person=p, role=people[p], digest=digest(t),
                                      issued_at=now) for p, t in fresh.items())
        self.book._retry(write)
        return fresh

    def holders(self) -> set[str]:
        """Everyone with a valid token."""
        with Session(self.book.engine) as s:
            return set(s.scalars(select(AccessToken.person).where(
                AccessToken.revoked_at.is_(None))))

    def identify(self, token: str) -> Identity | None:
        """The person a token signs in, None for an unknown or revoked one."""
        if not token or len(token) > 200:
            return None
        wanted = digest(token)
        with Session(self.book.engine) as s:
            row = s.scalar(select(AccessToken).where(AccessToken.digest == wanted,
                                                     AccessToken.revoked_at.is_(None)))
        if row is None or not hmac.compare_digest(row.digest, wanted):
            return None
        return Identity(row.person, row.role, row.id)

    def still_valid(self, token_id: int, person: str) -> bool:
        """Whether the token a session was signed in with is still in force."""
        with Session(self.book.engine) as s:
            row = s.get(AccessToken, token_id)
            return row is not None and row.revoked_at is None and row.person == person

    def revoke(self, people: list[str]) -> int:
        """Revoke every token of ``people``; returns how many."""
        def write() -> int:
            with Session(self.book.engine) as s, s.begin():
                return rowcount(s.execute(update(AccessToken).where(
                    AccessToken.person.in_(people), AccessToken.revoked_at.is_(None))
                    .values(revoked_at=datetime.now(UTC))))
        return self.book._retry(write)
