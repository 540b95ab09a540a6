"""Event-driven sparse synaptic operators (``FixedProb``, CSR, ...) with CPU and GPU kernels.

Part of the brainstate framework; most users ``import brainstate as bst`` and reach this
package as ``bst.event``.
"""

from importlib.metadata import version as _version

from brainstate_core.extend import set_public_module as _set_public_module

from ._src.backend import (
    get_backend as get_backend,
    set_backend as set_backend,
    use_backend as use_backend,
)
from ._src.csr.matrix import CSC as CSC, CSR as CSR
from ._src.dense import event_matmul as event_matmul
from ._src.errors import (
    EventError as EventError,
    EventGradientError as EventGradientError,
    EventShapeError as EventShapeError,
    KernelBackendError as KernelBackendError,
    KernelFallbackWarning as KernelFallbackWarning,
)
from ._src.fixed_prob import FixedProb as FixedProb
from ._src.fixed_prob_ops import fixed_prob_matvec as fixed_prob_matvec
from ._src.layers import CSRLinear as CSRLinear, Linear as Linear

__version__ = _version("brainstate-event")

__all__: list[str] = [
    # fixed out-degree connectivity
    "FixedProb",
    "fixed_prob_matvec",
    # CSR/CSC sparse matrices and the event-driven dense product
    "CSR",
    "CSC",
    "CSRLinear",
    "Linear",
    "event_matmul",
    # kernel backends
    "set_backend",
    "get_backend",
    "use_backend",
    # errors and warnings
    "EventError",
    "EventShapeError",
    "EventGradientError",
    "KernelBackendError",
    "KernelFallbackWarning",
]

_set_public_module(globals(), __all__, __name__)
