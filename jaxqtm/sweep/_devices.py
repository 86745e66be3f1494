"""Where a sweep runs: one device, or the point axis sharded over a ``jax.sharding.Mesh``.

- :class:`SingleDevice` ``()`` (default): one device, no sharding.
- :class:`AllDevices` ``()``: a 1-D mesh over ``jax.devices()`` -- every local device, and with
  ``jax.distributed.initialize()`` every device of every process.
- :class:`MeshDevices` ``(mesh)``: a mesh of your own; the point axis is sharded over all of its
  axes.  ``sweep(..., devices=mesh)`` with a bare ``Mesh`` means the same.
"""

from __future__ import annotations

import abc
from typing import Any

import equinox as eqx
import jax
import numpy as np

AXIS = "points"


class AbstractDevices(eqx.Module):
    """Device placement of a sweep's chunks."""

    @abc.abstractmethod
    def mesh(self) -> jax.sharding.Mesh | None:
        """The mesh the point axis is sharded over, or ``None`` for one unsharded device."""

    def devices(self) -> list:
        """The devices, in mesh order."""
        m = self.mesh()
        return [jax.devices()[0]] if m is None else list(np.asarray(m.devices).ravel())

    def sharding(self):
        """``NamedSharding`` of the point axis, or ``None`` (one device)."""
        m = self.mesh()
        if m is None:
            return None
        return jax.sharding.NamedSharding(m, jax.sharding.PartitionSpec(tuple(m.axis_names)))


class SingleDevice(AbstractDevices):
    """One device (``device``, default ``jax.devices()[0]``); the chunk program is not sharded."""

    device: Any = eqx.field(static=True, default=None)  # a jax.Device

    def __check_init__(self):
        if self.device is not None and not isinstance(self.device, jax.Device):
            raise TypeError(f"SingleDevice(device) must be a jax.Device, got {type(self.device).__name__}")

    def mesh(self):
        return None

    def devices(self):
        return [self.device if self.device is not None else jax.devices()[0]]


class AllDevices(AbstractDevices):
    """Every device of ``jax.devices()`` (all processes after ``jax.distributed.initialize()``),
    as a 1-D mesh with axis ``"points"``."""

    def mesh(self):
        return jax.sharding.Mesh(np.asarray(jax.devices()), (AXIS,))


class MeshDevices(AbstractDevices):
    """A user's ``jax.sharding.Mesh``: each chunk's point axis is sharded over all mesh axes
    (chunks are rounded up to a multiple of ``mesh.size``)."""

    device_mesh: jax.sharding.Mesh = eqx.field(static=True)

    def __init__(self, mesh: jax.sharding.Mesh):
        if not isinstance(mesh, jax.sharding.Mesh):
            raise TypeError(f"MeshDevices needs a jax.sharding.Mesh, got {type(mesh).__name__}")
        if mesh.size < 1:
            raise ValueError("MeshDevices needs a mesh with at least one device")
        self.device_mesh = mesh

    def mesh(self):
        return self.device_mesh


def as_devices(devices) -> AbstractDevices:
    """``devices`` as a strategy: an :class:`AbstractDevices`, or a bare ``Mesh``."""
    if isinstance(devices, AbstractDevices):
        return devices
    if isinstance(devices, jax.sharding.Mesh):
        return MeshDevices(devices)
    raise TypeError(
        f"devices must be SingleDevice(), AllDevices(), MeshDevices(mesh) or a jax.sharding.Mesh; got {devices!r}"
    )
