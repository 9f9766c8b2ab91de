"""The structure docs/architecture.md describes: an acyclic import graph with ``_base`` below
the models, the model registry driving the CLI and the docs, one version source."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

import mfrec
from mfrec._registry import all_models, cli_name, model_classes
from mfrec.cli._models import MODELS

PACKAGE = Path(mfrec.__file__).resolve().parent
ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- import graph
def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every import statement, at module level or inside functions, except the blocks
    under ``if TYPE_CHECKING:`` (never executed)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                todo.extend(child.orelse)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            todo.append(child)


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the mfrec modules it imports. ``from pkg import name`` points at the module
    ``pkg.name`` when there is one, else at ``pkg`` (its ``__init__``)."""
    files = {_module_name(p): p for p in package.rglob("*.py")}
    compiled = {_module_name(p) for p in package.rglob("*.pyi")}  # mfrec._core
    graph: dict[str, set[str]] = {m: set() for m in compiled}
    for name, path in files.items():
        is_pkg = path.name == "__init__.py"
        edges = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = name if is_pkg else name.rpartition(".")[0]
                for _ in range(max(node.level - 1, 0)):
                    base = base.rpartition(".")[0]
                mod = node.module if node.level == 0 else ".".join(
                    p for p in (base, node.module) if p)
                targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in graph.keys() | files.keys()
                           else mod for a in node.names]
            edges |= {t for t in targets if (t in files or t in compiled) and t != name}
        graph[name] = edges
    # mfrec.models imports its public family modules dynamically (pkgutil): those edges too
    graph["mfrec.models"] |= {m for m in files if m.count(".") == 2
                              and m.startswith("mfrec.models.") and "._" not in m}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the directed graph as a list of nodes, or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_walk_sees_the_package():
    graph = import_graph()
    assert len(graph) > 60
    assert {"mfrec.models.funk_svd", "mfrec.models.als"} <= graph["mfrec.models"]
    assert "mfrec._base" in graph["mfrec.models.funk_svd"]
    assert "mfrec._retrieval" in graph["mfrec._base"]
    # imports inside functions count too
    assert "mfrec.cli._commands" in graph["mfrec.cli"]


def test_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_import_cycle_in_mfrec():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle)


def _reachable(graph, start):
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_base_is_below_the_models_and_the_front_ends():
    below = _reachable(import_graph(), "mfrec._base")
    assert "mfrec._retrieval" in below and "mfrec._core" in below
    assert "mfrec" not in below  # the package's __init__ (which imports everything)
    for higher in ("mfrec.models", "mfrec.cli", "mfrec.model_selection", "mfrec.plot",
                   "mfrec.demo"):
        assert not any(m == higher or m.startswith(higher + ".") for m in below), higher


# --------------------------------------------------------------------------- registry
def test_registry_is_what_mfrec_exports():
    names = [n for n, _ in all_models()]
    assert names == sorted(names)
    for name, cls in all_models():
        assert getattr(mfrec, name) is cls and name in mfrec.__all__
        assert cls.__module__.startswith("mfrec.models")
    assert "Recommender" not in names


def test_a_model_exists_by_existing():
    class LocalModel(mfrec.FunkSVD):
        """A subclass defined outside mfrec.models."""

    assert LocalModel in model_classes().values()  # mfrec.load can find it
    assert LocalModel not in dict(all_models()).values()  # but mfrec does not export it


def test_cli_lists_every_model():
    assert [cls for cls, _ in MODELS.values()] == [cls for _, cls in all_models()]
    assert cli_name(mfrec.ImplicitALS) == "implicit-als"
    assert cli_name(mfrec.FunkSVD) == "funk-svd"
    assert {"funk-svd", "als", "implicit-als", "baseline"} <= set(MODELS)
    for name, (_cls, summary) in MODELS.items():
        assert summary and "\n" not in summary, name


def model_table() -> str:
    """The docs' model table, from the registry and each model's traits."""
    rows = ["| model | `mfrec` CLI | feedback | scoring | validation metric | fold-in "
            "| same result at any n_threads | summary |",
            "|---|---|---|---|---|---|---|---|"]
    for name, cls in all_models():
        t = cls()._get_traits()
        det = "yes" if t.deterministic else "no (see its docstring)"
        rows.append(f"| `{name}` | `{cli_name(cls)}` | {t.feedback} | {t.scoring} | "
                    f"{t.val_metric} | {t.fold_in} | {det} | {MODELS[cli_name(cls)][1]} |")
    return "\n".join(rows)


def test_docs_model_table_is_the_registry():
    doc = ROOT / "docs" / "models.md"
    if not doc.is_file():
        pytest.skip("docs/ is not beside these tests (installed-wheel run)")
    text = doc.read_text(encoding="utf-8")
    m = re.search(r"<!-- models -->\n(.*?)\n<!-- /models -->", text, re.S)
    assert m, "docs/models.md has no <!-- models --> table"
    assert m.group(1) == model_table(), (
        "docs/models.md's table is stale; replace it with:\n" + model_table())


# --------------------------------------------------------------------------- version
def test_one_version_source():
    from mfrec import _core

    assert mfrec.__version__ == _core.__version__ == importlib.metadata.version("mfrec")
    pyproject = ROOT / "pyproject.toml"
    if pyproject.is_file():
        if sys.version_info >= (3, 11):
            import tomllib

            declared = tomllib.loads(pyproject.read_text())["project"]["version"]
            assert mfrec.__version__ == declared
