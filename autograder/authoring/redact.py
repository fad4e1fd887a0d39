"""Feedback without the answers: the expected values taken out of check messages.

Before a deadline, a course may show students what went wrong (the check, the index
and shape of the first mismatch, the value they got, the classic mistake it matches)
without the value the hidden suite expected, which would let them copy answers into
their next submission. The messages :mod:`autograder.authoring.expect` writes name an
expected value in three forms, and each is withheld here:

* ``first mismatch at index (1, 0): got 4, expected 3 (shape ...)`` (numbers);
* ``expected 'relu', got the string 'tanh'`` (strings, as their repr);
* ``expected True, got ...`` (booleans).

Everything else (shapes, counts, types, labels, named mistakes) stays: it describes the
task, not its answer.
"""

from __future__ import annotations

import re

WITHHELD = "[withheld until the deadline]"

_NUMBER = r"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|inf|nan)"
_STRING = r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""
_VALUE = re.compile(rf"\bexpected (?:{_STRING}|True\b|False\b|{_NUMBER}(?![\w.]))")


def redact_expected(text: str) -> str:
    """``text`` with every expected value replaced by :data:`WITHHELD`."""
    return _VALUE.sub(f"expected {WITHHELD}", text)
