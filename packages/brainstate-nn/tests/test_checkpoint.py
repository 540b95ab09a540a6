"""Checkpoints: save_states/load_states (safetensors, orbax) and save_all_states/load_all_states."""

from __future__ import annotations

import json
import os
import pathlib
import pickle

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import safetensors
from hypothesis import given, strategies as st

import brainstate_core as bsc
import brainstate_nn as nn

DTYPES = ["float32", "bfloat16", "float16", "float64", "int8", "int32", "uint8", "bool"]


class Net(nn.Module):
    """A model with several State types, dtypes and value structures."""

    def __init__(self, n: int = 3, batch: int = 2):
        super().__init__()
        self.w = bsc.ParamState({"weight": jnp.ones((2, n)), "bias": jnp.zeros(n)})
        self.h = bsc.HiddenState(jnp.zeros((batch, n), jnp.bfloat16))
        self.count = bsc.LongTermState(jnp.array(0, jnp.int32))
        self.mask = bsc.BatchState(np.array([True, False, True]))
        self.v = bsc.ShortTermState(jnp.zeros(2) * u.mV)
        self.key = bsc.State(jax.random.key(0))
        self.t = bsc.State(0.5)
        self.z = bsc.State(np.zeros(2, np.complex128))
        self.blocks = [bsc.ParamState(jnp.zeros(4)), bsc.ParamState((jnp.zeros(1), None))]


def randomize(net: Net, seed: int = 1) -> None:
    """Give every State of ``net`` a new value of the same form."""
    rng = np.random.default_rng(seed)
    n = net.w.value["bias"].shape[0]
    net.w.value = {"weight": jnp.asarray(rng.normal(size=(2, n)), jnp.float32), "bias": jnp.ones(n)}
    net.h.value = jnp.asarray(rng.normal(size=net.h.value.shape), jnp.bfloat16)
    net.count.value = jnp.array(7, jnp.int32)
    net.mask.value = np.array([False, True, False])
    net.v.value = jnp.asarray(rng.normal(size=2), jnp.float32) * u.mV
    net.key.value = jax.random.key(seed + 10)
    net.t.value = 2.25
    net.z.value = np.array([1 + 2j, -3j])
    net.blocks[0].value = jnp.arange(4.0)
    net.blocks[1].value = (jnp.ones(1) * 3, None)


def snapshot(model) -> dict:
    """Host copies of every State value (Quantities as (mantissa, unit), keys as key data)."""

    def host(x):
        if isinstance(x, u.Quantity):
            return ("Q", np.array(x.mantissa), str(x.unit))
        if isinstance(x, jax.Array) and jnp.issubdtype(x.dtype, jax.dtypes.prng_key):
            return ("K", np.array(jax.random.key_data(x)))
        return (type(x).__name__, np.array(x), str(np.asarray(x).dtype))

    return {
        p: jax.tree.map(host, s.value, is_leaf=lambda x: isinstance(x, u.Quantity))
        for p, s in model.states().items()
    }


def same(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for k in a:
        la, lb = jax.tree.leaves(a[k]), jax.tree.leaves(b[k])
        if len(la) != len(lb):
            return False
        for x, y in zip(la, lb):
            if isinstance(x, np.ndarray):
                if not (x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)):
                    return False
            elif x != y:
                return False
    return True


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "net.safetensors")


# ----------------------------------------------------------------------------- round trips
def test_round_trip_all_state_types_and_leaf_kinds(path):
    src = Net()
    randomize(src)
    assert nn.save_states(path, src) == pathlib.Path(path)
    dst = Net()
    assert nn.load_states(path, dst) == nn.StateLoadResult([], [])
    assert same(snapshot(src), snapshot(dst))
    # each leaf comes back in the form the model held
    assert isinstance(dst.t.value, float) and dst.t.value == 2.25
    assert isinstance(dst.mask.value, np.ndarray) and dst.mask.value.dtype == np.bool_
    assert isinstance(dst.z.value, np.ndarray) and dst.z.value.dtype == np.complex128
    assert isinstance(dst.count.value, jax.Array) and dst.count.value.dtype == jnp.int32
    assert dst.h.value.dtype == jnp.bfloat16
    assert isinstance(dst.v.value, u.Quantity) and dst.v.value.unit == u.mV
    assert dst.key.value.dtype == src.key.value.dtype
    assert dst.blocks[1].value[1] is None


