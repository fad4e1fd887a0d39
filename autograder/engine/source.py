"""The notebook's code as the trusted side reads it: parsed, never run.

IPython's syntax (magics, shell escapes) is translated to Python first, as the worker's
shell does, so that a cell parses as it runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import lru_cache

from IPython.core.inputtransformer2 import TransformerManager


@lru_cache(maxsize=256)
def parse_cell(source: str) -> ast.Module | None:
    """The syntax tree of one code cell; None for a cell that does not parse. Kept for
    the next reader of the same cell (each question that reads the source); not to be
    changed."""
    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def top_level_names(source: str) -> set[str]:
    """Names a cell binds in the notebook's namespace: definitions, imports, assignments,
    loop and ``with`` targets outside functions and classes. IPython's magics are
    translated first; a cell that does not parse binds nothing we can tell."""
    tree = parse_cell(source)
    names: set[str] = set()
    if tree is None:
        return names
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue  # names inside a body are local to it
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        names |= set(_bindings(node))
        stack.extend(ast.iter_child_nodes(node))
    return names


def modules_used_by(cells: Iterable[str], names: Iterable[str]) -> set[str]:
    """The modules (``a.b``) and module attributes (``a.b.C``) that the notebook's
    definitions of ``names`` use, and the notebook's own functions and classes they refer
    to, and so on: through a name an import binds (``import a.b as m``, ``from a.b import
    C``), an attribute of one (``m.C``), or an import inside them. A function given to a
    class later (``Net.fit = fit``) is part of the class. The last definition of a name
    counts, as when the notebook runs; code outside those definitions (a scratch cell
    that compares with a library) is not looked at."""
    definitions: dict[str, list[ast.AST]] = {}
    bound: dict[str, str] = {}  # a name an import binds -> the dotted name it stands for
    for source in cells:
        tree = parse_cell(source)
        for node in ast.walk(tree) if tree is not None else ():
            bound.update(_bindings(node))
        for node in tree.body if tree is not None else ():
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                definitions[node.name] = [node]
            elif isinstance(node, ast.Assign):  # Net.fit = fit: a method given to a class
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                        definitions.setdefault(target.value.id, []).append(node.value)
    used: set[str] = set()
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in definitions:
            continue
        seen.add(name)
        for node in (n for part in definitions[name] for n in ast.walk(part)):
            used |= set(_bindings(node).values())
            if isinstance(node, ast.Name):
                todo.append(node.id)
                if node.id in bound:
                    used.add(bound[node.id])
            elif isinstance(node, ast.Attribute) and (dotted := _dotted(node, bound)):
                used.add(dotted)
    return used


def _bindings(node: ast.AST) -> dict[str, str]:
    """Names an import statement binds, each to the dotted name it stands for (``.m.x``
    for a relative ``from .m import x``)."""
    if isinstance(node, ast.Import):
        return {(a.asname or a.name.split(".")[0]): (a.name if a.asname else
                                                     a.name.split(".")[0])
                for a in node.names}
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
        joint = "." if node.module else ""
        return {(a.asname or a.name): f"{module}{joint}{a.name}" for a in node.names}
    return {}


def _dotted(node: ast.Attribute, bound: dict[str, str]) -> str | None:
    """``m.a.b`` as a dotted name from the module ``m`` stands for, or None."""
    parts: list[str] = []
    current: ast.AST = node
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    if not (isinstance(current, ast.Name) and current.id in bound):
        return None
    return ".".join([bound[current.id], *reversed(parts)])
