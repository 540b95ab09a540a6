"""Settings of a brainstate program: the time step, the computing mode, the precision ...

Settings live in two layers:

- **Global defaults**, set with :func:`set`. They are shared by every thread.
- **Contexts**, opened with ``with context(...)``. They override the globals inside the
  ``with`` block, nest, are restored when the block ends (also on an exception), and are
  private to the thread that opened them.

:func:`get` looks in the innermost context first, then in the globals, then falls back to
the default it was given.

Well-known keys:

- ``dt``: the numerical integration time step (:func:`get_dt`).
- ``t``: the current simulation time; ``i``: the current step index. Loops set them in a
  context for each step.
- ``fit``: whether the model is being fitted (trained).
- ``mode``: the computing mode, a :class:`~brainstate_core.mixin.Mode` (:func:`get_mode`);
  ``Mode()`` when unset.
- ``precision``: 64, 32, 16, ``'bf16'`` or 8 (:func:`get_precision`); derived from
  ``jax_enable_x64`` when unset (64 if it is on, else 32).
- ``platform`` and ``host_device_count``: process-wide device choices; only :func:`set`
  accepts them, before the first JAX computation.

Any other key can be used for a program's own settings.

Importing this module starts no JAX backend: nothing here creates an array.
"""

from __future__ import annotations

import builtins
import contextlib
import itertools
import operator
import os
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .errors import EnvironError
from .jax_compat import backends_initialized
from .missing import MISSING
from .mixin import Mode
from .state import _holds_tracer

__all__ = [
    "I",
    "T",
    "FIT",
    "JIT_ERROR_CHECK",
    "set",
    "get",
    "pop",
    "all",
    "context",
    "get_dt",
    "get_mode",
    "get_platform",
    "set_platform",
    "get_host_device_count",
    "set_host_device_count",
    "get_precision",
    "set_precision",
    "dftype",
    "ditype",
    "dutype",
    "dctype",
    "tolerance",
    "register_default_behavior",
]

# This module defines functions named ``set`` and ``all``; keep the builtins at hand.
_set = builtins.set

# -- constants ---------------------------------------------------------------------------

# The names of well-known settings, as brainstate 0.1 exported them (``environ.get(I)``).
I = "i"  # noqa: E741 - brainstate 0.1's name
"""The setting holding the index of the current step (set by loops such as ``for_loop``)."""
T = "t"
"""The setting holding the current simulation time."""
FIT = "fit"
"""The setting saying whether the model is being fitted (trained)."""
JIT_ERROR_CHECK = "jit_error_check"
"""The setting saying whether compiled code runs its optional checks (e.g. delay bounds)."""

_PRECISIONS: tuple[int | str, ...] = (64, 32, 16, "bf16", 8)

# precision -> (float, int, uint, complex)
_DTYPES: dict[int | str, tuple[Any, Any, Any, Any]] = {
    64: (jnp.float64, jnp.int64, jnp.uint64, jnp.complex128),
    32: (jnp.float32, jnp.int32, jnp.uint32, jnp.complex64),
    16: (jnp.float16, jnp.int16, jnp.uint16, jnp.complex64),
    "bf16": (jnp.bfloat16, jnp.int16, jnp.uint16, jnp.complex64),
    8: (jnp.float8_e5m2, jnp.int8, jnp.uint8, jnp.complex64),
}

# A few machine epsilons of each float type: loose enough for a handful of rounded ops.
_TOLERANCES: dict[int | str, float] = {
    64: 1e-12,
    32: 1e-5,
    16: 1e-2,
    "bf16": 1e-2,
    8: 2.5e-1,
}

# Platforms accepted by ``set(platform=...)`` and the backend name JAX reports for each.
_PLATFORMS: dict[str, str] = {
    "cpu": "cpu",
    "gpu": "gpu",
    "cuda": "gpu",
    "rocm": "gpu",
    "tpu": "tpu",
}

# Settings that configure the process once; a thread-local context cannot change them.
_PROCESS_WIDE = ("platform", "host_device_count")

_DESCRIPTIONS: dict[str, str] = {
    "dt": "the numerical integration time step",
    "t": "the current simulation time",
    "i": "the current step index",
    "fit": "whether the model is being fitted (trained)",
    "mode": "the computing mode",
    "precision": "the numerical precision",
    "platform": "the device platform",
    "host_device_count": "the number of host (CPU) devices",
}

_DEVICE_COUNT_FLAG = "--xla_force_host_platform_device_count"
_DEVICE_COUNT_RE = re.compile(re.escape(_DEVICE_COUNT_FLAG) + r"=(\S*)")

