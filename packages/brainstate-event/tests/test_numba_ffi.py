"""numba kernels as XLA typed-FFI targets: calls, shapes, dtypes, caching and errors."""

import jax
import jax.numpy as jnp
import numba
import numpy as np
import pytest

import brainstate_event as be
from brainstate_event._src.numba_ffi import make_ffi_target


@numba.njit(cache=True)
def _scale_and_count(x, scale, out, count):
    n = 0
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = x[i, j] * scale[()]
            n += x[i, j] != 0
    count[()] = n


@numba.njit(cache=True)
def _copy(x, out):
    for i in range(x.shape[0]):
        out[i] = x[i]


def _call(target, x, scale):
    return target(
        x,
        scale,
        result_shape_dtypes=[
            jax.ShapeDtypeStruct(x.shape, x.dtype),
            jax.ShapeDtypeStruct((), jnp.int32),
        ],
    )


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BRAINSTATE_EVENT_CACHE_DIR", str(tmp_path / "ffi"))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_two_outputs_scalar_input_inside_jit_and_scan(dtype, tmp_path):
    ctx = jax.enable_x64(True) if dtype == "float64" else jax.enable_x64(False)
    with ctx:
        target = make_ffi_target(
            f"test_scale_and_count_{dtype}",
            _scale_and_count,
            [(dtype, 2), (dtype, 0)],
            [(dtype, 2), ("int32", 0)],
        )
        x = jnp.asarray(np.arange(12).reshape(3, 4) % 3, dtype)
        out, count = jax.jit(lambda x: _call(target, x, jnp.asarray(3, dtype)))(x)
        np.testing.assert_array_equal(out, np.asarray(x) * 3)
        assert int(count) == int((np.asarray(x) != 0).sum())

        def body(carry, xs):
            out, count = _call(target, xs, jnp.asarray(2, dtype))
            return carry + count, out.sum()

        total, sums = jax.jit(lambda xs: jax.lax.scan(body, jnp.int32(0), xs))(
            jnp.stack([x, x + 1])
        )
        assert int(total) == int((np.asarray(x) != 0).sum() + (np.asarray(x) + 1 != 0).sum())
        np.testing.assert_allclose(sums, [2 * np.asarray(x).sum(), 2 * (np.asarray(x) + 1).sum()])
    assert list((tmp_path / "ffi").glob("test_scale_and_count_*.py"))  # handler source cached


def test_same_arguments_give_the_same_target_and_names_are_unique():
    a = make_ffi_target("test_copy_f32", _copy, [("float32", 1)], [("float32", 1)])
    assert make_ffi_target("test_copy_f32", _copy, [(np.float32, 1)], [("float32", 1)]) is a
    with pytest.raises(be.KernelBackendError, match="already registered"):
        make_ffi_target("test_copy_f32", _copy, [("float64", 1)], [("float64", 1)])
    with pytest.raises(be.KernelBackendError, match="bfloat16"):
        make_ffi_target("test_copy_bf16", _copy, [(jnp.bfloat16, 1)], [(jnp.bfloat16, 1)])


def test_inputs_are_checked_against_the_specs():
    target = make_ffi_target("test_copy_checked", _copy, [("float32", 1)], [("float32", 1)])
    res = jax.ShapeDtypeStruct((3,), jnp.float32)
    np.testing.assert_array_equal(target(jnp.arange(3.0), result_shape_dtypes=res), [0, 1, 2])
    with pytest.raises(be.EventShapeError, match="takes 1 inputs, got 2"):
        target(jnp.zeros(3), jnp.zeros(3), result_shape_dtypes=res)
    with pytest.raises(be.EventShapeError, match="input 0 must be float32 with 1 dims"):
        target(jnp.zeros((3, 1)), result_shape_dtypes=res)
    with pytest.raises(be.EventShapeError, match="result 0 must be float32"):
        target(jnp.zeros(3), result_shape_dtypes=jax.ShapeDtypeStruct((3,), jnp.int32))


def test_unwritable_cache_dir_compiles_in_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("BRAINSTATE_EVENT_CACHE_DIR", str(blocker / "sub"))
    target = make_ffi_target("test_copy_nocache", _copy, [("int32", 1)], [("int32", 1)])
    out = target(jnp.arange(4), result_shape_dtypes=jax.ShapeDtypeStruct((4,), jnp.int32))
    np.testing.assert_array_equal(out, np.arange(4))


def test_plain_python_kernel_is_jitted():
    def add_one(x, out):
        for i in range(x.shape[0]):
            out[i] = x[i] + 1

    target = make_ffi_target("test_add_one", add_one, [("float32", 1)], [("float32", 1)])
    out = jax.jit(lambda x: target(x, result_shape_dtypes=jax.ShapeDtypeStruct(x.shape, x.dtype)))(
        jnp.zeros(3)
    )
    np.testing.assert_array_equal(out, [1, 1, 1])


@numba.njit(cache=True)
def _double_in_place(x, out):
    for i in range(x.shape[0]):
        out[i] = 2 * x[i]


def test_input_output_alias_updates_a_loop_carry_in_place():
    target = make_ffi_target(
        "test_double_alias_f32", _double_in_place, [("float32", 1)], [("float32", 1)]
    )

    def body(_, x):
        return target(
            x,
            result_shape_dtypes=jax.ShapeDtypeStruct(x.shape, x.dtype),
            input_output_aliases={0: 0},
        )

    run = jax.jit(lambda x: jax.lax.fori_loop(0, 3, body, x))
    x = jnp.arange(4.0, dtype=jnp.float32)
    np.testing.assert_array_equal(run(x), 8 * np.arange(4.0))
    np.testing.assert_array_equal(x, np.arange(4.0))  # the caller's array is untouched
    hlo = run.lower(x).compile().as_text()
    assert "output_to_operand_aliasing" in hlo


_CACHED_RUN = """
import json, sys
import numpy as np
import jax.numpy as jnp
import brainstate_event as be
from brainstate_event._src.numba_ffi import _TARGETS

layer = be.FixedProb(60, 40, prob=0.2, weight=0.5, seed=3)
spikes = jnp.asarray(np.random.default_rng(0).random(60) < 0.3)
with be.use_backend("numba"):
    out = np.asarray(layer(spikes)).tolist()
hits = [t._handler.cache_hits for t in _TARGETS.values()]
print(json.dumps({"out": out, "hits": hits, "registries": "numba.np.linalg" in sys.modules}))
"""


def test_a_cached_handler_loads_without_numbas_target_setup(tmp_path):
    """The second process loads the handler from disk without importing numba's registries
    (its typing/lowering modules), and computes the same result."""
    import json
    import os
    import subprocess
    import sys

    env = dict(os.environ, BRAINSTATE_EVENT_CACHE_DIR=str(tmp_path / "ffi"))
    runs = []
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-c", _CACHED_RUN], env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    first, second = runs
    assert first["hits"] == [0]  # compiled (a fresh cache directory)
    assert second["hits"] == [1]  # loaded from it
    assert second["registries"] is False
    assert second["out"] == first["out"]
