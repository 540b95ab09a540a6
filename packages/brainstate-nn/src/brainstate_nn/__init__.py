"""Modules, layers, neurons, synapses, projections, surrogate gradients, init and optim.

Part of the brainstate framework; most users ``import brainstate as bst`` and reach this
package as ``bst.nn``. Submodules: :mod:`brainstate_nn.functional`,
:mod:`brainstate_nn.init`, :mod:`brainstate_nn.optim`, :mod:`brainstate_nn.metrics`,
:mod:`brainstate_nn.surrogate` (also ``bst.functional``, ``bst.init``, ...).
"""

from importlib.metadata import version as _version

from brainstate_core.extend import set_public_module as _set_public_module

# -- activations --
from ._src.activations import (
    CELU as CELU,
    ELU as ELU,
    GELU as GELU,
    GLU as GLU,
    SELU as SELU,
    Hardshrink as Hardshrink,
    Hardsigmoid as Hardsigmoid,
    Hardswish as Hardswish,
    Hardtanh as Hardtanh,
    Identity as Identity,
    LeakyReLU as LeakyReLU,
    LogSigmoid as LogSigmoid,
    LogSoftmax as LogSoftmax,
    Mish as Mish,
    PReLU as PReLU,
    ReLU as ReLU,
    ReLU6 as ReLU6,
    RReLU as RReLU,
    Sigmoid as Sigmoid,
    SiLU as SiLU,
    Softmax as Softmax,
    Softmin as Softmin,
    Softplus as Softplus,
    Softshrink as Softshrink,
    Softsign as Softsign,
    SparsePlus as SparsePlus,
    SparseSigmoid as SparseSigmoid,
    SpikeBitwise as SpikeBitwise,
    Tanh as Tanh,
    Tanhshrink as Tanhshrink,
    Threshold as Threshold,
)

# -- checkpoints --
from ._src.checkpoint import (
    StateLoadResult as StateLoadResult,
    load_all_states as load_all_states,
    load_states as load_states,
    save_all_states as save_all_states,
    save_states as save_states,
)
from ._src.checkpoint_errors import (
    CheckpointBackendError as CheckpointBackendError,
    CheckpointCorruptError as CheckpointCorruptError,
    CheckpointError as CheckpointError,
    CheckpointMismatchError as CheckpointMismatchError,
    CheckpointValueError as CheckpointValueError,
)

# -- module system --
from ._src.collective import (
    assign_state_values as assign_state_values,
    call_all_functions as call_all_functions,
    call_order as call_order,
    init_all_states as init_all_states,
    reset_all_states as reset_all_states,
    vmap_init_all_states as vmap_init_all_states,
)
from ._src.embedding import Embedding as Embedding
from ._src.event_compat import (
    EventFixedNumConn as EventFixedNumConn,
    EventFixedProb as EventFixedProb,
    EventLinear as EventLinear,
    FixedNumConn as FixedNumConn,
)

# -- dense layers --
from ._src.linear import (
    Linear as Linear,
    LoRA as LoRA,
    ScaledWSLinear as ScaledWSLinear,
    SignedWLinear as SignedWLinear,
)
from ._src.module import (
    ElementWiseBlock as ElementWiseBlock,
    Module as Module,
    Sequential as Sequential,
    ShapeError as ShapeError,
)

# -- recurrent cells --
from ._src.rnn_cells import (
    GRUCell as GRUCell,
    LSTMCell as LSTMCell,
    MGUCell as MGUCell,
    RNNCell as RNNCell,
    URLSTMCell as URLSTMCell,
    ValinaRNNCell as ValinaRNNCell,
)
from ._src.synaptic import (
    AllToAll as AllToAll,
    OneToOne as OneToOne,
    SparseLinear as SparseLinear,
)

# -- submodules --
from . import functional as functional  # isort: skip
from . import init as init  # isort: skip
from . import metrics as metrics, optim as optim  # isort: skip
from . import surrogate as surrogate  # isort: skip

# -- brain dynamics --
from ._src.conv import (
    Conv1d as Conv1d,
    Conv2d as Conv2d,
    Conv3d as Conv3d,
    ConvTranspose1d as ConvTranspose1d,
    ConvTranspose2d as ConvTranspose2d,
    ConvTranspose3d as ConvTranspose3d,
    ScaledWSConv1d as ScaledWSConv1d,
    ScaledWSConv2d as ScaledWSConv2d,
    ScaledWSConv3d as ScaledWSConv3d,
)
from ._src.delay import (
    Delay as Delay,
    DelayAccess as DelayAccess,
    StateWithDelay as StateWithDelay,
)
from ._src.dropout import (
    AlphaDropout as AlphaDropout,
    Dropout as Dropout,
    Dropout1d as Dropout1d,
    Dropout2d as Dropout2d,
    Dropout3d as Dropout3d,
    DropoutFixed as DropoutFixed,
    FeatureAlphaDropout as FeatureAlphaDropout,
)
from ._src.dynamics import (
    Dynamics as Dynamics,
    DynamicsGroup as DynamicsGroup,
    Prefetch as Prefetch,
    PrefetchDelay as PrefetchDelay,
    PrefetchDelayAt as PrefetchDelayAt,
    Projection as Projection,
    not_receive_update_output as not_receive_update_output,
    receive_update_input as receive_update_input,
    receive_update_output as receive_update_output,
)
from ._src.exp_euler import exp_euler_step as exp_euler_step
from ._src.inputs import (
    PoissonEncoder as PoissonEncoder,
    PoissonInput as PoissonInput,
    PoissonSpike as PoissonSpike,
    SpikeTime as SpikeTime,
)
from ._src.neurons import (
    ALIF as ALIF,
    IF as IF,
    LIF as LIF,
    LIFRef as LIFRef,
    Neuron as Neuron,
)
from ._src.neurons_extra import HH as HH, AdEx as AdEx, Izhikevich as Izhikevich
from ._src.normalization import (
    BatchNorm0d as BatchNorm0d,
    BatchNorm1d as BatchNorm1d,
    BatchNorm2d as BatchNorm2d,
    BatchNorm3d as BatchNorm3d,
    GroupNorm as GroupNorm,
    LayerNorm as LayerNorm,
    RMSNorm as RMSNorm,
)
from ._src.pooling import (
    AdaptiveAvgPool1d as AdaptiveAvgPool1d,
    AdaptiveAvgPool2d as AdaptiveAvgPool2d,
    AdaptiveAvgPool3d as AdaptiveAvgPool3d,
    AdaptiveMaxPool1d as AdaptiveMaxPool1d,
    AdaptiveMaxPool2d as AdaptiveMaxPool2d,
    AdaptiveMaxPool3d as AdaptiveMaxPool3d,
    AvgPool1d as AvgPool1d,
    AvgPool2d as AvgPool2d,
    AvgPool3d as AvgPool3d,
    LPPool1d as LPPool1d,
    LPPool2d as LPPool2d,
    LPPool3d as LPPool3d,
    MaxPool1d as MaxPool1d,
    MaxPool2d as MaxPool2d,
    MaxPool3d as MaxPool3d,
)
from ._src.projections import (
    AlignPostProj as AlignPostProj,
    CurrentProj as CurrentProj,
    DeltaProj as DeltaProj,
)
from ._src.readouts import (
    LeakyRateReadout as LeakyRateReadout,
    LeakySpikeReadout as LeakySpikeReadout,
)

