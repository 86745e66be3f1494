"""Sweep axes: ``Zip`` (parameters advanced together, one dimension) and ``Grid`` (cartesian
product of ``Zip`` axes, one dimension each)."""

from __future__ import annotations

import hashlib
import keyword

import numpy as np


def _as_values(name, v):
    a = np.asarray(v)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ValueError(f"sweep parameter {name!r} must be numeric, got dtype {a.dtype}")
    if a.ndim == 0:
        raise ValueError(
            f"sweep parameter {name!r} must have a leading sweep axis (shape (n, ...)), got a scalar; "
            "pass constants through `fixed=`"
        )
    if a.shape[0] == 0:
        raise ValueError(f"sweep parameter {name!r} has no values (length 0); it needs length >= 1")
    if np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    elif np.issubdtype(a.dtype, np.complexfloating):
        a = a.astype(np.complex128)
    return a


def _check_name(name):
    if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
        raise ValueError(
            f"sweep parameter names must be Python identifiers (they become keyword arguments), got {name!r}"
        )


class Zip:
    """Parameters that advance together along ONE sweep dimension.

    ``Zip(T1=[0.1, 0.2], T2=[0.05, 0.1])`` gives two points (T1, T2) = (0.1, 0.05), (0.2, 0.1).
    Every value has shape ``(n, ...)`` with the same ``n``; trailing axes are passed to the
    kernel per point (e.g. Fourier coefficients of shape ``(n, H, 2)``). ``name`` names the
    dimension (default: the parameter names joined by ``_``).
    """

    def __init__(self, name: str | None = None, **values):
        if not values:
            raise ValueError("Zip needs at least one parameter, e.g. Zip(T1=[...], T2=[...])")
        for k in values:
            _check_name(k)
        self.values = {k: _as_values(k, v) for k, v in values.items()}
        lengths = {k: v.shape[0] for k, v in self.values.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"Zip parameters must have the same length (leading axis), got {lengths}")
        self.name = name if name is not None else "_".join(self.values)
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Zip name must be a non-empty string, got {name!r}")

    def __len__(self):
        return next(iter(self.values.values())).shape[0]

    def __repr__(self):
        return f"Zip({self.name!r}: {', '.join(self.values)}; n={len(self)})"


class Grid:
    """Cartesian product of sweep dimensions: ``Grid(Omega=om, T=ts)`` has shape ``(len(om), len(ts))``.

    Positional arguments are ``Zip`` axes (several parameters along one dimension), keyword
    arguments are single-parameter dimensions; dimensions are ordered positional first, then
    keywords in order. A point is a dict ``{parameter: value}`` passed to the kernel as
    keyword arguments.
    """

    def __init__(self, *zips: Zip, **axes):
        dims = list(zips) + [Zip(**{k: v}) for k, v in axes.items()]
        if not dims:
            raise ValueError("Grid needs at least one axis")
        for z in zips:
            if not isinstance(z, Zip):
                raise ValueError(f"positional Grid arguments must be Zip axes, got {type(z).__name__}")
        names = [k for z in dims for k in z.values]
        dup = {k for k in names if names.count(k) > 1}
        if dup:
            raise ValueError(f"parameters appear on more than one Grid axis: {sorted(dup)}")
        dnames = [z.name for z in dims]
        if len(set(dnames)) != len(dnames):
            raise ValueError(f"Grid dimension names must be unique, got {dnames}")
        self.axes = tuple(dims)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(z) for z in self.axes)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def dims(self) -> tuple[str, ...]:
        return tuple(z.name for z in self.axes)

    @property
    def parameters(self) -> dict[str, tuple[str, np.ndarray]]:
        """parameter -> (dimension name, values along that dimension)."""
        return {k: (z.name, v) for z in self.axes for k, v in z.values.items()}

    def points(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Flat points ``start .. stop-1`` (C order over the grid), indices past the end clipped to
        the last point (padding of the last chunk)."""
        idx = np.minimum(np.arange(start, stop), self.size - 1)
        multi = np.unravel_index(idx, self.shape)
        return {k: v[multi[i]] for i, z in enumerate(self.axes) for k, v in z.values.items()}

    def describe(self) -> dict:
        """JSON-serialisable description (every parameter value)."""
        return dict(
            shape=list(self.shape),
            dims=list(self.dims),
            axes=[{k: _jsonable(v) for k, v in z.values.items()} | {"__dim__": z.name} for z in self.axes],
        )

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for z in self.axes:
            h.update(z.name.encode())
            for k, v in z.values.items():
                h.update(k.encode())
                h.update(str(v.dtype).encode())
                h.update(str(v.shape).encode())
                h.update(np.ascontiguousarray(v).tobytes())
        return h.hexdigest()

    def __repr__(self):
        return f"Grid({', '.join(map(repr, self.axes))}; shape={self.shape})"


def as_grid(g) -> Grid:
    if isinstance(g, Grid):
        return g
    if isinstance(g, Zip):
        return Grid(g)
    if isinstance(g, dict):
        return Grid(**g)
    raise ValueError(f"grid must be a Grid, a Zip or a dict of parameter arrays, got {type(g).__name__}")


def _jsonable(v):
    a = np.asarray(v)
    if np.iscomplexobj(a):
        return {"real": np.real(a).tolist(), "imag": np.imag(a).tolist()}
    return a.tolist()
