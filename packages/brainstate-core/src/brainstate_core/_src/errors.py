"""The error classes of brainstate.

Every error that brainstate raises on purpose derives from :class:`BrainStateError`. Each
subclass is named for what went wrong, and its docstring lists the usual causes and fixes,
so that the docs entry of the class is the place a user lands from a traceback.
"""

from __future__ import annotations

__all__ = [
    "BrainStateError",
    "StateValueError",
    "StateTreeError",
    "StateTraceError",
    "LeakedTracerError",
    "DeletedStateError",
    "EnvironError",
    "RandomKeyError",
]


class BrainStateError(Exception):
    """Base class of every error that brainstate raises on purpose.

    Catch it to handle any brainstate error; catch a subclass for a specific failure.
    """


class StateValueError(BrainStateError, ValueError):
    """A value that a State cannot hold was assigned to it.

    Usual causes:

    1. Assigning a ``State`` object as the value of another State
       (``a.value = b`` instead of ``a.value = b.value``).

    The State keeps the value it had before the assignment.
    """


class StateTreeError(BrainStateError, ValueError):
    """A State was given a value whose pytree structure differs from its current one.

    Raised only while :func:`brainstate_core.check_state_value_tree` is on. Usual causes:

    1. Assigning ``{'a': x}`` to a State that holds ``{'a': x, 'b': y}``.
    2. Assigning a list where a tuple was held (pytrees distinguish them).

    Fix: assign a value of the same structure, or turn the check off for that block.
    The State keeps the value it had before the assignment.
    """


class StateTraceError(BrainStateError, RuntimeError):
    """State access broke a rule of brainstate's tracing protocol.

    Usual causes:

    1. A recorder (``StateTraceStack``) was exited out of order.
    2. A transform saw a State change in a way it cannot express (for example a loop body
       that changes the shape of a State it writes).
    """


class LeakedTracerError(StateTraceError):
    """A State holds a JAX tracer from a trace that has already finished.

    This happens when a State is written inside a plain ``jax.jit`` (or ``jax.vmap``,
    ``jax.grad``, ``lax.scan`` body ...) that knows nothing about States: the tracer stays
    in the State after the transform returns.

    Fixes:

    1. Use the State-aware transforms (``bst.compile.jit``, ``bst.compile.for_loop``,
       ``bst.augment.grad``, ``bst.augment.vmap``), which write concrete results back.
    2. Or pass the State's value in and out of the JAX transform explicitly and assign
       the returned value outside of it.
    """


class DeletedStateError(BrainStateError, RuntimeError):
    """A State's value was deleted, typically donated to a jitted computation.

    Usual causes:

    1. Passing ``state.value`` to a ``jax.jit`` function with ``donate_argnums`` and
       reading the State afterwards.
    2. Calling ``.delete()`` on the array held by the State.

    Fix: assign the donated computation's result back to the State before reading it.
    """


class EnvironError(BrainStateError, KeyError):
    """A required setting is missing from ``environ`` or has an invalid value.

    Usual causes:

    1. Reading ``environ.get_dt()`` before setting the time step: call
       ``bst.environ.set(dt=0.1)`` or use ``with bst.environ.context(dt=0.1): ...``.
    2. Setting ``precision`` to a value other than 64, 32, 16, 'bf16' or 8.
    """

    def __str__(self) -> str:  # KeyError quotes its message; we want it plain.
        return str(self.args[0]) if self.args else ""


class RandomKeyError(BrainStateError, ValueError):
    """A random key or seed has the wrong form.

    Usual causes:

    1. Passing a key of the wrong shape or dtype to ``RandomState`` or ``set_key``
       (expected a ``jax.random.key`` or a ``uint32[2]`` raw key).
    2. Seeding with a non-integer.
    """
