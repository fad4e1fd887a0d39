"""The error a student's code causes on the trusted side."""

from __future__ import annotations

from autograder.engine.results import Failure

INTERNAL_ERROR = "internal error in the hidden suite; your instructor has been told"


class StudentError(Exception):
    """The student's code could not answer: it raised, timed out, or is missing.

    ``kind`` says which (error, timeout, missing); ``fatal`` means the
    worker had to be stopped (or died) during the call.
    """

    def __init__(self, kind: Failure | str, message: str, fatal: bool = False) -> None:
        super().__init__(message)
        self.kind = Failure(kind)
        self.message = message
        self.fatal = fatal
