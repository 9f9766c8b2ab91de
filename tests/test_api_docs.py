"""Every public name has a numpydoc docstring and complete type hints.

Public names are those reachable from the ``__all__`` of ``mfrec`` and its public
sub-packages, plus the public methods and properties of those classes (inherited ones
included, each function checked once). A new public function without a docstring, without
a ``Parameters``/``Returns`` section or without annotations makes this fail.
"""

from __future__ import annotations

import ast
import inspect
import re
import types

import pytest

import mfrec
from mfrec._idmap import IdMap

PACKAGES = [mfrec, mfrec.metrics, mfrec.model_selection, mfrec.datasets, mfrec.plot]
# Reached through public attributes (``Interactions.user_map``, ``model.item_map_``) though
# not exported.
EXTRA = {"mfrec.IdMap": IdMap}


def _section(doc: str, name: str) -> bool:
    return re.search(rf"^\s*{name}\n\s*-{{{len(name)}}}\s*$", doc, re.MULTILINE) is not None


def _own(obj) -> bool:
    return (getattr(obj, "__module__", "") or "").split(".")[0] == "mfrec"


def _public_objects():
    """(qualified name, object) of every public class and function, each once."""
    seen, out = set(), []
    names = [(f"{pkg.__name__}.{n}", getattr(pkg, n)) for pkg in PACKAGES for n in pkg.__all__]
    for qual, obj in names + list(EXTRA.items()):
        if isinstance(obj, types.ModuleType) or id(obj) in seen:
            continue
        seen.add(id(obj))
        out.append((qual, obj))
    return out


def _classes():
    return [(q, c) for q, c in _public_objects() if inspect.isclass(c)]


def _callables():
    """(qualified name, function, is_method) of public functions and methods, each once.

    Methods: public (no leading underscore) and ``__init__``, defined in mfrec, looked up
    through the MRO so inherited ones count for the class that exposes them.
    """
    seen, out = set(), []
    public = {id(obj): qual for qual, obj in _public_objects()}
    # base classes first, so an inherited method is named after the base that exposes it
    by_depth = sorted(_public_objects(), key=lambda qo: len(getattr(qo[1], "__mro__", ())))
    for qual, obj in by_depth:
        if inspect.isfunction(obj):
            out.append((qual, obj, False))
            continue
        for cls in obj.__mro__:
            if not _own(cls):
                continue
            for name, attr in vars(cls).items():
                if name.startswith("_") and name != "__init__":
                    continue
                fn = attr.__func__ if isinstance(attr, (classmethod, staticmethod)) else attr
                if not inspect.isfunction(fn) or id(fn) in seen:
                    continue
                seen.add(id(fn))
                owner = public.get(id(cls), qual)  # named after the class defining it
                out.append((f"{owner}.{name}", fn, not isinstance(attr, staticmethod)))
    return out


def _properties():
    seen, out = set(), []
    public = {id(obj): qual for qual, obj in _public_objects()}
    for qual, cls in _classes():
        for klass in cls.__mro__:
            if not _own(klass):
                continue
            for name, attr in vars(klass).items():
                if isinstance(attr, property) and not name.startswith("_") and id(attr) not in seen:
                    seen.add(id(attr))
                    out.append((f"{public.get(id(klass), qual)}.{name}", attr))
    return out


def _explicit_params(fn, is_method: bool) -> list[inspect.Parameter]:
    params = list(inspect.signature(fn).parameters.values())
    if is_method and params and params[0].name in ("self", "cls"):
        params = params[1:]
    return params


CALLABLES = _callables()
IDS = [q for q, _, _ in CALLABLES]


def test_the_walk_finds_the_api():
    # Guards the walk itself: if it silently found nothing, every other test would pass.
    # by identity: a method inherited by several public classes is listed under one of them
    walked = {id(fn) for _, fn, _ in CALLABLES}
    for expected in ("FunkSVD.fit", "Recommender.recommend", "Recommender.fold_in",
                     "Interactions.to_csr", "Interactions.from_pandas",
                     "metrics.ndcg_at_k", "model_selection.KFold.split",
                     "datasets.load_movielens", "plot.item_map",
                     "Recommender.get_params", "evaluate", "load"):
        obj = mfrec
        for part in expected.split("."):
            obj = getattr(obj, part)
        obj = getattr(obj, "__func__", obj)
        assert id(obj) in walked, expected
    assert len(CALLABLES) > 60
    assert {q for q, _ in _properties()} >= {"mfrec.Interactions.shape",
                                            "mfrec.Recommender.n_users"}


