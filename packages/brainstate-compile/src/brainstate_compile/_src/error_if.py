"""``jit_error_if``: raise a formatted error from inside compiled code."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from brainstate_core.extend import is_tracer

from .errors import JitError, set_pending_error

__all__ = ["jit_error_if"]


class _QuietJitErrors(logging.Filter):
    """JAX logs every exception a host callback raises, with its traceback, before passing
    it on; a :class:`JitError` is the intended outcome and is reported once, by the raise."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, JitError)


logging.getLogger("jax._src.debugging").addFilter(_QuietJitErrors())


def _raise_if(message: str | Callable[..., str], pred: Any, *args: Any) -> None:
    if not np.any(pred):
        return
    text = message(*args) if callable(message) else message.format(*args)
    err = JitError(text)
    set_pending_error(err)
    raise err


def jit_error_if(pred: Any, error: str | Callable[..., str], *err_args: Any) -> None:
    """Raise :class:`JitError` when ``pred`` is true, also inside compiled code.

    Outside any transformation the check runs at once. Inside ``jit``/loops it becomes a
    host callback that runs only when ``pred`` is true; under ``vmap`` it raises when any
    lane's ``pred`` is true.

    Args:
        pred: A boolean scalar (or array: any true element triggers the error).
        error: A message with ``str.format`` placeholders for ``err_args``, or a callable
            ``error(*err_args) -> str``.
        *err_args: Values to format into the message (arrays are passed to the host).

    Raises:
        JitError: when ``pred`` is true (from compiled code, when the program runs).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> @jax.jit
        ... def safe_log(x):
        ...     bc.jit_error_if(x <= 0, "log of non-positive value {}", x)
        ...     return jnp.log(x)
        >>> float(safe_log(1.0))
        0.0
    """
    if not is_tracer(pred) and not any(is_tracer(a) for a in jax.tree.leaves(err_args)):
        _raise_if(error, np.asarray(pred), *err_args)
        return
    pred = jnp.asarray(pred)
    any_pred = jnp.any(pred)

    def _report() -> None:
        jax.debug.callback(lambda p, *a: _raise_if(error, p, *a), pred, *err_args, ordered=False)

    lax.cond(any_pred, _report, lambda: None)