@given(
    dtype=st.sampled_from(DTYPES),
    shape=st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple),
)
def test_round_trip_dtypes_and_shapes(tmp_path_factory, dtype, shape):
    path = str(tmp_path_factory.mktemp("ck") / "x.safetensors")
    rng = np.random.default_rng(0)
    host = np.asarray(rng.normal(size=shape) * 10).astype(jnp.dtype(dtype))  # any dtype
    as_jax = dtype != "float64"  # (jax without x64 has no float64 arrays)
    src = {
        ("a",): bsc.ParamState(jnp.asarray(host) if as_jax else host),
        ("b", 0): bsc.State(host.copy()),
    }
    nn.save_states(path, src)
    zeros = np.zeros(shape, host.dtype)
    dst = {
        ("a",): bsc.ParamState(jnp.asarray(zeros) if as_jax else zeros),
        ("b", 0): bsc.State(zeros.copy()),
    }
    nn.load_states(path, dst)
    for key in src:
        got = dst[key].value
        assert type(got) is type(src[key].value) and got.dtype == host.dtype
        np.testing.assert_array_equal(np.asarray(got), host)


def test_file_is_plain_safetensors_with_metadata(path):
    src = Net()
    nn.save_states(path, src)
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    meta = header["__metadata__"]
    assert meta["format"] == "brainstate-checkpoint" and meta["format_version"] == "1"
    assert meta["checksum"].startswith("sha256:")
    records = json.loads(meta["states"])
    by_path = {tuple(r["path"]): r for r in records}
    assert by_path[("w",)]["type"] == "brainstate_core.ParamState"
    assert by_path[("h",)]["type"] == "brainstate_core.HiddenState"
    assert by_path[("w",)]["treedef"] == "PyTreeDef({'bias': *, 'weight': *})"
    assert by_path[("v",)]["leaves"][0]["unit"]["dispname"] == "mV"
    assert by_path[("blocks", 1)]["leaves"][0]["keypath"] == "[0]"
    # every tensor is readable by the safetensors library itself
    tensors = dict(safetensors.deserialize(data))
    assert header["w/weight"]["dtype"] == "F32" and tensors["h"]["dtype"] == "BF16"
    assert tensors["mask"]["dtype"] == "BOOL" and tensors["z"]["dtype"] == "U8"  # raw bytes
    assert set(tensors) == {leaf["tensor"] for r in records for leaf in r["leaves"]}


def test_loading_never_unpickles(path, monkeypatch):
    nn.save_states(path, Net())

    def boom(*a, **k):
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "Unpickler", boom)
    nn.load_states(path, Net())


def test_save_is_atomic_and_overwrites(path, tmp_path):
    nn.save_states(path, Net(3))
    nn.save_states(path, Net(5))
    assert os.listdir(tmp_path) == ["net.safetensors"]
    nn.load_states(path, Net(5))


def test_subset_of_states(path):
    src = Net()
    randomize(src)
    nn.save_states(path, src.states(bsc.ParamState))
    dst = Net(batch=7)  # short-term States of another batch size: not in the file
    before = snapshot(dst)
    nn.load_states(path, dst.states(bsc.ParamState))
    after = snapshot(dst)
    assert same({("h",): before[("h",)]}, {("h",): after[("h",)]})
    np.testing.assert_array_equal(dst.w.value["weight"], src.w.value["weight"])
    with pytest.raises(nn.CheckpointMismatchError, match=r"\('h',\): missing from the checkpoint"):
        nn.load_states(path, dst)


def test_works_with_layers_and_sequential(path):
    src = nn.Sequential(nn.Linear(4, 8), jax.nn.relu, nn.Linear.desc(out_size=2))
    nn.save_states(path, src)
    dst = nn.Sequential(nn.Linear(4, 8), jax.nn.relu, nn.Linear.desc(out_size=2))
    nn.load_states(path, dst)
    x = jnp.ones((3, 4))
    np.testing.assert_array_equal(src(x), dst(x))


# ----------------------------------------------------------------------------- bad files
def test_corrupted_tensor_bytes_named_and_model_untouched(path):
    nn.save_states(path, Net())
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[-1] ^= 0xFF  # the last byte of the tensor data
    with open(path, "wb") as f:
        f.write(bytes(data))
    dst = Net()
    randomize(dst, 3)
    before = snapshot(dst)
    with pytest.raises(nn.CheckpointCorruptError, match="fail their checksum") as info:
        nn.load_states(path, dst)
    assert "Nothing was loaded" in str(info.value)
    assert same(before, snapshot(dst))


def test_corrupted_metadata_detected(path):
    nn.save_states(path, Net(3))
    with open(path, "rb") as f:
        data = f.read()
    # change a shape inside the JSON metadata, keeping the file valid safetensors
    bad = data.replace(b'\\"shape\\":[2,3]', b'\\"shape\\":[3,2]', 1)
    assert bad != data
    with open(path, "wb") as f:
        f.write(bad)
    with pytest.raises(nn.CheckpointCorruptError, match="does not match its checksum"):
        nn.load_states(path, Net(3))


