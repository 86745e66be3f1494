"""The content fingerprint of callables (jaxqtm/_fingerprint.py): stable where the computation is
the same (another process, another line, another name), different where it is not (body, closed-over
constant, default, referenced global data or helper), honest where it cannot see (opaque parts)."""

import functools
import os
import subprocess
import sys

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from jaxqtm._fingerprint import changed_parts, fingerprint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_TABLE = np.arange(3.0)
_NAMES = frozenset({"alpha", "beta", "gamma", "delta"})  # set order depends on PYTHONHASHSEED


def _helper(x):
    return x * _TABLE[1]


def kernel(x, scale=2.0):
    """A kernel using a global array, a global helper, a module and a set of names."""
    y = _helper(x) + jnp.sum(_TABLE) * scale
    return dict(y=y, n=len(_NAMES & {"alpha", "beta"}), meta={"w": (1, 2.5, "a")})


def _digest(fn):
    return fingerprint(fn).digest


def test_same_function_same_digest_in_other_processes():
    here = _digest(kernel)
    assert here == _digest(kernel) and fingerprint(kernel).opaque == ()
    code = "from tests.test_fingerprint import kernel, _digest; print(_digest(kernel))"
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        got = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert got.stdout.strip() == here, got.stderr[-2000:]


def _compiled(src, lineno=0, filename="a.py"):
    ns = {"jnp": jnp}
    exec(compile("\n" * lineno + src, filename, "exec"), ns)
    return ns["k"]


def test_body_changes_the_digest_lines_file_name_and_docstring_do_not():
    a = _compiled("def k(x):\n    return x * 2.0\n")
    assert _digest(a) == _digest(_compiled("def k(x):\n    return x * 2.0\n", lineno=40, filename="b.py"))
    assert _digest(a) == _digest(_compiled('def k(x):\n    "doc"\n    return x * 2.0\n'))
    renamed = _compiled("def kernel_v2(x):\n    return x * 2.0\nk = kernel_v2\n")
    assert _digest(a) == _digest(renamed)  # the function's own name is not its content
    for src in (
        "def k(x):\n    return x * 3.0\n",  # a constant
        "def k(x):\n    return x / 2.0\n",  # an operator
        "def k(y):\n    return y * 2.0\n",  # an argument name (sweep calls by keyword)
        "def k(x):\n    return jnp.sin(x) * 2.0\n",  # a called name
        "def k(x):\n    return (lambda z: z * 2.5)(x)\n",  # a nested code object
    ):
        assert _digest(_compiled(src)) != _digest(a), src
    # two lambdas on different lines: equal when their code is equal, else different
    f1, f2, f3 = (lambda x: x + 1.0), (lambda x: x + 1.0), (lambda x: x + 2.0)
    assert _digest(f1) == _digest(f2) != _digest(f3)


def test_closure_defaults_globals_and_helpers_change_the_digest(monkeypatch):
    def make(c):
        return lambda x: x * c

    assert _digest(make(1.0)) == _digest(make(1.0)) != _digest(make(2.0))
    assert changed_parts(fingerprint(make(1.0)).parts, fingerprint(make(2.0)).parts) == ["closure:c"]
    assert _digest(make(np.ones(3))) != _digest(make(np.ones(3, np.float32)))  # dtype
    assert _digest(make(np.ones(3))) != _digest(make(np.ones((3, 1))))  # shape
    assert _digest(make(jnp.ones(3))) == _digest(make(np.ones(3)))  # JAX arrays by content too
    assert _digest(lambda x, c=1.0: x * c) != _digest(lambda x, c=2.0: x * c)
    assert _digest(lambda x, *, c=1.0: x * c) != _digest(lambda x, *, c=2.0: x * c)

    import tests.test_fingerprint as mod

    before = fingerprint(kernel)
    monkeypatch.setattr(mod, "_TABLE", np.arange(3.0) + 1e-12)  # a referenced global array
    # the kernel reads it, and so does its helper
    assert changed_parts(before.parts, fingerprint(kernel).parts) == ["global:_TABLE", "global:_helper"]
    monkeypatch.undo()
    assert fingerprint(kernel) == before
    monkeypatch.setattr(mod, "_helper", lambda x: x * _TABLE[2])  # an edited helper the kernel calls
    assert changed_parts(before.parts, fingerprint(kernel).parts) == ["global:_helper"]