# -- conv, pooling, normalization, dropout, reshaping --
from ._src.shape_ops import (
    Flatten as Flatten,
    Unflatten as Unflatten,
)
from ._src.synapses import (
    AMPA as AMPA,
    STD as STD,
    STP as STP,
    Alpha as Alpha,
    DualExpon as DualExpon,
    Expon as Expon,
    GABAa as GABAa,
    ShortTermPlasticity as ShortTermPlasticity,
    Synapse as Synapse,
)
from ._src.synouts import COBA as COBA, CUBA as CUBA, MgBlock as MgBlock, SynOut as SynOut

__version__ = _version("brainstate-nn")

__all__: list[str] = [
    # module system
    "Module",
    "ElementWiseBlock",
    "Sequential",
    "ShapeError",
    "init_all_states",
    "reset_all_states",
    "vmap_init_all_states",
    # brainstate 0.1's event-driven layers (over brainstate_event)
    "EventFixedProb",
    "EventFixedNumConn",
    "FixedNumConn",
    "EventLinear",
    "call_all_functions",
    "call_order",
    "assign_state_values",
    # checkpoints
    "save_states",
    "load_states",
    "save_all_states",
    "load_all_states",
    "StateLoadResult",
    "CheckpointError",
    "CheckpointCorruptError",
    "CheckpointMismatchError",
    "CheckpointValueError",
    "CheckpointBackendError",
    # recurrent cells
    "RNNCell",
    "ValinaRNNCell",
    "GRUCell",
    "MGUCell",
    "LSTMCell",
    "URLSTMCell",
    # dense layers
    "Linear",
    "ScaledWSLinear",
    "SignedWLinear",
    "LoRA",
    "AllToAll",
    "OneToOne",
    "SparseLinear",
    "Embedding",
    # activations
    "Identity",
    "ReLU",
    "ReLU6",
    "RReLU",
    "LeakyReLU",
    "PReLU",
    "Threshold",
    "Hardtanh",
    "ELU",
    "CELU",
    "SELU",
    "GELU",
    "GLU",
    "SiLU",
    "Mish",
    "Sigmoid",
    "LogSigmoid",
    "Tanh",
    "Hardsigmoid",
    "Hardswish",
    "Hardshrink",
    "Softshrink",
    "Tanhshrink",
    "Softplus",
    "Softsign",
    "SparsePlus",
    "SparseSigmoid",
    "Softmax",
    "Softmin",
    "LogSoftmax",
    "SpikeBitwise",
    # submodules
    "functional",
    "init",
    "optim",
    "metrics",
    "surrogate",
    # brain dynamics
    "Dynamics",
    "DynamicsGroup",
    "Projection",
    "Prefetch",
    "PrefetchDelay",
    "PrefetchDelayAt",
    "receive_update_output",
    "not_receive_update_output",
    "receive_update_input",
    "Delay",
    "DelayAccess",
    "StateWithDelay",
    "exp_euler_step",
    "Neuron",
    "IF",
    "LIF",
    "LIFRef",
    "ALIF",
    "Izhikevich",
    "AdEx",
    "HH",
    "SpikeTime",
    "PoissonSpike",
    "PoissonEncoder",
    "PoissonInput",
    "LeakyRateReadout",
    "LeakySpikeReadout",
    "Synapse",
    "Expon",
    "DualExpon",
    "Alpha",
    "AMPA",
    "GABAa",
    "STP",
    "STD",
    "ShortTermPlasticity",
    "SynOut",
    "COBA",
    "CUBA",
    "MgBlock",
    "AlignPostProj",
    "DeltaProj",
    "CurrentProj",
    # conv, pooling, normalization, dropout, reshaping
    "Flatten",
    "Unflatten",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "BatchNorm0d",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LayerNorm",
    "RMSNorm",
    "GroupNorm",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "DropoutFixed",
    "AlphaDropout",
    "FeatureAlphaDropout",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ScaledWSConv1d",
    "ScaledWSConv2d",
    "ScaledWSConv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
]

_set_public_module(globals(), __all__, __name__)
