"""Checks of pmap/shard_map/shard_states on 4 simulated CPU devices, run in a subprocess.

``python multidevice_checks.py GROUP`` sets ``XLA_FLAGS`` before JAX is imported, runs the
checks of GROUP and prints one JSON line ``{check name: "ok" or the failure}``. The test
modules ``test_pmap.py``/``test_shard_map.py`` run it, so the rest of the test session
keeps one device.
"""

import json
import os
import sys
import traceback

os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
).strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import PartitionSpec as P

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_graph as graph

N = 4
CHECKS: dict[str, dict] = {"pmap": {}, "shard_map": {}}


def check(group):
    def deco(f):
        CHECKS[group][f.__name__] = f
        return f

    return deco


# -- pmap -------------------------------------------------------------------------------------
@check("pmap")
def pmap_devices():
    assert jax.device_count() == N, jax.devices()


@check("pmap")
def pmap_in_out_states_equal_vmap():
    h0 = jnp.arange(N * 3.0).reshape(N, 3)
    w0 = jnp.array([1.0, 2.0, 3.0])

    def run(transform):
        h, w = bsc.State(h0), bsc.State(w0)

        def f(x):
            h.value = h.value * w.value + x
            return h.value.sum()

        out = transform(f, in_states=h, out_states=h)(jnp.arange(float(N)))
        return np.asarray(out), np.asarray(h.value)

    out_p, h_p = run(ba.pmap)
    out_v, h_v = run(ba.vmap)
    np.testing.assert_allclose(out_p, out_v)
    np.testing.assert_allclose(h_p, h_v)


@check("pmap")
def pmap_shared_state_and_collectives():
    total = bsc.State(jnp.zeros(()))

    def step(x):
        total.value = total.value + jax.lax.psum(x, "d")
        return x * 2

    f = ba.pmap(step, axis_name="d")
    out = f(jnp.ones(N))
    out = f(jnp.ones(N))
    np.testing.assert_array_equal(out, 2 * np.ones(N))
    assert float(total.value) == 2 * N, total.value


@check("pmap")
def pmap_batched_write_raises():
    acc = bsc.State(jnp.zeros(()), name="acc")

    def f(x):
        acc.value = acc.value + x
        return x

    try:
        ba.pmap(f)(jnp.arange(float(N)))
    except ba.BatchAxisError as e:
        assert "State 'acc'" in str(e)
    else:
        raise AssertionError("no BatchAxisError")
    assert float(acc.value) == 0.0


@check("pmap")
def pmap_random_per_device_and_key_advances():
    bsc.random.seed(0)
    k0 = np.asarray(bsc.random.get_key())
    out = ba.pmap(lambda x: x + bsc.random.rand())(jnp.zeros(N))
    assert len(set(np.asarray(out).tolist())) == N
    k1 = np.asarray(bsc.random.get_key())
    assert k1.shape == (2,) and not np.array_equal(k0, k1)


@check("pmap")
def pmap_state_axes_node_and_cache():
    class Cell(graph.Node):
        def __init__(self):
            self.w = bsc.ParamState(jnp.ones(2))
            self.h = bsc.HiddenState(jnp.zeros((N, 2)))

    cell = Cell()
    f = ba.pmap(
        lambda c, x: (c.h.__setattr__("value", c.h.value + c.w.value * x), x)[1],
        in_axes=(ba.StateAxes({bsc.ParamState: None, bsc.HiddenState: 0}), 0),
    )
    for _ in range(3):
        f(cell, jnp.arange(float(N)))
    np.testing.assert_allclose(cell.h.value, 3 * np.outer(np.arange(N), np.ones(2)))
    assert len(f._cache) == 1, f._cache


# -- shard_map and sharded States ------------------------------------------------------------
def _mesh():
    return jax.make_mesh((N,), ("x",), axis_types=(jax.sharding.AxisType.Auto,))


@check("shard_map")
def shard_map_state_specs_equal_reference():
    mesh = _mesh()
    v = bsc.State(jnp.zeros(8))
    total = bsc.State(jnp.zeros(()))

    @ba.shard_map(mesh=mesh, in_specs=P("x"), out_specs=P("x"), state_specs={P("x"): v})
    def step(x):
        v.value = v.value + x
        total.value = total.value + jax.lax.psum(x.sum(), "x")
        return v.value * 2

    xs = jnp.arange(8.0)
    out = step(xs)
    out = step(xs)
    np.testing.assert_allclose(out, 4 * np.arange(8.0))
    np.testing.assert_allclose(v.value, 2 * np.arange(8.0))
    assert float(total.value) == 2 * 28.0


