"""READY (stable API): kernel backends, their selection, and the per-primitive kernel registry.

Backends
    ``'numba'``  CPU: a numba kernel called through XLA's typed FFI (see ``numba_ffi``).
    ``'xla'``    any platform: the operator written with ``jax.numpy``/``lax`` (the fallback).
    ``'pallas'`` GPU: a Pallas kernel (Triton lowering); on CPU it runs in interpret mode
                 (slow, for tests only).
    ``'triton'`` CUDA GPU: a hand-written Triton kernel via jax-triton (the ``triton`` extra),
                 imported lazily.

Automatic choice, per platform: CPU -> ``'numba'`` if numba imports, else ``'xla'`` with a
one-time :class:`KernelFallbackWarning` naming ``pip install numba``; GPU -> ``'triton'`` when
jax-triton is installed and the operator has a Triton kernel, else ``'pallas'``; other
platforms -> ``'xla'``. An operator without a kernel for the automatic choice uses its
Pallas kernel on GPU, else its ``'xla'`` one.

Overrides, strongest first: the ``backend=`` keyword of an operator call; the innermost
``with use_backend(name):``; ``set_backend(name, platform=...)``; the automatic choice. The
choice is taken when the operator is *traced* (it becomes the primitive's ``backend``
parameter, visible in the jaxpr); the lowering for each platform then resolves it. A jitted
function already compiled keeps its kernels (JAX caches the trace): change the backend before
the first call, or use ``backend=``.

How an operator plugs in (for kernel authors in this package)::

    prim = jax.extend.core.Primitive("my_op")       # params include ``backend``
    prim.def_abstract_eval(...)                     # + JVP / transpose / batching rules
    register_kernel(prim, "xla", xla_impl)          # impl(*args, **params) -> outputs
    register_kernel(prim, "numba", numba_impl)      # may use numba_ffi.make_ffi_target
    register_kernel(prim, "pallas", pallas_impl)    # also gets interpret=<bool> keyword
    register_lowerings(prim)                        # once, after the kernels

    def my_op(x, *, backend=None):
        return prim.bind(x, backend=backend_param(backend), ...)

Each impl is traced with the primitive's parameters (minus ``backend``) and lowered with
``jax.interpreters.mlir.lower_fun``; ``register_lowerings`` installs one lowering rule per
platform (``cpu``, ``cuda``, ``rocm``, ``tpu``) that resolves the backend and inlines the
chosen impl. Kernels may be registered after ``register_lowerings``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib.util
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import jax
from jax.interpreters import mlir

from .errors import KernelBackendError, KernelFallbackWarning
from .numba_ffi import numba_available

__all__ = [
    "BACKENDS",
    "PLATFORMS",
    "set_backend",
    "get_backend",
    "use_backend",
    "backend_param",
    "register_kernel",
    "register_lowerings",
    "kernel_backends",
    "resolve_backend",
]

BACKENDS = ("numba", "xla", "pallas", "triton")
PLATFORMS = ("cpu", "gpu", "tpu")

# Where each backend can run (the user-facing platform names; 'gpu' = cuda and rocm).
_RUNS_ON = {
    "numba": ("cpu",),
    "xla": ("cpu", "gpu", "tpu"),
    "pallas": ("cpu", "gpu"),
    "triton": ("gpu",),
}
_LOWERING_PLATFORMS = {"cpu": "cpu", "cuda": "gpu", "rocm": "gpu", "tpu": "tpu"}

_global: dict[str, str] = {}
_global_lock = threading.Lock()
_context: contextvars.ContextVar[tuple[tuple[str, str], ...]] = contextvars.ContextVar(
    "brainstate_event_backend", default=()
)
_KERNELS: dict[Any, dict[str, Callable[..., Any]]] = {}
_warned_fallback = False


def _check_name(name: str) -> None:
    if name not in BACKENDS:
        raise KernelBackendError(
            f"unknown kernel backend {name!r}; expected one of {', '.join(map(repr, BACKENDS))}."
        )


def _check_platform(platform: str) -> str:
    platform = {"cuda": "gpu", "rocm": "gpu"}.get(platform, platform)
    if platform not in PLATFORMS:
        raise KernelBackendError(
            f"unknown platform {platform!r}; expected one of {', '.join(map(repr, PLATFORMS))}."
        )
    return platform


def _platforms_for(name: str, platform: str | None) -> tuple[str, ...]:
    _check_name(name)
    if platform is None:
        return _RUNS_ON[name]
    platform = _check_platform(platform)
    if platform not in _RUNS_ON[name]:
        raise KernelBackendError(
            f"kernel backend {name!r} cannot run on platform {platform!r}; it runs on "
            f"{', '.join(_RUNS_ON[name])}."
        )
    return (platform,)


def set_backend(name: str | None, platform: str | None = None) -> None:
    """Set the default kernel backend (for operators traced from now on).

    Args:
        name: ``'numba'``, ``'xla'``, ``'pallas'`` or ``'triton'``; ``None`` restores the
            automatic choice.
        platform: ``'cpu'``, ``'gpu'`` or ``'tpu'``; ``None`` means every platform the backend
            runs on (for ``name=None``: every platform).

    Raises:
        KernelBackendError: unknown name or platform, or a backend that cannot run there.

    Examples:
        >>> import brainstate_event as be
        >>> be.set_backend("xla", platform="cpu")
        >>> be.get_backend("cpu")
        'xla'
        >>> be.set_backend(None)
    """
    with _global_lock:
        if name is None:
            for p in PLATFORMS if platform is None else (_check_platform(platform),):
                _global.pop(p, None)
            return
        for p in _platforms_for(name, platform):
            _global[p] = name


def _auto(platform: str) -> str:
    if platform == "cpu":
        return "numba" if numba_available() else "xla"
    if platform == "gpu":
        return "triton" if importlib.util.find_spec("jax_triton") is not None else "pallas"
    return "xla"


def get_backend(platform: str = "cpu") -> str:
    """The backend that operators traced now would use on ``platform`` (before per-operator
    fallback): the innermost :func:`use_backend`, else :func:`set_backend`, else automatic.

    Examples:
        >>> import brainstate_event as be
        >>> with be.use_backend("xla"):
        ...     be.get_backend("cpu")
        'xla'
    """
    platform = _check_platform(platform)
    for p, name in _context.get():
        if p == platform:
            return name
    return _global.get(platform) or _auto(platform)


@contextlib.contextmanager
def use_backend(name: str, platform: str | None = None) -> Iterator[None]:
    """Context manager: operators traced inside use backend ``name`` (on ``platform``, or on
    every platform it runs on). Nests; thread- and task-local.

    Raises:
        KernelBackendError: unknown name or platform, or a backend that cannot run there.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import brainstate_event as be
        >>> with be.use_backend("xla"):
        ...     y = be.fixed_prob_matvec(jnp.ones(3, bool), jnp.zeros((3, 1), jnp.int32), 1.0,
        ...                             n_post=2)
        >>> y.tolist()
        [3.0, 0.0]
    """
    pairs = tuple((p, name) for p in _platforms_for(name, platform))
    token = _context.set(pairs + _context.get())
    try:
        yield
    finally:
        _context.reset(token)


def backend_param(backend: str | None = None) -> str | tuple[tuple[str, str], ...]:
    """The value of a primitive's ``backend`` parameter for a call traced now.

    ``backend`` (the operator's keyword) wins; else the active :func:`use_backend` and
    :func:`set_backend` choices, as a hashable tuple of ``(platform, name)`` pairs (empty:
    automatic everywhere).

    Raises:
        KernelBackendError: ``backend`` is not a known name.
    """
    if backend is not None:
        _check_name(backend)
        return backend
    pairs = dict(_global)
    for p, name in reversed(_context.get()):
        pairs[p] = name
    return tuple(sorted(pairs.items()))


def register_kernel(primitive: Any, backend: str, impl: Callable[..., Any]) -> None:
    """Register ``impl`` as ``primitive``'s kernel for ``backend``.

    ``impl(*args, **params)`` receives the primitive's operands and parameters (without
    ``backend``; Pallas impls also get ``interpret: bool``) and returns what the primitive
    returns, built from JAX operations (``jnp``, ``pallas_call``, ``ffi_call``, ...).
    """
    _check_name(backend)
    _KERNELS.setdefault(primitive, {})[backend] = impl


def kernel_backends(primitive: Any) -> tuple[str, ...]:
    """The backends ``primitive`` has kernels for, in :data:`BACKENDS` order."""
    have = _KERNELS.get(primitive, {})
    return tuple(b for b in BACKENDS if b in have)


def resolve_backend(primitive: Any, platform: str, param: Any = ()) -> str:
    """The backend whose kernel runs ``primitive`` on ``platform`` for parameter ``param``.

    Raises:
        KernelBackendError: an explicitly chosen backend that cannot run on ``platform`` or
            that ``primitive`` has no kernel for.
    """
    global _warned_fallback
    platform = _check_platform(platform)
    have = kernel_backends(primitive)
    if isinstance(param, str):
        chosen, explicit = param, True
    else:
        chosen = dict(param).get(platform)
        explicit = chosen is not None
        if chosen is None:
            chosen = _auto(platform)
    if explicit:
        if platform not in _RUNS_ON[chosen]:
            raise KernelBackendError(
                f"{primitive}: kernel backend {chosen!r} cannot run on platform {platform!r} "
                f"(it runs on {', '.join(_RUNS_ON[chosen])}); choose one of "
                f"{[b for b in have if platform in _RUNS_ON[b]]}."
            )
        if chosen == "numba" and not numba_available():
            raise KernelBackendError(
                f"{primitive}: kernel backend 'numba' needs numba: pip install numba."
            )
        if chosen not in have:
            raise KernelBackendError(f"{primitive} has no {chosen!r} kernel; it has {list(have)}.")
        return chosen
    if platform == "cpu" and chosen == "xla" and not _warned_fallback:
        _warned_fallback = True
        warnings.warn(
            "numba is not installed: brainstate_event runs its slower pure-XLA kernels on "
            "CPU. For the fast event-driven CPU kernels: pip install numba.",
            KernelFallbackWarning,
            stacklevel=2,
        )
    for fallback in (chosen, "pallas" if platform == "gpu" else "xla", "xla"):
        if fallback in have:
            return fallback
    raise KernelBackendError(f"{primitive} has no kernel for platform {platform!r}.")


def _lowering_rule(primitive: Any, platform: str):
    def rule(ctx, *args, backend, **params):
        name = resolve_backend(primitive, platform, backend)
        impl = _KERNELS[primitive][name]
        if name == "pallas":
            params["interpret"] = platform == "cpu"
        lowered = mlir.lower_fun(
            functools.partial(impl, **params), multiple_results=primitive.multiple_results
        )
        return lowered(ctx, *args)

    return rule


@functools.lru_cache(maxsize=512)
def _jitted_bind(primitive: Any, params: tuple[tuple[str, Any], ...]) -> Callable[..., Any]:
    return jax.jit(functools.partial(primitive.bind, **dict(params)))


def _eager_impl(primitive: Any, *args: Any, **params: Any) -> Any:
    return _jitted_bind(primitive, tuple(sorted(params.items())))(*args)


def register_lowerings(primitive: Any) -> None:
    """Install ``primitive``'s lowering on every platform (resolve the backend, inline its
    impl) and its eager implementation (one cached ``jax.jit`` per parameter set)."""
    primitive.def_impl(functools.partial(_eager_impl, primitive))
    for lowering_platform, platform in _LOWERING_PLATFORMS.items():
        mlir.register_lowering(
            primitive, _lowering_rule(primitive, platform), platform=lowering_platform
        )
