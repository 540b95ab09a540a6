"""The orbax-checkpoint route of ``save_states`` / ``load_states``, for sharded States.

An orbax checkpoint directory made by ``ocp.Checkpointer(ocp.CompositeCheckpointHandler())``
with two items: ``states`` (``StandardSave`` of ``{"leaf_000000": array, ...}``, one entry
per leaf of every State value; jax arrays keep their shardings and every process writes
its shards) and ``brainstate`` (``JsonSave`` of the same metadata as a safetensors
checkpoint: format, version, State records, checksum). orbax-checkpoint is imported only
here, only when this route is used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path as FilePath
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brainstate_core import State

from .checkpoint import (
    StateLoadResult,
    _describe_model,
    _new_values,
    assign_all,
    metadata_for,
    records_from_metadata,
)
from .checkpoint_errors import CheckpointBackendError, CheckpointCorruptError
from .checkpoint_records import Path, describe_value, match_records, tree_leaves, type_name

__all__ = ["load_orbax", "save_orbax"]

_STATES, _META = "states", "brainstate"


def _ocp() -> Any:
    try:
        import orbax.checkpoint as ocp  # pyright: ignore[reportMissingImports]
    except ImportError as err:
        raise CheckpointBackendError(
            "backend='orbax' needs orbax-checkpoint, which is not installed. Install it with "
            "`pip install 'brainstate-nn[orbax]'` (or `pip install orbax-checkpoint`), or use "
            f"the default backend='safetensors'. ({err})"
        ) from None
    return ocp


def _checkpointer(ocp: Any) -> Any:
    return ocp.Checkpointer(ocp.CompositeCheckpointHandler())


def save_orbax(path: FilePath, states: Mapping[Path, State]) -> None:
    """Write ``states`` as an orbax checkpoint directory at ``path`` (replaced if it exists)."""
    ocp = _ocp()
    records, arrays = [], {}
    for p, state in states.items():
        record, datas = describe_value(p, state.value, type_name(state))
        for leaf, data in zip(record.leaves, datas):
            leaf.tensor = f"leaf_{len(arrays):06d}"
            arrays[leaf.tensor] = data if isinstance(data, jax.Array) else np.asarray(data)
        records.append(record)
    items = {_META: ocp.args.JsonSave(metadata_for(records))}
    if arrays:
        items[_STATES] = ocp.args.StandardSave(arrays)
    ckptr = _checkpointer(ocp)
    try:
        ckptr.save(os.path.abspath(path), args=ocp.args.Composite(**items), force=True)
    finally:
        ckptr.close()


def _sharding_of(old: Any, kind: str) -> Any:
    if kind == "quantity":
        old = old.mantissa
    elif kind == "key":
        old = jax.random.key_data(old)
    if isinstance(old, jax.Array):
        return old.sharding
    return jax.sharding.SingleDeviceSharding(jax.devices()[0])


def load_orbax(path: FilePath, states: Mapping[Path, State], *, strict: bool) -> StateLoadResult:
    """Load an orbax checkpoint written by :func:`save_orbax` into ``states``, all or nothing."""
    ocp = _ocp()
    source = f"The orbax checkpoint {str(path)!r}"
    directory = os.path.abspath(path)
    ckptr = _checkpointer(ocp)
    try:
        meta = ckptr.restore(directory, args=ocp.args.Composite(**{_META: ocp.args.JsonRestore()}))
    except FileNotFoundError:
        raise
    except Exception as err:
        raise CheckpointCorruptError(
            f"{source} cannot be read as a brainstate checkpoint ({type(err).__name__}: {err})."
        ) from None
    finally:
        ckptr.close()
    records = records_from_metadata(meta[_META], source)
    pairs, missing, unexpected = match_records(
        records, _describe_model(states), strict=strict, source=source
    )
    # restore every saved leaf (a partial tree would need orbax's partial-restore options),
    # each with the sharding of the model leaf it replaces
    loaded = {saved.path: saved for saved, _ in pairs}
    abstract = {}
    for rec in records:
        olds = tree_leaves(states[rec.path].value)[0] if rec.path in loaded else None
        for i, leaf in enumerate(rec.leaves):
            sharding = (
                _sharding_of(olds[i], leaf.kind)
                if olds is not None
                else jax.sharding.SingleDeviceSharding(jax.devices()[0])
            )
            abstract[leaf.tensor] = jax.ShapeDtypeStruct(
                leaf.shape, jnp.dtype(leaf.dtype), sharding=sharding
            )
    arrays: dict[str, Any] = {}
    if abstract:
        ckptr = _checkpointer(ocp)
        try:
            out = ckptr.restore(
                directory, args=ocp.args.Composite(**{_STATES: ocp.args.StandardRestore(abstract)})
            )
            arrays = dict(out[_STATES])
        except Exception as err:
            raise CheckpointCorruptError(
                f"{source} has State metadata but its arrays cannot be restored "
                f"({type(err).__name__}: {err}). Nothing was loaded."
            ) from None
        finally:
            ckptr.close()
    new = _new_values(pairs, states, lambda rec, p, i: arrays[rec.tensor])
    assign_all(new)
    return StateLoadResult(missing, unexpected)
