"""The layers of ``ivr/``, checked on the import graph rather than remembered.

One direction of dependence (docs/ARCHITECTURE.md): the model package at the
bottom, the pure core above it (routing, flows, measures, then the engine that
owns a call's journey), the adapters and the command line on top. The pure core
does no I/O, so the simulator and the live engine run the same rules.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ivr"

# The bottom: message and configuration types, nothing with behaviour.
MODEL = "model"
# Below even the model: time, secrets, the error tree.
FOUNDATION = {"errors", "clock", "secret"}
# The pure core: no I/O, time from an injected clock.
PURE = {MODEL, "routing", "flows", "engine", "measures", "outbound"}
# What the pure core may import of ivr (besides itself).
PURE_MAY_USE = FOUNDATION | {
    MODEL,
    "scheduling",
    "yamlsrc",
    "routing",
    "flows",
    "measures",
    "outbound",
}
# Third-party or standard modules that do I/O or tie code to one driver.
IO_MODULES = {
    "asyncio",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "fastapi",
    "starlette",
    "uvicorn",
    "subprocess",
    "socket",
    "selectors",
    "threading",
    "multiprocessing",
    "httpx",
    "structlog",
}
ADAPTERS = {"ami", "live", "storage", "api", "obs", "cli", "config", "tools", "shutdown"}


def _unit(module: str) -> str:
    """The layer unit of ``ivr.x.y``: the subpackage or top-level module ``x``."""
    return module.split(".")[1] if module.count(".") >= 1 else module


def _imports() -> dict[str, dict[str, set[str]]]:
    """unit → imported module → the files that import it."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        is_init = parts[-1] == "__init__"
        if is_init:
            parts = parts[:-1]
        module = ".".join(parts)
        if module == "ivr":
            continue
        unit = _unit(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = parts if is_init else parts[:-1]
                    base = base[: len(base) - node.level + 1]
                    names = [".".join([*base, *([node.module] if node.module else [])])]
                else:
                    names = [node.module or ""]
            for name in names:
                graph[unit][name].add(str(path.relative_to(PACKAGE.parent)))
    return graph


def _ivr_units(graph: dict[str, dict[str, set[str]]]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for unit, imported in graph.items():
        for name in imported:
            if name.startswith("ivr.") and _unit(name) != unit:
                edges[unit].add(_unit(name))
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one unit (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    nodes = set(edges) | {t for ts in edges.values() for t in ts}
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_two_packages_of_ivr_import_each_other_even_through_others() -> None:
    cycles = _cycles(_ivr_units(_imports()))
    assert cycles == [], f"import cycles between packages of ivr/: {cycles}"


def test_the_pure_core_imports_no_io_library_and_no_adapter() -> None:
    graph = _imports()
    bad: list[str] = []
    for unit in sorted(PURE):
        for name, files in sorted(graph[unit].items()):
            top = name.split(".")[0]
            if top in IO_MODULES:
                bad.append(f"{unit} imports {name} ({', '.join(sorted(files))})")
            if name.startswith("ivr.") and _unit(name) in ADAPTERS:
                bad.append(f"{unit} imports the adapter {name} ({', '.join(sorted(files))})")
    assert bad == [], "\n".join(bad)


def test_the_pure_core_uses_only_the_layers_below_it() -> None:
    edges = _ivr_units(_imports())
    bad = [
        f"{unit} -> {target}"
        for unit in sorted(PURE)
        for target in sorted(edges.get(unit, ()))
        if target not in PURE_MAY_USE and target not in PURE
    ]
    assert bad == [], bad


def test_the_model_imports_nothing_of_ivr_but_errors_clock_and_secret() -> None:
    edges = _ivr_units(_imports())
    assert edges.get(MODEL, set()) <= FOUNDATION, edges.get(MODEL)


def test_the_rules_below_the_engine_do_not_know_it() -> None:
    edges = _ivr_units(_imports())
    for unit in ("routing", "flows", "measures", "outbound"):
        assert "engine" not in edges.get(unit, set()), unit
    assert "flows" not in edges.get("routing", set())
    assert "routing" not in edges.get("flows", set())


def test_the_layer_check_sees_a_cycle_when_there_is_one() -> None:
    # the checker itself must be able to fail
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
