"""FixedProb kernels on a GPU (Pallas compiled through Triton, hand-written Triton via
jax-triton): skipped on machines without one."""

import importlib.util

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_event as be

from event_reference import dense_matrix

pytestmark = pytest.mark.skipif(jax.default_backend() != "gpu", reason="needs a GPU")

GPU_BACKENDS = ["xla", "pallas"]
if importlib.util.find_spec("jax_triton") is not None:
    GPU_BACKENDS.append("triton")


@pytest.mark.parametrize("backend", GPU_BACKENDS)
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("homo", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("kind", ["bool", "value"])
def test_gpu_kernels_match_dense(backend, dtype, homo, transpose, kind):
    rng = np.random.default_rng(0)
    n_pre, n_post, n_conn = 700, 300, 13  # duplicate targets allowed: GPU atomics add them
    indices = rng.integers(0, n_post, (n_pre, n_conn)).astype(np.int32)
    weights = rng.uniform(-1, 1, () if homo else (n_pre, n_conn))
    n_in = n_post if transpose else n_pre
    active = rng.random((3, n_in)) < 0.1
    spikes = active if kind == "bool" else active * rng.uniform(0.5, 2, active.shape)
    s = jnp.asarray(spikes) if kind == "bool" else jnp.asarray(spikes, dtype)
    w = jnp.asarray(weights, dtype)
    out = jax.jit(
        lambda s, w: be.fixed_prob_matvec(
            s,
            indices,
            w,
            n_post=n_post,
            transpose=transpose,
            float_as_event=kind == "bool",
            backend=backend,
        )
    )(s, w)
    dense = dense_matrix(indices, np.asarray(w, np.float64), n_post)
    ref = np.asarray(s, np.float64) @ (dense.T if transpose else dense)
    tol = 3e-2 if dtype == "bfloat16" else 1e-4
    np.testing.assert_allclose(np.asarray(out, np.float64), ref, rtol=tol, atol=tol * 10)


@pytest.mark.parametrize("backend", GPU_BACKENDS)
def test_gpu_weight_gradient_matches_dense(backend):
    rng = np.random.default_rng(1)
    indices = rng.integers(0, 200, (500, 8)).astype(np.int32)
    w = jnp.asarray(rng.normal(size=(500, 8)), jnp.float32)
    s = jnp.asarray(rng.random((4, 500)) < 0.2)
    ct = jnp.asarray(rng.normal(size=(4, 200)), jnp.float32)

    def loss(w):
        return (be.fixed_prob_matvec(s, indices, w, n_post=200, backend=backend) * ct).sum()

    def ref(w):
        dense = jnp.zeros((500, 200)).at[jnp.arange(500)[:, None], indices].add(w)
        return (s.astype(jnp.float32) @ dense * ct).sum()

    np.testing.assert_allclose(jax.jit(jax.grad(loss))(w), jax.grad(ref)(w), rtol=1e-4, atol=1e-4)