@given(cut=st.floats(0.0, 0.999))
def test_truncated_file(tmp_path_factory, cut):
    path = str(tmp_path_factory.mktemp("ck") / "t.safetensors")
    nn.save_states(path, Net())
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: int(len(data) * cut)])
    dst = Net()
    randomize(dst, 4)
    before = snapshot(dst)
    with pytest.raises(nn.CheckpointCorruptError, match=r"truncated|corrupted"):
        nn.load_states(path, dst)
    assert same(before, snapshot(dst))


def test_other_files_are_rejected(path, tmp_path):
    from safetensors.numpy import save_file

    save_file({"w": np.zeros(3, np.float32)}, path)
    with pytest.raises(nn.CheckpointCorruptError, match="not a brainstate checkpoint"):
        nn.load_states(path, Net())
    other = tmp_path / "x.safetensors"
    other.write_bytes(b"\x00" * 3)
    with pytest.raises(nn.CheckpointCorruptError, match="truncated"):
        nn.load_states(other, Net())
    other.write_bytes(b"hello world, this is not a checkpoint")
    with pytest.raises(nn.CheckpointCorruptError):
        nn.load_states(other, Net())
    with pytest.raises(FileNotFoundError):
        nn.load_states(tmp_path / "missing.safetensors", Net())


def test_newer_format_version_rejected(path):
    nn.save_states(path, Net())
    with open(path, "rb") as f:
        data = f.read()
    bad = data.replace(b'"format_version":"1"', b'"format_version":"9"', 1)
    with open(path, "wb") as f:
        f.write(bad)
    with pytest.raises(nn.CheckpointCorruptError, match="format version '9'"):
        nn.load_states(path, Net())


# ----------------------------------------------------------------------------- mismatches
class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = bsc.HiddenState({"weight": jnp.ones((2, 3)), "bias": jnp.zeros(3)})
        self.count = bsc.LongTermState(jnp.array(0.0))
        self.extra = bsc.ParamState(jnp.zeros(2))
        self.v = bsc.ShortTermState(jnp.zeros(2) * u.second)
        self.t = bsc.State({"a": 0.5})


def test_different_model_lists_every_mismatch_and_leaves_model_untouched(path):
    nn.save_states(path, Net())
    dst = Other()
    before = snapshot(dst)
    with pytest.raises(nn.CheckpointMismatchError) as info:
        nn.load_states(path, dst)
    assert same(before, snapshot(dst))
    found = info.value.mismatches
    reasons = {p: [r for q, r in found if q == p] for p, _ in found}
    assert reasons[("w",)] == ["State type ParamState in checkpoint, HiddenState in model"]
    assert reasons[("count",)] == ["value: dtype int32 in checkpoint, float32 in model"]
    assert reasons[("v",)] == ["value: unit mV in checkpoint, unit s in model"]
    assert reasons[("t",)][0].startswith("structure PyTreeDef(*) in checkpoint")
    assert reasons[("extra",)] == ["missing from the checkpoint"]
    for p in [("h",), ("mask",), ("key",), ("z",), ("blocks", 0), ("blocks", 1)]:
        assert reasons[p] == ["in the checkpoint but not in the model"]
    text = str(info.value)
    assert "('extra',): missing from the checkpoint" in text
    assert "strict=False" in text and "Nothing was loaded" in text


def test_wrong_shapes_all_reported(path):
    nn.save_states(path, Net(n=3, batch=2))
    dst = Net(n=4, batch=5)
    before = snapshot(dst)
    with pytest.raises(nn.CheckpointMismatchError) as info:
        nn.load_states(path, dst)
    assert same(before, snapshot(dst))
    assert info.value.mismatches == [
        (("w",), "leaf ['bias']: shape (3,) in checkpoint, (4,) in model"),
        (("w",), "leaf ['weight']: shape (2, 3) in checkpoint, (2, 4) in model"),
        (("h",), "value: shape (2, 3) in checkpoint, (5, 4) in model"),
    ]
    assert isinstance(info.value, nn.CheckpointError) and isinstance(info.value, ValueError)


def test_strict_false_skips_missing_and_unexpected(path):
    src = Net()
    randomize(src)
    nn.save_states(path, {("w",): src.w, ("gone",): src.count})
    dst = Net()
    result = nn.load_states(path, dst, strict=False)
    assert result.unexpected_keys == [("gone",)]
    assert ("h",) in result.missing_keys and ("w",) not in result.missing_keys
    np.testing.assert_array_equal(dst.w.value["weight"], src.w.value["weight"])


