"""State-aware ``pmap``: ``vmap``'s State semantics, one lane per device.

``jax.pmap`` cannot tell whether a value differs across devices (it runs without
replication checks), so before a new program is compiled, a function that writes
undeclared States is traced once abstractly under ``jax.vmap`` with the same axes: a
per-device value written into an undeclared State raises :class:`BatchAxisError` there,
as it would under :func:`vmap`. Compiled programs are cached per set of States and
argument structure, so later calls with the same shapes run the cached ``jax.pmap``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import jax

from brainstate_compile.extend import KnownStates

from .vmap import MappedFunction, Plan, PreparedArgs

__all__ = ["pmap"]


def _as_tuple(x: int | Iterable[int] | None) -> tuple[int, ...]:
    if x is None:
        return ()
    if isinstance(x, int):
        return (x,)
    return tuple(x)


class PmappedFunction(MappedFunction):
    """A function mapped over devices with State handling (made by :func:`pmap`)."""

    transform_name = "pmap"

    def __init__(self, *args: Any, devices: Any = None, backend: Any = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.devices = devices
        self.backend = backend
        self._cache: dict[Hashable, Callable[..., Any]] = {}

    def _run(
        self,
        plan: Plan,
        a: PreparedArgs,
        mapped: list,
        shared: list,
        known: KnownStates,
        nested: bool,
    ) -> tuple[Any, list]:
        keep = [x for x, d in zip(a.dyn, a.donate) if not d]
        donated = [x for x, d in zip(a.dyn, a.donate) if d]
        key = (plan.signature(), a.key, tuple(a.donate))
        compiled = None if nested else self._cache.get(key)
        if compiled is None:
            pure = self._pure(plan, a, known)
            if plan.checked:  # find batched writes (and new States) with an abstract vmap
                jax.eval_shape(
                    jax.vmap(
                        pure,
                        in_axes=self._in_axes(plan, a),
                        out_axes=(self.out_axes, list(plan.out_axes)),
                        axis_name=self.axis_name,
                        axis_size=self.axis_size,
                    ),
                    a.dyn,
                    mapped,
                    shared,
                )
            donate_mask = list(a.donate)

            def split_pure(keep_: list, donated_: list, mapped_: list, shared_: list) -> Any:
                it_k, it_d = iter(keep_), iter(donated_)
                dyn = [next(it_d) if d else next(it_k) for d in donate_mask]
                return pure(dyn, mapped_, shared_)

            keep_axes = [ax for ax, d in zip(a.axes, a.donate) if not d]
            don_axes = [ax for ax, d in zip(a.axes, a.donate) if d]
            compiled = jax.pmap(
                split_pure,
                self.axis_name,
                in_axes=(keep_axes, don_axes, [ax for ax in plan.in_axes if ax is not None], None),
                out_axes=(self.out_axes, list(plan.out_axes)),
                devices=self.devices,
                backend=self.backend,
                axis_size=self.axis_size,
                donate_argnums=(1,) if donated else (),
            )
            if not nested:
                self._cache[key] = compiled
        return compiled(keep, donated, mapped, shared)

    def clear_cache(self) -> None:
        """Forget the compiled programs and the discovered States."""
        self._cache.clear()
        self._known.clear()


def pmap(
    fn: Callable[..., Any] | None = None,
    axis_name: Hashable | None = None,
    *,
    in_axes: Any = 0,
    out_axes: Any = 0,
    static_broadcasted_argnums: int | Iterable[int] = (),
    devices: Sequence[Any] | None = None,
    backend: str | None = None,
    axis_size: int | None = None,
    donate_argnums: int | Iterable[int] = (),
    in_states: Any = None,
    out_states: Any = None,
) -> Any:
    """Map a function that reads and writes States over devices, like ``jax.pmap``.

    States follow the rules of :func:`vmap`, with one lane per device: States declared in
    ``in_states`` hold one slice per device along their axis; ``out_states`` are written
    back with a device axis; other States are shared (a write that differs across devices
    raises :class:`BatchAxisError`); every RandomState the function draws from gives each
    device its own key. Usable as a decorator, with or without arguments.

    For new code prefer :func:`shard_map` or ``jit`` over sharded States
    (:func:`shard_states`), as JAX recommends for ``pmap``.

    Args:
        fn: The function to map.
        axis_name: A name for the device axis, for collectives (``jax.lax.psum``, ...).
        in_axes: As in ``jax.pmap`` (non-negative ints or None); a graph Node argument may
            take a :class:`StateAxes`.
        out_axes: As in ``jax.pmap``.
        static_broadcasted_argnums: Positions of hashable arguments that are compile-time
            constants.
        devices: The devices to map over (default: the local devices).
        backend: The XLA backend.
        axis_size: The number of devices to map over, when nothing is mapped.
        donate_argnums: Positions of positional arguments whose buffers may be reused.
        in_states: States whose values carry the device axis; as in :func:`vmap`.
        out_states: States written back with a device axis; as in :func:`vmap`.

    Returns:
        The mapped function (or a decorator, when ``fn`` is omitted).

    Raises:
        BatchAxisError: as for :func:`vmap`.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import brainstate_augment as ba
        >>> import brainstate_core as bsc
        >>> n = jax.local_device_count()
        >>> total = bsc.State(jnp.zeros(()))
        >>> @ba.pmap(axis_name="d")
        ... def step(x):
        ...     total.value = total.value + jax.lax.psum(x, "d")   # same on every device
        ...     return x * 2
        >>> step(jnp.ones(n)).tolist() == [2.0] * n, float(total.value) == n
        (True, True)
    """
    if fn is None:
        return functools.partial(
            pmap,
            axis_name=axis_name,
            in_axes=in_axes,
            out_axes=out_axes,
            static_broadcasted_argnums=static_broadcasted_argnums,
            devices=devices,
            backend=backend,
            axis_size=axis_size,
            donate_argnums=donate_argnums,
            in_states=in_states,
            out_states=out_states,
        )
    return PmappedFunction(
        fn,
        in_axes,
        out_axes,
        in_states,
        out_states,
        axis_name,
        axis_size,
        static_argnums=_as_tuple(static_broadcasted_argnums),
        donate_argnums=_as_tuple(donate_argnums),
        devices=devices,
        backend=backend,
    )
