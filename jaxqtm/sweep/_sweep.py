"""``sweep``: a per-point kernel mapped over a parameter grid in memory-bounded, checkpointed,
optionally sharded chunks. See the package docstring for the user guide."""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import shutil
import sys
import time
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from ._axes import _check_name, _jsonable, as_grid
from ._chunking import Auto, ChunkStrategy, default_memory_budget

STATUS_OK = 0
STATUS_FAILED = -1  # the chunk holding the point raised (error text in meta["failed_chunks"]); outputs NaN
STATUS_NONFINITE = -2  # the kernel returns no ``status`` and one of its float outputs is not finite
STATUS_MESSAGES = {
    STATUS_OK: "ok",
    STATUS_FAILED: "the chunk holding this point raised an error (see meta['failed_chunks'])",
    STATUS_NONFINITE: "non-finite output (kernel without a status field)",
}
FORMAT = "jaxqtm-sweep/1"
_AXIS = "points"
# Compiled chunk programs of recent sweeps, keyed by (kernel, fixed, chunk specs, devices): a
# repeated sweep of the same kernel with the same chunk shape (a re-run notebook cell, the same
# map on shifted parameter values) does not recompile.
_COMPILED: dict = {}
_COMPILED_MAX = 16


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """Outputs of a sweep, shaped like the grid.

    - ``arrays``: output name -> array of shape ``grid.shape + leaf shape`` (names are the
      kernel's dict keys / attribute names, nested ones joined by ``.``; a bare array is ``value``).
    - ``status``: int32 per point: the kernel's own ``status`` output where it has one, else
      0 / ``STATUS_NONFINITE``; ``STATUS_FAILED`` where the chunk raised.
    - ``ok``: ``status == 0``.
    - ``coords``: parameter -> (dimension, values); ``dims``: dimension names.
    - ``meta``: every parameter, versions, chunking, devices, timings (also ``meta.json``).
    - ``outputs``: the kernel's pytree (dict, ``eqx.Module``, ...) rebuilt from ``arrays``
      (in the process that ran the sweep; ``load`` gives ``arrays`` only).
    """

    arrays: dict[str, np.ndarray]
    status: np.ndarray
    ok: np.ndarray
    coords: dict[str, tuple[str, np.ndarray]]
    dims: tuple[str, ...]
    meta: dict
    treedef: Any = None

    def __getitem__(self, name):
        return self.arrays[name]

    @property
    def shape(self):
        return self.status.shape

    @property
    def outputs(self):
        if self.treedef is None:
            return dict(self.arrays)
        return jax.tree_util.tree_unflatten(self.treedef, [self.arrays[k] for k in self.meta["output_names"]])

    def to_xarray(self):
        """``xarray.Dataset``: one variable per output plus ``status``/``ok``, parameters as
        coordinates, ``attrs['jaxqtm_meta']`` = the metadata as JSON. Needs xarray."""
        try:
            import xarray as xr
        except ImportError as e:  # optional dependency
            raise ImportError("to_xarray() needs xarray (pip install xarray)") from e
        nd = len(self.dims)
        data = {}
        for k, v in list(self.arrays.items()) + [("status", self.status), ("ok", self.ok)]:
            if k in self.coords or k in self.dims:
                k = f"out_{k}"
            data[k] = (self.dims + tuple(f"{k}_dim{j}" for j in range(np.ndim(v) - nd)), np.asarray(v))
        coords = {}
        for p, (dim, vals) in self.coords.items():
            coords[p] = ((dim,) + tuple(f"{p}_dim{j}" for j in range(vals.ndim - 1)), vals)
        return xr.Dataset(data, coords=coords, attrs={"jaxqtm_meta": json.dumps(self.meta)})

    def to_netcdf(self, path):
        """Write the ``to_xarray()`` dataset as netCDF (scipy's netCDF-3 writer needs no C library:
        complex outputs are split into ``_real``/``_imag``, booleans stored as int8, int64 as int32)."""
        ds = self.to_xarray()
        for k in list(ds.variables):
            v = ds[k]
            if np.iscomplexobj(v.values):
                ds = ds.drop_vars(k).assign({f"{k}_real": (v.dims, v.values.real), f"{k}_imag": (v.dims, v.values.imag)})
            elif v.dtype == bool:
                ds[k] = v.astype(np.int8)
            elif v.dtype == np.int64:
                ds[k] = v.astype(np.int32)
        ds.to_netcdf(path)
        return path


