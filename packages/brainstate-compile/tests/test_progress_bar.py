"""``ProgressBar``: a tqdm bar on stderr, fed from the compiled loop; results unchanged."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_compile as bc
import brainstate_core as bsc

pytest.importorskip("tqdm")


def _run(pbar, loop=bc.for_loop, n=50):
    total = bsc.State(jnp.zeros(()), name="total")

    def step(i):
        total.value += i
        return total.value

    ys = loop(step, jnp.arange(float(n)), pbar=pbar)
    jax.effects_barrier()  # the bar is drawn by host callbacks: wait for them
    return ys, total.value


def test_bar_printed_to_stderr_and_result_unchanged(capfd):
    ref_ys, ref_total = _run(None)
    ys, total = _run(bc.ProgressBar(freq=10, desc="Simulating"))
    out, err = capfd.readouterr()
    np.testing.assert_array_equal(ys, ref_ys)
    assert float(total) == float(ref_total) == sum(range(50))
    assert "Simulating" in err and "50/50" in err and "100%" in err
    assert "Simulating" not in out


@pytest.mark.parametrize("pbar", [True, 10, bc.ProgressBar(count=5)])
def test_pbar_shorthands_accepted(pbar, capfd):
    ys, _ = _run(pbar, n=20)
    err = capfd.readouterr().err
    np.testing.assert_array_equal(ys, np.cumsum(np.arange(20.0)))
    assert "20/20" in err


@pytest.mark.parametrize("pbar", [False, None])
def test_no_bar(pbar, capfd):
    _run(pbar)
    assert capfd.readouterr().err == ""


def test_disabled_tqdm_prints_nothing(capfd):
    ys, _ = _run(bc.ProgressBar(freq=5, disable=True))
    assert capfd.readouterr().err == ""
    np.testing.assert_array_equal(ys, np.cumsum(np.arange(50.0)))


@pytest.mark.parametrize("pbar", ["yes", 1.5, object()])
def test_invalid_pbar_is_a_type_error(pbar):
    with pytest.raises(TypeError, match="pbar"):
        bc.for_loop(lambda i: i, jnp.arange(3.0), pbar=pbar)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"freq": 0}, "freq"), ({"count": -1}, "count"), ({"freq": 2, "count": 2}, "not both")],
)
def test_invalid_progress_bar_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bc.ProgressBar(**kwargs)


def test_bar_in_scan_checkpointed_loop_and_jit(capfd):
    acc = bsc.State(jnp.zeros(()), name="acc")

    def step(c, x):
        acc.value += x
        return c + 1, acc.value

    c, ys = bc.scan(step, 0, jnp.arange(12.0), pbar=bc.ProgressBar(freq=4, desc="scan"))
    jax.effects_barrier()
    assert int(c) == 12 and float(ys[-1]) == 66.0
    assert "12/12" in capfd.readouterr().err

    ys = bc.checkpointed_for_loop(lambda x: x * 2, jnp.arange(12.0), base=3, pbar=4)
    jax.effects_barrier()
    np.testing.assert_array_equal(ys, np.arange(12.0) * 2)
    assert "12/12" in capfd.readouterr().err

    bar = bc.ProgressBar(freq=3, desc="jitted")

    @bc.jit
    def run(xs):
        return bc.for_loop(lambda x: acc.value + x, xs, pbar=bar)

    for _ in range(2):  # the same bar object is reused across calls
        np.testing.assert_array_equal(run(jnp.arange(6.0)), 66.0 + np.arange(6.0))
        jax.effects_barrier()
        err = capfd.readouterr().err
        assert "jitted" in err and "6/6" in err


# -- brainstate 0.1's desc=(fmt, fn): a text made at every report -------------------------------


def test_desc_pair_formats_each_report_from_the_step(capfd):
    bar = bc.ProgressBar(
        freq=1, desc=("step {i} y {y:.1f}", lambda d: {"i": d["i"], "y": d["y"]}), mininterval=0
    )
    ys = bc.for_loop(lambda x: x * 2, jnp.arange(4.0), pbar=bar)
    jax.effects_barrier()
    np.testing.assert_array_equal(ys, [0.0, 2.0, 4.0, 6.0])
    err = capfd.readouterr().err
    for i in range(4):
        assert f"step {i} y {2.0 * i:.1f}" in err
    assert "4/4" in err


def test_desc_pair_sees_the_carry_of_scan(capfd):
    bar = bc.ProgressBar(freq=2, desc=("carry={c}", lambda d: {"c": d["carry"]}), mininterval=0)
    c, _ = bc.scan(lambda c, x: (c + x, x), jnp.asarray(0), jnp.arange(1, 5), pbar=bar)
    jax.effects_barrier()
    assert int(c) == 10
    err = capfd.readouterr().err
    assert "carry=3" in err and "carry=10" in err  # after steps 2 and 4


def test_plain_desc_still_works_and_default_is_running(capfd):
    assert bc.ProgressBar().desc == "Running"
    _run(bc.ProgressBar(freq=25, desc="plain text", mininterval=0))
    assert "plain text" in capfd.readouterr().err


@pytest.mark.parametrize(
    "desc, match",
    [
        (("step {i}",), r"got \(str\)"),
        (("step {i}", "not callable"), r"got \(str, str\)"),
        ((lambda d: d, "step {i}"), r"got \(function, str\)"),
        (3, r"got int"),
    ],
)
def test_invalid_desc_is_a_type_error(desc, match):
    with pytest.raises(
        TypeError, match=r"ProgressBar\(desc=\.\.\.\) must be a str or a pair .*" + match
    ):
        bc.ProgressBar(desc=desc)


def test_desc_function_must_return_a_dict():
    bar = bc.ProgressBar(desc=("step {i}", lambda d: d["i"]))
    with pytest.raises(
        TypeError, match=r"fn must return a dict of the values for the format string, got \w+"
    ):
        bc.for_loop(lambda x: x, jnp.arange(3.0), pbar=bar)
