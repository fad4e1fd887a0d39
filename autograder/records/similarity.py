"""Similar code between submissions, by token fingerprints (copydetect's winnowing).

Each notebook's code cells are joined into one Python document; copydetect replaces
names and strings by placeholders, drops comments and whitespace, and fingerprints the
rest with winnowing, so renaming variables or reformatting hides nothing. The code
given in the student notebook (``assignments/<hw>/<hw>.ipynb``) is boilerplate: its
fingerprints are ignored, so only what students wrote themselves can match.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from copydetect import CodeFingerprint, compare_files

from autograder.engine.load import LoadError, load_submission
from autograder.records.pages import write_page

NOISE = 25       # shortest match that counts, in characters of normalised code
GUARANTEE = 30   # any match this long is sure to be found (winnowing window = G - N + 1)


@dataclass
class Source:
    """One submission's code, fingerprinted."""

    student: str
    path: Path
    fingerprint: CodeFingerprint

    @property
    def code(self) -> str:
        return self.fingerprint.raw_code


@dataclass
class Match:
    """Two submissions that share code: the share of each one's own code that matches
    the other, and the matching parts of each (character ranges in its code)."""

    a: Source
    b: Source
    share_a: float
    share_b: float
    spans_a: list[tuple[int, int]]
    spans_b: list[tuple[int, int]]

    @property
    def similarity(self) -> float:
        return max(self.share_a, self.share_b)


def notebook_code(path: Path) -> str:
    """The code cells of a notebook as one document (raises LoadError for a bad file)."""
    cells = load_submission(path).cells
    return "\n\n".join(f"# cell {i + 1}\n{source}" for i, source in enumerate(cells))


def fingerprint(code: str, boilerplate: np.ndarray | None = None,
                window: int = GUARANTEE - NOISE + 1) -> CodeFingerprint:
    """copydetect's fingerprint of Python ``code`` without the ``boilerplate`` hashes."""
    return CodeFingerprint("notebook.py", NOISE, window, boilerplate=boilerplate,
                           language="python", fp=io.StringIO(code))


def load_sources(paths: dict[str, Path], given: Path | None
                 ) -> tuple[list[Source], list[tuple[str, str]]]:
    """Fingerprint each student's notebook, less the code of the ``given`` notebook;
    returns the sources and (student, reason) for each file that could not be read."""
    boilerplate = None
    if given is not None:
        # every k-gram of the given code (window 1), as copydetect does for boilerplate
        boilerplate = np.unique(np.array(list(fingerprint(notebook_code(given),
                                                          window=1).hashes)))
    sources, skipped = [], []
    for student, path in paths.items():
        try:
            sources.append(Source(student, path, fingerprint(notebook_code(path), boilerplate)))
        except LoadError as exc:
            skipped.append((student, f"{path.name}: {exc}"))
        except OSError as exc:
            skipped.append((student, f"{path}: {exc.strerror}"))
    return sources, skipped


def similar_pairs(sources: list[Source], threshold: float) -> list[Match]:
    """Every pair whose shared code is at least ``threshold`` of either one's own code,
    most similar first."""
    matches = []
    for a, b in combinations(sources, 2):
        if not a.fingerprint.hashes or not b.fingerprint.hashes:
            continue
        _, (share_a, share_b), (slices_a, slices_b) = compare_files(a.fingerprint,
                                                                     b.fingerprint)
        if max(share_a, share_b) >= threshold:
            matches.append(Match(a, b, float(share_a), float(share_b),
                                 _spans(slices_a), _spans(slices_b)))
    matches.sort(key=lambda m: (-m.similarity, m.a.student, m.b.student))
    return matches


def _spans(slices) -> list[tuple[int, int]]:
    starts, ends = slices
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def segments(code: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``code`` cut into (text, matched) pieces, for highlighting."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        if start > at:
            pieces.append((code[at:start], False))
        if pieces and pieces[-1][1] and start == at:  # overlapping or touching spans
            pieces[-1] = (pieces[-1][0] + code[start:end], True)
        else:
            pieces.append((code[start:end], True))
        at = end
    if at < len(code):
        pieces.append((code[at:], False))
    return pieces


def write_similarity_report(matches: list[Match], assignment: str, path: Path, *,
                            threshold: float, compared: int, skipped: list[tuple[str, str]],
                            given: Path | None) -> Path:
    """The pairs above ``threshold`` with their matching code side by side."""
    return write_page(path, "similarity.html.j2", assignment=assignment, matches=matches,
                      threshold=threshold, compared=compared, skipped=skipped,
                      given=given.name if given else None, segments=segments)
