"""Autodiff, batching and multi-device parallelism over States.

Part of the brainstate framework; most users ``import brainstate as bst`` and reach this
package as ``bst.augment``.
"""

from importlib.metadata import version as _version

from brainstate_core.extend import set_public_module as _set_public_module

# -- gradients --
from ._src.errors import BatchAxisError as BatchAxisError, GradStateError as GradStateError
from ._src.eval_shape import abstract_init as abstract_init, eval_shape as eval_shape
from ._src.grad import (
    GradientTransform as GradientTransform,
    grad as grad,
    hessian as hessian,
    jacfwd as jacfwd,
    jacobian as jacobian,
    jacrev as jacrev,
    value_and_grad as value_and_grad,
    vector_grad as vector_grad,
)
from ._src.grad_states import UnusedGradStateWarning as UnusedGradStateWarning

# -- batching and parallelism --
from ._src.map import map as map
from ._src.new_states import vmap_new_states as vmap_new_states
from ._src.parallel import pmap as pmap
from ._src.rngs import restore_rngs as restore_rngs
from ._src.sharding import (
    constrain_states as constrain_states,
    shard_map as shard_map,
    shard_states as shard_states,
    state_sharding as state_sharding,
)
from ._src.state_axes import StateAxes as StateAxes
from ._src.vjp_jvp import jvp as jvp, vjp as vjp
from ._src.vmap import vmap as vmap

__version__ = _version("brainstate-augment")

__all__: list[str] = [
    # gradients
    "BatchAxisError",
    "GradStateError",
    "GradientTransform",
    "UnusedGradStateWarning",
    "abstract_init",
    "eval_shape",
    "grad",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "value_and_grad",
    "vector_grad",
    "vjp",
    # batching and parallelism
    "StateAxes",
    "vmap",
    "vmap_new_states",
    "map",
    "restore_rngs",
    "pmap",
    "shard_map",
    "shard_states",
    "constrain_states",
    "state_sharding",
]

_set_public_module(globals(), __all__, __name__)
