"""The type stub python/mfrec/_core.pyi matches the compiled module."""

import ast
import inspect
from pathlib import Path

import mfrec
from mfrec import _core

STUB = Path(mfrec.__file__).with_name("_core.pyi")


def _stub_functions():
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    return {node.name: [a.arg for a in node.args.args]
            for node in tree.body if isinstance(node, ast.FunctionDef)}


def _module_functions():
    out = {}
    for name, fn in vars(_core).items():
        if name.startswith("_") or not callable(fn):
            continue
        # pybind11 puts the signature on the docstring's first line: name(a: T, b: T) -> R
        first = (fn.__doc__ or "").splitlines()[0]
        params = first[first.index("(") + 1:first.rindex(")")]  # the return type has no ")"
        out[name] = [p.split(":")[0].strip() for p in _split_top(params) if p.strip()]
    return out


def _split_top(text):
    """Split on commas outside brackets."""
    depth, part, parts = 0, "", []
    for ch in text:
        depth += ch in "[("
        depth -= ch in "])"
        if ch == "," and depth == 0:
            parts.append(part)
            part = ""
        else:
            part += ch
    return parts + [part]


def test_stub_shipped_and_typed_marker():
    assert STUB.is_file()
    assert STUB.with_name("py.typed").is_file()


def test_stub_matches_module():
    stub, module = _stub_functions(), _module_functions()
    assert sorted(stub) == sorted(module)
    for name in module:
        assert stub[name] == module[name], name
    assert all(inspect.isbuiltin(getattr(_core, n)) for n in module)
