"""The Pallas kernels lower to Triton for CUDA (checked on any machine, no GPU needed), and
run on a GPU when one is present."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_event as be


def _lower_for_cuda(fn, *args):
    try:
        return jax.jit(fn).trace(*args).lower(lowering_platforms=("cuda",)).as_text()
    except Exception as e:  # pragma: no cover - depends on the jaxlib build
        if (
            "platform" in str(e).lower()
            and "cuda" in str(e).lower()
            and "unknown" in str(e).lower()
        ):
            pytest.skip(f"this jaxlib cannot lower for CUDA: {e}")
        raise


CSR = be.CSR.fromdense(np.eye(70, 50, dtype=np.float32) + np.eye(70, 50, 3, dtype=np.float32))


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize(
    "op",
    ["spikes @ csr", "csr @ v", "spikes[k] @ csr", "csr @ V[k]", "event_matmul", "event_matmul[k]"],
)
def test_pallas_kernels_lower_to_triton(op, dtype):
    csr = CSR.with_data(CSR.data.astype(dtype))
    w = jnp.ones((70, 50), dtype)
    fns = {
        "spikes @ csr": (lambda s: csr.rmatmul(s, backend="pallas"), jnp.ones(70, bool)),
        "csr @ v": (lambda v: csr.matmul(v, backend="pallas"), jnp.ones(50, dtype)),
        "spikes[k] @ csr": (lambda s: csr.rmatmul(s, backend="pallas"), jnp.ones((3, 70), bool)),
        "csr @ V[k]": (lambda v: csr.matmul(v, backend="pallas"), jnp.ones((50, 3), dtype)),
        "event_matmul": (lambda s: be.event_matmul(s, w, backend="pallas"), jnp.ones(70, bool)),
        "event_matmul[k]": (
            lambda s: be.event_matmul(s, w, backend="pallas"),
            jnp.ones((3, 70), bool),
        ),
    }
    fn, arg = fns[op]
    text = _lower_for_cuda(fn, arg)
    assert "__gpu$xla.gpu.triton" in text


@pytest.mark.skipif(jax.default_backend() != "gpu", reason="needs a GPU")
@pytest.mark.parametrize("backend", ["pallas", "xla"])
def test_gpu_products_match_dense(backend):  # pragma: no cover - GPU only
    rng = np.random.default_rng(0)
    dense = (rng.random((300, 200)) < 0.05) * rng.standard_normal((300, 200))
    csr = be.CSR.fromdense(jnp.asarray(dense, jnp.float32))
    s = jnp.asarray(rng.random((4, 300)) < 0.1)
    np.testing.assert_allclose(
        csr.rmatmul(s, backend=backend), np.asarray(s, float) @ dense, rtol=1e-4, atol=1e-4
    )
    np.testing.assert_allclose(
        csr.rmatmul(s[0], backend=backend), np.asarray(s[0], float) @ dense, rtol=1e-4, atol=1e-4
    )
    v = jnp.asarray(rng.standard_normal(200), jnp.float32)
    np.testing.assert_allclose(
        csr.matmul(v, backend=backend), dense @ np.asarray(v), rtol=1e-4, atol=1e-4
    )
    w = jnp.asarray(rng.standard_normal((300, 200)), jnp.float32)
    np.testing.assert_allclose(
        be.event_matmul(s, w, backend=backend), np.asarray(s, float) @ w, rtol=1e-4, atol=1e-4
    )
