"""The package's layout, checked: its import graph has no cycle, durable_rules stays behind
engine/runtime.py, each layer imports only what it may, and no module is too long to read.

Every import statement counts, wherever it is written (inside a function, under
``if TYPE_CHECKING:``, in a ``try``): the modules are read with ``ast``, not imported.
"""

from __future__ import annotations

import ast
import itertools
from importlib import metadata
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "src" / "aftersales_rules"
MAX_LINES = 400
RUNTIME = "aftersales_rules.engine.runtime"
# the top-level modules durable_rules installs (durable, durable_rules_engine; ``rules`` in older releases)
DURABLE = {"durable", "durable_rules", "durable_rules_engine", "rules"}
# (the modules a rule is about, the modules they must not import)
CONTRACTS = tuple(
    f"aftersales_rules.{m}"
    for m in (
        "errors",
        "money",
        "vocabulary",
        "loader",
        "jsonl",
        "diagnostics",
        "case",
        "casevalues",
        "fastcase",
        "plan",
        "explanation",
        "render",
    )
)
LAYERS = [
    (
        ("aftersales_rules.language",),
        (
            "aftersales_rules.engine",
            "aftersales_rules.authoring",
            "aftersales_rules.cli",
            "aftersales_rules.policy",
            "aftersales_rules.service",
        ),
    ),
    (("aftersales_rules.engine",), ("aftersales_rules.authoring", "aftersales_rules.cli")),
    (
        CONTRACTS,
        (
            "aftersales_rules.language",
            "aftersales_rules.engine",
            "aftersales_rules.authoring",
            "aftersales_rules.cli",
            "aftersales_rules.policy",
            "aftersales_rules.service",
        ),
    ),
    (("aftersales_rules",), ("aftersales_rules.testing",)),  # the case generator is for tests and benchmarks only
    (("aftersales_rules.serve",), ("aftersales_rules.cli",)),  # the service never imports the command line
]
SERVE = "aftersales_rules.serve"  # the optional service: only the command line imports it


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(module: str) -> list[tuple[str, int]]:
    """Every module ``module`` imports, absolute, with the line of the import statement."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.append((sub if sub in MODULES else base, node.lineno))  # `from . import casespace`: the module
    return out


def _where(module: str, line: int) -> str:
    return f"{MODULES[module].relative_to(ROOT)}:{line}"


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _graph() -> dict[str, dict[str, int]]:
    """module → {module of this package it imports: line}."""
    graph: dict[str, dict[str, int]] = {}
    for module in MODULES:
        edges = graph.setdefault(module, {})
        for target, line in _imports(module):
            if target in MODULES and target != module:
                edges.setdefault(target, line)
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle through each strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    cycles = []
    for component in components:
        start = min(component)
        path, seen = [start], {start}
        while True:  # walk inside the component until a module repeats
            nxt = min(w for w in graph[path[-1]] if w in component)
            if nxt in seen:
                cycles.append(path[path.index(nxt) :] + [nxt])
                break
            path.append(nxt)
            seen.add(nxt)
    return cycles


def test_the_modules_are_found():
    assert {"aftersales_rules", RUNTIME, "aftersales_rules.policy", "aftersales_rules.language.source"} <= set(MODULES)


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    shown = []
    for cycle in _cycles(graph):
        steps = [f"  {a} imports {b} ({_where(a, graph[a][b])})" for a, b in itertools.pairwise(cycle)]
        shown.append(" → ".join(cycle) + "\n" + "\n".join(steps))
    assert not shown, "import cycles in src/aftersales_rules:\n" + "\n".join(shown)


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1, "d": 1}, "d": {}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]


def test_durable_rules_is_imported_only_by_the_runtime():
    found = [
        (module, name, line)
        for module in MODULES
        for name, line in _imports(module)
        if name.split(".")[0] in _durable_modules()
    ]
    elsewhere = [f"  {_where(m, line)} imports {name}" for m, name, line in found if m != RUNTIME]
    assert not elsewhere, f"durable_rules may only be imported by {RUNTIME}:\n" + "\n".join(elsewhere)
    assert any(m == RUNTIME for m, _, _ in found), f"{RUNTIME} no longer imports durable_rules: update this test"


def _durable_modules() -> set[str]:
    try:
        installed = metadata.distribution("durable_rules").read_text("top_level.txt") or ""
    except metadata.PackageNotFoundError:  # pragma: no cover - the runtime dependency is installed
        installed = ""
    return DURABLE | set(installed.split())


def test_each_layer_imports_only_what_it_may():
    broken = []
    for importers, forbidden in LAYERS:
        for module in MODULES:
            if not _within(module, importers):
                continue
            for name, line in _imports(module):
                if _within(name, forbidden) and not _within(module, forbidden):
                    broken.append(
                        f"  {_where(module, line)}: {module} imports {name}, "
                        f"which modules under {', '.join(importers)} must not"
                    )
    assert not broken, "imports across the layers the README's design section draws:\n" + "\n".join(broken)


def test_only_the_command_line_imports_the_service():
    found = [
        f"  {_where(module, line)}: {module} imports {name}"
        for module in MODULES
        if not _within(module, (SERVE, "aftersales_rules.cli"))
        for name, line in _imports(module)
        if _within(name, (SERVE,))
    ]
    assert not found, f"{SERVE} (the serve extra) may only be imported by aftersales_rules.cli:\n" + "\n".join(found)


def test_no_module_is_over_400_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in MODULES.values()
        if (n := path.read_text(encoding="utf-8").count("\n")) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them by what they do):\n" + "\n".join(
        f"  {p}: {n} lines" for p, n in sorted(long.items())
    )


def test_the_readme_draws_every_module():
    """The design section's map lists each module under its package, so a new module is drawn or this fails."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    design = readme[readme.index("## Design") : readme.index("### Dependencies and why")]
    tree = design[design.index("src/aftersales_rules/") :]
    lines = tree.splitlines()
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parent = path.parent.relative_to(PACKAGE).as_posix()
        if parent == ".":  # a top-level module: a line of its own at the first indentation
            drawn = any(line.startswith(f"  {path.name} ") for line in lines)
        else:  # a module of a subpackage: a line below the subpackage's heading, before the next blank line
            block = tree[tree.index(f"\n  {parent}/") :].split("\n\n")[0].splitlines()
            drawn = any(line.startswith(f"    {path.name} ") for line in block)
        if not drawn:
            missing.append(path.relative_to(PACKAGE).as_posix())
    assert not missing, f"modules the README's design section does not draw: {missing}"
