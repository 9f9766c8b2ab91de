"""The type stub python/mfrec/_core.pyi matches the compiled module."""

import ast
import importlib.util
import inspect
from pathlib import Path

import pytest

import mfrec
from mfrec import _core

STUB = Path(mfrec.__file__).with_name("_core.pyi")
MAKE_STUB = Path(__file__).resolve().parents[1] / "tools" / "make_stub.py"


def _stub_functions():
    """name -> (positional parameter names, keyword-only parameter names)."""
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    return {node.name: ([a.arg for a in node.args.args], [a.arg for a in node.args.kwonlyargs])
            for node in tree.body if isinstance(node, ast.FunctionDef)}


def _stub_classes():
    """name -> annotated field names, for the parameter structs."""
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    return {node.name: [n.target.id for n in node.body if isinstance(n, ast.AnnAssign)]
            for node in tree.body if isinstance(node, ast.ClassDef)}


def _module_functions():
    out = {}
    for name, fn in vars(_core).items():
        if name.startswith("_") or not callable(fn) or inspect.isclass(fn):
            continue
        # pybind11 puts the signature on the docstring's first line: name(a: T, *, b: T) -> R
        first = (fn.__doc__ or "").splitlines()[0]
        params = first[first.index("(") + 1:first.rindex(")")]  # the return type has no ")"
        names = [p.split(":")[0].strip() for p in _split_top(params) if p.strip()]
        star = names.index("*") if "*" in names else len(names)
        out[name] = (names[:star], names[star + 1:])
    return out


def _module_classes():
    return {name: [f.split("=")[0] for f in _split_top(repr(cls())[len(name) + 1:-1])]
            for name, cls in vars(_core).items() if inspect.isclass(cls)
            and not name.startswith("_")}


def _split_top(text):
    """Split on commas outside brackets."""
    depth, part, parts = 0, "", []
    for ch in text:
        depth += ch in "[("
        depth -= ch in "])"
        if ch == "," and depth == 0:
            parts.append(part.strip())
            part = ""
        else:
            part += ch
    return parts + [part.strip()]


def test_stub_shipped_and_typed_marker():
    assert STUB.is_file()
    assert STUB.with_name("py.typed").is_file()


def test_stub_matches_module():
    stub, module = _stub_functions(), _module_functions()
    assert sorted(stub) == sorted(module)
    for name in module:
        assert stub[name] == module[name], name
    assert all(inspect.isbuiltin(getattr(_core, n)) for n in module)
    assert _stub_classes() == _module_classes()


def test_stub_is_what_the_generator_writes():
    if not MAKE_STUB.is_file():
        pytest.skip("tools/make_stub.py is not beside these tests (installed-wheel run)")
    spec = importlib.util.spec_from_file_location("make_stub", MAKE_STUB)
    make_stub = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_stub)
    assert STUB.read_text(encoding="utf-8") == make_stub.render(_core), \
        "python/mfrec/_core.pyi is stale: run python tools/make_stub.py"
