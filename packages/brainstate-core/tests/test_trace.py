"""The State-recording protocol: StateTraceStack, nesting, new_arg, restore, threads."""

import threading

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

from brainstate_core import LeakedTracerError, ParamState, State, StateTraceError
from brainstate_core.extend import StateTraceStack, active_recorders, current_recorder_id

GLOBAL_STATE = State(jnp.zeros(()), name="global")


def _ids(states):
    return [id(s) for s in states]


def test_reads_and_writes_in_first_access_order():
    a, b, c, d = (State(jnp.full((), float(i)), name=n) for i, n in enumerate("abcd"))
    with StateTraceStack() as trace:
        _ = c.value  # read only
        a.value = b.value + 1  # b read, a written
        _ = a.value  # a stays written
        d.value = 1.0
        _ = d.value
        b.value = b.value  # b read first, written later
    assert _ids(trace.get_states()) == _ids([c, b, a, d])
    assert trace.been_written == [False, True, True, True]
    assert _ids(trace.get_write_states()) == _ids([b, a, d])
    assert _ids(trace.get_read_states()) == _ids([c])
    assert len(trace) == 4 and list(trace) == trace.get_states()
    assert a in trace and State(0.0) not in trace
    # the recorder does not undo writes by itself
    assert float(a.value) == 2.0


def test_values_and_originals():
    a, b = State(jnp.ones(2)), State(jnp.zeros(2))
    orig_a, orig_b = a.value, b.value
    with StateTraceStack() as trace:
        b.value = a.value * 3
    assert trace.get_original_values()[0] is orig_a
    assert trace.get_original_values()[1] is orig_b
    values = trace.get_state_values()
    assert values[0] is orig_a and values[1] is b.value
    writes, reads = trace.get_state_values(separate=True)
    assert writes == [b.value] and reads == [orig_a]
    trace.recover_original_values()
    assert a.value is orig_a and b.value is orig_b
    # the brainstate 0.1 spelling still works
    assert StateTraceStack.recovery_original_values is StateTraceStack.recover_original_values


class _Holder:
    def __init__(self):
        self.s = State(jnp.ones(()), name="attr")


def test_states_reached_any_way_are_recorded():
    closure = State(jnp.ones(()), name="closure")
    in_list = [State(jnp.ones(()), name="l0"), State(jnp.ones(()), name="l1")]
    in_dict = {"k": ParamState(jnp.ones(()), name="d")}
    holder = _Holder()

    def fn():
        total = closure.value + GLOBAL_STATE.value
        for s in in_list:
            total = total + s.value
        in_dict["k"].value = total
        holder.s.value = holder.s.value * total
        return total

    with StateTraceStack() as trace:
        fn()
    expected = [closure, GLOBAL_STATE, *in_list, in_dict["k"], holder.s]
    assert _ids(trace.get_states()) == _ids(expected)
    assert _ids(trace.get_write_states()) == _ids([in_dict["k"], holder.s])
    GLOBAL_STATE.restore_value(jnp.zeros(()))


def test_no_recording_outside_recorders():
    s = State(1.0)
    s.value = 2.0
    with StateTraceStack() as trace:
        pass
    _ = s.value
    assert trace.get_states() == []


def test_nested_recorders_both_see_outer_states():
    a, b = State(1.0), State(2.0)
    with StateTraceStack() as outer:
        _ = a.value
        with StateTraceStack() as inner:
            b.value = a.value
        assert active_recorders() == (outer,)
    assert _ids(inner.get_states()) == _ids([a, b])  # the right side is evaluated first
    assert inner.been_written == [False, True]
    assert _ids(outer.get_states()) == _ids([a, b])
    assert outer.been_written == [False, True]


