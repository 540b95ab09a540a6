"""Describing State values for checkpoints, matching descriptions, and rebuilding values.

A State's value is a pytree. Its leaves (brainunit Quantities and JAX random keys count as
leaves) are described by :class:`LeafRecord` (position, dtype, shape, unit, ...) and the
State by :class:`StateRecord` (path, State type, tree structure, leaves). Records are
written into checkpoints as JSON and compared with the records of the model that loads
them; every difference is reported by path before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brainstate_core import State
from brainstate_graph import Node, states as graph_states

from .checkpoint_errors import (
    CheckpointCorruptError,
    CheckpointMismatchError,
    CheckpointValueError,
)

__all__ = [
    "LeafRecord",
    "StateRecord",
    "collect_states",
    "describe_value",
    "format_path",
    "match_records",
    "restore_leaf",
    "tree_leaves",
]

Path = tuple[Any, ...]
_SI_NAMES = ("m", "kg", "s", "A", "K", "mol", "cd")
_SCALARS = (bool, int, float, complex)


# ----------------------------------------------------------------------------- leaves
def is_quantity(x: Any) -> bool:
    """Whether ``x`` is a brainunit Quantity (duck-typed: brainunit is imported lazily)."""
    cls = type(x)
    return (
        cls.__name__ == "Quantity"
        and cls.__module__.split(".")[0] in ("brainunit", "saiunit")
        and hasattr(x, "mantissa")
    )


def _key_text(key: Any) -> str:
    for attr in ("key", "idx", "name"):  # DictKey, SequenceKey / FlattenedIndexKey, GetAttrKey
        if hasattr(key, attr):
            return str(getattr(key, attr))
    return str(key)


def tree_leaves(value: Any) -> tuple[list[Any], Any, list[Any]]:
    """``(leaves, treedef, keypaths)`` of a State value; Quantities are leaves."""
    with_path, treedef = jax.tree_util.tree_flatten_with_path(value, is_leaf=is_quantity)
    return [leaf for _, leaf in with_path], treedef, [kp for kp, _ in with_path]


def _is_key(x: Any) -> bool:
    return isinstance(x, jax.Array) and jnp.issubdtype(x.dtype, jax.dtypes.prng_key)


def _unit_record(unit: Any) -> dict[str, Any]:
    dim = unit.dim
    try:
        exps = [float(dim.get_dimension(n)) for n in _SI_NAMES]
    except AttributeError:  # older brainunit
        exps = [float(e) for e in np.asarray(dim._dims)]
    return {
        "dim": exps,
        "scale": float(unit.scale),
        "base": float(unit.base),
        "factor": float(unit.factor),
        "name": str(unit.name),
        "dispname": str(unit.dispname),
    }


def _same_unit(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    if a is None or b is None:
        return a is b
    keys = ("dim", "scale", "base", "factor")
    return all(a.get(k) == b.get(k) for k in keys)


def _unit_text(unit: dict[str, Any] | None) -> str:
    return "no unit" if unit is None else f"unit {unit.get('dispname', '?')}"


@dataclass
class LeafRecord:
    """One leaf of a State value: where it sits, what it holds and (in a file) its tensor."""

    keypath: str  # jax keystr of the leaf within the value ("" for a bare array)
    kind: str  # "array", "quantity" (mantissa + unit) or "key" (a typed JAX random key)
    dtype: str  # the dtype of the stored data (a Quantity's mantissa, a key's key data)
    shape: tuple[int, ...]
    unit: dict[str, Any] | None = None
    key_impl: str | None = None
    tensor: str | None = None  # the tensor's name in the file
    sha256: str | None = None  # of the tensor's bytes as stored

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "keypath": self.keypath,
            "kind": self.kind,
            "dtype": self.dtype,
            "shape": list(self.shape),
        }
        for name in ("unit", "key_impl", "tensor", "sha256"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    @classmethod
    def from_json(cls, obj: Any) -> LeafRecord:
        if not isinstance(obj, dict):
            raise TypeError("a leaf record must be an object")
        shape = obj["shape"]
        if not isinstance(shape, list) or not all(isinstance(s, int) for s in shape):
            raise TypeError("shape must be a list of ints")
        rec = cls(
            keypath=str(obj["keypath"]),
            kind=str(obj["kind"]),
            dtype=str(obj["dtype"]),
            shape=tuple(shape),
            unit=obj.get("unit"),
            key_impl=obj.get("key_impl"),
            tensor=obj.get("tensor"),
            sha256=obj.get("sha256"),
        )
        if rec.kind not in ("array", "quantity", "key"):
            raise TypeError(f"unknown leaf kind {rec.kind!r}")
        return rec


@dataclass
class StateRecord:
    """One State: its path, type name (``None`` when unknown), tree structure and leaves."""

    path: Path
    type_name: str | None
    treedef: str
    leaves: list[LeafRecord] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": list(self.path),
            "type": self.type_name,
            "treedef": self.treedef,
            "leaves": [leaf.to_json() for leaf in self.leaves],
        }

    @classmethod
    def from_json(cls, obj: Any) -> StateRecord:
        if not isinstance(obj, dict):
            raise TypeError("a State record must be an object")
        path = obj["path"]
        if not isinstance(path, list) or not all(isinstance(p, (str, int)) for p in path):
            raise TypeError("path must be a list of str/int")
        return cls(
            path=tuple(path),
            type_name=obj["type"],
            treedef=str(obj["treedef"]),
            leaves=[LeafRecord.from_json(leaf) for leaf in obj["leaves"]],
        )


def type_name(state: State) -> str:
    cls = type(state)
    return f"{cls.__module__}.{cls.__qualname__}"


def format_path(path: Path) -> str:
    """A State path as it is shown in messages: the tuple ``model.states()`` uses as key."""
    return repr(tuple(path))


def _encode_leaf(leaf: Any, where: str) -> tuple[LeafRecord, Any]:
    """The record of one leaf (without keypath) and the array to store (not copied)."""
    if is_quantity(leaf):
        data = leaf.mantissa
        rec = LeafRecord("", "quantity", "", (), unit=_unit_record(leaf.unit))
    elif _is_key(leaf):
        data = jax.random.key_data(leaf)
        rec = LeafRecord("", "key", "", (), key_impl=str(jax.random.key_impl(leaf)))
    elif isinstance(leaf, (jax.Array, np.ndarray, np.generic, *_SCALARS)):
        data = leaf
        rec = LeafRecord("", "array", "", ())
    else:
        raise CheckpointValueError(
            f"{where} is a {type(leaf).__name__} ({leaf!r:.60}); checkpoints hold arrays, "
            "scalars, random keys and brainunit Quantities only. Keep other objects out of "
            "States, or save only the States that hold arrays."
        )
    if isinstance(data, jax.Array | np.ndarray | np.generic):
        dtype, shape = np.dtype(data.dtype), tuple(data.shape)
    else:
        arr = np.asarray(data)
        dtype, shape = arr.dtype, arr.shape
    if dtype.hasobject or not (
        jnp.issubdtype(dtype, jnp.number) or jnp.issubdtype(dtype, jnp.bool_)
    ):
        raise CheckpointValueError(
            f"{where} has dtype {dtype}; checkpoints hold numeric and boolean arrays only."
        )
    rec.dtype, rec.shape = dtype.name, tuple(int(s) for s in shape)
    return rec, data


def describe_value(path: Path, value: Any, type_name: str | None) -> tuple[StateRecord, list]:
    """The record of a State value at ``path`` and the arrays of its leaves."""
    leaves, treedef, keypaths = tree_leaves(value)
    record = StateRecord(tuple(path), type_name, str(treedef))
    base = ".".join(str(p) for p in path)
    datas = []
    for leaf, kp in zip(leaves, keypaths):
        text = jax.tree_util.keystr(kp)
        rec, data = _encode_leaf(leaf, f"The leaf {text or '(the value)'} of {format_path(path)}")
        rec.keypath = text
        rec.tensor = base + "".join("/" + _key_text(k) for k in kp)
        record.leaves.append(rec)
        datas.append(data)
    return record, datas


# ----------------------------------------------------------------------------- collecting
def _as_path(key: Any) -> Path:
    if isinstance(key, tuple) and all(isinstance(p, (str, int)) for p in key):
        return key
    if isinstance(key, (str, int)):
        return (key,)
    raise CheckpointValueError(
        f"State paths must be tuples of str/int (as the keys of `model.states()`), got {key!r}"
    )


def collect_states(target: Any, what: str = "model_or_states") -> dict[Path, State]:
    """``{path: State}`` of a graph Node (``graph.states``) or of a mapping of States."""
    if isinstance(target, Node):
        found = graph_states(target)
        return {tuple(k): v for k, v in found.items()}  # type: ignore[union-attr]
    if isinstance(target, Mapping):
        out: dict[Path, State] = {}
        for key, state in target.items():
            if not isinstance(state, State):
                raise CheckpointValueError(
                    f"{what} maps {key!r} to a {type(state).__name__}; expected States (as "
                    "in `model.states()`). For a dict of values use save_all_states / "
                    "load_all_states."
                )
            out[_as_path(key)] = state
        return out
    raise CheckpointValueError(
        f"{what} must be a Module (any graph Node) or a mapping from paths to States such as "
        f"`model.states(bsc.ParamState)`, got {type(target).__name__}"
    )


# ----------------------------------------------------------------------------- matching
def _leaf_diffs(saved: LeafRecord, model: LeafRecord) -> list[str]:
    where = f"leaf {saved.keypath}" if saved.keypath else "value"
    diffs = []
    if saved.kind != model.kind:
        diffs.append(f"{where}: checkpoint holds a {saved.kind}, model a {model.kind}")
        return diffs
    if saved.shape != model.shape:
        diffs.append(f"{where}: shape {saved.shape} in checkpoint, {model.shape} in model")
    if saved.dtype != model.dtype:
        diffs.append(f"{where}: dtype {saved.dtype} in checkpoint, {model.dtype} in model")
    if not _same_unit(saved.unit, model.unit):
        diffs.append(
            f"{where}: {_unit_text(saved.unit)} in checkpoint, {_unit_text(model.unit)} in model"
        )
    if saved.key_impl != model.key_impl:
        diffs.append(
            f"{where}: random key {saved.key_impl} in checkpoint, {model.key_impl} in model"
        )
    return diffs


def _short_type(name: str | None) -> str:
    return "?" if name is None else name.rsplit(".", 1)[-1]


def match_records(
    saved: Iterable[StateRecord],
    model: Mapping[Path, StateRecord],
    *,
    strict: bool,
    source: str,
) -> tuple[list[tuple[StateRecord, StateRecord]], list[Path], list[Path]]:
    """Pair saved records with the model's; raise one error listing every mismatch.

    State types are compared where the saved record knows its type (``type_name``).

    Returns:
        ``(pairs, missing, unexpected)``: (saved, model) record pairs to load, model paths
        absent from the checkpoint, checkpoint paths absent from the model (both empty
        unless ``strict`` is False).

    Raises:
        CheckpointMismatchError: any difference (missing/unexpected paths only if ``strict``).
    """
    saved_by_path: dict[Path, StateRecord] = {}
    for rec in saved:
        saved_by_path[rec.path] = rec
    problems: list[tuple[Path, str]] = []
    pairs = []
    for path, mine in model.items():
        theirs = saved_by_path.get(path)
        if theirs is None:
            continue
        diffs = []
        if theirs.type_name is not None and theirs.type_name != mine.type_name:
            diffs.append(
                f"State type {_short_type(theirs.type_name)} in checkpoint, "
                f"{_short_type(mine.type_name)} in model"
            )
        if theirs.treedef != mine.treedef:
            diffs.append(f"structure {theirs.treedef} in checkpoint, {mine.treedef} in model")
        else:
            for a, b in zip(theirs.leaves, mine.leaves):
                diffs.extend(_leaf_diffs(a, b))
        problems.extend((path, d) for d in diffs)
        pairs.append((theirs, mine))
    missing = [p for p in model if p not in saved_by_path]
    unexpected = [p for p in saved_by_path if p not in model]
    if strict:
        problems.extend((p, "missing from the checkpoint") for p in missing)
        problems.extend((p, "in the checkpoint but not in the model") for p in unexpected)
    if problems:
        lines = [f"  {format_path(p)}: {reason}" for p, reason in problems]
        fixes = [
            "build the model with the sizes it had when it was saved, and load the "
            "checkpoint that belongs to it",
            "if short-term States (HiddenState ...) differ, create them as before saving "
            "(`init_all_states(model, batch_size=...)`), or save and load only the "
            "parameters (`model.states(ParamState)`)",
        ]
        if strict and (missing or unexpected):
            fixes.append("pass strict=False to skip paths that are missing on either side")
        message = (
            f"{source} does not fit the model: {len(problems)} mismatch"
            f"{'es' if len(problems) != 1 else ''}:\n"
            + "\n".join(lines)
            + "\nNothing was loaded; every State keeps its value. Fixes: "
            + " ".join(f"{i}. {f};" for i, f in enumerate(fixes, 1))[:-1]
            + "."
        )
        raise CheckpointMismatchError(message, problems)
    return pairs, missing, unexpected


# ----------------------------------------------------------------------------- rebuilding
def _to_like(data: Any, old: Any, dtype: np.dtype) -> Any:
    """``data`` (numpy or jax) as an array of the same kind and placement as ``old``."""
    if isinstance(old, jax.Array):
        sharding = old.sharding
        if old.committed or len(sharding.device_set) > 1:
            return jax.device_put(data, sharding)
        return jnp.asarray(data, dtype=dtype)
    if isinstance(old, np.ndarray):
        return np.array(data, dtype=dtype)
    if isinstance(old, np.generic):
        return np.asarray(data, dtype=dtype)[()]
    if isinstance(old, _SCALARS):
        return type(old)(np.asarray(data).item())
    return jnp.asarray(data, dtype=dtype)


def restore_leaf(old: Any, record: LeafRecord, data: Any) -> Any:
    """The new leaf: ``data`` (the stored array) in the form of the model's ``old`` leaf."""
    dtype = jnp.dtype(record.dtype)
    if record.kind == "quantity":
        mantissa = _to_like(data, old.mantissa, dtype)
        return type(old)(mantissa, unit=old.unit)
    if record.kind == "key":
        raw = _to_like(data, jax.random.key_data(old), dtype)
        return jax.random.wrap_key_data(raw, impl=record.key_impl)
    return _to_like(data, old, dtype)


def parse_records(text: str, source: str) -> list[StateRecord]:
    """The State records of a checkpoint's metadata (JSON), or a corrupt-file error."""
    import json

    try:
        raw = json.loads(text)
        if not isinstance(raw, list):
            raise TypeError("the State list must be a JSON list")
        return [StateRecord.from_json(obj) for obj in raw]
    except (ValueError, TypeError, KeyError) as err:
        raise CheckpointCorruptError(
            f"{source} has unreadable State metadata ({type(err).__name__}: {err}); it was "
            "not written by brainstate's save_states or it was modified."
        ) from None
