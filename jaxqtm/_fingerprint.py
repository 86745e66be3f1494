"""Content fingerprint of a callable: a sha256 of the code it runs and of the constants it runs
with, so that a checkpoint written by one kernel is never taken for another's (used by
:func:`jaxqtm.sweep.sweep` and :func:`jaxqtm.optimize.pareto_front`; one implementation).

What is hashed (a Merkle tree: every node hashes a type tag and its children's digests):

- a function: its code object -- ``co_code``, ``co_consts`` (nested code objects, i.e. inner
  functions, lambdas and comprehensions, recursively), ``co_names``, ``co_varnames``, argument
  counts, flags and the exception table -- its defaults and keyword defaults, the contents of
  its closure cells, and the *values* of the module globals its code names.  NOT hashed: the
  file name, the function's own name and every line number (moving a function within a file,
  or importing it under another module path, keeps its fingerprint; editing its body does
  not) and its docstring.
- a global that is a function is hashed the same way (recursively: editing a helper the kernel
  calls changes the kernel's fingerprint); a library module contributes only its name (of a
  user's module, the attributes the code names are hashed like globals); a class its qualified
  name and, for classes defined outside :data:`LIBRARIES`, the functions, properties and plain
  attributes defined in its body (and in its bases outside :data:`LIBRARIES`).
- code of :data:`LIBRARIES` (the standard library, jax, numpy, equinox, optax, jaxqtm ...) is
  identified by module and qualified name only -- its version is in a sweep's metadata -- but
  the closure cells and defaults of such a function are data and are hashed (the learning rate
  inside ``optax.adam(1e-2)``).
- data: ``None``, bool, int, float, complex, str, bytes by value (an int and a float of the
  same value hash alike: optax's schedules turn their int closure variables into floats on
  first use, and a used optimizer must keep its fingerprint); numpy / JAX arrays by dtype,
  shape and bytes; tuples, lists, dicts (in order), sets (sorted by digest); dataclasses and
  ``eqx.Module``\\ s by their class and every field; ``functools.partial`` by function, args and
  keywords; bound methods by function and ``__self__``; ``jax.jit`` (any ``__wrapped__``) by the
  wrapped function; other objects by their class and their ``__dict__`` / ``__slots__``; objects
  without either by their ``repr`` when it holds no memory address.
- **opaque**: anything else (an object whose ``repr`` is ``<... at 0x...>``, something nested
  deeper than :data:`MAX_DEPTH`, an array that cannot be read) is hashed by its type's qualified
  name only and listed in :attr:`Fingerprint.opaque`: the fingerprint cannot see a change in it,
  so callers must not trust a match on its own (sweep and pareto_front refuse to resume then,
  unless the user names the version).

A cycle (a function calling itself through a global, a class method naming its class) hashes
as a reference to the enclosing node.  The digest depends on the Python version (bytecode).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import os
import re
import sys
import sysconfig
import types

import numpy as np

MAX_DEPTH = 32  # nesting (functions calling functions, data inside data) followed before "opaque"

# Packages whose code is identified by name only (see the module docstring).
LIBRARIES = frozenset(sys.stdlib_module_names) | {
    "jax",
    "jaxlib",
    "numpy",
    "scipy",
    "equinox",
    "optax",
    "lineax",
    "diffrax",
    "optimistix",
    "jaxtyping",
    "typing_extensions",
    "jaxqtm",
}

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
_PLAIN = (type(None), bool, int, float, complex, str, bytes)


@dataclasses.dataclass(frozen=True)
class Fingerprint:
    """``digest``: sha256 (hex) of the whole callable; ``parts``: label -> digest of each
    top-level component (``code``, ``defaults``, ``closure:<name>``, ``global:<name>``,
    ``self``, ``args[i]``, ...), to say what differs; ``opaque``: ``"<where>: <type>"`` of every
    part hashed by its type only (empty: the digest covers everything)."""

    digest: str
    parts: dict[str, str]
    opaque: tuple[str, ...]


def fingerprint(fn) -> Fingerprint:
    """The content :class:`Fingerprint` of ``fn`` (any object; usually a callable)."""
    hasher = _Hasher()
    parts = {label: hasher.digest(obj, label, 1).hex() for label, obj in _top_parts(fn, "")}
    total = hashlib.sha256()
    for label in sorted(parts):
        total.update(_tok(label) + bytes.fromhex(parts[label]))
    return Fingerprint(total.hexdigest(), parts, tuple(dict.fromkeys(hasher.opaque)))


def changed_parts(old: dict, new: dict) -> list[str]:
    """Labels of the parts that differ between two :attr:`Fingerprint.parts` (added, removed or
    changed), sorted."""
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def digest_arrays(arrays: dict) -> dict[str, str]:
    """``name -> sha256`` of each array's dtype, shape and bytes (content hash of saved data)."""
    return {k: _array_digest(np.asarray(v)).hex() for k, v in arrays.items()}


