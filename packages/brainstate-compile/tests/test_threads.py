"""Transforms in several threads at once: recorders are per thread, results stay correct."""

import threading

import jax.numpy as jnp
import numpy as np

import brainstate_compile as bc
import brainstate_core as bsc

_TIMEOUT = 60


def _run_threads(workers):
    errors, threads = [], []

    def wrap(w):
        def run():
            try:
                w()
            except BaseException as e:  # reported to the main thread below
                errors.append(e)

        return run

    for w in workers:
        threads.append(threading.Thread(target=wrap(w)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    if errors:
        raise errors[0]


def test_two_threads_jit_different_stateful_functions():
    barrier = threading.Barrier(2, timeout=_TIMEOUT)
    results = {}

    def make_worker(k):
        def work():
            acc = bsc.State(jnp.zeros(3) + k, name=f"acc{k}")
            gain = bsc.State(jnp.asarray(float(k)), name=f"gain{k}")

            @bc.jit
            def step(x):
                acc.value = acc.value * 0.5 + x * gain.value
                return acc.value.sum()

            barrier.wait()  # both threads trace and run at the same time
            outs = [step(float(i)) for i in range(6)]
            results[k] = (np.asarray(outs), np.asarray(acc.value), step.states == [acc, gain])

        return work

    _run_threads([make_worker(1), make_worker(2)])
    for k in (1, 2):
        ref, refs = np.zeros(3) + k, []
        for i in range(6):
            ref = ref * 0.5 + i * k
            refs.append(ref.sum())
        outs, acc, states_ok = results[k]
        np.testing.assert_allclose(outs, refs, rtol=1e-6)
        np.testing.assert_allclose(acc, ref, rtol=1e-6)
        assert states_ok


def test_threads_tracing_at_the_same_time_keep_their_states_apart():
    """Both traces are in progress together (a barrier inside the traced code): each
    transform sees only the States its own thread touches."""
    barrier = threading.Barrier(2, timeout=_TIMEOUT)
    results = {}

    def make_worker(k):
        def work():
            s = bsc.State(jnp.asarray(0.0), name=f"s{k}")
            first_trace = [True]

            def body(i):
                if first_trace[0]:
                    first_trace[0] = False
                    barrier.wait()  # the other thread is inside its own trace now
                s.value = s.value + i * k

            @bc.jit
            def run(xs):
                bc.for_loop(body, xs)
                return s.value

            results[k] = (float(run(jnp.arange(5.0))), run.states == [s])

        return work

    _run_threads([make_worker(1), make_worker(3)])
    assert results[1] == (10.0, True)
    assert results[3] == (30.0, True)


def test_one_jitted_function_shared_by_threads_with_read_only_states():
    w = bsc.ParamState(jnp.arange(4.0), name="w")
    f = bc.jit(lambda x: (w.value * x).sum())
    barrier = threading.Barrier(3, timeout=_TIMEOUT)
    results = {}

    def make_worker(k):
        def work():
            barrier.wait()
            results[k] = [float(f(jnp.asarray(float(k + i)))) for i in range(5)]

        return work

    _run_threads([make_worker(k) for k in range(3)])
    for k in range(3):
        assert results[k] == [6.0 * (k + i) for i in range(5)]
    assert f.states == [w]


def test_concurrent_first_traces_of_one_stateful_function_lose_no_write():
    """Two threads trace the same StatefulFunction for the first time together: the one that
    finishes last was given the (then empty) set of States, which the other thread grew
    meanwhile. It must trace again rather than cache a program that drops the write."""
    s = bsc.State(jnp.zeros(()), name="s")
    barrier = threading.Barrier(2, timeout=_TIMEOUT)
    seen = threading.local()
    finish_last = threading.Event()

    def f():
        if not getattr(seen, "done", False):
            seen.done = True
            barrier.wait()  # both threads are inside their first trace, with no known States
            if threading.current_thread().name == "late":
                finish_last.wait(_TIMEOUT)
        s.value = s.value + 1.0
        return s.value

    sf = bc.StatefulFunction(f)
    found = {}

    def work():
        name = threading.current_thread().name
        found[name] = sf.get_write_states()
        if name == "early":
            finish_last.set()

    threads = [threading.Thread(target=work, name=n) for n in ("early", "late")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(_TIMEOUT)
    assert found == {"early": [s], "late": [s]}
    assert float(sf()) == 1.0 and float(s.value) == 1.0
    assert float(sf()) == 2.0 and float(s.value) == 2.0