class _Scaled(eqx.Module):
    w: jax.Array
    name: str = eqx.field(static=True)

    def __call__(self, x):
        return self.w * x

    def shifted(self, x):
        return self.w + x


class _Plain:
    def __init__(self, c):
        self.c = c

    def __call__(self, x):
        return x * self.c


def test_wrappers_modules_and_callable_objects():
    def k(x, c):
        return x * c

    assert _digest(jax.jit(kernel)) == _digest(kernel)  # jit is transparent
    assert _digest(functools.partial(k, c=1.0)) != _digest(functools.partial(k, c=2.0))
    assert _digest(functools.partial(k, 1.0)) != _digest(functools.partial(k, c=1.0))
    m1, m2 = _Scaled(jnp.ones(2), "a"), _Scaled(jnp.ones(2), "a")
    assert _digest(m1) == _digest(m2) != _digest(_Scaled(jnp.full(2, 2.0), "a"))
    assert _digest(m1) != _digest(_Scaled(jnp.ones(2), "b"))  # static fields too
    assert _digest(m1.shifted) == _digest(m2.shifted) != _digest(_Scaled(jnp.zeros(2), "a").shifted)
    assert _digest(m1.shifted) != _digest(m1)  # another method
    assert _digest(_Plain(1.0)) == _digest(_Plain(1.0)) != _digest(_Plain(3.0))
    assert _digest(_Plain(1.0).__call__) != _digest(_Plain(3.0).__call__)  # a bound method
    for f in (m1, m1.shifted, _Plain(1.0), jax.jit(kernel), functools.partial(k, c=1.0)):
        assert fingerprint(f).opaque == ()


def _recursive(n):
    return 1 if n <= 0 else n * _recursive(n - 1)


def test_cycles_terminate_and_library_code_is_named_not_read():
    assert _digest(_recursive) == _digest(_recursive)
    fp = fingerprint(lambda x: jnp.sin(x) + np.cos(x) + jax.nn.sigmoid(x))
    assert fp.opaque == () and "global:jnp" in fp.parts
    import optax

    assert _digest(optax.adam(1e-2)) == _digest(optax.adam(1e-2)) != _digest(optax.adam(2e-2))  # closure data


def test_opaque_parts_are_reported_not_hashed_to_a_silent_constant():
    class Handle:  # no __dict__ content we can see, a repr with a memory address
        __slots__ = ()

    h = Handle()
    fp = fingerprint(lambda x: x * len(repr(h)))
    assert len(fp.opaque) == 1 and "closure:h" in fp.opaque[0] and "Handle" in fp.opaque[0]
    assert fingerprint(lambda x: x).opaque == ()


def test_a_used_optimizer_keeps_its_fingerprint():
    # optax's schedules rebind their int closure variables to floats on the first call (nonlocal):
    # numbers hash by value, so the same optimizer before and after a run has one fingerprint
    import optax

    sched = optax.cosine_decay_schedule(5e-2, 8, alpha=0.02)
    tx = optax.adam(sched)
    before = _digest(tx)
    sched(3)
    assert _digest(tx) == before and _digest(lambda x: x * 8) == _digest(lambda x: x * 8.0)
    assert _digest(lambda x: x * 8) != _digest(lambda x: x * 9) and _digest(lambda x: x * True) != _digest(
        lambda x: x * 1
    )
    big = 2**60 + 1  # not a float: stays an int
    mk = lambda b: lambda x: x * b  # noqa: E731
    assert _digest(mk(big)) != _digest(mk(float(big))) and _digest(mk(8)) == _digest(mk(8.0))
    assert _digest(mk(np.float64(8.0))) != _digest(mk(8.0))  # a numpy scalar keeps its dtype (not weakly typed)
