"""Write python/mfrec/_core.pyi, the type stub of the compiled module, from the module itself.

pybind11 puts each function's signature on the first line of its docstring; the parameter
structs (``ParamStruct`` in cpp/src/bind_util.hpp) list their fields in repr(). This script
turns both into stub text with short type names. tests/test_stub.py checks that the shipped
stub equals what this script writes, so after changing a binding run:

    python tools/make_stub.py
"""

from __future__ import annotations

import inspect
import re
import sys
import textwrap
from pathlib import Path

STUB = Path(__file__).resolve().parents[1] / "python" / "mfrec" / "_core.pyi"

_TYPES = [
    (r"numpy\.typing\.NDArray\[numpy\.(\w+)\]", r"NDArray[np.\1]"),
    (r"typing\.SupportsInt \| typing\.SupportsIndex", "int"),
    (r"typing\.SupportsFloat \| typing\.SupportsIndex", "float"),
    (r"mfrec\._core\.", ""),
    (r"\btyping\.", ""),
]

HEADER = '''"""Type stub of mfrec._core, the C++ kernels (private API: use the mfrec package).

Written by tools/make_stub.py from the compiled module; tests/test_stub.py checks it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
'''


def _short(text: str) -> str:
    for pattern, repl in _TYPES:
        text = re.sub(pattern, repl, text)
    return text


def _split_top(text: str) -> list[str]:
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
    return [p for p in parts + [part.strip()] if p]


def _doc(text: str, indent: str) -> str:
    lines = textwrap.wrap(" ".join(text.split()), 96 - len(indent)) or [""]
    body = "\n".join(indent + line for line in lines)
    return f'{indent}"""\n{body}\n{indent}"""\n'


def function_stub(name: str, fn) -> str:
    lines = (fn.__doc__ or "").splitlines()
    first = lines[0]
    params = _split_top(first[first.index("(") + 1:first.rindex(")")])
    ret = _short(first[first.rindex("->") + 2:].strip())
    args = "".join(f"    {_short(p)},\n" for p in params)
    doc = "\n".join(lines[1:]).strip()
    head = f"def {name}(\n{args}) -> {ret}:\n" if args else f"def {name}() -> {ret}:\n"
    return head + _doc(doc, "    ")


def class_stub(name: str, cls) -> str:
    fields = re.findall(r"(\w+)=", repr(cls()))
    default = cls()
    out = [f"class {name}:\n", _doc(inspect.getdoc(cls) or "", "    ")]
    for field in fields:
        out.append(f"    {field}: {type(getattr(default, field)).__name__}\n")
    kw = "".join(f"        {f}: {type(getattr(default, f)).__name__} = ...,\n" for f in fields)
    out.append(f"    def __init__(\n        self,\n        *,\n{kw}    ) -> None: ...\n")
    return "".join(out)


def render(module) -> str:
    names = sorted(n for n in vars(module) if not n.startswith("_"))
    parts = [HEADER, "\n__version__: str\n", "__all__: list[str] = [\n"]
    parts += [f'    "{n}",\n' for n in names] + ["]\n"]
    for name in names:
        obj = getattr(module, name)
        parts.append("\n")
        parts.append(class_stub(name, obj) if inspect.isclass(obj) else function_stub(name, obj))
    return "".join(parts)


if __name__ == "__main__":
    from mfrec import _core

    STUB.write_text(render(_core), encoding="utf-8")
    print(f"wrote {STUB}", file=sys.stderr)
