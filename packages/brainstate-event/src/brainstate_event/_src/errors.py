"""The error classes of brainstate-event (all derive from ``BrainStateError``).

Shared by every operator of the package (CSR/CSC, dense event, FixedProb, ...).
"""

from __future__ import annotations

from brainstate_core import BrainStateError

__all__ = ["EventError", "EventShapeError", "EventGradientError"]


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
