"""Static check of answer code for the assignment's forbidden modules."""

from __future__ import annotations

import ast


def _match(name: str, forbidden: tuple[str, ...]) -> str | None:
    for module in forbidden:
        if name == module or name.startswith(module + "."):
            return module
    return None


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def forbidden_uses(source: str, forbidden: tuple[str, ...]) -> list[str]:
    """Messages naming each way ``source`` reaches a forbidden module (empty when it does not).

    Catches ``import x``, ``from x import y``, ``from pkg import x``, ``importlib.import_module("x")``,
    ``__import__("x")``, any string constant naming the module, and attribute chains such as
    ``mlc.metrics`` after ``import mlcourse as mlc``; and any mention of the grader's in-kernel agent (which
    guards imports at run time). Code that does not parse is left to the kernel.
    """
    tampering = ["reaches into the grader's agent (_mlcourse_agent)"] if "_mlcourse_agent" in source else []
    if not forbidden:
        return tampering
    try:
        tree = ast.parse(source)
    except SyntaxError:
        try:
            from IPython.core.inputtransformer2 import TransformerManager

            tree = ast.parse(TransformerManager().transform_cell(source))
        except Exception:
            return tampering
    found: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                hit = _match(alias.name, forbidden)
                if hit:
                    found.setdefault(hit, f"`import {alias.name}`")
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                hit = _match(node.module, forbidden) or _match(full, forbidden)
                if hit:
                    found.setdefault(hit, f"`from {node.module} import {alias.name}`")
                aliases[alias.asname or alias.name] = full
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            hit = _match(node.value.strip(), forbidden)
            if hit:
                found.setdefault(hit, f"the string {node.value.strip()!r}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted:
                head, _, rest = dotted.partition(".")
                full = f"{aliases.get(head, '')}.{rest}" if head in aliases and rest else ""
                hit = _match(full, forbidden) if full else None
                if hit:
                    found.setdefault(hit, f"`{dotted}`")
    return [f"uses forbidden module {module} ({how})" for module, how in found.items()] + tampering