@pytest.mark.parametrize("qual, obj", _public_objects(), ids=[q for q, _ in _public_objects()])
def test_class_and_function_docstrings(qual, obj):
    doc = inspect.getdoc(obj)
    assert doc and doc.strip(), f"{qual} has no docstring"
    if inspect.isclass(obj) and _own(obj) and "__init__" in vars(obj):
        # numpydoc documents constructor parameters in the class docstring
        if _explicit_params(obj.__init__, True):
            assert _section(doc, "Parameters"), f"{qual}: class docstring lacks Parameters"


@pytest.mark.parametrize("qual, fn, is_method", CALLABLES, ids=IDS)
def test_annotations(qual, fn, is_method):
    sig = inspect.signature(fn)
    missing = [p.name for p in _explicit_params(fn, is_method)
               if p.annotation is inspect.Parameter.empty]
    assert not missing, f"{qual}: parameters without a type hint: {missing}"
    assert sig.return_annotation is not inspect.Signature.empty, f"{qual}: no return hint"
    # ``from __future__ import annotations`` keeps hints as text: each must at least parse
    hints = [p.annotation for p in sig.parameters.values()] + [sig.return_annotation]
    for hint in hints:
        if isinstance(hint, str):
            ast.parse(hint, mode="eval")


@pytest.mark.parametrize("qual, fn, is_method", CALLABLES, ids=IDS)
def test_numpydoc_sections(qual, fn, is_method):
    if fn.__name__ == "__init__":
        return  # documented in the class docstring (checked above)
    doc = inspect.getdoc(fn)
    assert doc and doc.strip(), f"{qual} has no docstring"
    if _explicit_params(fn, is_method):
        assert _section(doc, "Parameters"), f"{qual}: docstring lacks a Parameters section"
    ret = inspect.signature(fn).return_annotation
    if ret not in ("None", None, inspect.Signature.empty):
        section = "Yields" if inspect.isgeneratorfunction(fn) else "Returns"
        assert _section(doc, section), f"{qual}: docstring lacks a {section} section"


@pytest.mark.parametrize("qual, prop", _properties(), ids=[q for q, _ in _properties()])
def test_properties(qual, prop):
    assert prop.__doc__ and prop.__doc__.strip(), f"{qual} has no docstring"
    ret = inspect.signature(prop.fget).return_annotation
    assert ret is not inspect.Signature.empty, f"{qual}: no return hint"


def _type_lines(doc: str) -> list[str]:
    """The unindented lines of the Parameters / Returns / Yields sections (``name : type``)."""
    lines, out, inside = doc.splitlines(), [], False
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()):
            inside = line.strip() in ("Parameters", "Returns", "Yields")
        elif inside and line and not line.startswith(" ") and not re.fullmatch(r"-{3,}", line):
            out.append(line)
    return out


ARRAY_TYPE = re.compile(r"\bndarray\b|array-like|sparse matrix")


@pytest.mark.parametrize("qual, obj", _public_objects() + [(q, f) for q, f, _ in CALLABLES],
                         ids=[q for q, _ in _public_objects()] + IDS)
def test_array_types_state_their_shape(qual, obj):
    bad = [line for line in _type_lines(inspect.getdoc(obj) or "")
           if ARRAY_TYPE.search(line) and "shape" not in line]
    assert not bad, f"{qual}: array parameters or returns without a shape: {bad}"


def _models():
    return [c for _, c in _classes() if issubclass(c, mfrec.Recommender)
            and c is not mfrec.Recommender]


@pytest.mark.parametrize("cls", _models(), ids=lambda c: c.__name__)
def test_model_fit_docstrings(cls):
    # fit documents the validation set, the per-epoch callback (its info keys) and self.
    doc = inspect.getdoc(cls.fit)
    for word in ("eval_set", "callback", "epoch", "elapsed", "loss", "self"):
        assert word in doc, f"{cls.__name__}.fit docstring does not mention {word!r}"
    assert cls.fit.__annotations__.get("return") == cls.__name__


def test_checks_catch_a_bad_function():
    # The section and annotation checks are not vacuous: a bare function fails them.
    def bare(x, y=1):
        """Summary only."""
        return x

    assert not _section(inspect.getdoc(bare), "Parameters")
    params = _explicit_params(bare, False)
    assert [p.annotation for p in params] == [inspect.Parameter.empty] * 2
    assert _section("Summary.\n\nReturns\n-------\nint\n", "Returns")
    doc = "Summary.\n\nParameters\n----------\nx : ndarray\n    Values.\n"
    assert _type_lines(doc) == ["x : ndarray"] and ARRAY_TYPE.search("x : ndarray")
