"""Which settings a traced function read, and a hashable key of their current values.

A compiled program bakes in the settings its function read while being traced (``dt``,
``fit``, ``precision`` ...). Transforms that cache programs (``bst.compile.jit``) record
those reads with :func:`record_environ_reads` and key their cache on
:func:`environ_fingerprint` of the same settings, so a program traced under ``fit=True`` is
never served under ``fit=False``. Settings read as tracers (``i`` and ``t`` inside a
compiled loop) are inputs of the program, not constants, and are not keyed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import jax
import numpy as np

from . import environ
from .jax_compat import is_tracer
from .state import _holds_tracer

__all__ = [
    "record_environ_reads",
    "report_environ_reads",
    "environ_fingerprint",
    "environ_epoch",
    "baked_keys",
    "ByIdentity",
]


@contextlib.contextmanager
def record_environ_reads() -> Iterator[dict[str, Any]]:
    """Collect, in this thread, the value read of each setting inside the block (the first
    concrete one, else the first traced one).

    Examples:
        >>> from brainstate_core import environ
        >>> from brainstate_core.extend import record_environ_reads
        >>> with environ.context(dt=0.1), record_environ_reads() as reads:
        ...     _ = environ.get_dt()
        >>> reads
        {'dt': 0.1}
    """
    collected: dict[str, Any] = {}
    stack = environ._CONTEXTS.reads
    stack.append(collected)
    try:
        yield collected
    finally:
        for index in range(len(stack) - 1, -1, -1):
            if stack[index] is collected:
                del stack[index]
                break


def report_environ_reads(reads: dict[str, Any]) -> None:
    """Report ``reads`` to the active collectors as if the settings were read again now.

    For a transform that replays a recorded trace instead of running the user's code: the
    transforms around it must still learn which settings the program depends on.

    Examples:
        >>> from brainstate_core.extend import record_environ_reads, report_environ_reads
        >>> with record_environ_reads() as reads:
        ...     report_environ_reads({"dt": 0.1})
        >>> reads
        {'dt': 0.1}
    """
    if environ._CONTEXTS.reads:
        for key, value in reads.items():
            environ._collect_read(key, value)


def baked_keys(reads: dict[str, Any]) -> list[str]:
    """The settings of ``reads`` whose values a trace baked in (all but tracers)."""
    return [key for key, value in reads.items() if not _holds_tracer(value)]


def environ_epoch() -> tuple[int, int]:
    """A token that changes whenever any setting may have changed for this thread."""
    return environ._EPOCH[0], threading.get_ident()


def environ_fingerprint(keys: Iterable[str]) -> tuple[Any, ...]:
    """A hashable key of the current values of the settings ``keys``.

    Hashable values key by type and value (``1`` and ``1.0`` differ: they trace into
    different dtypes); arrays and quantities by structure, dtype, shape and contents.
    """
    return tuple((key, _fingerprint(environ._lookup(key, _ABSENT, None))) for key in keys)


class _Absent:
    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "<absent>"


_ABSENT = _Absent()


def _fingerprint(value: Any) -> Any:
    if value is _ABSENT:
        return value
    try:
        hash(value)
    except TypeError:
        pass
    else:
        if not isinstance(value, (jax.Array, np.ndarray)):
            return (type(value), value)
    leaves, treedef = jax.tree.flatten(value)
    return (treedef, tuple(_leaf_fingerprint(leaf) for leaf in leaves))


def _leaf_fingerprint(leaf: Any) -> Any:
    if is_tracer(leaf):
        return ("traced",)
    if isinstance(leaf, (jax.Array, np.ndarray, np.generic)):
        array = np.asarray(leaf)
        return (array.dtype.str, array.shape, array.tobytes())
    try:
        hash(leaf)
    except TypeError:  # an opaque object: only the very same object is the same value
        return ByIdentity(leaf)
    return (type(leaf), leaf)


class ByIdentity:
    """A hashable key standing for an object by identity, whatever its ``==``.

    Holding the object keeps its ``id`` from being reused while the key lives.

    Examples:
        >>> from brainstate_core.extend import ByIdentity
        >>> a, b = [1], [1]
        >>> ByIdentity(a) == ByIdentity(a), ByIdentity(a) == ByIdentity(b)
        (True, False)
    """

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ByIdentity) and other.obj is self.obj