_DEFAULT_MODE = Mode()

# -- storage -----------------------------------------------------------------------------

_LOCK = threading.RLock()
_GLOBALS: dict[str, Any] = {}
_BEHAVIORS: dict[str, Callable[[Any], Any]] = {}


class _ContextFrames(threading.local):
    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        # dicts collecting the settings read while a transform traces (see `record_reads`)
        self.reads: list[dict[str, Any]] = []


_CONTEXTS = _ContextFrames()

# Renewed by every change of any setting (global or in any thread's context): a value
# computed from the settings stays valid while this and the computing thread are unchanged.
# `next` on a count is atomic, so concurrent changes never reuse an epoch.
_EPOCHS = itertools.count(1)
_EPOCH = [0]


def _bump_epoch() -> None:
    _EPOCH[0] = next(_EPOCHS)


# -- helpers -----------------------------------------------------------------------------


def _read_config(name: str) -> Any:
    """The value of a JAX config option as seen by this thread (thread-local overrides too)."""
    return getattr(jax.config, name)


def _builtin_default(key: str) -> Any:
    if key == "precision":
        return 64 if _read_config("jax_enable_x64") else 32
    if key == "mode":
        return _DEFAULT_MODE
    if key == "platform":  # as brainstate 0.1: JAX's platform when none was chosen
        return jax.default_backend()
    return MISSING


def _normalize_precision(precision: Any) -> int | str:
    if isinstance(precision, str):
        if precision in ("bf16", "bfloat16"):
            return "bf16"
        if precision.isdigit() and int(precision) in _PRECISIONS:
            return int(precision)
    elif isinstance(precision, (int, np.integer)) and not isinstance(precision, bool):
        if int(precision) in _PRECISIONS:
            return int(precision)
    raise EnvironError(
        f"Setting 'precision' must be one of 64, 32, 16, 'bf16' or 8, but got {precision!r} "
        f"of type {type(precision).__name__}. Use e.g. `bst.environ.set(precision=32)`."
    )


def _check_mode(mode: Any) -> Mode:
    if not isinstance(mode, Mode):
        hint = (
            f" Did you mean `{mode.__name__}()`?"
            if isinstance(mode, type) and issubclass(mode, Mode)
            else ""
        )
        raise EnvironError(
            f"Setting 'mode' must be a Mode instance such as `bst.mixin.Training()` or "
            f"`bst.mixin.Batching(batch_size=8)`, but got {mode!r} of type "
            f"{type(mode).__name__}.{hint}"
        )
    return mode


def _normalize_platform(platform: Any) -> str:
    if not isinstance(platform, str) or platform.lower() not in _PLATFORMS:
        raise EnvironError(
            f"Setting 'platform' must be one of {', '.join(map(repr, _PLATFORMS))}, but got "
            f"{platform!r}. Use e.g. `bst.environ.set(platform='cpu')`."
        )
    return platform.lower()


def _normalize_device_count(count: Any) -> int:
    try:
        if isinstance(count, bool):
            raise TypeError
        n = operator.index(count)
    except TypeError:
        n = None
    if n is None or n < 1:
        raise EnvironError(
            f"Setting 'host_device_count' must be a positive integer, but got {count!r}. "
            "Use e.g. `bst.environ.set_host_device_count(4)`."
        )
    return n


_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "precision": _normalize_precision,
    "mode": _check_mode,
    "platform": _normalize_platform,
    "host_device_count": _normalize_device_count,
}


def _validate(key: str, value: Any) -> Any:
    validator = _VALIDATORS.get(key)
    return value if validator is None else validator(value)


def _check_platform_can_change(platform: str) -> None:
    if not backends_initialized():
        return
    current = jax.default_backend()
    if _PLATFORMS[platform] != current:
        raise EnvironError(
            f"Setting 'platform' to {platform!r} cannot take effect: JAX has already started "
            f"its backend on {current!r}. The platform must be chosen before the first JAX "
            f"computation: call `bst.environ.set(platform={platform!r})` at the top of the "
            "program (or set the JAX_PLATFORMS environment variable) and restart the "
            "interpreter."
        )


def _current_cpu_device_count() -> int | None:
    try:
        return len(jax.devices("cpu"))
    except RuntimeError:  # pragma: no cover - no CPU backend in this process
        return None