def load(out) -> SweepResult:
    """Load a finished sweep written by ``sweep(..., out=out)`` (arrays memory-mapped)."""
    with open(os.path.join(out, "meta.json")) as fh:
        meta = json.load(fh)
    arrays = {k: np.load(os.path.join(out, "arrays", f"{k}.npy"), mmap_mode="r").reshape(meta["outputs"][k]["shape"])
              for k in meta["output_names"]}
    status = np.load(os.path.join(out, "arrays", "__status__.npy")).reshape(meta["grid"]["shape"])
    coords = {}
    for ax in meta["grid"]["axes"]:
        for k, v in ax.items():
            if k != "__dim__":
                coords[k] = (ax["__dim__"], np.asarray(v) if not isinstance(v, dict) else
                             np.asarray(v["real"]) + 1j * np.asarray(v["imag"]))
    return SweepResult(arrays, status, status == STATUS_OK, coords, tuple(meta["grid"]["dims"]), meta)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _leaf_name(path) -> str:
    parts = []
    for k in path:
        for attr in ("key", "name", "idx"):
            if hasattr(k, attr):
                parts.append(str(getattr(k, attr)))
                break
        else:
            parts.append(str(k))
    return ".".join(parts) or "value"


def _kernel_id(fn) -> str:
    # the qualified name only: the same kernel imported under another module path (a script
    # vs a package) must still resume
    f = getattr(fn, "func", fn)  # functools.partial
    return getattr(f, "__qualname__", type(f).__name__)


def _atomic_savez(path, **arrays):
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)  # a kill leaves either the old state or the whole file, never half a chunk


