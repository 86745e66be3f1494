"""``sweep``: a per-point kernel mapped over a parameter grid in memory-bounded, checkpointed,
optionally sharded chunks. See the package docstring for the user guide."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import shutil
import time
import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._chunking import AbstractChunking, Auto
from .._fingerprint import Fingerprint, changed_parts, digest_arrays, fingerprint
from .._progress import AbstractProgressMeter, TextProgressMeter, check_progress_meter, compile_event
from .._results import RESULTS, ResultError, from_codes, is_result, message, name_of
from ._axes import _check_name, _jsonable, as_grid
from ._devices import AbstractDevices, SingleDevice, as_devices

FORMAT = "jaxqtm-sweep/3"  # /3: kernel content fingerprint, integrity record in every chunk file
RESULT_FILE = "__result__"  # arrays/__result__.npy: the sweep's integer RESULTS code per point
RECORD = "__record__"  # in each chunk file: JSON of its sweep, place and the sha256 of every array
ERROR = "__error__"  # in the chunk file of a chunk that raised (retried on resume)
# Compiled chunk programs of recent sweeps, keyed by (kernel, fixed, chunk specs, devices): a
# repeated sweep of the same kernel with the same chunk shape (a re-run notebook cell, the same
# map on shifted parameter values) does not recompile.
_COMPILED: dict = {}
_COMPILED_MAX = 16


def result_table() -> dict[str, dict[str, str]]:
    """``{code: {"name": ..., "message": ...}}`` of every :class:`jaxqtm.RESULTS` code (the
    table stored in ``meta.json``, to read the saved integer codes without jaxqtm)."""
    table, code = {}, 0
    while True:
        try:
            table[str(code)] = dict(name=name_of(code), message=message(code))
        except (ValueError, IndexError, KeyError):
            return table
        code += 1


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """Outputs of a sweep, shaped like the grid.

    - ``arrays``: output name -> array of shape ``grid.shape + leaf shape`` (names are the
      kernel's dict keys / attribute names, nested ones joined by ``.``; a bare array is
      ``value``; a :class:`jaxqtm.RESULTS` item of the kernel is stored as its integer codes).
    - ``codes``: int32 per point, the sweep's :class:`jaxqtm.RESULTS` code (see ``sweep``).
    - ``result``: the same as a ``RESULTS`` item over the grid; ``ok``: ``codes == 0``.
    - ``coords``: parameter -> (dimension, values); ``dims``: dimension names.
    - ``meta``: every parameter, versions, chunking, devices, timings, the code table and the
      per-code counts (also ``meta.json``).
    - ``outputs``: the kernel's pytree (dict, ``eqx.Module``, ...) rebuilt from ``arrays``
      (in the process that ran the sweep; ``load`` gives ``arrays`` only).
    """

    arrays: dict[str, np.ndarray]
    codes: np.ndarray
    coords: dict[str, tuple[str, np.ndarray]]
    dims: tuple[str, ...]
    meta: dict
    treedef: Any = None

    def __getitem__(self, name):
        return self.arrays[name]

    @property
    def result(self) -> RESULTS:
        return from_codes(self.codes)

    @property
    def ok(self) -> np.ndarray:
        return np.asarray(self.codes) == 0

    @property
    def shape(self):
        return self.codes.shape

    @property
    def outputs(self):
        if self.treedef is None:
            return dict(self.arrays)
        res = set(self.meta.get("results", []))
        leaves = [from_codes(self.arrays[k]) if k in res else self.arrays[k] for k in self.meta["output_names"]]
        return jax.tree_util.tree_unflatten(self.treedef, leaves)

    def to_xarray(self):
        """``xarray.Dataset``: one variable per output plus ``result`` (integer codes, table in
        ``attrs['jaxqtm_meta']``) and ``ok``, parameters as coordinates. Needs xarray.

        A kernel output that clashes with a coordinate, a dimension or ``result``/``ok`` is
        prefixed ``out_``."""
        try:
            import xarray as xr  # pyright: ignore[reportMissingImports]
        except ImportError as e:  # optional dependency
            raise ImportError("to_xarray() needs xarray (pip install xarray)") from e
        nd = len(self.dims)
        data = {}
        taken = set(self.coords) | set(self.dims) | {"result", "ok"}
        for k, v in list(self.arrays.items()):
            data[f"out_{k}" if k in taken else k] = v
        data["result"], data["ok"] = self.codes, self.ok
        data = {
            k: (self.dims + tuple(f"{k}_dim{j}" for j in range(np.ndim(v) - nd)), np.asarray(v))
            for k, v in data.items()
        }
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
                ds = ds.drop_vars(k).assign(
                    {f"{k}_real": (v.dims, v.values.real), f"{k}_imag": (v.dims, v.values.imag)}
                )
            elif v.dtype == bool:
                ds[k] = v.astype(np.int8)
            elif v.dtype == np.int64:
                ds[k] = v.astype(np.int32)
        ds.to_netcdf(path)
        return path


def load(out, *, verify: bool = True) -> SweepResult:
    """Load a finished sweep written by ``sweep(..., out=out)`` (arrays memory-mapped).

    Every ``arrays/<name>.npy`` must have the dtype and shape that ``meta.json`` records (else
    ``ValueError`` naming the file; nothing is reshaped or cast); with ``verify=True`` (default)
    its content must also match the sha256 recorded when the sweep ended (one sequential read
    of each array). A missing ``meta.json`` (the sweep did not finish) raises
    ``FileNotFoundError``, a damaged one ``ValueError``, both naming the file."""
    out = os.fspath(out)
    mpath = os.path.join(out, "meta.json")
    if not os.path.exists(mpath):
        raise FileNotFoundError(
            f"{mpath} does not exist: {out!r} holds no finished sweep (meta.json is written when "
            "sweep(..., out=...) ends; run the sweep again with the same out= to finish it)"
        )
    meta = _read_json(mpath, "run the sweep again with the same out= to rewrite it (its finished chunks are reused)")
    try:
        n = int(np.prod(meta["grid"]["shape"]))
        nd = len(meta["grid"]["shape"])
        names = list(meta["output_names"])
        specs = {k: (meta["outputs"][k]["shape"], meta["outputs"][k]["dtype"]) for k in names}
        specs[RESULT_FILE] = (meta["grid"]["shape"], "int32")
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{mpath} is not the metadata of a finished sweep (missing or bad entry {e})") from None
    hashes = {k: meta["outputs"][k].get("sha256") for k in names} | {RESULT_FILE: meta.get("result_sha256")}
    loaded = {}
    for k, (shape, dtype) in specs.items():
        path = os.path.join(out, "arrays", f"{k}.npy")
        try:
            a = np.load(path, mmap_mode="r", allow_pickle=False)
        except Exception as e:  # noqa: BLE001 - missing, truncated or not an .npy file
            raise ValueError(f"{path} cannot be read ({type(e).__name__}: {e}); run the sweep again") from None
        want = (n,) + tuple(shape[nd:])
        if a.shape != want or str(a.dtype) != dtype:
            raise ValueError(
                f"{path} holds an array of shape {a.shape} and dtype {a.dtype}, but {mpath} records "
                f"shape {want} and dtype {dtype}: the files do not belong together; run the sweep again"
            )
        if verify and hashes[k] is not None and _stream_sha256(a) != hashes[k]:
            raise ValueError(
                f"{path}: its content does not match the sha256 recorded in {mpath} (modified or "
                "damaged after the sweep ended); run the sweep again, or load(..., verify=False) to read it anyway"
            )
        loaded[k] = a.reshape(shape)
    codes = np.asarray(loaded.pop(RESULT_FILE))
    arrays = loaded
    coords = {}
    for ax in meta["grid"]["axes"]:
        for k, v in ax.items():
            if k != "__dim__":
                coords[k] = (
                    ax["__dim__"],
                    np.asarray(v) if not isinstance(v, dict) else np.asarray(v["real"]) + 1j * np.asarray(v["imag"]),
                )
    return SweepResult(arrays, codes, coords, tuple(meta["grid"]["dims"]), meta)


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


def _kernel_name(fn) -> str:
    # for the metadata and messages only; the kernel's identity is its content fingerprint
    f = getattr(fn, "func", fn)  # functools.partial
    return getattr(f, "__qualname__", type(f).__name__)


def _read_json(path, advice):
    """A JSON file written by the sweep; a damaged one raises ValueError naming it."""
    try:
        with open(path) as fh:
            obj = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} cannot be read ({type(e).__name__}: {e}); {advice}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"{path} does not hold a JSON object; {advice}")
    return obj


def _checksum(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def _stream_sha256(a, block_bytes=1 << 26) -> str:
    """sha256 of the raw C-order bytes of ``a`` (read along its first axis in blocks, so a
    memory-mapped array larger than RAM is never loaded at once)."""
    h = hashlib.sha256()
    step = max(1, block_bytes // max(1, a[:1].nbytes))
    for lo in range(0, a.shape[0], step):
        h.update(np.ascontiguousarray(a[lo : lo + step]).tobytes())
    return h.hexdigest()


def _array_records(arrays) -> dict:
    sums = digest_arrays(arrays)
    return {k: dict(dtype=str(a.dtype), shape=list(a.shape), sha256=sums[k]) for k, a in arrays.items()}


def _check_manifest(mpath, out, identity, kfp, name) -> dict:
    """The manifest of the sweep in ``out``, checked against this sweep's identity: a damaged or
    edited manifest, or a different sweep, raises ``ValueError`` saying what differs."""
    advice = (
        "pass resume=False to start the sweep over in this directory (its finished chunks are "
        "discarded), or use another out="
    )
    m = _read_json(mpath, advice)
    body = {k: v for k, v in m.items() if k != "checksum"}
    if m.get("format") != identity["format"]:
        raise ValueError(
            f"out={out!r} holds a different sweep: its {mpath} has format {m.get('format')!r}, this "
            f"jaxqtm writes {identity['format']!r} (older checkpoints are not resumed); {advice}"
        )
    if m.get("checksum") != _checksum(body):
        raise ValueError(
            f"{mpath} was modified or damaged after it was written (its checksum does not match); {advice}"
        )
    size = m.get("chunk_size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"{mpath}: chunk_size = {size!r} must be an integer >= 1; {advice}")
    diffs = []
    if m.get("grid_fingerprint") != identity["grid_fingerprint"]:
        diffs.append("the grid (parameter names, values or dimensions)")
    if m.get("fixed") != identity["fixed"]:
        diffs.append(f"the fixed parameters (stored {m.get('fixed')}, now {identity['fixed']})")
    if m.get("kernel_fingerprint") != identity["kernel_fingerprint"]:
        parts = changed_parts(m.get("kernel_parts") or {}, kfp.parts)
        diffs.append(
            f"the kernel (stored {m.get('kernel')!r}, now {name!r}; changed: {', '.join(parts) or 'its content'})"
        )
    if m.get("kernel_version") != identity["kernel_version"]:
        diffs.append(f"kernel_version (stored {m.get('kernel_version')!r}, now {identity['kernel_version']!r})")
    if diffs:
        raise ValueError(
            f"out={out!r} holds a different sweep; what differs: {'; '.join(diffs)}. Its finished chunks "
            f"are never reused for another sweep: {advice}"
        )
    return m


def _read_chunk(path, *, sweep_id, index, lo, hi, specs) -> tuple[str, Any]:
    """Read and verify one chunk file: ``("done", arrays)``, ``("failed", None)`` (an intact
    record of a chunk that raised: retried), ``("missing", None)`` or ``("damaged", reason)``.

    A chunk is reused only if it opens without pickle, carries its integrity record, belongs
    to this sweep (same identity and chunk size) at this place (index, first and last point),
    holds exactly the expected outputs with the expected dtypes and shapes (never cast or
    broadcast) and every array matches the sha256 of its record."""
    if not os.path.exists(path):
        return "missing", None
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as e:
        return "damaged", f"it cannot be opened ({e})"
    if head != b"PK\x03\x04":  # else numpy guesses "pickled data" for any garbage
        size = os.path.getsize(path)
        return (
            "damaged",
            "it is empty (0 bytes)" if size == 0 else f"it is not an .npz file ({size} bytes of something else)",
        )
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
        rec = json.loads(str(data.pop(RECORD)))
        place = (rec["sweep"], rec["chunk"], rec["lo"], rec["hi"])
        hashes = {k: v["sha256"] for k, v in rec["arrays"].items()}
    except KeyError:
        return "damaged", f"it has no integrity record ({RECORD}): not written by this version of sweep"
    except Exception as e:  # noqa: BLE001 - truncated, empty, garbage, not a zip, pickled data, ...
        return "damaged", f"it cannot be read ({type(e).__name__}: {str(e)[:200]})"
    if place != (sweep_id, index, lo, hi):
        return "damaged", f"its record places it elsewhere (chunk {rec['chunk']}, points {rec['lo']}..{rec['hi']})"
    got = digest_arrays(data)
    if got != hashes:
        bad = sorted(k for k in set(got) | set(hashes) if got.get(k) != hashes.get(k))
        return "damaged", f"the content of {bad} does not match the sha256 of its record (modified or damaged)"
    if ERROR in data:
        return "failed", None
    if set(data) != set(specs):
        return "damaged", f"it holds the outputs {sorted(data)}, expected {sorted(specs)}"
    for k, (shape, dtype) in specs.items():
        if data[k].shape != (hi - lo,) + shape or data[k].dtype != dtype:
            return "damaged", (
                f"output {k!r} has shape {data[k].shape} and dtype {data[k].dtype}, "
                f"expected {(hi - lo,) + shape} and {dtype}"
            )
    return "done", data


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


def _gather(x):
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        return np.asarray(multihost_utils.process_allgather(x, tiled=True))
    return np.asarray(jax.device_get(x))


def _point_codes(chunk_arrays, result_names, m):
    """The sweep's code per point of one computed chunk (``m`` points).

    With RESULTS outputs: their codes, first failure wins (in tree order; a RESULTS output with
    trailing axes, e.g. one code per time, gives its first failure along them).  Without any:
    ``nonfinite`` where a float output is not finite, else successful.
    """
    code = np.zeros(m, np.int32)
    if result_names:
        for nm in result_names:
            c = np.asarray(chunk_arrays[nm]).astype(np.int32).reshape(m, -1)
            if c.shape[1] == 0:
                continue
            first = c[np.arange(m), np.argmax(c != 0, axis=1)]
            code = np.where(code == 0, first, code)
        return code
    finite = np.ones(m, bool)
    for a in chunk_arrays.values():
        if np.issubdtype(a.dtype, np.inexact) and a.size:
            finite &= np.all(np.isfinite(a.reshape(m, -1)), axis=1)
    return np.where(finite, 0, int(RESULTS.nonfinite._value)).astype(np.int32)  # pyright: ignore


def _counts(codes) -> dict[str, int]:
    vals, counts = np.unique(np.asarray(codes), return_counts=True)
    return {name_of(int(c)): int(k) for c, k in zip(vals, counts)}


# ---------------------------------------------------------------------------
# sweep
# ---------------------------------------------------------------------------

_NONFINITE = int(RESULTS.nonfinite._value)  # pyright: ignore[reportAttributeAccessIssue]
_CHUNK_FAILED = int(RESULTS.chunk_failed._value)  # pyright: ignore[reportAttributeAccessIssue]


def sweep(
    fn: Callable[..., Any],
    grid,
    *,
    fixed: dict | None = None,
    chunk: AbstractChunking = Auto(),
    out: str | os.PathLike | None = None,
    resume: bool = True,
    progress_meter: AbstractProgressMeter = TextProgressMeter(),
    devices: AbstractDevices | jax.sharding.Mesh = SingleDevice(),
    throw: bool = False,
    netcdf: bool = False,
    kernel_version: str | None = None,
) -> SweepResult:
    """Map a pure per-point kernel over a parameter grid.

    **Arguments:**
    - ``fn``: ``fn(**point, **fixed) -> pytree of arrays`` for ONE point (a dict, a tuple, an
      ``eqx.Module`` such as a component's result object...). Traceable by JAX.
    - ``grid``: ``Grid`` (cartesian), ``Zip`` (zipped, 1-D) or a dict (-> ``Grid(**dict)``).
    - ``fixed``: constants passed to every call (baked into the compiled program; must be
      JSON-serialisable numbers/lists/strings, they go into the metadata).
    - ``chunk``: ``Auto(memory_budget=...)`` (default), ``Fixed(n)`` or ``ArrayBudget(...)``.
      ``vmap(fn)`` is compiled ONCE, for one chunk shape; the last chunk is padded by repeating
      the last point. Compiled programs are cached per (kernel object, fixed, chunk shape,
      devices), like ``jax.jit`` caches per function: a later sweep with new grid values does
      not recompile.
    - ``out``: directory for checkpoints and results. Each finished chunk is written atomically
      (``chunks/c<i>.npz``, one file holding its outputs, codes and integrity record); a re-run
      with ``resume=True`` skips finished chunks, so a killed sweep resumes and ends
      bit-identical to an uninterrupted one (see **Resume** below for what is checked). At the
      end ``arrays/*.npy`` (memory-mapped, so a grid larger than RAM never needs to fit; the codes
      in ``arrays/__result__.npy``) and ``meta.json`` (with the sha256 of every array, checked by
      :func:`load`) are written; ``netcdf=True`` adds ``result.nc``. ``resume=False`` discards
      earlier chunks and starts over.
    - ``progress_meter``: ``TextProgressMeter()`` (one line per chunk to stderr),
      ``NoProgressMeter()``, or ``CallbackProgressMeter(f)``: ``f`` gets a dict per event,
      ``task="sweep"``, ``event`` ``"start"`` (``n_points``, ``n_chunks``, ``chunk_size``,
      ``n_devices``, ``compile_s``, ``bytes_per_chunk``, ``resumed_chunks``, ``out``),
      ``"chunk"`` (``chunk``, ``n_chunks``, ``done_points``, ``n_points``, ``elapsed_s``,
      ``points_per_s``, ``failed``: the chunk raised, ``n_failed``: its failed points) and
      ``"end"`` (``run_s``, ``result_counts``).
    - ``devices``: ``SingleDevice()`` (default), ``AllDevices()`` (``jax.devices()``: every
      device of every process after ``jax.distributed.initialize()``; process 0 writes ``out``)
      or ``MeshDevices(mesh)`` / a bare ``jax.sharding.Mesh``: each chunk's point axis is
      sharded over the mesh (``NamedSharding``).
    - ``throw``: ``False`` (default): failures are data -- a chunk that raises gets
      ``RESULTS.chunk_failed`` and NaN outputs (error text in ``meta['failed_chunks']``; resume
      retries it) and failed points are flagged.  ``True``: a chunk that raises re-raises, and
      the first chunk with a failed point raises :class:`jaxqtm.ResultError` naming the point
      (after its checkpoint is written).
    - ``kernel_version``: optional string stored with the checkpoints and part of the sweep's
      identity; needed to resume a kernel that holds parts jaxqtm cannot fingerprint by content.

    **Resume** (``out`` holds a ``manifest.json`` and ``resume=True``). The sweep's identity is
    the grid (names, values, dimensions), ``fixed``, ``kernel_version``, the checkpoint format and
    the kernel's *content fingerprint* (:mod:`jaxqtm._fingerprint`: a sha256 of its code, defaults,
    closure contents, the data and functions it references as globals -- recursively -- not of its
    name, file or line numbers). A different identity raises ``ValueError`` naming the directory
    and what differs (e.g. ``closure:scale`` or ``global:helper`` of the kernel); finished chunks
    are never reused for another sweep. A damaged or edited ``manifest.json`` raises too. A kernel
    with parts that cannot be fingerprinted (an object whose only description is its memory
    address, see the module) warns when the directory is created and refuses to resume unless
    both runs pass the same ``kernel_version``. Each chunk file is reused only if it opens
    (``allow_pickle=False``), belongs to this sweep at its place, has exactly the expected outputs,
    dtypes and shapes and matches the sha256 of its record; any other chunk file is named in a
    warning and recomputed (never cast, broadcast or trusted). Library code the kernel calls
    (jax, numpy, jaxqtm itself ...) is identified by name only: its versions are in ``meta.json``.

    **Failures.** A point's ``result`` is read from EVERY :class:`jaxqtm.RESULTS` item anywhere in
    the kernel's output (a component's result object, or ``result=first_failure(...)`` in a
    dict); with several, the first failure in tree order wins.  A kernel that reports a RESULTS
    item is trusted for NaN (components return NaN where a quantity is undefined, e.g. the
    efficiency of a non-engine); a kernel without one gets ``RESULTS.nonfinite`` where one of
    its float outputs is not finite.  ``RESULTS.chunk_failed``: the chunk holding the point
    raised.

    **Returns:** ``SweepResult``.
    """
    # ---- boundary validation -------------------------------------------------
    if not callable(fn):
        raise TypeError(f"fn must be a callable per-point kernel, got {type(fn).__name__}")
    grid = as_grid(grid)
    fixed = dict(fixed or {})
    for k in fixed:
        _check_name(k)
    clash = set(fixed) & set(grid.parameters)
    if clash:
        raise ValueError(f"parameters both swept and fixed: {sorted(clash)}")
    try:
        fixed_json = json.loads(
            json.dumps({k: _jsonable(v) if isinstance(v, (np.ndarray, jax.Array)) else v for k, v in fixed.items()})
        )
    except TypeError as e:
        raise ValueError(f"fixed parameters must be JSON-serialisable numbers, lists or strings: {e}") from None
    if not isinstance(chunk, AbstractChunking):
        raise TypeError(f"chunk must be Auto(...), Fixed(n) or ArrayBudget(...), got {chunk!r}")
    report = check_progress_meter(progress_meter)
    if not isinstance(throw, bool):
        raise TypeError(f"throw must be True or False, got {throw!r}")
    if kernel_version is not None and not isinstance(kernel_version, str):
        raise TypeError(f"kernel_version must be a string or None, got {kernel_version!r}")
    placement = as_devices(devices)
    devs = placement.devices()
    mesh = placement.mesh()
    sh = placement.sharding()
    ndev = len(devs)
    if netcdf and out is None:
        raise ValueError("netcdf=True needs out= (the directory to write result.nc to)")
    writer = jax.process_index() == 0

    # ---- the compiled chunk program -------------------------------------------
    params = grid.parameters
    kernel = lambda p: fn(**p, **fixed)  # noqa: E731
    batched = jax.vmap(kernel)
    jitted = jax.jit(batched) if sh is None else jax.jit(batched, in_shardings=(sh,), out_shardings=sh)

    def specs(size):
        return {
            k: jax.ShapeDtypeStruct((size,) + v.shape[1:], jax.dtypes.canonicalize_dtype(v.dtype), sharding=sh)
            for k, (_, v) in params.items()
        }

    compile_s = [0.0]
    local: dict = {}  # this call's programs (also for kernels that cannot be cached across calls)
    placement_key = (tuple(devs), None if mesh is None else (tuple(mesh.axis_names), tuple(mesh.devices.shape)))

    def compile_at(size):
        if size in local:
            return local[size]
        try:
            key = (
                fn,
                json.dumps(fixed_json, sort_keys=True),
                tuple((k, s.shape, str(s.dtype)) for k, s in specs(size).items()),
                placement_key,
            )
            hash(key)
        except TypeError:  # unhashable kernel object: no caching
            key = None
        if key is not None and key in _COMPILED:
            local[size] = _COMPILED[key]
            return local[size]
        report(compile_event("sweep", f"the kernel for chunks of {size} points", chunk_size=size))
        t0 = time.perf_counter()
        compiled = jitted.lower(specs(size)).compile()
        compile_s[0] += time.perf_counter() - t0
        try:
            m = compiled.memory_analysis()
            assert m is not None
            nbytes = int(
                m.argument_size_in_bytes + m.output_size_in_bytes + m.temp_size_in_bytes - m.alias_size_in_bytes
            )
        except Exception:  # noqa: BLE001 - backend without memory analysis: outputs+arguments size
            nbytes = -1
        if nbytes < 0:
            shapes = jax.eval_shape(batched, specs(size))
            nbytes = sum(x.size * x.dtype.itemsize for x in jax.tree_util.tree_leaves((shapes, specs(size))))
            nbytes //= ndev
        if key is not None:
            if len(_COMPILED) >= _COMPILED_MAX:
                _COMPILED.pop(next(iter(_COMPILED)))
            _COMPILED[key] = (compiled, nbytes)
        local[size] = (compiled, nbytes)
        return local[size]

    def point_bytes():
        one = specs(1)
        shapes = jax.eval_shape(batched, one)
        return max([x.size * x.dtype.itemsize for x in jax.tree_util.tree_leaves((shapes, one))] + [1])

    # ---- checkpoint directory ----------------------------------------------------
    n = grid.size
    # only a checkpoint directory needs it (a kernel closing over a large array is hashed once per call)
    kfp = fingerprint(fn) if out is not None else Fingerprint("", {}, ())
    name = _kernel_name(fn)
    identity = dict(
        format=FORMAT,
        grid_fingerprint=grid.fingerprint(),
        fixed=fixed_json,
        kernel_fingerprint=kfp.digest,
        kernel_version=kernel_version,
    )
    opaque_note = (
        f"the kernel {name!r} holds parts that jaxqtm cannot fingerprint by content "
        f"({'; '.join(kfp.opaque)}), so a match of its fingerprint does not prove it unchanged"
    )
    manifest = None
    if out is not None:
        out = os.fspath(out)
        if os.path.exists(out) and not os.path.isdir(out):
            raise ValueError(f"out = {out!r} exists and is not a directory")
        mpath = os.path.join(out, "manifest.json")
        if os.path.exists(mpath) and resume:
            manifest = _check_manifest(mpath, out, identity, kfp, name)
            if (kfp.opaque or manifest.get("kernel_opaque")) and kernel_version is None:
                raise ValueError(
                    f"out={out!r} holds finished chunks, but {opaque_note}: they are not reused. Pass "
                    "resume=False to recompute them, another out=, or kernel_version='...' (the same string "
                    "in the run that writes the directory and in every resume) to vouch for the kernel"
                )
        else:
            if kfp.opaque and kernel_version is None:
                warnings.warn(
                    f"sweep(out={out!r}): {opaque_note}; a later run will refuse to resume from this "
                    "directory unless both pass the same kernel_version='...'",
                    stacklevel=2,
                )
            if writer:
                for sub in ("chunks", "arrays"):
                    shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
                for f in ("manifest.json", "meta.json", "result.nc"):
                    if os.path.exists(os.path.join(out, f)):
                        os.remove(os.path.join(out, f))
        if writer:
            try:
                os.makedirs(os.path.join(out, "chunks"), exist_ok=True)
            except OSError as e:
                raise ValueError(f"out = {out!r}: cannot create the directory ({e.strerror or e})") from None
            # the arrays below are rewritten: a finished sweep's meta.json must not outlive them
            for f in ("meta.json", "result.nc"):
                if os.path.exists(os.path.join(out, f)):
                    os.remove(os.path.join(out, f))

    if manifest is not None:  # resume: same chunk boundaries as the first run
        size = int(manifest["chunk_size"])
        batch = -(-size // ndev) * ndev
    else:
        batch = chunk.choose(
            n, measure=lambda s: compile_at(s)[1], point_bytes=point_bytes, n_devices=ndev, devices=devs
        )
        size = batch
        if out is not None and writer:
            body = identity | dict(
                kernel=name,
                kernel_parts=kfp.parts,
                kernel_opaque=list(kfp.opaque),
                chunk_size=size,
                n_points=n,
                shape=list(grid.shape),
                created=datetime.datetime.now(datetime.UTC).isoformat(),
            )
            _atomic_json(os.path.join(out, "manifest.json"), body | dict(checksum=_checksum(body)))
    # what every chunk file's record must name: this sweep's identity and its chunk size
    sweep_id = _checksum(identity | dict(chunk_size=size))
    compiled, nbytes = compile_at(batch)
    n_chunks = -(-n // size)

    out_shapes = compiled.out_info  # no extra trace of the kernel
    leaves_with_path, treedef = jax.tree_util.tree_flatten_with_path(out_shapes, is_leaf=is_result)
    names = [_leaf_name(p) for p, _ in leaves_with_path]
    if len(set(names)) != len(names) or {RESULT_FILE, RECORD, ERROR} & set(names):
        names = [f"{nm}__{i}" for i, nm in enumerate(names)]
    is_res = [is_result(x) for _, x in leaves_with_path]
    result_names = [nm for nm, r in zip(names, is_res) if r]
    leaf_specs = {}
    for nm, (_, x), r in zip(names, leaves_with_path, is_res):
        v = x._value if r else x
        leaf_specs[nm] = (tuple(v.shape[1:]), np.dtype(np.int32) if r else np.dtype(v.dtype))

    # ---- result buffers (memory-mapped when writing to disk) -----------------
    def alloc(name, shape, dtype):
        if out is not None and writer:
            os.makedirs(os.path.join(out, "arrays"), exist_ok=True)
            return np.lib.format.open_memmap(
                os.path.join(out, "arrays", f"{name}.npy"), mode="w+", dtype=dtype, shape=(n,) + shape
            )
        return np.empty((n,) + shape, dtype)

    bufs = {nm: alloc(nm, s, d) for nm, (s, d) in leaf_specs.items()}
    codes = alloc(RESULT_FILE, (), np.int32)
    failed = {}

    def chunk_path(i):
        assert out is not None
        return os.path.join(out, "chunks", f"c{i:07d}.npz")

    chunk_specs = {nm: leaf_specs[nm] for nm in names} | {RESULT_FILE: ((), np.dtype(np.int32))}

    def read_chunk(i) -> dict[str, np.ndarray] | None:
        """The verified arrays of finished chunk i, or None (then it is computed); a damaged
        chunk file is named in a warning, never reused."""
        if out is None:
            return None
        lo, hi = i * size, min(n, (i + 1) * size)
        path = chunk_path(i)
        status, got = _read_chunk(path, sweep_id=sweep_id, index=i, lo=lo, hi=hi, specs=chunk_specs)
        if status == "damaged":
            warnings.warn(f"sweep: chunk file {path} is not reused, it is recomputed: {got}", stacklevel=3)
        return got if status == "done" else None

    def raise_first_failure(lo, st):
        bad = np.flatnonzero(st != 0)
        if not (throw and bad.size):
            return
        j = lo + int(bad[0])
        idx = np.unravel_index(j, grid.shape)
        point = ", ".join(f"{k}={v[0].tolist()}" for k, v in grid.points(j, j + 1).items())
        k = int(st[bad[0]])
        raise ResultError(
            f"sweep point {tuple(int(i) for i in idx)} ({point}) failed: {name_of(k)}: {message(k)} "
            f"({bad.size} failed point(s) in its chunk of {st.size}). Pass throw=False to get the flagged "
            "result instead (SweepResult.result / .ok say which points failed)."
        )

    # failed chunks are retried; the verified ones are read again (and checked again) below
    resumed = []
    for i in range(n_chunks if manifest is not None else 0):
        if read_chunk(i) is not None:
            resumed.append(i)
    resumed_note = f"; resumed {len(resumed)}/{n_chunks} finished chunks from {out}" if resumed else ""
    report(
        dict(
            task="sweep",
            event="start",
            n_points=n,
            n_chunks=n_chunks,
            chunk_size=size,
            n_devices=ndev,
            compile_s=compile_s[0],
            bytes_per_chunk=nbytes,
            resumed_chunks=len(resumed),
            out=out,
            message=f"{n} points in {n_chunks} chunks of {size} on {ndev} device(s); compiled in "
            f"{compile_s[0]:.1f} s, {nbytes / 2**20:.2f} MiB per chunk per device" + resumed_note,
        )
    )

    def put(a):
        if sh is None:
            return jnp.asarray(a)
        return jax.make_array_from_callback(a.shape, sh, lambda idx: a[idx])

    def host(x):
        return _gather(x._value if is_result(x) else x)

    # sha256 of every output over the whole grid, fed chunk by chunk in order (recorded in
    # meta.json: load() checks the arrays/*.npy files against it)
    sha = {nm: hashlib.sha256() for nm in names + [RESULT_FILE]}

    def record_hashes(lo, hi):
        for nm in names:
            sha[nm].update(np.ascontiguousarray(bufs[nm][lo:hi]).tobytes())
        sha[RESULT_FILE].update(np.ascontiguousarray(codes[lo:hi]).tobytes())

    t_run = time.perf_counter()
    done_points, computed_points = 0, 0
    for i in range(n_chunks):
        lo, hi = i * size, min(n, (i + 1) * size)
        m = hi - lo
        z = read_chunk(i) if i in resumed else None
        if z is None and i in resumed:  # changed since the check above: recomputed
            resumed.remove(i)
        if z is not None:
            for nm in names:
                bufs[nm][lo:hi] = z[nm]
            st = z[RESULT_FILE]
            codes[lo:hi] = st
            record_hashes(lo, hi)
            done_points += m
            raise_first_failure(lo, st)
            continue
        pts = grid.points(lo, lo + batch)
        err = None
        try:
            res = compiled({k: put(v) for k, v in pts.items()})
            outs = [host(x)[:m] for x in jax.tree_util.tree_leaves(res, is_leaf=is_result)]
        except Exception as e:  # noqa: BLE001 -- flagged as data, or re-raised on request
            if throw:
                raise
            err = f"{type(e).__name__}: {e}"
            if len(err) > 2000:  # keep the head and the tail (where JAX puts the user's message)
                err = err[:400] + " ... " + err[-1600:]
            outs = []
            for nm, r in zip(names, is_res):
                s, d = leaf_specs[nm]
                fill = _CHUNK_FAILED if r else (np.nan if np.issubdtype(d, np.inexact) else 0)
                outs.append(np.full((m,) + s, fill, dtype=d))
        chunk_arrays = dict(zip(names, outs))
        for nm, r in zip(names, is_res):
            if r:
                chunk_arrays[nm] = np.asarray(chunk_arrays[nm]).astype(np.int32)
        if err is not None:
            st = np.full(m, _CHUNK_FAILED, np.int32)
            failed[i] = err
        else:
            st = _point_codes(chunk_arrays, result_names, m)
        for nm in names:
            bufs[nm][lo:hi] = chunk_arrays[nm]
        codes[lo:hi] = st
        record_hashes(lo, hi)
        if out is not None and writer:
            # saved as they are in the buffers (the dtypes a resume checks)
            saved = {nm: np.asarray(bufs[nm][lo:hi]) for nm in names} | {RESULT_FILE: np.asarray(codes[lo:hi])}
            if err is not None:
                saved[ERROR] = np.asarray(err)
            rec = dict(sweep=sweep_id, chunk=i, lo=lo, hi=hi, arrays=_array_records(saved))
            _atomic_savez(chunk_path(i), **saved, **{RECORD: np.asarray(json.dumps(rec))})
        done_points += m
        computed_points += m
        raise_first_failure(lo, st)
        elapsed = time.perf_counter() - t_run
        rate = computed_points / max(elapsed, 1e-9)
        n_failed = int(np.sum(st != 0))
        eta = (n - done_points) / max(rate, 1e-30)
        report(
            dict(
                task="sweep",
                event="chunk",
                chunk=i,
                n_chunks=n_chunks,
                done_points=done_points,
                n_points=n,
                elapsed_s=elapsed,
                points_per_s=rate,
                failed=err is not None,
                n_failed=n_failed,
                message=f"chunk {i + 1}/{n_chunks}  {done_points}/{n} points  {rate:.0f} points/s  eta {eta:.0f} s"
                + (
                    "  (FAILED: the chunk raised)"
                    if err is not None
                    else f"  ({n_failed} failed points)"
                    if n_failed
                    else ""
                ),
            )
        )
    run_s = time.perf_counter() - t_run

    shape = grid.shape
    arrays = {nm: bufs[nm].reshape(shape + leaf_specs[nm][0]) for nm in names}
    codes = codes.reshape(shape)
    counts = _counts(codes)
    budget = chunk.budget(devs) if isinstance(chunk, Auto) else None
    meta = dict(
        format=FORMAT,
        jaxqtm_version=_version(),
        jax_version=jax.__version__,
        jaxlib_version=getattr(__import__("jaxlib"), "__version__", "?"),
        x64=bool(jax.config.read("jax_enable_x64")),
        created=datetime.datetime.now(datetime.UTC).isoformat(),
        kernel=name,
        kernel_fingerprint=kfp.digest or None,  # (None without out=)
        kernel_opaque=list(kfp.opaque),
        kernel_version=kernel_version,
        grid=grid.describe(),
        fixed=fixed_json,
        output_names=names,
        outputs={
            nm: dict(shape=list(shape + s), dtype=str(d), sha256=sha[nm].hexdigest())
            for nm, (s, d) in leaf_specs.items()
        },
        result_sha256=sha[RESULT_FILE].hexdigest(),
        results=result_names,
        chunk=dict(
            strategy=repr(chunk),
            size=size,
            batch=batch,
            n_chunks=n_chunks,
            bytes_per_chunk_per_device=nbytes,
            memory_budget=budget,
        ),
        devices=[str(d) for d in devs],
        placement=type(placement).__name__
        + ("" if mesh is None else f"(axis_names={tuple(mesh.axis_names)}, shape={tuple(mesh.devices.shape)})"),
        sharded=sh is not None,
        process_count=jax.process_count(),
        resumed_chunks=len(resumed),
        failed_chunks={str(k): v for k, v in failed.items()},
        result_file=f"arrays/{RESULT_FILE}.npy",
        result_codes=result_table(),
        result_counts=counts,
        timing=dict(
            compile_s=compile_s[0],
            run_s=run_s,
            points_computed=computed_points,
            points_per_s=computed_points / max(run_s, 1e-9),
        ),
    )
    result = SweepResult(arrays, codes, {k: (d, v) for k, (d, v) in params.items()}, grid.dims, meta, treedef)
    if out is not None and writer:
        for b in list(bufs.values()) + [codes]:
            if isinstance(b, np.memmap):
                b.flush()
        _atomic_json(os.path.join(out, "meta.json"), meta)
        if netcdf:
            result.to_netcdf(os.path.join(out, "result.nc"))
    report(
        dict(
            task="sweep",
            event="end",
            run_s=run_s,
            result_counts=counts,
            message=f"done in {run_s:.1f} s; results {{{', '.join(f'{k}: {v}' for k, v in counts.items())}}}",
        )
    )
    return result


def _version():
    try:
        import jaxqtm

        return jaxqtm.__version__
    except Exception:  # pragma: no cover
        return "?"
