"""The error classes of brainstate-event (all derive from ``BrainStateError``).

Shared by every operator of the package (CSR/CSC, dense event, FixedProb, ...).
"""

from __future__ import annotations

from brainstate_core import BrainStateError

__all__ = [
    "EventError",
    "EventShapeError",
    "EventGradientError",
    "KernelBackendError",
    "KernelFallbackWarning",
]


class EventError(BrainStateError):
    """Base class of the errors raised by brainstate-event's operators and layers."""


class EventShapeError(EventError, ValueError):
    """An argument of an event-driven operator has the wrong shape or dtype.

    The message names the argument, the shape (or dtype) that was expected and the one that
    came. Usual causes:

    1. Spikes of length ``n_post`` given where ``n_pre`` is expected (or the transposed
       matrix was meant: use ``csr.T``).
    2. ``data`` of a sparse matrix that is neither a scalar/one element (homogeneous
       weights) nor one value per stored entry (``nnz``).
    3. ``indptr`` whose length is not ``rows + 1``.
    """


class EventGradientError(EventError, TypeError):
    """A gradient was requested with respect to something that has none.

    Boolean spikes are events, and the indices (``indices``, ``indptr``) of a sparse matrix
    are structure: neither is differentiable. Fixes:

    1. To train through spikes, pass them as floats (0.0/1.0, for example from a surrogate
       spike function); the gradient with respect to float spikes is that of the linear map.
    2. To train the weights, differentiate with respect to ``data`` (``csr.data`` or the
       layer's ``ParamState``), not the whole sparse matrix; or use
       ``jax.grad(..., allow_int=True)``.
    """


class KernelBackendError(EventError, ValueError):
    """A kernel backend was asked for that is unknown, unavailable, or not implemented.

    Usual causes and fixes:

    1. A misspelled name: the backends are ``'numba'``, ``'xla'``, ``'pallas'`` and ``'triton'``.
    2. A backend that this platform cannot run: ``'numba'`` runs on CPU only, ``'triton'`` on
       CUDA GPUs with ``pip install brainstate-event[triton]``; ``'xla'`` runs everywhere.
    3. An operator without a kernel for that backend: the message lists the backends the
       operator has; pick one of them, or leave ``backend=None`` for the automatic choice.
    """


class KernelFallbackWarning(UserWarning):
    """A slower kernel backend runs because the faster one is not installed (warned once).

    On CPU the fast kernels need numba (``pip install numba``); without it the pure-XLA
    kernels run. Silence it by installing numba or by choosing ``set_backend('xla')``.
    """
