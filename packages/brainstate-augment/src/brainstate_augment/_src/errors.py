"""The error classes of brainstate-augment; all derive from ``BrainStateError``."""

from __future__ import annotations

from brainstate_core import BrainStateError

__all__ = ["BatchAxisError", "GradStateError"]


class BatchAxisError(BrainStateError, ValueError):
    """A State's batch axis under ``vmap``/``pmap``/``map`` is missing, wrong or ambiguous.

    Usual causes:

    1. A function under ``vmap`` wrote a value that differs across the mapped axis (a
       *batched* value) into a State that was not declared in ``out_states``: the State
       holds one value, so brainstate cannot know where the batch axis should go.
       Fix: declare it, e.g. ``vmap(f, out_states={0: state})`` (it is then written back
       with a leading batch axis), or write a value that is the same for every lane (e.g.
       reduce it with ``.mean(0)``/``jax.lax.pmean`` first).
    2. ``in_states`` and ``out_states`` give one State different axes.
    3. ``in_states``/``out_states`` hold objects that are not States, or ``axis_size`` is
       not a positive integer.

    Every State keeps the value it had before the call.
    """


class GradStateError(BrainStateError, ValueError):
    """The ``grad_states`` or ``argnums`` of a gradient transform are not usable.

    Usual causes: an array instead of a State in ``grad_states`` (pass the State, e.g.
    ``model.states(ParamState)``), a State listed twice, or an ``argnums`` beyond the
    function's positional arguments. Every State keeps the value it had before the call.
    """
