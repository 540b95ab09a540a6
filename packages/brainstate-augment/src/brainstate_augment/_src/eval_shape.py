"""``eval_shape``: shapes and dtypes of a function's output, models included, with no FLOPs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from brainstate_core import State, catch_new_states
from brainstate_core.extend import StateTraceStack, set_raw_values

from .differentiate import fun_name

__all__ = ["abstract_init", "eval_shape"]


def _is_array(x: Any) -> bool:
    return isinstance(x, (jax.Array, jax.ShapeDtypeStruct)) or hasattr(x, "__jax_array__")


def eval_shape(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``fn`` abstractly: arrays become ``jax.ShapeDtypeStruct``, nothing is computed.

    Unlike ``jax.eval_shape``, ``fn`` may build and return objects holding States (a whole
    model): every State created inside ``fn`` ends up holding a ``ShapeDtypeStruct`` of its
    value, so a model's parameter shapes and memory can be inspected before any FLOP is
    spent. States that existed before the call are left exactly as they were (a write to
    them inside ``fn`` is undone, random keys included).

    Args:
        fn: the function (e.g. a model constructor).
        *args: its arguments; arrays (which may be ``jax.ShapeDtypeStruct``) are traced
            abstractly, everything else (e.g. a Python int used as a size) is passed as is.
        **kwargs: its keyword arguments.

    Returns:
        ``fn``'s output with every array replaced by a ``jax.ShapeDtypeStruct``; other
        objects (modules, strings) are returned as built.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import brainstate_augment as ba, brainstate_core as bsc
        >>> def make():
        ...     return {"w": bsc.ParamState(jnp.zeros((1000, 1000))), "n": 3}
        >>> out = ba.eval_shape(make)
        >>> out["w"].value
        ShapeDtypeStruct(shape=(1000, 1000), dtype=float32)
        >>> out["n"]
        3
    """
    kept: dict[str, Any] = {}
    # Arrays (and ShapeDtypeStructs) are abstract inputs; other leaves (Python numbers
    # used as sizes, modules, strings) are passed through as they are.
    in_leaves, in_tree = jax.tree.flatten((args, kwargs), is_leaf=lambda x: isinstance(x, State))
    in_is_arr = [_is_array(x) or isinstance(x, np.ndarray) for x in in_leaves]

    def traced(arrays: list[Any]) -> Any:
        it_in = iter(arrays)
        a, kw = jax.tree.unflatten(
            in_tree, [next(it_in) if b else x for x, b in zip(in_leaves, in_is_arr)]
        )
        recorder = StateTraceStack(name=f"eval_shape of {fun_name(fn)}")
        try:
            with catch_new_states() as catcher, recorder:
                out = fn(*a, **kw)
        finally:
            recorder.recover_original_values()  # States from before keep their values
        new_states = catcher.get_states()
        leaves, treedef = jax.tree.flatten(out, is_leaf=lambda x: isinstance(x, State))
        is_arr = [_is_array(x) for x in leaves]
        kept.update(
            new_states=new_states,
            leaves=leaves,
            treedef=treedef,
            is_arr=is_arr,
        )
        return [s.value for s in new_states], [x for x, b in zip(leaves, is_arr) if b]

    state_shapes, array_shapes = jax.eval_shape(
        traced, [x for x, b in zip(in_leaves, in_is_arr) if b]
    )
    set_raw_values(kept["new_states"], state_shapes)
    it = iter(array_shapes)
    leaves = [next(it) if b else x for x, b in zip(kept["leaves"], kept["is_arr"])]
    return jax.tree.unflatten(kept["treedef"], leaves)


def abstract_init(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Build a model abstractly; an alias of :func:`eval_shape` named for that use.

    Args:
        fn: the constructor (or any function).
        *args: its arguments.
        **kwargs: its keyword arguments.

    Returns:
        What :func:`eval_shape` returns.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba, brainstate_core as bsc
        >>> w = ba.abstract_init(lambda n: bsc.ParamState(jnp.ones((n, 2))), 5)
        >>> w.value.shape
        (5, 2)
    """
    return eval_shape(fn, *args, **kwargs)
