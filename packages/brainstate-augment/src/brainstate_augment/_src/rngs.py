"""``restore_rngs``: run a function, then put random generators' keys back."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from brainstate_core.random import DEFAULT, RandomState

__all__ = ["restore_rngs"]


def _as_rngs(rngs: Any) -> list[RandomState]:
    items = [rngs] if isinstance(rngs, RandomState) else rngs
    if not isinstance(items, Sequence):
        raise TypeError(
            f"restore_rngs: rngs must be a RandomState or a sequence of them, got "
            f"{type(rngs).__name__}."
        )
    items = list(items)
    for r in items:
        if not isinstance(r, RandomState):
            raise TypeError(
                f"restore_rngs: rngs must be a RandomState or a sequence of them, but it "
                f"contains {type(r).__name__} {r!r}."
            )
    return items


def restore_rngs(
    fn: Callable[..., Any] | None = None,
    rngs: RandomState | Sequence[RandomState] | None = None,
) -> Any:
    """Decorate ``fn`` so that the keys of ``rngs`` are the same after a call as before.

    Useful around code that draws random numbers but must not advance the generators
    (e.g. an initialisation that should be repeatable). The keys are put back also when
    ``fn`` raises.

    Args:
        fn: The function (omit it to get a decorator).
        rngs: A RandomState or a sequence of them (default ``None``: the global
            ``brainstate_core.random.DEFAULT``).

    Returns:
        The wrapped function (or a decorator, when ``fn`` is omitted).

    Raises:
        TypeError: ``rngs`` holds something that is not a RandomState.

    Examples:
        >>> import brainstate_augment as ba
        >>> import brainstate_core as bsc
        >>> rng = bsc.random.RandomState(0)
        >>> @ba.restore_rngs(rngs=rng)
        ... def draw():
        ...     return rng.random()
        >>> float(draw()) == float(draw())
        True
        >>> rng.get_key().tolist()
        [0, 0]
    """
    items = _as_rngs(DEFAULT if rngs is None else rngs)
    if fn is None:
        return functools.partial(restore_rngs, rngs=items)
    if not callable(fn):
        raise TypeError(f"restore_rngs: expected a function, got {type(fn).__name__}.")

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        keys = [r.value for r in items]
        try:
            return fn(*args, **kwargs)
        finally:
            for r, k in zip(items, keys):
                r.value = k

    return wrapper
