"""Type aliases shared across brainstate's packages (``bst.typing``)."""

from ._src.typing import (
    ArrayLike as ArrayLike,
)
from ._src.typing import (
    DType as DType,
)
from ._src.typing import (
    DTypeLike as DTypeLike,
)
from ._src.typing import (
    Filter as Filter,
)
from ._src.typing import (
    Key as Key,
)
from ._src.typing import (
    PathParts as PathParts,
)
from ._src.typing import (
    PyTree as PyTree,
)
from ._src.typing import (
    SeedOrKey as SeedOrKey,
)
from ._src.typing import (
    Shape as Shape,
)
from ._src.typing import (
    Size as Size,
)

__all__ = [
    "ArrayLike",
    "DType",
    "DTypeLike",
    "Shape",
    "Size",
    "SeedOrKey",
    "PyTree",
    "Key",
    "PathParts",
    "Filter",
]