def _check_device_count_can_change(count: int) -> None:
    if not backends_initialized():
        return
    current = _current_cpu_device_count()
    if current != count:
        started = "without a CPU backend" if current is None else f"with {current} CPU device(s)"
        raise EnvironError(
            f"Setting 'host_device_count' to {count} cannot take effect: JAX has already "
            f"started its backend {started}. Call "
            f"`bst.environ.set_host_device_count({count})` before the first JAX computation "
            "(at the top of the program) and restart the interpreter."
        )


def _apply_platform(platform: str) -> None:
    if not backends_initialized():
        jax.config.update("jax_platforms", platform)


def _apply_device_count(count: int) -> None:
    flags = _DEVICE_COUNT_RE.sub("", os.environ.get("XLA_FLAGS", "")).split()
    flags.append(f"{_DEVICE_COUNT_FLAG}={count}")
    os.environ["XLA_FLAGS"] = " ".join(flags)
    # An explicit ``jax_num_cpu_devices`` would win over the flag; keep the two in step.
    if not backends_initialized() and _read_config("jax_num_cpu_devices") >= 0:
        jax.config.update("jax_num_cpu_devices", count)


def _missing_message(key: str, desc: str | None) -> str:
    what = desc if desc is not None else _DESCRIPTIONS.get(key)
    named = f"{key!r} ({what})" if what else repr(key)
    return (
        f"Setting {named} is not set: no enclosing `bst.environ.context` and no global "
        f"value provides it. Set it globally with `bst.environ.set({key}=...)`, for a block "
        f"with `with bst.environ.context({key}=...): ...`, or pass a fallback with "
        f"`bst.environ.get({key!r}, default=...)`."
    )


# -- the public API ----------------------------------------------------------------------


def set(
    platform: str | None = None,
    host_device_count: int | None = None,
    mode: Mode | None = None,
    precision: int | str | None = None,
    dt: Any = None,
    **kwargs: Any,
) -> None:
    """Set global default settings, shared by all threads.

    A named argument left at ``None`` is not changed; to remove a setting use :func:`pop`.
    Every value is checked before any is applied, so an invalid call changes nothing.
    After the values are stored, the behaviours registered with
    :func:`register_default_behavior` for the keys that were set are called.

    Args:
        platform: ``'cpu'``, ``'gpu'``, ``'tpu'`` (or ``'cuda'``/``'rocm'``). Sets
            ``jax_platforms``. It must be chosen before the first JAX computation; once the
            backend has started, choosing another platform raises :class:`EnvironError`
            (choosing the one in use is accepted).
        host_device_count: The number of CPU devices to simulate, written to ``XLA_FLAGS``
            (see :func:`set_host_device_count`).
        mode: The computing mode, a :class:`~brainstate_core.mixin.Mode` instance.
        precision: 64, 32, 16, ``'bf16'`` or 8. 64 turns ``jax_enable_x64`` on, the others
            turn it off (see :func:`set_precision`).
        dt: The numerical integration time step.
        **kwargs: Any other settings, stored as given (``None`` included).

    Raises:
        EnvironError: If a value is invalid, or if ``platform``/``host_device_count`` can no
            longer take effect because the JAX backend has started.

    Examples:
        >>> from brainstate_core import environ
        >>> environ.set(my_setting='fast')
        >>> environ.get('my_setting')
        'fast'
        >>> environ.pop('my_setting')
        'fast'
    """
    updates: dict[str, Any] = {}
    if platform is not None:
        updates["platform"] = platform
    if host_device_count is not None:
        updates["host_device_count"] = host_device_count
    if mode is not None:
        updates["mode"] = mode
    if precision is not None:
        updates["precision"] = precision
    if dt is not None:
        updates["dt"] = dt
    updates.update(kwargs)
    values = {key: _validate(key, value) for key, value in updates.items()}

    with _LOCK:
        if "platform" in values:
            _check_platform_can_change(values["platform"])
        if "host_device_count" in values:
            _check_device_count_can_change(values["host_device_count"])
        if "platform" in values:
            _apply_platform(values["platform"])
        if "host_device_count" in values:
            _apply_device_count(values["host_device_count"])
        if "precision" in values:
            jax.config.update("jax_enable_x64", values["precision"] == 64)
        _GLOBALS.update(values)
        _bump_epoch()
        callbacks = [(_BEHAVIORS[k], v) for k, v in values.items() if k in _BEHAVIORS]
    for behavior, value in callbacks:
        behavior(value)


