"""Saving and loading the States of a model: safetensors files, orbax directories, dicts.

File format (``backend='safetensors'``, the default): one safetensors file, so loading never
executes code (no pickle). Each leaf of each State value is one tensor, named after the
State's path and the leaf's position in the value (``layers.0.weight/bias``). The file's
string metadata holds:

- ``format``: ``"brainstate-checkpoint"``, ``format_version``: ``"1"``;
- ``states``: a JSON list with, for each State, its ``path`` (the key of
  ``model.states()``), ``type`` (``brainstate_core.ParamState`` ...), ``treedef`` (the
  value's pytree structure) and ``leaves``: each leaf's ``keypath``, ``kind`` (``array``,
  ``quantity`` or ``key``), ``dtype``, ``shape``, ``unit`` (brainunit Quantities),
  ``key_impl`` (typed JAX random keys), ``tensor`` (its name) and ``sha256`` (of its bytes);
- ``checksum``: ``sha256:<hex>`` of the ``states`` text, which covers the per-tensor sums.

dtypes that safetensors has no code for (complex, float8 ...) are stored as their raw bytes
(``U8``); the metadata keeps the real dtype and shape.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path as FilePath
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from brainstate_core import State, TreefyState

from .checkpoint_errors import (
    CheckpointBackendError,
    CheckpointCorruptError,
    CheckpointValueError,
)
from .checkpoint_records import (
    Path,
    StateRecord,
    collect_states,
    describe_value,
    format_path,
    match_records,
    parse_records,
    restore_leaf,
    tree_leaves,
    type_name,
)

__all__ = [
    "StateLoadResult",
    "load_all_states",
    "load_states",
    "save_all_states",
    "save_states",
]

FORMAT_NAME = "brainstate-checkpoint"
FORMAT_VERSION = "1"
_BACKENDS = ("safetensors", "orbax")
# numpy dtype name -> safetensors dtype code, for the dtypes every safetensors>=0.4 knows.
_CODES = {
    "bool": "BOOL",
    "int8": "I8",
    "uint8": "U8",
    "int16": "I16",
    "uint16": "U16",
    "int32": "I32",
    "uint32": "U32",
    "int64": "I64",
    "uint64": "U64",
    "float16": "F16",
    "bfloat16": "BF16",
    "float32": "F32",
    "float64": "F64",
}


class StateLoadResult(NamedTuple):
    """What a load skipped (only with ``strict=False``; both empty otherwise).

    Attributes:
        missing_keys: paths of the model's States that the checkpoint does not hold (they
            keep their values).
        unexpected_keys: paths in the checkpoint that the model does not have.
    """

    missing_keys: list[Path]
    unexpected_keys: list[Path]


def sha256_hex(data: Any) -> str:
    return hashlib.sha256(data).hexdigest()


def metadata_for(records: list[StateRecord]) -> dict[str, str]:
    """The string metadata of a checkpoint holding ``records``."""
    text = json.dumps([r.to_json() for r in records], separators=(",", ":"))
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "states": text,
        "checksum": "sha256:" + sha256_hex(text.encode()),
    }


def records_from_metadata(meta: Any, source: str) -> list[StateRecord]:
    """Check a checkpoint's metadata (format, version, checksum) and parse its records."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise CheckpointCorruptError(
            f"{source} is not a brainstate checkpoint: its metadata lacks "
            f"format={FORMAT_NAME!r}. Load files written by `save_states`."
        )
    if meta.get("format_version") != FORMAT_VERSION:
        raise CheckpointCorruptError(
            f"{source} has checkpoint format version {meta.get('format_version')!r}; this "
            f"brainstate-nn reads version {FORMAT_VERSION}. Upgrade brainstate-nn to load it."
        )
    text, checksum = meta.get("states"), meta.get("checksum")
    if not isinstance(text, str) or checksum != "sha256:" + sha256_hex(text.encode()):
        raise CheckpointCorruptError(
            f"{source} is corrupted: its State metadata does not match its checksum. Save "
            "the checkpoint again or load an intact copy."
        )
    return parse_records(text, source)


def _describe_model(states: Mapping[Path, State]) -> dict[Path, StateRecord]:
    return {p: describe_value(p, s.value, type_name(s))[0] for p, s in states.items()}