def _atomic_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(obj, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _print_progress(info):
    if info["event"] == "start":
        print(f"[sweep] {info['n_points']} points in {info['n_chunks']} chunks of {info['chunk_size']} on "
              f"{info['n_devices']} device(s); compiled in {info['compile_s']:.1f} s, "
              f"{info['bytes_per_chunk'] / 2**20:.2f} MiB per chunk per device", file=sys.stderr, flush=True)
        if info["resumed_chunks"]:
            print(f"[sweep] resumed {info['resumed_chunks']}/{info['n_chunks']} finished chunks from {info['out']}",
                  file=sys.stderr, flush=True)
    elif info["event"] == "chunk":
        eta = (info["n_points"] - info["done_points"]) / max(info["points_per_s"], 1e-30)
        print(f"[sweep] chunk {info['chunk'] + 1}/{info['n_chunks']}  {info['done_points']}/{info['n_points']} points"
              f"  {info['points_per_s']:.0f} points/s  eta {eta:.0f} s" + ("  (FAILED)" if info["failed"] else ""),
              file=sys.stderr, flush=True)
    elif info["event"] == "end":
        counts = ", ".join(f"{k}: {v}" for k, v in info["status_counts"].items())
        print(f"[sweep] done in {info['run_s']:.1f} s; status counts {{{counts}}}", file=sys.stderr, flush=True)


def _gather(x):
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        return np.asarray(multihost_utils.process_allgather(x, tiled=True))
    return np.asarray(jax.device_get(x))


# ---------------------------------------------------------------------------
# sweep
# ---------------------------------------------------------------------------


def sweep(
    fn: Callable[..., Any],
    grid,
    *,
    fixed: dict | None = None,
    chunk: ChunkStrategy | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = True,
    progress: bool | Callable[[dict], None] = True,
    devices=None,
    on_error: str = "flag",
    netcdf: bool = False,
) -> SweepResult:
    """Map a pure per-point kernel over a parameter grid.

    **Arguments:**
    - ``fn``: ``fn(**point, **fixed) -> pytree of arrays`` for ONE point (a dict, a tuple, an
      ``eqx.Module`` such as ``jaxqtm.oscillators.Observables``...). Traceable by JAX; a leaf
      named ``status`` (int, 0 = ok) is taken as the point's status flag.
    - ``grid``: ``Grid`` (cartesian), ``Zip`` (zipped, 1-D) or a dict (-> ``Grid(**dict)``).
    - ``fixed``: constants passed to every call (baked into the compiled program; must be
      JSON-serialisable numbers/lists/strings, they go into the metadata).
    - ``chunk``: ``Auto(memory_budget=...)`` (default) or ``Fixed(n)``. ``vmap(fn)`` is compiled
      ONCE, for one chunk shape; the last chunk is padded by repeating the last point. Compiled
      programs are cached per (kernel object, fixed, chunk shape, devices), like ``jax.jit``
      caches per function: a later sweep with new grid values does not recompile.
    - ``out``: directory for checkpoints and results. Each finished chunk is written atomically
      (``chunks/c<i>.npz``); a re-run with ``resume=True`` skips finished chunks, so a killed
      sweep resumes and ends bit-identical to an uninterrupted one. At the end ``arrays/*.npy``
      (memory-mapped, so a grid larger than RAM never needs to fit) and ``meta.json`` are
      written; ``netcdf=True`` adds ``result.nc``. ``resume=False`` discards earlier chunks.
    - ``progress``: print one line per chunk to stderr (``True``), nothing (``False``), or a
      callable receiving a dict per event (``start``/``chunk``/``end``).
    - ``devices``: ``None`` (default device), ``"all"`` (``jax.devices()``) or a list of devices:
      each chunk's point axis is sharded over a 1-D mesh of them (``NamedSharding``); with
      ``jax.distributed.initialize()`` this spans every process/host (process 0 writes ``out``).
    - ``on_error``: ``"flag"`` (a chunk that raises gets ``status = STATUS_FAILED`` and NaN
      outputs, the error text goes into ``meta['failed_chunks']``; resume retries it) or ``"raise"``.

    **Returns:** ``SweepResult``.
    """
    # ---- boundary validation -------------------------------------------------
    if not callable(fn):
        raise ValueError(f"fn must be a callable per-point kernel, got {type(fn).__name__}")
    grid = as_grid(grid)
    fixed = dict(fixed or {})
    for k in fixed:
        _check_name(k)
    clash = set(fixed) & set(grid.parameters)
    if clash:
        raise ValueError(f"parameters both swept and fixed: {sorted(clash)}")
    try:
        fixed_json = json.loads(json.dumps({k: _jsonable(v) if isinstance(v, (np.ndarray, jax.Array)) else v
                                            for k, v in fixed.items()}))
    except TypeError as e:
        raise ValueError(f"fixed parameters must be JSON-serialisable numbers, lists or strings: {e}") from None
    chunk = Auto() if chunk is None else chunk
    if not isinstance(chunk, ChunkStrategy):
        raise ValueError(f"chunk must be Auto(...) or Fixed(n), got {chunk!r}")
    if on_error not in ("flag", "raise"):
        raise ValueError(f"on_error must be 'flag' or 'raise', got {on_error!r}")
    if devices is None:
        devs, sharded = [jax.devices()[0]], False
    else:
        devs = jax.devices() if isinstance(devices, str) and devices == "all" else list(devices)
        if not devs or not all(isinstance(d, jax.Device) for d in devs):
            raise ValueError(f"devices must be None, 'all' or a non-empty list of jax devices, got {devices!r}")
        sharded = True
    ndev = len(devs)
    if netcdf and out is None:
        raise ValueError("netcdf=True needs out= (the directory to write result.nc to)")
    writer = jax.process_index() == 0

    # ---- the compiled chunk program -------------------------------------------
    params = grid.parameters
    kernel = lambda p: fn(**p, **fixed)  # noqa: E731
    batched = jax.vmap(kernel)
    if sharded:
        mesh = jax.sharding.Mesh(np.asarray(devs), (_AXIS,))
        sh = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec(_AXIS))
        jitted = jax.jit(batched, in_shardings=(sh,), out_shardings=sh)
    else:
        sh = None
        jitted = jax.jit(batched)

    def specs(size):
        return {k: jax.ShapeDtypeStruct((size,) + v.shape[1:], jax.dtypes.canonicalize_dtype(v.dtype), sharding=sh)
                for k, (_, v) in params.items()}

    compile_s = [0.0]

    def compile_at(size):
        try:
            key = (fn, json.dumps(fixed_json, sort_keys=True),
                   tuple((k, s.shape, str(s.dtype)) for k, s in specs(size).items()), tuple(devs), sharded)
            hash(key)
        except TypeError:  # unhashable kernel object: no caching
            key = None
        if key is not None and key in _COMPILED:
            return _COMPILED[key]
        t0 = time.perf_counter()
        compiled = jitted.lower(specs(size)).compile()
        compile_s[0] += time.perf_counter() - t0
        try:
            m = compiled.memory_analysis()
            nbytes = int(m.argument_size_in_bytes + m.output_size_in_bytes + m.temp_size_in_bytes
                         - m.alias_size_in_bytes)
        except Exception:  # backend without memory analysis: fall back to the outputs+arguments size
            nbytes = -1
        if nbytes < 0:
            shapes = jax.eval_shape(batched, specs(size))
            nbytes = sum(x.size * x.dtype.itemsize for x in jax.tree_util.tree_leaves((shapes, specs(size))))
            nbytes //= ndev
        if key is not None:
            if len(_COMPILED) >= _COMPILED_MAX:
                _COMPILED.pop(next(iter(_COMPILED)))
            _COMPILED[key] = (compiled, nbytes)
        return compiled, nbytes

    # ---- checkpoint directory ----------------------------------------------------
    n = grid.size
    identity = dict(format=FORMAT, grid_fingerprint=grid.fingerprint(), fixed=fixed_json, kernel=_kernel_id(fn))
    manifest = None
    if out is not None:
        out = os.fspath(out)
        mpath = os.path.join(out, "manifest.json")
        if os.path.exists(mpath) and resume:
            with open(mpath) as fh:
                manifest = json.load(fh)
            if {k: manifest.get(k) for k in identity} != identity:
                raise ValueError(f"out={out!r} holds a different sweep (grid, fixed parameters or kernel differ); "
                                 "use another directory or resume=False to overwrite it")
        elif writer:
            for sub in ("chunks", "arrays"):
                shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
            for f in ("manifest.json", "meta.json", "result.nc"):
                if os.path.exists(os.path.join(out, f)):
                    os.remove(os.path.join(out, f))
        if writer:
            os.makedirs(os.path.join(out, "chunks"), exist_ok=True)

    if manifest is not None:  # resume: same chunk boundaries as the first run
        size = int(manifest["chunk_size"])
        batch = -(-size // ndev) * ndev
        compiled, nbytes = compile_at(batch)
    else:
        batch, compiled, nbytes = chunk.choose(n, ndev, compile_at, devices=devs)
        size = batch
        if out is not None and writer:
            _atomic_json(os.path.join(out, "manifest.json"),
                         identity | dict(chunk_size=size, n_points=n, shape=list(grid.shape),
                                         created=datetime.datetime.now(datetime.timezone.utc).isoformat()))
    n_chunks = -(-n // size)

    out_shapes = compiled.out_info  # no extra trace of the kernel
    leaves_with_path, treedef = jax.tree_util.tree_flatten_with_path(out_shapes)
    names = [_leaf_name(p) for p, _ in leaves_with_path]
    if len(set(names)) != len(names):
        names = [f"{nm}__{i}" for i, nm in enumerate(names)]
    leaf_specs = {nm: (tuple(x.shape[1:]), np.dtype(x.dtype)) for nm, (_, x) in zip(names, leaves_with_path)}
    has_status = "status" in names

    # ---- result buffers (memory-mapped when writing to disk) -----------------
    def alloc(name, shape, dtype):
        if out is not None and writer:
            os.makedirs(os.path.join(out, "arrays"), exist_ok=True)
            return np.lib.format.open_memmap(os.path.join(out, "arrays", f"{name}.npy"), mode="w+",
                                             dtype=dtype, shape=(n,) + shape)
        return np.empty((n,) + shape, dtype)

    bufs = {nm: alloc(nm, s, d) for nm, (s, d) in leaf_specs.items()}
    status = alloc("__status__", (), np.int32)
    failed = {}

    def chunk_path(i):
        return os.path.join(out, "chunks", f"c{i:07d}.npz")

    def done(i):
        if out is None or not os.path.exists(chunk_path(i)):
            return False
        with np.load(chunk_path(i)) as z:
            return "__error__" not in z.files  # failed chunks are retried on resume

    resumed = [i for i in range(n_chunks) if done(i)]
    report = progress if callable(progress) else (_print_progress if progress else (lambda info: None))
    report(dict(event="start", n_points=n, n_chunks=n_chunks, chunk_size=size, n_devices=ndev,
                compile_s=compile_s[0], bytes_per_chunk=nbytes, resumed_chunks=len(resumed), out=out))

    def put(a):
        if sh is None:
            return jnp.asarray(a)
        return jax.make_array_from_callback(a.shape, sh, lambda idx: a[idx])

    t_run = time.perf_counter()
    done_points, computed_points = 0, 0
    for i in range(n_chunks):
        lo, hi = i * size, min(n, (i + 1) * size)
        if i in resumed:
            with np.load(chunk_path(i)) as z:
                for nm in names:
                    bufs[nm][lo:hi] = z[nm]
                status[lo:hi] = z["__status__"]
            done_points += hi - lo
            continue
        pts = grid.points(lo, lo + batch)
        err = None
        try:
            res = compiled({k: put(v) for k, v in pts.items()})
            host = [_gather(x)[: hi - lo] for x in jax.tree_util.tree_leaves(res)]
        except Exception as e:  # noqa: BLE001 -- flagged as data, or re-raised on request
            if on_error == "raise":
                raise
            err = f"{type(e).__name__}: {e}"
            if len(err) > 2000:  # keep the head and the tail (where JAX puts the user's message)
                err = err[:400] + " ... " + err[-1600:]
            host = [np.full((hi - lo,) + leaf_specs[nm][0], np.nan if np.issubdtype(leaf_specs[nm][1], np.inexact)
                            else 0, dtype=leaf_specs[nm][1]) for nm in names]
        chunk_arrays = dict(zip(names, host))
        if err is not None:
            st = np.full(hi - lo, STATUS_FAILED, np.int32)
            failed[i] = err
        elif has_status:
            st = np.asarray(chunk_arrays["status"]).astype(np.int32)
        else:
            finite = np.ones(hi - lo, bool)
            for nm, a in chunk_arrays.items():
                if np.issubdtype(a.dtype, np.inexact):
                    finite &= np.all(np.isfinite(a.reshape(hi - lo, -1)), axis=1)
            st = np.where(finite, STATUS_OK, STATUS_NONFINITE).astype(np.int32)
        for nm in names:
            bufs[nm][lo:hi] = chunk_arrays[nm]
        status[lo:hi] = st
        if out is not None and writer:
            extra = {"__error__": np.asarray(err)} if err is not None else {}
            _atomic_savez(chunk_path(i), **chunk_arrays, __status__=st, **extra)
        done_points += hi - lo
        computed_points += hi - lo
        elapsed = time.perf_counter() - t_run
        report(dict(event="chunk", chunk=i, n_chunks=n_chunks, done_points=done_points, n_points=n,
                    elapsed_s=elapsed, points_per_s=computed_points / max(elapsed, 1e-9), failed=err is not None))
    run_s = time.perf_counter() - t_run

    shape = grid.shape
    arrays = {nm: bufs[nm].reshape(shape + leaf_specs[nm][0]) for nm in names}
    status = status.reshape(shape)
    codes, counts = np.unique(status, return_counts=True)
    budget = getattr(chunk, "memory_budget", None)
    meta = dict(
        format=FORMAT,
        jaxqtm_version=_version(),
        jax_version=jax.__version__,
        jaxlib_version=getattr(__import__("jaxlib"), "__version__", "?"),
        x64=bool(jax.config.jax_enable_x64),
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(),
        kernel=identity["kernel"],
        grid=grid.describe(),
        fixed=fixed_json,
        output_names=names,
        outputs={nm: dict(shape=list(shape + s), dtype=str(d)) for nm, (s, d) in leaf_specs.items()},
        chunk=dict(strategy=repr(chunk), size=size, batch=batch, n_chunks=n_chunks, bytes_per_chunk_per_device=nbytes,
                   memory_budget=(budget or default_memory_budget(devs)) if isinstance(chunk, Auto) else None),
        devices=[str(d) for d in devs],
        sharded=sharded,
        process_count=jax.process_count(),
        resumed_chunks=len(resumed),
        failed_chunks={str(k): v for k, v in failed.items()},
        status_codes={str(k): v for k, v in STATUS_MESSAGES.items()},
        status_counts={str(int(c)): int(k) for c, k in zip(codes, counts)},
        timing=dict(compile_s=compile_s[0], run_s=run_s, points_computed=computed_points,
                    points_per_s=computed_points / max(run_s, 1e-9)),
    )
    result = SweepResult(arrays, status, status == STATUS_OK, {k: (d, v) for k, (d, v) in params.items()},
                         grid.dims, meta, treedef)
    if out is not None and writer:
        for b in list(bufs.values()) + [status]:
            if isinstance(b, np.memmap):
                b.flush()
        _atomic_json(os.path.join(out, "meta.json"), meta)
        if netcdf:
            result.to_netcdf(os.path.join(out, "result.nc"))
    report(dict(event="end", run_s=run_s, status_counts=meta["status_counts"]))
    return result


def _version():
    try:
        import jaxqtm

        return jaxqtm.__version__
    except Exception:  # pragma: no cover
        return "?"