def test_state_created_inside_recorder_is_local():
    pre = State(0.0, name="pre")
    with StateTraceStack(name="O") as outer:
        with StateTraceStack(name="R") as r:
            local = State(1.0, name="local")
            local.value = local.value + 1
            _ = pre.value
            with StateTraceStack(name="inside R") as later:
                local.value = local.value * 2
        # still invisible to O after R exits: it was created while O was active
        local.value = 0.0
        with StateTraceStack(name="R2") as r2:
            _ = local.value
    assert _ids(r.get_states()) == _ids([pre])
    assert _ids(outer.get_states()) == _ids([pre])
    assert _ids(later.get_states()) == _ids([local])
    assert later.been_written == [True]
    assert _ids(r2.get_states()) == _ids([local])
    # once every recorder around its creation is gone, the escaped State is seen by all
    with StateTraceStack() as fresh:
        with StateTraceStack() as fresh_inner:
            local.value = 5.0
    assert _ids(fresh.get_states()) == _ids([local])
    assert _ids(fresh_inner.get_states()) == _ids([local])


def test_copy_and_ref_made_inside_recorder_are_local():
    s = State(jnp.ones(()))
    with StateTraceStack() as trace:
        c = s.copy()
        r = s.to_state_ref().to_state()
        c.value = r.value + 1
    assert _ids(trace.get_states()) == _ids([s])  # only the read of s by to_state_ref


def test_new_arg_swaps_value_on_first_access_only():
    s, t = State(jnp.ones(2)), State(jnp.zeros(2))
    calls = []

    def new_arg(state):
        calls.append(state)
        return state._value + 10

    orig_s, orig_t = s.value, t.value
    with StateTraceStack(new_arg=new_arg) as trace:
        first = s.value
        second = s.value
        t.value = first * 2  # a write as first access also calls new_arg
    assert _ids(calls) == _ids([s, t])
    np.testing.assert_array_equal(first, np.full(2, 11.0))
    assert second is first
    np.testing.assert_array_equal(t.value, np.full(2, 22.0))
    assert trace.get_original_values()[0] is orig_s
    assert trace.get_original_values()[1] is orig_t
    trace.recover_original_values()
    assert s.value is orig_s and t.value is orig_t


def test_new_arg_runs_outermost_first_and_recovers_in_layers():
    s = State(jnp.zeros(()))
    order = []

    def hook(label, delta):
        def new_arg(state):
            order.append(label)
            return state._value + delta

        return new_arg

    with StateTraceStack(new_arg=hook("outer", 1.0)) as outer:
        with StateTraceStack(new_arg=hook("inner", 10.0)) as inner:
            assert float(s.value) == 11.0
            _ = s.value
        assert order == ["outer", "inner"]
        assert float(inner.get_original_values()[0]) == 1.0
        inner.recover_original_values()
        assert float(s.value) == 1.0
    assert float(outer.get_original_values()[0]) == 0.0
    outer.recover_original_values()
    assert float(s.value) == 0.0
    assert order == ["outer", "inner"]


def _trace_with_new_arg(s, recover):
    """What a State-aware transform does: swap in the traced input, run, read out, restore."""

    @jax.jit
    def pure(x):
        with StateTraceStack(new_arg=lambda state: x) as trace:
            s.value = s.value * 2 + 1
        out = trace.get_state_values()[0]
        if recover:
            trace.recover_original_values()
        return out

    return pure(s.value)


def test_new_arg_with_tracers_and_recover():
    s = State(jnp.ones(3), name="s")
    before = s.value
    out = _trace_with_new_arg(s, recover=True)
    np.testing.assert_array_equal(out, np.full(3, 3.0))
    assert s.value is before  # restored, and reading does not raise
    s.value = out
    np.testing.assert_array_equal(s.value, np.full(3, 3.0))


def test_new_arg_with_tracers_without_recover_leaks():
    s = State(jnp.ones(3), name="s")
    _trace_with_new_arg(s, recover=False)
    with pytest.raises(LeakedTracerError, match="'s'"):
        _ = s.value
    s.value = jnp.zeros(3)
    np.testing.assert_array_equal(s.value, np.zeros(3))