def _new_values(
    pairs: list[tuple[StateRecord, StateRecord]],
    states: Mapping[Path, State],
    data_of: Any,
) -> list[tuple[State, Any]]:
    """The value each State gets: ``data_of(saved_leaf_record, path, i)`` rebuilt leafwise."""
    out = []
    for saved, _ in pairs:
        state = states[saved.path]
        old_leaves, treedef, _ = tree_leaves(state.value)
        leaves = [
            restore_leaf(old, rec, data_of(rec, saved.path, i))
            for i, (old, rec) in enumerate(zip(old_leaves, saved.leaves))
        ]
        out.append((state, jax.tree.unflatten(treedef, leaves)))
    return out


def assign_all(new_values: list[tuple[State, Any]]) -> None:
    """Write every value, or (if a write fails) none: earlier writes are undone."""
    done: list[tuple[State, Any]] = []
    try:
        for state, value in new_values:
            old = state.value
            state.value = value
            done.append((state, old))
    except BaseException:
        for state, old in reversed(done):
            state.restore_value(old)
        raise


# ----------------------------------------------------------------------------- safetensors
def _host_array(data: Any, where: str) -> np.ndarray:
    if isinstance(data, jax.Array) and not data.is_fully_addressable:
        raise CheckpointValueError(
            f"{where} is sharded over several processes and cannot be written to one file by "
            "this process. Use save_states(..., backend='orbax') for multi-host States."
        )
    arr = np.asarray(data)
    if not arr.flags.c_contiguous:  # (np.ascontiguousarray would make scalars 1-d)
        arr = arr.copy(order="C")
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return arr


def _save_safetensors(path: FilePath, states: Mapping[Path, State]) -> None:
    from safetensors.numpy import save_file

    records, tensors = [], {}
    for p, state in states.items():
        record, datas = describe_value(p, state.value, type_name(state))
        for leaf, data in zip(record.leaves, datas):
            arr = _host_array(data, f"The leaf {leaf.keypath or '(the value)'} of {format_path(p)}")
            if leaf.dtype not in _CODES:
                arr = arr.reshape(-1).view(np.uint8)
            name, n = leaf.tensor or "_", 1
            while name in tensors or name == "__metadata__":
                name, n = f"{leaf.tensor}#{n}", n + 1
            leaf.tensor = name
            leaf.sha256 = sha256_hex(arr.reshape(-1).view(np.uint8))
            tensors[name] = arr
        records.append(record)
    meta = metadata_for(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    # write next to the target and rename: a crash never leaves a half-written checkpoint
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=meta)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def read_safetensors(path: FilePath) -> tuple[list[StateRecord], dict[str, np.ndarray]]:
    """The State records of a checkpoint file and its leaves' arrays, all checksums verified."""
    from safetensors import deserialize

    source = f"The checkpoint {str(path)!r}"
    data = path.read_bytes()
    size = len(data)
    n = int.from_bytes(data[:8], "little") if size >= 8 else -1
    if n < 0 or 8 + n > size:
        raise CheckpointCorruptError(
            f"{source} is truncated or not a safetensors file ({size} bytes, too short for "
            "its header). Save the checkpoint again or load an intact copy."
        )
    try:
        header = json.loads(data[8 : 8 + n])
        tensors = dict(deserialize(data))
    except Exception as err:  # json errors, SafetensorError (truncated data, bad offsets)
        raise CheckpointCorruptError(
            f"{source} is truncated or corrupted: it cannot be read as a safetensors file "
            f"({err}). Save the checkpoint again or load an intact copy."
        ) from None
    records = records_from_metadata(
        header.get("__metadata__") if isinstance(header, dict) else None, source
    )
    arrays, bad = {}, []
    for rec in records:
        for leaf in rec.leaves:
            where = f"{format_path(rec.path)}{' leaf ' + leaf.keypath if leaf.keypath else ''}"
            t = tensors.get(leaf.tensor)  # type: ignore[arg-type]
            try:
                dtype = jnp.dtype(leaf.dtype)
            except TypeError:
                bad.append(f"{where}: unknown dtype {leaf.dtype!r}")
                continue
            nbytes = int(np.prod(leaf.shape, dtype=np.int64)) * dtype.itemsize
            code = _CODES.get(leaf.dtype, "U8")
            shape = list(leaf.shape) if leaf.dtype in _CODES else [nbytes]
            if t is None:
                bad.append(f"{where}: its tensor {leaf.tensor!r} is missing")
            elif t["dtype"] != code or list(t["shape"]) != shape or len(t["data"]) != nbytes:
                bad.append(
                    f"{where}: tensor {leaf.tensor!r} is {t['dtype']}{list(t['shape'])}, "
                    f"metadata says {leaf.dtype}{list(leaf.shape)}"
                )
            elif sha256_hex(t["data"]) != leaf.sha256:
                bad.append(f"{where}: the bytes of tensor {leaf.tensor!r} fail their checksum")
            else:
                arr = np.frombuffer(t["data"], dtype=dtype.newbyteorder("<"))
                arrays[leaf.tensor] = arr.reshape(leaf.shape)
    if bad:
        raise CheckpointCorruptError(
            f"{source} is corrupted ({len(bad)} problem{'s' if len(bad) > 1 else ''}):\n"
            + "\n".join(f"  {b}" for b in bad)
            + "\nNothing was loaded. Save the checkpoint again or load an intact copy."
        )
    return records, arrays  # type: ignore[return-value]