def get(key: str, default: Any = MISSING, desc: str | None = None) -> Any:
    """Read a setting: the innermost context first, then the global default.

    ``precision`` and ``mode`` always have a value (see the module docs), so ``default`` is
    never used for them.

    Args:
        key: The name of the setting.
        default: Returned when no context and no global value provides ``key``.
        desc: What the setting means; used in the error message when it is missing.

    Returns:
        The current value of the setting.

    Raises:
        EnvironError: If the setting is missing and no ``default`` was given.

    Examples:
        >>> from brainstate_core import environ
        >>> with environ.context(dt=0.1):
        ...     environ.get('dt')
        0.1
        >>> environ.get('no_such_setting', default=3)
        3
    """
    value = _lookup(key, default, desc)
    if _CONTEXTS.reads:  # a transform is tracing: it keys its compiled program on what was read
        _collect_read(key, value)
    return value


def _collect_read(key: str, value: Any) -> None:
    for collected in _CONTEXTS.reads:
        # a concrete read wins over a traced one: the program bakes the constant in
        if key not in collected or (_holds_tracer(collected[key]) and not _holds_tracer(value)):
            collected[key] = value


def _lookup(key: str, default: Any, desc: str | None) -> Any:
    for frame in reversed(_CONTEXTS.frames):
        if key in frame:
            return frame[key]
    value = _GLOBALS.get(key, MISSING)
    if value is not MISSING:
        return value
    value = _builtin_default(key)
    if value is not MISSING:
        return value
    if default is not MISSING:
        return default
    raise EnvironError(_missing_message(key, desc))


def pop(key: str, default: Any = MISSING) -> Any:
    """Remove the global value of ``key`` and return it.

    Only the global layer is touched: values of enclosing contexts stay until their
    ``with`` block ends. Removing a setting runs no behaviour and undoes no side effect
    (``precision`` keeps ``jax_enable_x64`` as it is; ``platform`` stays chosen).

    Args:
        key: The name of the setting.
        default: Returned when ``key`` has no global value.

    Raises:
        EnvironError: If ``key`` has no global value and no ``default`` was given.

    Examples:
        >>> from brainstate_core import environ
        >>> environ.set(temp_setting=1)
        >>> environ.pop('temp_setting')
        1
        >>> environ.pop('temp_setting', default=None) is None
        True
    """
    with _LOCK:
        if key in _GLOBALS:
            _bump_epoch()
            return _GLOBALS.pop(key)
    if default is not MISSING:
        return default
    raise EnvironError(
        f"Cannot pop setting {key!r}: it has no global value (values set with "
        "`bst.environ.context` end with their `with` block). Pass a fallback with "
        f"`bst.environ.pop({key!r}, default=None)` if it may be absent."
    )


def all() -> dict[str, Any]:
    """Every current setting: the global ones, overridden by the enclosing contexts.

    Always contains ``precision`` and ``mode``.

    Examples:
        >>> from brainstate_core import environ
        >>> with environ.context(dt=0.5):
        ...     settings = environ.all()
        >>> settings['dt']
        0.5
    """
    result = {"precision": _builtin_default("precision"), "mode": _DEFAULT_MODE}
    with _LOCK:
        result.update(_GLOBALS)
    for frame in _CONTEXTS.frames:
        result.update(frame)
    return result


@contextlib.contextmanager
def context(**kwargs: Any) -> Iterator[dict[str, Any]]:
    """Override settings inside a ``with`` block, in the current thread only.

    Contexts nest (the innermost wins) and are undone when the block ends, also when it
    ends with an exception. Other threads do not see them. ``precision`` also switches
    ``jax_enable_x64`` for the block (thread-locally, via ``jax.enable_x64``).
    ``platform`` and ``host_device_count`` configure the whole process once and are
    refused here; use :func:`set`. Behaviours registered with
    :func:`register_default_behavior` are not run: they mirror the global values.

    Args:
        **kwargs: The settings to override.

    Yields:
        A snapshot of :func:`all` settings inside the block.

    Raises:
        EnvironError: If a value is invalid or a process-wide setting is given.

    Examples:
        >>> from brainstate_core import environ
        >>> with environ.context(dt=0.1):
        ...     with environ.context(dt=0.01):
        ...         inner = environ.get_dt()
        ...     outer = environ.get_dt()
        >>> inner, outer
        (0.01, 0.1)
    """
    for key in _PROCESS_WIDE:
        if key in kwargs:
            raise EnvironError(
                f"Setting {key!r} configures the whole process and cannot be changed in a "
                f"`bst.environ.context`. Call `bst.environ.set({key}=...)` once, before the "
                "first JAX computation."
            )
    frame = {key: _validate(key, value) for key, value in kwargs.items()}
    with contextlib.ExitStack() as stack:
        if "precision" in frame:
            stack.enter_context(jax.enable_x64(frame["precision"] == 64))
        frames = _CONTEXTS.frames
        frames.append(frame)
        _bump_epoch()
        try:
            yield all()
        finally:
            for index in range(len(frames) - 1, -1, -1):
                if frames[index] is frame:
                    del frames[index]
                    break
            _bump_epoch()


