"""The code's shape, as ARCHITECTURE.md "One service, inside" asks of every package: no
import cycle among the modules of a service, the gateway or a library, no source file over
400 lines outside migrations and tests, and no query outside a service's repositories and
read models.

Imports are read with ast, not executed: every `import` and `from ... import` anywhere in a
module counts (one inside a function hides a cycle from the import system, not from a
reader), and `from pkg import name` points at the module pkg.name where there is one."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400
SOURCE_SUFFIXES = {".py", ".html", ".js", ".css", ".sh"}
SKIPPED_PARTS = {"migrations", "tests", "tests-e2e", ".venv", ".tools", "var", "node_modules"}
# Files over the limit that are being split now; the list may only shrink (a listed file
# that fits, or a new file over the limit, fails the test).
BEING_SPLIT: set[str] = set()


def packages() -> Iterator[Path]:
    """Every top-level package of a service, the gateway and the libraries."""
    roots = [*ROOT.glob("services/*/src"), ROOT / "gateway/src", *ROOT.glob("libs/*/src")]
    for src in sorted([*roots, *ROOT.glob("deploy/*/src")]):
        for package in sorted(src.iterdir()):
            if (package / "__init__.py").exists():
                yield package


def module_name(package: Path, path: Path) -> str:
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports."""
    paths = {module_name(package, p): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in paths else base)
        graph[name] = {t for t in targets if t in paths and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [shortest_cycle(graph, group) for group in groups]


def shortest_cycle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & group):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return sorted(group)


# Modules that run queries: a feature's repository.py (or <part>_repository.py beside it) and
# readmodels.py. access.py builds its scope conditions as subqueries and models.py its
# server defaults, but neither runs one. Everywhere else (use cases, routers, consumers,
# jobs, context.py) asks a repository or the read models.
QUERY_MODULES = ("repository", "readmodels")
CONDITION_MODULES = ("access", "models")
# Any call of these runs SQL, whatever it is called on (a session, a raw connection).
RUNS_SQL = {"execute", "executemany", "fetch", "fetchrow", "fetchval", "stream"}
# ...except on an HTTP request, whose stream() is its body.
HTTP_REQUESTS = {"request"}
# These run SQL when called on a session (`session`, `self.session`, `ctx.session`...).
SESSION_QUERIES = {"get", "get_one", "scalar", "scalars", "stream_scalars", "refresh", "merge"}
STATEMENTS = {"select", "insert", "update", "delete", "text"}
# Modules (a folder: all its modules) whose queries have not moved into repositories yet, with
# the reason; the list may only shrink (an entry without a query left fails the test).
WRITTEN_NOW = "being written by other helpers now: their queries move when that work lands"
QUERIES_BEING_MOVED: dict[str, str] = {}


def may_query(module: Path) -> bool:
    name = module.stem
    return name in QUERY_MODULES or name.endswith("_repository")


def queries(path: Path) -> list[str]:
    """The places in a module that run SQL or build a statement: 'line: call'."""
    tree = ast.parse(path.read_text(), str(path))
    functions: set[str] = set()  # select, insert... imported from sqlalchemy
    modules: set[str] = set()  # sqlalchemy itself, its dialects
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            for alias in node.names:
                named = alias.asname or alias.name
                (functions if alias.name in STATEMENTS else modules).add(named)
        elif isinstance(node, ast.Import):
            modules.update(
                (a.asname or a.name).split(".")[0]
                for a in node.names
                if a.name.startswith("sqlalchemy")
            )
    builds_only = path.stem in CONDITION_MODULES or path.parent.name == "models"
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        call, on = node.func, None
        if isinstance(call, ast.Attribute):
            on = call.value.attr if isinstance(call.value, ast.Attribute) else None
            on = call.value.id if isinstance(call.value, ast.Name) else on
        if isinstance(call, ast.Name) and call.id in functions:
            runs, text = False, f"{call.id}()"
        elif isinstance(call, ast.Attribute) and call.attr in STATEMENTS and on in modules:
            runs, text = False, f"{on}.{call.attr}()"
        elif isinstance(call, ast.Attribute) and (
            (call.attr in RUNS_SQL and on not in HTTP_REQUESTS)
            or (call.attr in SESSION_QUERIES and (on or "").endswith("session"))
        ):
            runs, text = True, f"{on}.{call.attr}()"
        else:
            continue
        if runs or not builds_only:
            found.append(f"{node.lineno}: {text}")
    return sorted(found, key=lambda place: int(place.split(":")[0]))


def source_files() -> Iterator[Path]:
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        skipped = SKIPPED_PARTS & set(relative.parts)
        if path.suffix in SOURCE_SUFFIXES and not skipped and path.is_file():
            yield path


def test_no_package_has_an_import_cycle() -> None:
    found = {
        package.name: [" -> ".join(c) for c in cycles(import_graph(package))]
        for package in packages()
    }
    assert len(found) >= 10, sorted(found)  # every service, the gateway and the libraries
    assert {name: c for name, c in found.items() if c} == {}


def test_the_cycle_finder_names_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]


def test_no_source_file_is_over_400_lines_outside_migrations_and_tests() -> None:
    sizes = {
        path.relative_to(ROOT).as_posix(): len(path.read_text(errors="replace").splitlines())
        for path in source_files()
    }
    assert "services/identity/src/identity_svc/main.py" in sizes
    over = {name for name, lines in sizes.items() if lines > MAX_LINES}
    assert over - BEING_SPLIT == set(), "new files over the limit"
    fits = {name: sizes.get(name) for name in BEING_SPLIT - over}
    assert fits == {}, "these fit now (or are gone): take them off BEING_SPLIT"


def test_only_repositories_and_read_models_run_queries() -> None:
    found = {
        path.relative_to(ROOT).as_posix(): places
        for path in sorted(ROOT.glob("services/*/src/*_svc/**/*.py"))
        if not may_query(path) and (places := queries(path))
    }
    moving = {
        name: places
        for name, places in found.items()
        if any(name.startswith(entry) for entry in QUERIES_BEING_MOVED)
    }
    assert {n: p for n, p in found.items() if n not in moving} == {}, (
        "ask the feature's repository (or readmodels.py) instead"
    )
    moved = {e for e in QUERIES_BEING_MOVED if not any(n.startswith(e) for n in moving)}
    assert moved == set(), "these run no query now: take them off QUERIES_BEING_MOVED"


def test_the_query_finder_names_queries(tmp_path: Path) -> None:
    module = tmp_path / "service.py"
    module.write_text(
        "import sqlalchemy as sa\n"
        "from sqlalchemy import select as pick\n"
        "from sqlalchemy.dialects import postgresql\n"
        "async def use(ctx, conn, rows):\n"
        "    await ctx.session.get(A, 1)\n"
        "    await ctx.session.execute(pick(A))\n"
        "    await conn.fetchval('SELECT 1')\n"
        "    sa.update(A)\n"
        "    postgresql.insert(A)\n"
        "    ctx.session.add(A())\n"
        "    await ctx.session.flush()\n"
        "    rows.get('key')\n"
        "    request.stream()\n"
        "    request.app.state.db.execute(pick(A))\n"
    )
    assert queries(module) == [
        "5: session.get()",
        "6: session.execute()",
        "6: pick()",
        "7: conn.fetchval()",
        "8: sa.update()",
        "9: postgresql.insert()",
        "14: db.execute()",
        "14: pick()",
    ]
    conditions = tmp_path / "access.py"
    conditions.write_text("from sqlalchemy import select\nq = select(A)\n")
    assert queries(conditions) == []
    assert may_query(tmp_path / "payments_repository.py")
    assert not may_query(module)