# ---------------------------------------------------------------------------


def _tok(s) -> bytes:
    b = s if isinstance(s, bytes) else str(s).encode()
    return len(b).to_bytes(8, "little") + b  # length-prefixed: no two token streams collide


def _array_digest(a: np.ndarray) -> bytes:
    h = hashlib.sha256(_tok("array") + _tok(a.dtype.str) + _tok(repr(a.shape)))
    h.update(np.ascontiguousarray(a).tobytes())
    return h.digest()


def _qualname(t) -> str:
    return f"{getattr(t, '__module__', '?')}.{getattr(t, '__qualname__', getattr(t, '__name__', repr(t)))}"


def _is_library(obj) -> bool:
    mod = getattr(obj, "__module__", None) or ""
    return _is_library_module(mod.split(".")[0])


@functools.cache
def _is_library_module(top: str) -> bool:
    if top not in LIBRARIES:
        return False
    if top not in sys.stdlib_module_names:
        return True
    # a user's own module that shadows a standard-library name (a script "code.py") is user code
    f = getattr(sys.modules.get(top), "__file__", None)
    std = os.path.realpath(sysconfig.get_paths()["stdlib"])
    return f is None or (os.path.realpath(f).startswith(std) and "site-packages" not in f)


def _top_parts(fn, prefix):
    """Top-level components (label, object) of ``fn``: a wrapper is opened down to its function
    so that a changed closure variable or global is named in an error message."""
    if isinstance(fn, functools.partial):
        return (
            _top_parts(fn.func, prefix + "func.")
            + [(f"{prefix}args[{i}]", a) for i, a in enumerate(fn.args)]
            + [(f"{prefix}keyword:{k}", v) for k, v in fn.keywords.items()]
        )
    if isinstance(fn, types.MethodType) or _is_eqx_bound_method(fn):
        return _top_parts(fn.__func__, prefix) + [(prefix + "self", fn.__self__)]
    if dataclasses.is_dataclass(fn) and not isinstance(fn, type):  # a callable eqx.Module, ...
        return [(prefix + "class", type(fn))] + [
            (f"{prefix}field:{f.name}", getattr(fn, f.name, None)) for f in dataclasses.fields(fn)
        ]
    if isinstance(fn, types.FunctionType) and not _is_library(fn):
        closure = zip(fn.__code__.co_freevars, fn.__closure__ or ())
        return (
            [(prefix + "code", _Code(fn.__code__, fn.__doc__)), (prefix + "defaults", fn.__defaults__)]
            + [(prefix + "kwdefaults", fn.__kwdefaults__)]
            + [(f"{prefix}closure:{n}", _Cell(c)) for n, c in closure]
            + [(f"{prefix}global:{n}", v) for n, v in _globals_of(fn)]
        )
    wrapped = getattr(fn, "__wrapped__", None)
    if wrapped is not None and not isinstance(fn, types.FunctionType):  # jax.jit, lru_cache, ...
        return _top_parts(wrapped, prefix)
    return [(prefix + "value", fn)]


def _is_eqx_bound_method(fn) -> bool:
    # equinox's ``module.method`` is a BoundMethod Module with __func__ and __self__ fields
    return dataclasses.is_dataclass(fn) and hasattr(fn, "__func__") and hasattr(fn, "__self__")


def _globals_of(fn):
    """(name, value) of the module globals that ``fn``'s code (and its nested code) names."""
    names, stack = set(), [fn.__code__]
    while stack:
        code = stack.pop()
        names.update(code.co_names)
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    g = fn.__globals__
    found = [(n, g[n]) for n in sorted(names) if n in g]
    cells = zip(fn.__code__.co_freevars, fn.__closure__ or ())
    for n, v in found + [(n, _cell_value(c)) for n, c in cells]:
        found += _module_attributes(n, v, names)
    return found