# ----------------------------------------------------------------------------- public API
def _backend_of(backend: str | None, path: FilePath) -> str:
    if backend is None:
        return "orbax" if path.is_dir() else "safetensors"
    if backend not in _BACKENDS:
        raise CheckpointBackendError(
            f"unknown checkpoint backend {backend!r}; expected one of {_BACKENDS}"
        )
    return backend


def save_states(
    path: str | os.PathLike, model_or_states: Any, *, backend: str = "safetensors"
) -> FilePath:
    """Save the States of a model (or a collection of States) to ``path``.

    With ``backend='safetensors'`` (the default) ``path`` is one safetensors file, written
    atomically (to a temporary file that is then renamed): tensors for every leaf of every
    State value, and metadata with the States' paths, types, value structures, dtypes,
    shapes, units and sha256 checksums (see the module docstring). No pickle is involved, so
    loading never executes code. With ``backend='orbax'`` (needs orbax-checkpoint)
    ``path`` is a directory written by orbax, for States sharded over devices or hosts;
    every process must call it.

    Args:
        path: the file (or, for orbax, directory) to write; it is replaced if it exists.
        model_or_states: a Module (any graph Node: all its States) or a mapping from paths to
            States such as ``model.states(bsc.ParamState)`` (only those).
        backend: ``'safetensors'`` or ``'orbax'``.

    Returns:
        The path written.

    Raises:
        CheckpointValueError: a State value holds something other than arrays, scalars,
            random keys and Quantities, or (safetensors) an array spans several hosts.
        CheckpointBackendError: ``backend='orbax'`` without orbax-checkpoint installed.

    Examples:
        >>> import os, tempfile
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.w = bsc.ParamState({"weight": jnp.ones((2, 3)), "bias": jnp.zeros(3)})
        ...         self.count = bsc.LongTermState(jnp.array(0, dtype=jnp.int32))
        >>> path = os.path.join(tempfile.mkdtemp(), "net.safetensors")
        >>> _ = nn.save_states(path, Net())
        >>> net = Net()
        >>> net.count.value = jnp.array(5, dtype=jnp.int32)
        >>> nn.load_states(path, net)
        StateLoadResult(missing_keys=[], unexpected_keys=[])
        >>> int(net.count.value)
        0
    """
    file = FilePath(path)
    states = collect_states(model_or_states)
    if _backend_of(backend, file) == "orbax":
        from .checkpoint_orbax import save_orbax

        save_orbax(file, states)
    else:
        _save_safetensors(file, states)
    return file


def load_states(
    path: str | os.PathLike,
    model: Any,
    *,
    strict: bool = True,
    backend: str | None = None,
) -> StateLoadResult:
    """Load States saved by :func:`save_states` into ``model``, all or nothing.

    The checkpoint is verified first: a truncated or corrupted file (any checksum failing)
    raises :class:`CheckpointCorruptError`. Then it is compared with the model: every
    difference (paths missing on either side, State types, value structures, shapes, dtypes,
    units) is listed by path in one :class:`CheckpointMismatchError`. Only when everything
    fits are the values written, each in the form the model's State held (jax array with
    its sharding, numpy array, Python scalar, Quantity with its unit, random key).

    Args:
        path: a file written by ``save_states`` (or an orbax checkpoint directory).
        model: a Module (all its States) or a mapping from paths to States such as
            ``model.states(bsc.ParamState)`` (only those are loaded).
        strict: when False, States missing from the checkpoint keep their values and saved
            States the model lacks are ignored (both are reported in the result); the other
            checks stay.
        backend: ``'safetensors'`` or ``'orbax'``; by default ``'orbax'`` when ``path`` is a
            directory.

    Returns:
        A :class:`StateLoadResult` with the paths skipped (empty when ``strict``).

    Raises:
        CheckpointCorruptError: the file is unreadable, truncated or corrupted.
        CheckpointMismatchError: the checkpoint does not fit ``model``; nothing was loaded.
        CheckpointBackendError: orbax is needed but not installed.
        FileNotFoundError: ``path`` does not exist.

    Examples:
        >>> import os, tempfile
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> class Net(nn.Module):
        ...     def __init__(self, n):
        ...         super().__init__()
        ...         self.w = bsc.ParamState(jnp.ones(n))
        >>> path = os.path.join(tempfile.mkdtemp(), "net.safetensors")
        >>> _ = nn.save_states(path, Net(3))
        >>> try:
        ...     nn.load_states(path, Net(4))
        ... except nn.CheckpointMismatchError as err:
        ...     print(err.mismatches)
        [(('w',), 'value: shape (3,) in checkpoint, (4,) in model')]
    """
    file = FilePath(path)
    states = collect_states(model, "model")
    kind = _backend_of(backend, file)
    if kind == "orbax":
        from .checkpoint_orbax import load_orbax

        return load_orbax(file, states, strict=strict)
    records, arrays = read_safetensors(file)
    pairs, missing, unexpected = match_records(
        records, _describe_model(states), strict=strict, source=f"The checkpoint {str(file)!r}"
    )
    new = _new_values(pairs, states, lambda rec, p, i: arrays[rec.tensor])
    assign_all(new)
    return StateLoadResult(missing, unexpected)