def test_a_failing_write_undoes_the_others(path):
    class Refuses(bsc.State):
        @property
        def value(self):
            return bsc.State.value.fget(self)

        @value.setter
        def value(self, v):
            if getattr(self, "_armed", False):
                raise RuntimeError("no")
            bsc.State.value.fset(self, v)

    src = {("a",): bsc.ParamState(jnp.ones(2)), ("b",): Refuses(jnp.ones(2))}
    nn.save_states(path, src)
    dst = {("a",): bsc.ParamState(jnp.zeros(2)), ("b",): Refuses(jnp.zeros(2))}
    dst[("b",)]._armed = True
    with pytest.raises(RuntimeError, match="no"):
        nn.load_states(path, dst)
    np.testing.assert_array_equal(dst[("a",)].value, jnp.zeros(2))


def test_unsavable_values_and_bad_arguments(path):
    with pytest.raises(nn.CheckpointValueError, match=r"leaf \['s'\] of \('x',\) is a str"):
        nn.save_states(path, {("x",): bsc.State({"s": "text"})})
    with pytest.raises(nn.CheckpointValueError, match="mapping from paths to States"):
        nn.save_states(path, [bsc.State(1.0)])
    with pytest.raises(nn.CheckpointValueError, match="expected States"):
        nn.save_states(path, {("x",): jnp.ones(2)})
    with pytest.raises(nn.CheckpointBackendError, match="unknown checkpoint backend"):
        nn.save_states(path, Net(), backend="pickle")
    assert not os.path.exists(path)


# ----------------------------------------------------------------------------- in memory
def test_save_all_states_load_all_states_round_trip():
    src = Net()
    randomize(src)
    saved = nn.save_all_states(src)
    assert list(saved) == list(src.states())
    dst = Net()
    assert nn.load_all_states(dst, saved) == nn.StateLoadResult([], [])
    assert same(snapshot(src), snapshot(dst))
    # numpy leaves were copied: later in-place changes do not reach the dict
    src.mask.value[0] = True
    assert not saved[("mask",)][0]


def test_load_all_states_validates_all_or_nothing():
    saved = nn.save_all_states(Net(n=3))
    saved[("h",)] = saved[("h",)].astype(jnp.float32)
    del saved[("count",)]
    saved[("nope",)] = jnp.zeros(1)
    dst = Net(n=4)
    before = snapshot(dst)
    with pytest.raises(nn.CheckpointMismatchError, match="The state dict does not fit") as info:
        nn.load_all_states(dst, saved)
    assert same(before, snapshot(dst))
    paths = [p for p, _ in info.value.mismatches]
    assert ("w",) in paths and ("count",) in paths and ("nope",) in paths
    assert (("h",), "value: shape (2, 3) in checkpoint, (2, 4) in model") in info.value.mismatches
    assert (
        ("h",),
        "value: dtype float32 in checkpoint, bfloat16 in model",
    ) in info.value.mismatches


def test_load_all_states_string_keys_treefy_states_and_strict():
    src = Net()
    randomize(src)
    dst = Net()
    result = nn.load_all_states(
        dst, {"w": src.w.value, "blocks.0": src.blocks[0].to_state_ref()}, strict=False
    )
    assert ("h",) in result.missing_keys and result.unexpected_keys == []
    np.testing.assert_array_equal(dst.blocks[0].value, jnp.arange(4.0))
    with pytest.raises(nn.CheckpointMismatchError, match="State type HiddenState in checkpoint"):
        nn.load_all_states(dst, {("w",): bsc.HiddenState(src.w.value).to_state_ref()}, strict=False)
    with pytest.raises(nn.CheckpointValueError, match="state_dict keys must be State paths"):
        nn.load_all_states(dst, {1.5: 0})


# ----------------------------------------------------------------------------- orbax
def test_orbax_backend_without_orbax_is_a_clear_error(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "orbax.checkpoint", None)  # as if not installed
    with pytest.raises(nn.CheckpointBackendError, match=r"brainstate-nn\[orbax\]"):
        nn.save_states(tmp_path / "ck", Net(), backend="orbax")
    assert not (tmp_path / "ck").exists()
    (tmp_path / "dir").mkdir()
    with pytest.raises(nn.CheckpointBackendError):
        nn.load_states(tmp_path / "dir", Net())  # a directory: the orbax route
    assert isinstance(nn.CheckpointBackendError("x"), ImportError)


def test_orbax_round_trip_and_mismatch(tmp_path):
    pytest.importorskip("orbax.checkpoint")
    src = Net()
    randomize(src)
    nn.save_states(tmp_path / "ck", src, backend="orbax")
    dst = Net()
    nn.load_states(tmp_path / "ck", dst)
    assert same(snapshot(src), snapshot(dst))
    bad = Net(n=4)
    before = snapshot(bad)
    with pytest.raises(nn.CheckpointMismatchError, match="shape"):
        nn.load_states(tmp_path / "ck", bad)
    assert same(before, snapshot(bad))