def _cell_value(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


def _module_attributes(n, v, names):
    """A user module reached through a global or a closure (``mymod.scale(x)``, ``mymod.S``): the
    attributes the code names, hashed like globals (editing mymod.py and reloading it changes the
    kernel); a library module stays a name (its version is in the metadata)."""
    if not isinstance(v, types.ModuleType) or _is_library_module(v.__name__.split(".")[0]):
        return []
    return [(f"{n}.{a}", getattr(v, a)) for a in sorted(names) if not a.startswith("__") and hasattr(v, a)]


class _Code:
    """A code object to hash, with the docstring it should skip."""

    def __init__(self, code, doc):
        self.code, self.doc = code, doc


class _Cell:
    def __init__(self, cell):
        self.cell = cell


class _Hasher:
    def __init__(self):
        self.opaque: list[str] = []
        self.memo: dict[int, tuple[bytes, list[str]]] = {}  # id -> digest (functions, code, classes)
        self.active: dict[int, int] = {}  # objects on the current path -> their depth (cycle guard)

    def digest(self, obj, path: str, depth: int) -> bytes:
        key = id(obj)
        if key in self.active:  # a cycle: refer to the enclosing node by its distance
            return hashlib.sha256(_tok("cycle") + _tok(depth - self.active[key])).digest()
        memo = isinstance(obj, (types.FunctionType, types.CodeType, type))
        if memo and key in self.memo:
            d, opq = self.memo[key]
            self.opaque.extend(opq)
            return d
        if depth > MAX_DEPTH:
            return self._opaque(obj, path, f"nested deeper than MAX_DEPTH = {MAX_DEPTH}")
        n_opaque = len(self.opaque)
        self.active[key] = depth
        try:
            d = self._node(obj, path, depth)
        finally:
            del self.active[key]
        if memo:
            self.memo[key] = (d, self.opaque[n_opaque:])
        return d

    def _opaque(self, obj, path, why="cannot be hashed by content") -> bytes:
        self.opaque.append(f"{path}: {_qualname(type(obj))} ({why})")
        return hashlib.sha256(_tok("opaque") + _tok(_qualname(type(obj)))).digest()

    def _hash(self, tag, *items, children=()) -> bytes:
        h = hashlib.sha256(_tok(tag))
        for s in items:
            h.update(_tok(s))
        for c in children:
            h.update(c)
        return h.digest()

    def _node(self, obj, path, depth) -> bytes:  # noqa: C901 - one dispatch over the kinds above
        sub = lambda o, label: self.digest(o, f"{path}.{label}" if label else path, depth + 1)  # noqa: E731
        t = type(obj)
        if t is int or t is float:  # exactly: bool, IntEnum and numpy scalars are kept apart
            exact = t is float or float(obj) == obj  # (huge ints stay ints)
            return self._hash("number", repr(float(obj))) if exact else self._hash("int", repr(obj))
        if isinstance(obj, enum.Enum):
            return self._hash("enum", children=[sub(t, ""), sub(obj.name, ""), sub(obj.value, "value")])
        if isinstance(obj, (np.ndarray, np.generic)):
            return _array_digest(np.asarray(obj)) if np.asarray(obj).dtype != object else self._object_array(obj, sub)
        if isinstance(obj, _PLAIN):
            return self._hash("plain", t.__name__, repr(obj))
        if isinstance(obj, _Code):
            return self._code(obj.code, obj.doc, sub)
        if isinstance(obj, _Cell):
            try:
                return self._hash("cell", children=[sub(obj.cell.cell_contents, "")])
            except ValueError:  # an empty cell (a variable assigned after the inner function)
                return self._hash("empty-cell")
        if isinstance(obj, types.ModuleType):
            return self._hash("module", obj.__name__)
        if isinstance(obj, np.dtype):
            return self._hash("dtype", obj.str)
        if _is_jax_array(obj):
            try:
                return _array_digest(_as_numpy(obj))
            except Exception:  # noqa: BLE001 - a tracer, a non-addressable array, ...
                return self._opaque(obj, path, "array that cannot be read")
        if isinstance(obj, types.CodeType):
            return self._code(obj, None, sub)
        if isinstance(obj, types.FunctionType):
            return self._function(obj, sub)
        if isinstance(obj, type):
            return self._class(obj, sub)
        if isinstance(obj, functools.partial):
            return self._hash("partial", children=[sub(obj.func, "func"), sub(obj.args, "args"), sub(obj.keywords, "")])
        if isinstance(obj, types.MethodType):
            return self._hash("method", children=[sub(obj.__func__, ""), sub(obj.__self__, "__self__")])
        if isinstance(obj, (tuple, list)):
            kind = t.__name__ if t in (tuple, list) else "sequence"
            cls = [] if t in (tuple, list) else [sub(t, "")]  # a namedtuple's class
            return self._hash(kind, children=cls + [sub(x, f"[{i}]") for i, x in enumerate(obj)])
        if isinstance(obj, dict):
            kids = [self._hash("item", children=[sub(k, ""), sub(v, f"[{k!r}]")]) for k, v in obj.items()]
            return self._hash("dict", children=[sub(t, "")] + kids)
        if isinstance(obj, (set, frozenset)):
            return self._hash("set", children=sorted(sub(x, "{}") for x in obj))
        if dataclasses.is_dataclass(obj):  # eqx.Module too: static and dynamic fields alike
            kids = [sub(t, "")]
            for f in dataclasses.fields(obj):
                kids.append(self._hash("field", f.name, children=[sub(getattr(obj, f.name, None), f.name)]))
            return self._hash("dataclass", children=kids)
        if isinstance(obj, (types.BuiltinFunctionType, types.BuiltinMethodType)):
            me = getattr(obj, "__self__", None)
            kids = [] if me is None or isinstance(me, types.ModuleType) else [sub(me, "__self__")]
            return self._hash("builtin", _qualname(obj), children=kids)
        wrapped = getattr(obj, "__wrapped__", None)
        if wrapped is not None:  # jax.jit / PjitFunction, functools.lru_cache, ...
            return self._hash("wrapper", _qualname(t), children=[sub(wrapped, "__wrapped__")])
        state = _state(obj)
        if state is not None:  # another object: its class and its attributes
            return self._hash("object", children=[sub(t, ""), sub(state, "")])
        r = repr(obj)
        if _ADDRESS.search(r) is None:
            return self._hash("repr", _qualname(t), r)
        return self._opaque(obj, path)

    def _object_array(self, obj, sub) -> bytes:
        a = np.asarray(obj)
        return self._hash("object-array", repr(a.shape), children=[sub(a.tolist(), "")])

    def _code(self, code, doc, sub) -> bytes:
        consts = list(code.co_consts)
        if doc is not None and consts and consts[0] == doc:
            # the docstring slot (None without one): editing it does not change what the code computes
            consts[0] = None
        return self._hash(
            "code",
            code.co_code,
            repr(code.co_names),
            repr(code.co_varnames),
            repr(code.co_freevars),
            repr(code.co_cellvars),
            repr((code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount, code.co_flags)),
            getattr(code, "co_exceptiontable", b""),
            children=[sub(c, f"const[{i}]") for i, c in enumerate(consts)],
        )

    def _function(self, fn, sub) -> bytes:
        kids = [sub(fn.__defaults__, "__defaults__"), sub(fn.__kwdefaults__, "__kwdefaults__")]
        for n, c in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
            kids.append(self._hash("closure", n, children=[sub(_Cell(c), n)]))
        if _is_library(fn):  # library code by name; its closure and defaults are data
            return self._hash("library-function", _qualname(fn), children=kids)
        kids.append(sub(_Code(fn.__code__, fn.__doc__), "__code__"))
        for n, v in _globals_of(fn):
            kids.append(self._hash("global", n, children=[sub(v, n)]))
        return self._hash("function", children=kids)

    def _class(self, cls, sub) -> bytes:
        if _is_library(cls) or cls.__module__ == "builtins":
            return self._hash("library-class", _qualname(cls))
        # a user class: its qualified name (not its module) and what its body defines
        kids = []
        for base in cls.__mro__:
            if _is_library(base) or base.__module__ == "builtins":
                kids.append(self._hash("base", _qualname(base)))
                continue
            for name, v in vars(base).items():
                dunder = name.startswith("__") and name.endswith("__")
                if isinstance(v, (staticmethod, classmethod)):
                    v = v.__func__
                if isinstance(v, property):
                    v = (v.fget, v.fset, v.fdel)
                elif not isinstance(v, types.FunctionType) and (dunder or name == "_abc_impl"):
                    continue  # bookkeeping of dataclasses / abc / eqx, not behaviour
                kids.append(self._hash("attr", base.__qualname__, name, children=[sub(v, name)]))
        return self._hash("class", cls.__qualname__, children=kids)


def _is_jax_array(obj) -> bool:
    jax = sys.modules.get("jax")
    return jax is not None and isinstance(obj, jax.Array)


def _as_numpy(obj) -> np.ndarray:
    jax = sys.modules.get("jax")
    if jax is not None and isinstance(obj, jax.Array) and jax.dtypes.issubdtype(obj.dtype, jax.dtypes.prng_key):
        obj = jax.random.key_data(obj)  # typed PRNG keys: their raw key data
    return np.asarray(obj)


def _state(obj):
    """``vars(obj)`` plus the ``__slots__`` values, or None when the object has neither."""
    d = getattr(obj, "__dict__", None)
    slots = [s for c in type(obj).__mro__ for s in getattr(c, "__slots__", ()) if isinstance(s, str)]
    slot_vals = {s: getattr(obj, s) for s in slots if s not in ("__dict__", "__weakref__") and hasattr(obj, s)}
    if not isinstance(d, dict) and not slot_vals:
        return None
    return {**(d if isinstance(d, dict) else {}), **slot_vals}