@check("shard_map")
def shard_map_replicated_write_must_not_vary():
    mesh = _mesh()
    total = bsc.State(jnp.zeros(()), name="total")

    def bad(x):
        total.value = total.value + x.sum()
        return x

    try:
        ba.shard_map(bad, mesh, P("x"), P("x"))(jnp.arange(8.0))
    except ba.BatchAxisError as e:
        assert "State 'total'" in str(e) and "'x'" in str(e)
    else:
        raise AssertionError("no BatchAxisError")
    assert float(total.value) == 0.0


@check("shard_map")
def shard_map_random_per_device():
    mesh = _mesh()
    out = ba.shard_map(lambda x: x + bsc.random.rand(), mesh, P("x"), P("x"))(jnp.zeros(N))
    assert len(set(np.asarray(out).tolist())) == N


@check("shard_map")
def shard_states_then_jit_for_loop_runs_spmd():
    mesh = _mesh()

    class Layer(graph.Node):
        def __init__(self):
            self.w = bsc.ParamState(jnp.arange(32.0).reshape(8, 4) / 32)
            self.v = bsc.HiddenState(jnp.zeros((8, 4)))

    layer = Layer()
    ref_w, ref_v = np.asarray(layer.w.value), np.zeros((8, 4))
    ba.shard_states(layer, mesh, {bsc.ParamState: P("x"), bsc.HiddenState: P("x", None)})
    assert layer.w.value.sharding.spec == P("x")
    assert ba.state_sharding(layer.v).spec == P("x", None)

    def step(i):
        layer.v.value = layer.v.value * 0.9 + layer.w.value * i
        ba.constrain_states(layer)
        return layer.v.value.sum()

    run = bc.jit(lambda: bc.for_loop(step, jnp.arange(5.0)))
    sums = run()
    for i in range(5):
        ref_v = ref_v * 0.9 + ref_w * i
    np.testing.assert_allclose(layer.v.value, ref_v, rtol=1e-5)
    np.testing.assert_allclose(sums[-1], ref_v.sum(), rtol=1e-5)
    assert len(layer.v.value.sharding.device_set) == N
    assert layer.v.value.sharding.is_equivalent_to(ba.state_sharding(layer.v), 2)

    # the sharding attached to States is used by shard_map
    @ba.shard_map(mesh=mesh, in_specs=(), out_specs=P())
    def norm():
        layer.v.value = layer.v.value / 2
        return jax.lax.psum((layer.v.value**2).sum(), "x")

    np.testing.assert_allclose(norm(), ((ref_v / 2) ** 2).sum(), rtol=1e-5)
    np.testing.assert_allclose(layer.v.value, ref_v / 2, rtol=1e-5)


@check("shard_map")
def shard_states_bad_spec_names_state():
    mesh = _mesh()
    s = bsc.State(jnp.zeros(3), name="odd")
    try:
        ba.shard_states(s, mesh, P("x"))
    except ba.BatchAxisError as e:
        assert "State 'odd'" in str(e)
    else:
        raise AssertionError("no BatchAxisError")
    try:
        ba.shard_states(s, mesh, P("x", None))
    except ba.BatchAxisError as e:
        assert "State 'odd'" in str(e) and "2 dimensions" in str(e)
    else:
        raise AssertionError("no BatchAxisError")


@check("shard_map")
def shard_map_explicit_mesh_and_node_argument():
    mesh = jax.make_mesh((N,), ("x",))

    class Acc(graph.Node):
        def __init__(self):
            self.s = bsc.State(jnp.zeros(8))

    acc = Acc()

    def f(node, x):
        node.s.value = node.s.value + x
        return x

    ba.shard_map(f, mesh, (P(), P("x")), P("x"), state_specs={P("x"): acc})(acc, jnp.arange(8.0))
    np.testing.assert_allclose(acc.s.value, np.arange(8.0))


def main(group):
    results = {}
    for name, fn in CHECKS[group].items():
        try:
            fn()
            results[name] = "ok"
        except Exception:
            results[name] = traceback.format_exc()
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1])
