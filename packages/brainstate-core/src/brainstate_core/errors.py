"""The error classes of brainstate (``bst.errors``); all derive from :class:`BrainStateError`."""

from ._src.errors import (
    BrainStateError as BrainStateError,
)
from ._src.errors import (
    DeletedStateError as DeletedStateError,
)
from ._src.errors import (
    EnvironError as EnvironError,
)
from ._src.errors import (
    LeakedTracerError as LeakedTracerError,
)
from ._src.errors import (
    RandomKeyError as RandomKeyError,
)
from ._src.errors import (
    StateTraceError as StateTraceError,
)
from ._src.errors import (
    StateTreeError as StateTreeError,
)
from ._src.errors import (
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