def _copy_leaf(x: Any) -> Any:
    return np.array(x) if isinstance(x, np.ndarray) else x


def save_all_states(target: Any) -> dict[Path, Any]:
    """The values of every State of ``target``, keyed by path: an in-memory checkpoint.

    jax arrays are immutable and kept as they are; numpy arrays are copied, so later
    in-place changes to the model do not reach the dict. Restore with
    :func:`load_all_states`; write to disk with :func:`save_states`.

    Args:
        target: a Module (any graph Node) or a mapping from paths to States.

    Returns:
        ``{path: value}`` with the paths of ``target.states()``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.w = bsc.ParamState(jnp.zeros(2))
        >>> net = Net()
        >>> saved = nn.save_all_states(net)
        >>> net.w.value = jnp.ones(2)
        >>> nn.load_all_states(net, saved)
        StateLoadResult(missing_keys=[], unexpected_keys=[])
        >>> net.w.value.tolist()
        [0.0, 0.0]
    """
    states = collect_states(target, "target")
    return {p: jax.tree.map(_copy_leaf, s.value) for p, s in states.items()}


def load_all_states(
    target: Any, state_dict: Mapping[Any, Any], *, strict: bool = True
) -> StateLoadResult:
    """Set the States of ``target`` from ``{path: value}`` (as made by :func:`save_all_states`).

    Validated like :func:`load_states`, all or nothing: paths missing on either side (unless
    ``strict=False``), value structures, shapes, dtypes and units are checked, and every
    mismatch is listed by path in one :class:`CheckpointMismatchError` before any State is
    written. Keys are path tuples; ``'layers.0.weight'`` strings (the dotted path) also
    work. Values may be :class:`brainstate_core.TreefyState` objects, whose State types are
    then checked too.

    Args:
        target: a Module (any graph Node) or a mapping from paths to States.
        state_dict: the values to load.
        strict: when False, skip paths missing on either side (reported in the result).

    Returns:
        A :class:`StateLoadResult` with the paths skipped (empty when ``strict``).

    Raises:
        CheckpointMismatchError: the values do not fit ``target``; nothing was written.
    """
    states = collect_states(target, "target")
    if not isinstance(state_dict, Mapping):
        raise CheckpointValueError(
            f"state_dict must be a mapping from State paths to values, got "
            f"{type(state_dict).__name__}"
        )
    dotted = {".".join(str(q) for q in p): p for p in states}
    records, values = [], {}
    for key, value in state_dict.items():
        path = dotted.get(key, (key,)) if isinstance(key, str) else key
        if not (isinstance(path, tuple) and all(isinstance(q, (str, int)) for q in path)):
            raise CheckpointValueError(
                f"state_dict keys must be State paths (tuples of str/int, as the keys of "
                f"`target.states()`), got {key!r}"
            )
        kind = None
        if isinstance(value, TreefyState):
            kind = f"{value.type.__module__}.{value.type.__qualname__}"
            value = value.value
        record, datas = describe_value(path, value, kind)
        records.append(record)
        values[path] = datas
    pairs, missing, unexpected = match_records(
        records, _describe_model(states), strict=strict, source="The state dict"
    )
    new = _new_values(pairs, states, lambda rec, p, i: values[p][i])
    assign_all(new)
    return StateLoadResult(missing, unexpected)
