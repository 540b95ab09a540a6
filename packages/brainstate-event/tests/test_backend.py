"""Kernel backend selection: defaults, overrides, the per-primitive registry, the fallback."""

import subprocess
import sys
import textwrap
import threading

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.extend.core import Primitive

import brainstate_event as be
from brainstate_event._src import backend as B


@pytest.fixture(autouse=True)
def _reset_backend():
    yield
    be.set_backend(None)


def test_automatic_choice_on_cpu_is_numba():
    assert be.get_backend() == "numba"
    assert be.get_backend("gpu") in ("pallas", "triton")
    assert be.get_backend("tpu") == "xla"


def test_set_backend_per_platform_and_reset():
    be.set_backend("xla", platform="cpu")
    assert be.get_backend("cpu") == "xla"
    be.set_backend("pallas")  # every platform it runs on: cpu (interpret) and gpu
    assert be.get_backend("cpu") == be.get_backend("gpu") == "pallas"
    be.set_backend(None, platform="gpu")
    assert be.get_backend("cpu") == "pallas"
    assert be.get_backend("gpu") == B._auto("gpu")
    be.set_backend(None)
    assert be.get_backend("cpu") == "numba"


def test_use_backend_nests_and_is_thread_local():
    seen = []
    with be.use_backend("xla"):
        assert be.get_backend() == "xla"
        with be.use_backend("pallas", platform="cpu"):
            assert be.get_backend() == "pallas"
            t = threading.Thread(target=lambda: seen.append(be.get_backend()))
            t.start()
            t.join()
        assert be.get_backend() == "xla"
    assert be.get_backend() == "numba"
    assert seen == ["numba"]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: be.set_backend("cuda"), "unknown kernel backend 'cuda'"),
        (lambda: be.set_backend("numba", platform="gpu"), "'numba' cannot run on platform 'gpu'"),
        (lambda: be.set_backend("triton", platform="cpu"), "'triton' cannot run on platform"),
        (lambda: be.get_backend("quantum"), "unknown platform 'quantum'"),
        (lambda: be.use_backend("nope").__enter__(), "unknown kernel backend"),
    ],
)
def test_bad_names_are_errors(call, match):
    with pytest.raises(be.KernelBackendError, match=match):
        call()


def test_backend_param_records_the_choice_at_trace_time():
    assert B.backend_param() == ()
    assert B.backend_param("xla") == "xla"
    be.set_backend("xla", platform="cpu")
    with be.use_backend("pallas", platform="cpu"):
        assert B.backend_param() == (("cpu", "pallas"),)
    assert B.backend_param() == (("cpu", "xla"),)


def _toy_primitive(name, kernels):
    prim = Primitive(name)
    prim.def_abstract_eval(lambda x, **_: jax.core.ShapedArray(x.shape, x.dtype))
    for backend, value in kernels.items():
        if backend == "pallas":
            B.register_kernel(prim, backend, lambda x, interpret, v=value: x + v + interpret)
        else:
            B.register_kernel(prim, backend, lambda x, v=value: x + v)
    B.register_lowerings(prim)
    return prim


def test_registry_dispatches_per_backend_and_falls_back_to_xla():
    prim = _toy_primitive("toy_add", {"xla": 1.0, "pallas": 10.0})
    assert B.kernel_backends(prim) == ("xla", "pallas")
    x = jnp.zeros(2)

    def call(backend=None):
        return jax.jit(lambda x: prim.bind(x, backend=B.backend_param(backend)))(x)

    np.testing.assert_array_equal(call("xla"), [1, 1])
    np.testing.assert_array_equal(call("pallas"), [11, 11])  # interpret=True on CPU
    np.testing.assert_array_equal(call(), [1, 1])  # automatic numba: missing -> xla
    with pytest.raises(
        be.KernelBackendError, match=r"no 'numba' kernel; it has \['xla', 'pallas'\]"
    ):
        call("numba")
    with be.use_backend("pallas"):
        np.testing.assert_array_equal(call(), [11, 11])
    # eager binding goes through the same lowering
    np.testing.assert_array_equal(prim.bind(x, backend="xla"), [1, 1])


def test_operators_report_their_backends():
    from brainstate_event._src.fixed_prob_ops import scatter_p

    assert B.kernel_backends(scatter_p) == ("numba", "xla", "pallas", "triton")


FALLBACK_SCRIPT = textwrap.dedent(
    """
    import sys, warnings
    sys.modules["numba"] = None  # numba is not installed
    import jax.numpy as jnp
    import numpy as np
    import brainstate_event as be

    assert be.get_backend("cpu") == "xla"
    indices = np.array([[0, 1], [1, 2]], np.int32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        a = be.fixed_prob_matvec(jnp.array([True, True]), indices, 1.0, n_post=3)
        b = be.fixed_prob_matvec(jnp.array([True, False]), indices, 2.0, n_post=3)
    fallback = [w for w in caught if issubclass(w.category, be.KernelFallbackWarning)]
    assert len(fallback) == 1, caught
    assert "pip install numba" in str(fallback[0].message)
    assert a.tolist() == [1.0, 2.0, 1.0] and b.tolist() == [2.0, 2.0, 0.0]
    try:
        be.fixed_prob_matvec(jnp.array([True, True]), indices, 1.0, n_post=3, backend="numba")
    except be.KernelBackendError as e:
        assert "pip install numba" in str(e)
    else:
        raise AssertionError("backend='numba' without numba must fail")
    print("OK")
    """
)


def test_without_numba_the_xla_fallback_runs_with_one_warning():
    proc = subprocess.run(
        [sys.executable, "-c", FALLBACK_SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("OK")
