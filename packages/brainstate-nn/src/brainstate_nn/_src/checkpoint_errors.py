"""The error classes of checkpointing (``save_states`` / ``load_states`` and friends)."""

from __future__ import annotations

from collections.abc import Sequence

from brainstate_core import BrainStateError

__all__ = [
    "CheckpointError",
    "CheckpointCorruptError",
    "CheckpointMismatchError",
    "CheckpointValueError",
    "CheckpointBackendError",
]


class CheckpointError(BrainStateError):
    """Base class of the errors raised while saving or loading States.

    Catch it to handle any checkpoint failure; the subclasses say what went wrong. When one
    of them is raised by a load, no State of the model was modified.
    """


class CheckpointCorruptError(CheckpointError, ValueError):
    """A checkpoint file cannot be trusted: it is unreadable, truncated or corrupted.

    Usual causes:

    1. The file was truncated (a copy or a save that was interrupted, a full disk).
    2. Its bytes were changed after saving: the sha256 checksums stored in its metadata do
       not match the tensors (the message names the States whose data differ).
    3. It is not a brainstate checkpoint (a safetensors file written by another tool, or
       another file type), or it was written by a newer, incompatible format version.

    Fix: save the checkpoint again, or load an intact copy. Nothing was loaded.
    """


class CheckpointMismatchError(CheckpointError, ValueError):
    """A checkpoint does not fit the model (or State collection) it is loaded into.

    The message lists every mismatch by State path: paths missing from the checkpoint or
    from the model, and differing State types, value structures, shapes, dtypes or units.
    ``mismatches`` holds them as ``(path, reason)`` pairs. Nothing was loaded.

    Usual causes and fixes:

    1. The model was built with other sizes than the saved one: build it as it was saved.
    2. Short-term States (``HiddenState`` ...) were created with another ``batch_size``, or
       not created at all: call ``init_all_states(model, batch_size=...)`` as before saving,
       or save and load only the parameters (``model.states(bsc.ParamState)``).
    3. The checkpoint belongs to another model: load the right file.
    4. Some States are meant to be absent on one side: pass ``strict=False`` to skip paths
       missing on either side (the other checks stay).
    """

    def __init__(self, message: str, mismatches: Sequence[tuple[tuple, str]] = ()) -> None:
        super().__init__(message)
        self.mismatches: list[tuple[tuple, str]] = list(mismatches)


class CheckpointValueError(CheckpointError, TypeError):
    """A State value cannot be saved in a checkpoint.

    Checkpoints hold pytrees whose leaves are arrays (jax, numpy), Python or numpy scalars,
    JAX random keys and brainunit Quantities. Usual causes:

    1. A leaf is some other object (a string, a function, an object array): keep it out of
       States, or save only the States that hold arrays.
    2. An array is sharded over several hosts and cannot be gathered into one file: use
       ``backend='orbax'``.
    3. The States were given as a mapping whose keys are not paths (tuples of str/int).
    """


class CheckpointBackendError(CheckpointError, ImportError):
    """A checkpoint backend is unknown or its library is not installed.

    ``backend='orbax'`` needs orbax-checkpoint: ``pip install 'brainstate-nn[orbax]'``.
    """