def test_merge():
    a, b, c = State(1.0), State(2.0), State(3.0)
    with StateTraceStack(name="first") as t1:
        _ = a.value
        b.value = 20.0
    with StateTraceStack() as t2:
        _ = c.value
        a.value = 10.0
        _ = b.value
    merged = t1.merge(t2)
    assert merged not in active_recorders() and merged.name == "first"
    assert _ids(merged.get_states()) == _ids([a, b, c])
    assert merged.been_written == [True, True, False]
    # first seen wins for the original values
    assert merged.get_original_values() == [1.0, 2.0, 3.0]
    # the inputs are untouched
    assert t1.been_written == [False, True] and len(t2) == 3
    assert len(t1.merge()) == 2


def test_active_recorders_and_ids():
    assert active_recorders() == () and current_recorder_id() == 0
    with StateTraceStack() as a:
        assert current_recorder_id() == a.id
        with StateTraceStack() as b:
            assert active_recorders() == (a, b)
            assert current_recorder_id() == b.id
        assert active_recorders() == (a,)
    assert a.id != b.id
    assert current_recorder_id() == 0


def test_repr():
    s, t = State(1.0), State(2.0)
    with StateTraceStack() as trace:
        s.value = t.value
    assert repr(trace) == f"StateTraceStack(id={trace.id}, states=2, written=1, read=1)"


def test_exiting_out_of_order_raises():
    outer = StateTraceStack(name="outer")
    inner = StateTraceStack()
    outer.__enter__()
    inner.__enter__()
    try:
        with pytest.raises(StateTraceError, match=r"outer.*innermost"):
            outer.__exit__(None, None, None)
        # nothing was popped: the stack is still consistent
        assert active_recorders() == (outer, inner)
    finally:
        inner.__exit__(None, None, None)
        outer.__exit__(None, None, None)
    with pytest.raises(StateTraceError, match=str(inner.id)):
        inner.__exit__(None, None, None)  # not active at all


def test_recorder_is_popped_on_exception():
    s = State(1.0)
    with pytest.raises(ValueError), StateTraceStack() as trace:
        s.value = 2.0
        raise ValueError
    assert active_recorders() == ()
    assert trace.get_write_states() == [s]


def test_threads_have_their_own_recorders():
    shared = [State(float(i), name=f"s{i}") for i in range(4)]
    barrier = threading.Barrier(2, timeout=10)
    results, errors = {}, []

    def worker(k):
        try:
            mine = shared[2 * k : 2 * k + 2]
            with StateTraceStack() as trace:
                barrier.wait()  # both recorders are active now
                for s in mine:
                    s.value = s.value + 1
                barrier.wait()  # both threads have made their accesses
                local = State(0.0)
            results[k] = (trace, active_recorders(), local)
        except BaseException as e:  # reported below
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    for k in range(2):
        trace, left_over, _ = results[k]
        assert _ids(trace.get_states()) == _ids(shared[2 * k : 2 * k + 2])
        assert trace.been_written == [True, True]
        assert left_over == ()
    assert active_recorders() == ()
    # a State created in another thread's recorder is visible to this thread's recorders
    with StateTraceStack() as here:
        _ = results[0][2].value
    assert len(here) == 1


ops = st.lists(st.tuples(st.integers(0, 4), st.booleans()), max_size=20)


@given(ops)
def test_recording_matches_a_simple_model(accesses):
    states = [State(i) for i in range(5)]
    with StateTraceStack() as trace:
        for i, write in accesses:
            if write:
                states[i].value = states[i].value + 1 if i % 2 else -1
            else:
                _ = states[i].value
    order, written = [], {}
    for i, write in accesses:
        if i not in written:
            order.append(i)
            written[i] = False
        # `x.value = x.value + 1` reads before it writes
        written[i] = written[i] or write
    assert _ids(trace.get_states()) == _ids([states[i] for i in order])
    assert trace.been_written == [written[i] for i in order]
    assert trace.get_original_values() == order


def test_rebindings_are_counted_outside_of_recorded_traces_only():
    from brainstate_core.extend import REBINDINGS, note_rebinding

    before = REBINDINGS[0]
    note_rebinding()
    assert REBINDINGS[0] == before + 1
    with StateTraceStack():  # States replaced inside a trace are local to it
        note_rebinding()
    assert REBINDINGS[0] == before + 1
