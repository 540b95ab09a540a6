"""``jit_error_if``: raise a formatted error from inside compiled code."""

from __future__ import annotations

import logging
import re
import string
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


class _Probe:
    """Stands in for every value when a message's placeholders are checked at trace time
    (the values themselves may be tracers, which cannot be formatted as numbers)."""

    def __format__(self, spec: str) -> str:
        return ""

    def __index__(self) -> int:
        return 0

    def __float__(self) -> float:
        return 0.0

    def __getattr__(self, name: str) -> _Probe:
        return self

    def __getitem__(self, key: Any) -> _Probe:
        return self


def _uses_format_positionals(message: str) -> bool:
    """Whether ``message`` has ``str.format`` fields for positional values (``{}``, ``{0}``)."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(message) if f is not None]
    except ValueError:  # unbalanced braces: not a str.format message
        return False
    return any(re.match(r"^(\d+)?(?:[.\[]|$)", f) is not None for f in fields)


def _format(message: str, args: tuple, kwargs: dict) -> str:
    """The message with the values put in.

    Positional values fill ``str.format`` fields (``{}``/``{0}``) when the message has any,
    else printf-style ``%`` conversions (as brainstate 0.1 did); keyword values fill named
    ``str.format`` fields (``{name}``).
    """
    if not args and not kwargs:
        return message
    if not args or _uses_format_positionals(message):
        return message.format(*args, **kwargs)
    text = message % tuple(args)
    return text.format(**kwargs) if kwargs else text


def _check_message(message: str, args: tuple, kwargs: dict) -> None:
    """Fail at once (not from the compiled program) when the values do not fit the message."""
    try:
        _format(message, tuple(_Probe() for _ in args), {k: _Probe() for k in kwargs})
    except (TypeError, ValueError, KeyError, IndexError) as e:
        names = ", ".join(kwargs) or "none"
        raise TypeError(
            f"jit_error_if: the message {message!r} does not fit the values given "
            f"({len(args)} positional, keywords: {names}): {e}. Put the positional values "
            "in '{}' fields (str.format) or '%s' conversions (printf-style, as brainstate "
            "0.1), one per value, and the keyword values in '{name}' fields."
        ) from None


def _raise_if(
    message: str | Callable[..., str], pred: Any, args: tuple, kwargs: dict[str, Any]
) -> None:
    if not np.any(pred):
        return
    text = message(*args, **kwargs) if callable(message) else _format(message, args, kwargs)
    err = JitError(text)
    set_pending_error(err)
    raise err


def jit_error_if(
    pred: Any, error: str | Callable[..., str], *err_args: Any, **err_kwargs: Any
) -> None:
    """Raise :class:`JitError` when ``pred`` is true, also inside compiled code.

    Outside any transformation the check runs at once. Inside ``jit``/loops it becomes a
    host callback that runs only when ``pred`` is true; under ``vmap`` it raises when any
    lane's ``pred`` is true.

    Args:
        pred: A boolean scalar (or array: any true element triggers the error).
        error: The message, or a callable ``error(*err_args, **err_kwargs)`` returning it
            (a callable may also raise its own exception, as in brainstate 0.1). Positional
            values fill the message's ``str.format`` fields ``{}``/``{0}`` when it has any,
            else its printf-style conversions (``"bad %s" % value``, brainstate 0.1's way);
            keyword values fill named fields (``"bad {s}"`` with ``s=value``).
        *err_args: Values to format into the message (arrays are passed to the host).
        **err_kwargs: Values for the message's named ``{name}`` fields.

    Raises:
        JitError: when ``pred`` is true (from compiled code, when the program runs).
        TypeError: at once, when the values do not fit the message's placeholders.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> @jax.jit
        ... def safe_log(x):
        ...     bc.jit_error_if(x <= 0, "log of non-positive value {}", x)
        ...     bc.jit_error_if(jnp.isnan(x), "log of {v}", v=x)
        ...     return jnp.log(x)
        >>> float(safe_log(1.0))
        0.0
        >>> try:
        ...     bc.jit_error_if(True, "bad value %s", 7.0)
        ... except bc.JitError as e:
        ...     print(e)
        bad value 7.0
    """
    if not callable(error):
        if not isinstance(error, str):
            raise TypeError(
                f"jit_error_if: error must be a message (str) or a callable, got "
                f"{type(error).__name__}."
            )
        _check_message(error, err_args, err_kwargs)
    leaves = jax.tree.leaves((err_args, err_kwargs))
    if not is_tracer(pred) and not any(is_tracer(a) for a in leaves):
        _raise_if(error, np.asarray(pred), err_args, err_kwargs)
        return
    pred = jnp.asarray(pred)
    any_pred = jnp.any(pred)

    def _report() -> None:
        jax.debug.callback(
            lambda p, a, k: _raise_if(error, p, a, k), pred, err_args, err_kwargs, ordered=False
        )

    lax.cond(any_pred, _report, lambda: None)