def get_dt() -> Any:
    """The numerical integration time step, setting ``dt``.

    Raises:
        EnvironError: If ``dt`` is not set.

    Examples:
        >>> from brainstate_core import environ
        >>> with environ.context(dt=0.05):
        ...     environ.get_dt()
        0.05
    """
    return get("dt")


def get_mode() -> Mode:
    """The computing mode, setting ``mode`` (``Mode()`` when unset).

    Examples:
        >>> from brainstate_core import environ, mixin
        >>> with environ.context(mode=mixin.Training()):
        ...     environ.get_mode().has(mixin.Training)
        True
    """
    return get("mode")


def get_platform() -> str:
    """The device platform: the one chosen with :func:`set_platform`, else JAX's default.

    Without an explicit choice this asks ``jax.default_backend()``, which starts the JAX
    backend (after which the platform can no longer change).

    Examples:
        >>> from brainstate_core import environ
        >>> environ.get_platform() in ('cpu', 'gpu', 'tpu', 'cuda', 'rocm')
        True
    """
    return get("platform")


def set_platform(platform: str) -> None:
    """Choose the device platform; the same as ``set(platform=platform)``.

    Call it before the first JAX computation (the top of the program is the safe place):
    JAX fixes the platform when its backend starts. Choosing a different platform later
    raises :class:`EnvironError`.

    Args:
        platform: ``'cpu'``, ``'gpu'``, ``'tpu'``, ``'cuda'`` or ``'rocm'``.

    Examples:
        >>> from brainstate_core import environ
        >>> environ.set_platform(environ.get_platform())  # the one in use: accepted
    """
    set(platform=platform)


def get_host_device_count() -> int:
    """The number of host (CPU) devices requested in ``XLA_FLAGS`` (1 if none).

    Examples:
        >>> from brainstate_core import environ
        >>> environ.get_host_device_count() >= 1
        True
    """
    configured = _read_config("jax_num_cpu_devices")
    if configured >= 0:
        return configured
    # XLA honours the last occurrence of a repeated flag.
    values = _DEVICE_COUNT_RE.findall(os.environ.get("XLA_FLAGS", ""))
    if not values or not values[-1].isdigit():
        return 1
    return int(values[-1])


def set_host_device_count(n: int) -> None:
    """Simulate ``n`` CPU devices; the same as ``set(host_device_count=n)``.

    Writes ``--xla_force_host_platform_device_count=n`` into the ``XLA_FLAGS`` environment
    variable, replacing an existing value of that flag and keeping the other flags. XLA
    reads it when the JAX backend starts, so call this before the first JAX computation;
    asking for a different count afterwards raises :class:`EnvironError`.

    Args:
        n: A positive number of devices.

    Examples:
        >>> from brainstate_core import environ
        >>> n = environ.get_host_device_count()
        >>> environ.set_host_device_count(n)  # unchanged: accepted at any time
    """
    set(host_device_count=n)


def get_precision() -> int:
    """The numerical precision in bits: 64, 32, 16 or 8.

    When unset, 64 if ``jax_enable_x64`` is on, else 32. As in brainstate 0.1 this is always
    an int: bfloat16 precision (``'bf16'``) gives 16, like float16; ``get('precision')``
    tells the two apart.

    Examples:
        >>> from brainstate_core import environ
        >>> with environ.context(precision=16):
        ...     environ.get_precision()
        16
        >>> with environ.context(precision='bf16'):
        ...     environ.get_precision(), environ.get('precision')
        (16, 'bf16')
    """
    precision = get("precision")
    return 16 if precision == "bf16" else precision


