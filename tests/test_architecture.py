"""The house's floors, read from the source with `ast` (nothing is imported):

- no import circle among the modules of src/ingest and flows/ (imports inside functions count:
  an import moved into a function to dodge a circle is still a circle);
- src/ingest never imports flows/ or Prefect, except the command line (ingest.cli), the one floor
  above the flows;
- the floors follow the data path (cli -> flows -> assembly -> page -> parse/extract -> models):
  parse/ and extract/ import nothing from page/, assembly/, release/, evaluate/ or cli; page/ nothing from
  assembly/, release/, evaluate/ or cli; evaluate/ (scoring on labelled pages) nothing from assembly/, release/
  or cli; assembly/ nothing from cli; release/ (the store the build publishes into)
  nothing from page/, assembly/ or cli; scrape/ nothing from page/, assembly/, release/ or cli.

A rule about a package that does not exist (yet) is skipped, with the reason.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOTS = {"ingest": REPO / "src" / "ingest", "flows": REPO / "flows"}


def _modules() -> dict[str, Path]:
    """Dotted module name -> source file, for every module of src/ingest and flows/."""
    found = {}
    for top, root in ROOTS.items():
        for path in sorted(root.rglob("*.py")):
            parts = [top, *path.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


@lru_cache(maxsize=None)
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text("utf-8"), str(path))


def _imported(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """(dotted name, line) of everything `module` imports, at any depth of its code."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from ..a import b
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # `from pkg import mod` imports the module pkg.mod; `from mod import name` imports mod
                yield (f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source), node.lineno


def _graph() -> dict[str, dict[str, int]]:
    """module -> {module of this house it imports: line of the first such import}."""
    graph: dict[str, dict[str, int]] = {}
    for module, path in MODULES.items():
        edges = graph.setdefault(module, {})
        for name, line in _imported(module, path):
            target = name
            while target and target not in MODULES:  # `import ingest.a.b` of a name inside a module
                target = target.rpartition(".")[0]
            if target and target != module:
                edges.setdefault(target, line)
    return graph


GRAPH = _graph()


def _circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
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
    return sorted(found)


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _describe(circle: list[str]) -> str:
    members = set(circle)
    return "; ".join(f"{a} -> {b} (line {line})" for a in circle for b, line in sorted(GRAPH[a].items())
                     if b in members)


def test_no_import_circle():
    circles = _circles(GRAPH)
    assert not circles, "import circles:\n  " + "\n  ".join(_describe(c) for c in circles)


def test_the_library_never_imports_flows_or_prefect():
    wrong = [f"{module} imports {name} (line {line})"
             for module, path in MODULES.items() if _in(module, "ingest") and not _in(module, "ingest.cli")
             for name, line in _imported(module, path) if _in(name, "flows") or _in(name, "prefect")]
    assert not wrong, "\n".join(wrong)


# (lower floor, floors above it that it must not import)
LAYERS = [
    ("ingest.parse", ["ingest.page", "ingest.assembly", "ingest.release", "ingest.evaluate", "ingest.cli"]),
    ("ingest.extract", ["ingest.page", "ingest.assembly", "ingest.release", "ingest.evaluate", "ingest.cli"]),
    ("ingest.page", ["ingest.assembly", "ingest.release", "ingest.evaluate", "ingest.cli"]),
    # the evaluation scores what the per-page stage gives (page/); only the command line stands above it
    ("ingest.evaluate", ["ingest.assembly", "ingest.release", "ingest.cli"]),
    # the release store stands below the build (finalize publishes through it): it reads what the build wrote
    ("ingest.release", ["ingest.page", "ingest.assembly", "ingest.cli"]),
    # the crawler writes the raw store that page/ reads; it shares only ingest.atomic with the release store
    ("ingest.scrape", ["ingest.page", "ingest.assembly", "ingest.release", "ingest.cli"]),
    ("ingest.assembly", ["ingest.cli"]),
]


@pytest.mark.parametrize("lower,upper", [(lo, up) for lo, ups in LAYERS for up in ups],
                         ids=[f"{lo}-not-{up}" for lo, ups in LAYERS for up in ups])
def test_a_floor_imports_nothing_from_the_floors_above(lower, upper):
    for package in (lower, upper):
        if package not in MODULES:
            pytest.skip(f"{package} does not exist yet")
    wrong = [f"{module} imports {target} (line {line})"
             for module, edges in GRAPH.items() if _in(module, lower)
             for target, line in edges.items() if _in(target, upper)]
    assert not wrong, "\n".join(wrong)


def test_the_graph_sees_the_house():
    """The reader finds the modules and their imports (a reader that saw nothing would pass every rule)."""
    assert {"ingest.parse.html", "ingest.extract.procedure", "ingest.models", "flows.build"} <= set(MODULES)
    assert "ingest.parse.blocks" in GRAPH["ingest.parse.html"]
    assert "ingest.models" in GRAPH["ingest.page.process"]
    assert any(_in(target, "ingest") for target in GRAPH["flows.build"])
    assert _circles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c"]]


# The extraction passes in the order the driver calls them (issue 19): a pass reads what earlier passes
# made and never imports a later one, directly or through another module.
PASSES = [
    "ingest.parse",  # segment's input: the block stream
    "ingest.extract.segment",  # segment: blocks into runs, one per section node
    "ingest.extract.label",  # label: a heading's field, scored (segment is handed it as a function)
    "ingest.extract.route",  # route: each run's content into its field
    "ingest.extract.identify",  # identify: the title, a scored choice among candidates
    "ingest.extract.procedure",  # the driver of the passes (title, meta, labeller, segment, route)
    "ingest.extract.classify",  # classify_and_extract: page type over the driver's draft
]


def _reach(start: str) -> dict[str, list[str]]:
    """Every module of the house `start` imports, directly or not, with one chain that leads there."""
    seen: dict[str, list[str]] = {start: [start]}
    todo = [start]
    while todo:
        node = todo.pop()
        for target in GRAPH.get(node, {}):
            if target not in seen:
                seen[target] = seen[node] + [target]
                todo.append(target)
    return seen


@pytest.mark.parametrize("index", range(len(PASSES) - 1), ids=PASSES[:-1])
def test_no_pass_imports_a_later_one(index):
    earlier = [m for m in MODULES if _in(m, PASSES[index])]
    assert earlier, f"{PASSES[index]} does not exist"
    wrong = [" -> ".join(chain) for m in earlier for target, chain in _reach(m).items()
             for later in PASSES[index + 1:] if _in(target, later)]
    assert not wrong, "a pass imports a later one:\n  " + "\n  ".join(wrong)


# Directory names the standard Python .gitignore (github/gitignore Python.gitignore) ignores: a package
# named like one of them is silently left out of a commit (src/ingest/build/ once was).
IGNORED_BY_COMMON_TOOLING = {"build", "dist", "develop-eggs", "downloads", "eggs", ".eggs", "lib", "lib64",
                             "parts", "sdist", "var", "wheels", "env", "venv", "ENV", "htmlcov", "site"}


def test_no_package_is_named_like_a_tool_output_folder():
    packages = {path.parent for path in (REPO / "src").rglob("__init__.py")} | {REPO / "flows"}
    wrong = sorted(str(p.relative_to(REPO)) for p in packages if p.name in IGNORED_BY_COMMON_TOOLING)
    assert not wrong, f"packages a standard .gitignore would drop: {wrong}"
    assert not (REPO / "src" / "ingest" / "build").exists(), "no shim under the old name ingest.build"
