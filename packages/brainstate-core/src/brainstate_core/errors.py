"""The error classes of brainstate (``bst.errors``); all derive from :class:`BrainStateError`."""

from ._src.errors import (
    BrainStateError as BrainStateError,
    DeletedStateError as DeletedStateError,
    EnvironError as EnvironError,
    LeakedTracerError as LeakedTracerError,
    RandomKeyError as RandomKeyError,
    StateTraceError as StateTraceError,
    StateTreeError as StateTreeError,
    StateValueError as StateValueError,
)

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
