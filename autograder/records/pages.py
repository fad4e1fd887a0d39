"""Static HTML pages (report, feedback, similarity) from Jinja2 templates.

Every page is self-contained: its style sheet and script are inlined, figures are data
URIs, and nothing is fetched. Everything that comes from a notebook (student ids,
feedback, answers, code) is untrusted: the templates autoescape it, and each page
carries a Content-Security-Policy that runs only the page's own script, marked by a
fresh nonce, so even markup that slipped through could not run.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

_ENV = Environment(loader=PackageLoader("autograder.records", "templates"), autoescape=True,
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=True)


def points(x: float | None) -> str:
    """Points as text: at most three decimals (a late penalty of 12.5% of 17 points is
    14.875, shown whole); a dash for none."""
    return "–" if x is None else f"{round(x, 3):g}"


def percent(x: float | None) -> str:
    """A share (0..1) as a whole percentage; a dash for none."""
    return "–" if x is None else f"{100 * x:.0f}%"


_ENV.filters.update(pts=points, pct=percent)


def _asset(name: str) -> Markup:
    """One of our own static files (CSS or JS), trusted and inlined verbatim."""
    return Markup(files("autograder.records").joinpath(f"templates/{name}").read_text())


def render(template: str, **context: Any) -> str:
    """The HTML of ``template`` with ``context``, with the shared style, script and a
    fresh CSP nonce."""
    return _ENV.get_template(template).render(
        css=_asset("style.css"), script=_asset("table.js"), nonce=secrets.token_urlsafe(16),
        written=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), **context)


def write_page(path: Path, template: str, **context: Any) -> Path:
    """Render ``template`` into ``path`` (creating its folder); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(template, **context), encoding="utf-8")
    return path