def set_precision(precision: int | str) -> None:
    """Set the global precision; the same as ``set(precision=precision)``.

    64 turns ``jax_enable_x64`` on (arrays default to 64-bit); 32, 16, ``'bf16'`` and 8 turn
    it off. The precision also selects the dtypes returned by :func:`dftype`,
    :func:`ditype`, :func:`dutype` and :func:`dctype`. To change it for a block only, use
    ``with context(precision=...)``.

    Args:
        precision: 64, 32, 16, ``'bf16'`` or 8.

    Raises:
        EnvironError: If ``precision`` is not one of those.

    Examples:
        >>> from brainstate_core import environ
        >>> old = environ.get_precision()
        >>> environ.set_precision(32)
        >>> environ.dftype()
        <class 'jax.numpy.float32'>
        >>> environ.set_precision(old)
    """
    set(precision=precision)


def _dtypes() -> tuple[Any, Any, Any, Any]:
    return _DTYPES[get("precision")]


def dftype() -> Any:
    """The default float dtype of the current precision.

    64: ``float64``; 32: ``float32``; 16: ``float16``; ``'bf16'``: ``bfloat16``;
    8: ``float8_e5m2`` (5 exponent bits, the range of ``float16``).

    Examples:
        >>> import jax.numpy as jnp
        >>> from brainstate_core import environ
        >>> with environ.context(precision='bf16'):
        ...     jnp.zeros(2, dtype=environ.dftype()).dtype
        dtype(bfloat16)
    """
    return _dtypes()[0]


def ditype() -> Any:
    """The default signed integer dtype of the current precision.

    64: ``int64``; 32: ``int32``; 16 and ``'bf16'``: ``int16``; 8: ``int8``.

    Examples:
        >>> from brainstate_core import environ
        >>> with environ.context(precision=16):
        ...     environ.ditype()
        <class 'jax.numpy.int16'>
    """
    return _dtypes()[1]


def dutype() -> Any:
    """The default unsigned integer dtype of the current precision.

    64: ``uint64``; 32: ``uint32``; 16 and ``'bf16'``: ``uint16``; 8: ``uint8``.

    Examples:
        >>> from brainstate_core import environ
        >>> with environ.context(precision=8):
        ...     environ.dutype()
        <class 'jax.numpy.uint8'>
    """
    return _dtypes()[2]


def dctype() -> Any:
    """The default complex dtype of the current precision.

    64: ``complex128``; every other precision: ``complex64`` (there is no smaller complex
    type).

    Examples:
        >>> from brainstate_core import environ
        >>> with environ.context(precision=32):
        ...     environ.dctype()
        <class 'jax.numpy.complex64'>
    """
    return _dtypes()[3]


def tolerance() -> float:
    """A comparison tolerance suited to the current float dtype, as a Python float.

    64: ``1e-12``; 32: ``1e-5``; 16 and ``'bf16'``: ``1e-2``; 8: ``0.25``.

    Examples:
        >>> from brainstate_core import environ
        >>> with environ.context(precision=32):
        ...     environ.tolerance()
        1e-05
    """
    return _TOLERANCES[get("precision")]


def register_default_behavior(
    key: str,
    behavior: Callable[[Any], Any],
    replace_if_exist: bool = False,
) -> None:
    """Run ``behavior(value)`` whenever the global value of ``key`` is set with :func:`set`.

    Use it to apply a side effect that a setting implies (configure a library, clear a
    cache). It is not called on registration, by :func:`pop`, nor by contexts (a
    context is thread-local; a side effect would reach every thread).

    Args:
        key: The name of the setting.
        behavior: A callable taking the new (validated) value.
        replace_if_exist: Replace a behaviour already registered for ``key`` instead of
            raising.

    Raises:
        TypeError: If ``key`` is not a string or ``behavior`` is not callable.
        EnvironError: If ``key`` already has a behaviour and ``replace_if_exist`` is false.

    Examples:
        >>> from brainstate_core import environ
        >>> seen = []
        >>> environ.register_default_behavior('log_level', seen.append, True)
        >>> environ.set(log_level='debug')
        >>> seen
        ['debug']
        >>> environ.pop('log_level')
        'debug'
    """
    if not isinstance(key, str):
        raise TypeError(
            f"register_default_behavior() expects the setting name as a string, but got "
            f"{key!r} of type {type(key).__name__}."
        )
    if not callable(behavior):
        raise TypeError(
            f"register_default_behavior({key!r}, ...) expects a callable taking the new "
            f"value, but got {behavior!r} of type {type(behavior).__name__}."
        )
    with _LOCK:
        if key in _BEHAVIORS and not replace_if_exist:
            raise EnvironError(
                f"Setting {key!r} already has a default behaviour ({_BEHAVIORS[key]!r}). "
                f"Pass `replace_if_exist=True` to replace it."
            )
        _BEHAVIORS[key] = behavior
