"""The engine's layers import only downwards: sandbox < engine < authoring, records < cli, serve.

The sandbox package must also stay free of anything secret: a worker inherits the
fork server's memory, so nothing there may import the reference, the engine, the
hidden-suite SDK or the records.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"
RANK = {"sandbox": 0, "engine": 1, "authoring": 2, "records": 2, "cli": 3, "serve": 3}
# Sideways imports allowed between layers of one rank: the command that starts the service.
SIDEWAYS = {("cli", "serve")}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "autograder" else None


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def test_every_module_belongs_to_a_layer():
    assert {p.relative_to(PACKAGE).parts[0] for p in MODULES} == set(RANK)
    assert [p.name for p in PACKAGE.glob("*.py")] == ["__init__.py"]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_only_down_or_sideways_within_a_layer(path):
    own = path.relative_to(PACKAGE).parts[0]
    for name in _imports(path):
        other = _layer(name)
        if other is None or other == own or other not in RANK:
            continue
        assert RANK[other] < RANK[own] or (own, other) in SIDEWAYS, (
            f"{path.name} ({own}) imports {name} ({other})")


@pytest.mark.parametrize("path", sorted((PACKAGE / "sandbox").glob("*.py")),
                         ids=lambda p: p.name)
def test_the_sandbox_imports_nothing_secret(path):
    for name in _imports(path):
        assert not name.startswith(("reference", "solutions", "sqlalchemy")), name
        assert _layer(name) in (None, "sandbox"), name
