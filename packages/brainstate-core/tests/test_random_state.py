"""RandomState, the default generator and the key functions: seeding, splitting, restoring."""

import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

from brainstate_core import LongTermState, RandomKeyError, check_state_value_tree, random
from brainstate_core.extend import StateTraceStack

RandomState = random.RandomState


@pytest.fixture(autouse=True)
def _keep_default():
    """Tests may reseed DEFAULT: give it back its key (and backup) afterwards."""
    key, backup = random.DEFAULT._value, random.DEFAULT._backup
    yield
    random.DEFAULT.restore_value(key)
    random.DEFAULT._backup = backup


def _key(rng):
    return np.asarray(rng.get_key()).tolist()


# -- seeds and keys -------------------------------------------------------------------
def test_integer_seed_gives_the_jax_raw_key():
    rng = RandomState(42)
    assert _key(rng) == [0, 42]
    assert rng.get_key().dtype == np.uint32
    np.testing.assert_array_equal(rng.get_key(), jax.random.key_data(jax.random.key(42)))


@given(st.integers(0, 2**64 - 1))
def test_any_64_bit_seed_maps_to_high_and_low_words(seed):
    assert _key(RandomState(seed)) == [seed >> 32, seed & 0xFFFFFFFF]


@given(st.integers(0, 2**31 - 1))
def test_seed_matches_jax_prngkey(seed):
    np.testing.assert_array_equal(RandomState(seed).get_key(), jax.random.PRNGKey(seed))


@pytest.mark.parametrize(
    "key",
    [
        jax.random.key(7),
        jax.random.PRNGKey(7),
        np.array([0, 7], np.uint32),
        np.int64(7),
        np.array(7),
        jnp.array(7),
        7,
    ],
    ids=["typed", "raw-jax", "raw-numpy", "np-int", "np-0d", "jnp-0d", "int"],
)
def test_every_accepted_key_form(key):
    assert _key(RandomState(key)) == [0, 7]
    rng = RandomState(0)
    rng.set_key(key)
    assert _key(rng) == [0, 7]
    np.testing.assert_array_equal(
        random.normal(size=3, key=key), random.normal(size=3, key=jax.random.key(7))
    )


def test_a_numpy_key_is_copied():
    raw = np.array([0, 7], np.uint32)
    rng = RandomState(raw)
    raw[1] = 8
    assert _key(rng) == [0, 7]


def test_no_seed_takes_fresh_entropy_without_jax():
    a, b = RandomState(), RandomState()
    assert isinstance(a.value, np.ndarray) and a.value.dtype == np.uint32
    assert a.value.shape == (2,)
    assert _key(a) != _key(b)


BAD_KEYS = [
    (-1, r"\[0, 2\*\*64\)"),
    (2**64, r"\[0, 2\*\*64\)"),
    (1.5, "float 1.5"),
    ("abc", "str 'abc'"),
    (True, "bool"),
    (None, "NoneType"),
    (np.zeros(3, np.uint32), r"shape \(3,\) and dtype uint32"),
    (np.array([0, 1]), "dtype int64"),
    (np.float32(1.0), "float32"),
    ([0, 1], "np.asarray"),
    (jax.random.split(jax.random.key(0), 2), r"typed key array of shape \(2,\)"),
    (jax.random.key(0, impl="rbg"), "'rbg'"),
]
BAD_IDS = [
    "negative",
    "too-big",
    "float",
    "str",
    "bool",
    "none",
    "3-words",
    "int64-pair",
    "np-float",
    "list",
    "key-array",
    "rbg",
]


@pytest.mark.parametrize(("bad", "what"), BAD_KEYS, ids=BAD_IDS)
def test_bad_keys_are_rejected_naming_argument_expectation_and_value(bad, what):
    rng = RandomState(3)
    calls = [
        (lambda: rng.set_key(bad), "`key`"),
        (lambda: random.seed_context(bad).__enter__(), "`seed_or_key`"),
    ]
    if bad is not None:  # None means "no key" (use the generator) or "fresh entropy" there
        calls += [
            (lambda: random.normal(key=bad), "`key`"),
            (lambda: RandomState(bad), "`seed_or_key`"),
            (lambda: rng.seed(bad), "`seed_or_key`"),
        ]
    for call, arg in calls:
        with pytest.raises(RandomKeyError, match=what) as info:
            call()
        message = str(info.value)
        assert arg in message and "uint32[2]" in message
    assert isinstance(info.value, ValueError)
    assert _key(rng) == [0, 3]  # unchanged


def test_seed_rejects_bad_seeds_and_keeps_the_key():
    rng = RandomState(3)
    with pytest.raises(RandomKeyError, match="`seed_or_key`"):
        rng.seed(1.5)
    assert _key(rng) == [0, 3]


def test_a_traced_seed_works_under_jit_and_vmap():
    keys = jax.jit(lambda s: RandomState(s).get_key())(5)
    assert np.asarray(keys).tolist() == [0, 5]
    draws = jax.vmap(lambda s: RandomState(s).normal(size=2))(jnp.arange(3))
    np.testing.assert_allclose(draws[2], RandomState(2).normal(size=2), rtol=1e-6)
    assert not np.allclose(draws[0], draws[1])


# -- drawing advances the key ---------------------------------------------------------
def test_same_seed_same_numbers_and_each_draw_advances():
    rng = RandomState(0)
    k0 = _key(rng)
    a = rng.normal(size=3)
    k1 = _key(rng)
    b = rng.normal(size=3)
    assert k0 != k1 != _key(rng)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(RandomState(0).normal(size=3), a)


def test_explicit_key_neither_reads_nor_advances_the_generator():
    rng = RandomState(0)
    before = rng.value
    with StateTraceStack() as trace:
        x = rng.normal(size=3, key=jax.random.key(1))
    assert rng.value is before
    assert rng not in trace
    np.testing.assert_array_equal(x, jax.random.normal(jax.random.key(1), (3,)))


def test_a_draw_uses_the_key_that_split_key_would_return():
    a = RandomState(0).uniform(size=3)
    rng = RandomState(0)
    b = rng.uniform(size=3, key=rng.split_key())
    np.testing.assert_array_equal(a, b)
    other = RandomState(0)
    other.uniform(size=3)
    assert _key(rng) == _key(other)


def test_draws_in_a_loop_differ():
    rng = RandomState(1)
    draws = np.stack([rng.random(4) for _ in range(5)])
    assert len({tuple(row) for row in draws.tolist()}) == 5


def test_recorders_see_the_key_read_and_written():
    rng = RandomState(0)
    with StateTraceStack() as trace:
        rng.normal(size=2)
        random.normal(size=2)
    assert trace.get_write_states() == [rng, random.DEFAULT]


def test_a_recording_transform_threads_the_key_through_jit():
    """What bst.compile.jit does: swap the key for a trace input, return the written key."""
    rng = RandomState(0)

    @jax.jit
    def step(key):
        with StateTraceStack(new_arg=lambda state: key) as trace:
            x = rng.normal(size=3)
        (new_key,) = trace.get_state_values()
        trace.recover_original_values()
        return x, new_key

    x1, k1 = step(rng.value)
    x2, k2 = step(k1)
    eager = RandomState(0)
    np.testing.assert_allclose(x1, eager.normal(size=3), rtol=1e-6)
    np.testing.assert_allclose(x2, eager.normal(size=3), rtol=1e-6)
    np.testing.assert_array_equal(k2, eager.get_key())
    assert _key(rng) == [0, 0]  # the transform restored it


def test_drawing_keeps_the_value_tree():
    rng = RandomState(0)
    with check_state_value_tree():
        rng.normal()
        rng.seed(3)


# -- splitting, cloning, backups ------------------------------------------------------
def test_split_key_shapes_and_independence():
    rng = RandomState(0)
    one = rng.split_key()
    many = rng.split_key(4)
    assert one.shape == (2,) and one.dtype == jnp.uint32
    assert many.shape == (4, 2)
    assert rng.split_keys(3).shape == (3, 2)
    rows = {tuple(r) for r in np.asarray(many).tolist()} | {tuple(np.asarray(one).tolist())}
    assert len(rows) == 5 and tuple(_key(rng)) not in rows


@pytest.mark.parametrize(("n", "error"), [(0, ValueError), (-2, ValueError), (1.5, TypeError)])
def test_split_key_rejects_bad_counts(n, error):
    with pytest.raises(error, match="`n`"):
        RandomState(0).split_key(n)
    with pytest.raises(error, match="`n`"):
        random.split_keys(n)


def test_clone_is_independent_and_advances_the_parent():
    rng = RandomState(0)
    child = rng.clone()
    assert type(child) is RandomState and child is not rng
    assert _key(child) != _key(rng) and _key(rng) != [0, 0]
    assert not np.allclose(child.random(3), rng.random(3))


def test_backup_and_restore():
    rng = RandomState(0)
    with pytest.raises(RandomKeyError, match="backup_key"):
        rng.restore_key()
    rng.backup_key()
    rng.random()
    rng.restore_key()
    assert _key(rng) == [0, 0]
    rng.split_key(backup=True)
    rng.restore_key()
    assert _key(rng) == [0, 0]


def test_self_assign_multi_keys_for_vectorised_draws():
    rng = RandomState(0)
    rng.self_assign_multi_keys(4)
    assert rng.value.shape == (4, 2)
    with pytest.raises(RandomKeyError, match="self_assign_multi_keys"):
        rng.normal()
    draws = jax.vmap(lambda k: rng.normal(size=2, key=k))(rng.value)
    assert draws.shape == (4, 2) and not np.allclose(draws[0], draws[1])
    rng.restore_key()
    assert _key(rng) == [0, 0]


def test_is_a_long_term_state_and_survives_treefy_round_trips():
    rng = RandomState(5)
    assert isinstance(rng, LongTermState)
    back = rng.to_state_ref().to_state()
    assert type(back) is RandomState and _key(back) == [0, 5]
    assert back.random(2).shape == (2,)
    with pytest.raises(RandomKeyError):
        back.restore_key()
    assert _key(rng.copy()) == [0, 5]
    assert "RandomState(" in repr(rng) and "[0, 5]" in repr(rng)


# -- the default generator and module functions ---------------------------------------
def test_seed_mutates_default_in_place():
    default = random.DEFAULT
    random.seed(42)
    assert random.DEFAULT is default
    assert _key(default) == [0, 42] and np.asarray(random.get_key()).tolist() == [0, 42]
    a = random.normal(size=3)
    random.seed(42)
    np.testing.assert_array_equal(random.normal(size=3), a)
    random.seed()
    assert _key(default) != [0, 42]


def test_module_draws_advance_default_unless_given_a_key():
    random.seed(1)
    k = _key(random.DEFAULT)
    random.random(2, key=3)
    assert _key(random.DEFAULT) == k
    random.random(2)
    assert _key(random.DEFAULT) != k


def test_module_key_functions():
    random.set_key(jax.random.key(9))
    assert _key(random.DEFAULT) == [0, 9]
    assert random.split_key().shape == (2,) and random.split_keys(2).shape == (2, 2)
    assert _key(random.DEFAULT) != [0, 9]
    random.seed(9)
    random.backup_key()
    random.split_key()
    random.restore_key()
    assert _key(random.DEFAULT) == [0, 9]
    random.self_assign_multi_keys(3)
    assert random.get_key().shape == (3, 2)
    random.restore_key()
    assert _key(random.DEFAULT) == [0, 9]


def test_default_rng_and_clone_rng_make_new_generators():
    rng = random.default_rng(3)
    assert rng is not random.DEFAULT and _key(rng) == [0, 3]
    assert random.default_rng() is random.DEFAULT  # as brainstate 0.1 (not numpy)
    random.seed(4)
    clone = random.clone_rng()
    assert clone is not random.DEFAULT and _key(random.DEFAULT) != [0, 4]
    assert _key(random.clone_rng(8)) == [0, 8]


def test_seed_context_is_reproducible_and_restores_the_outer_stream():
    random.seed(1)
    expected = random.random(3)
    random.seed(1)
    with random.seed_context(42) as rng:
        assert rng is random.DEFAULT
        first = random.random(3)
        with random.seed_context(7):
            random.random(3)
        second = random.random(3)
    np.testing.assert_array_equal(random.random(3), expected)
    with random.seed_context(42):
        np.testing.assert_array_equal(random.random(3), first)
        np.testing.assert_array_equal(random.random(3), second)


def test_seed_context_restores_on_exception():
    random.seed(5)
    with pytest.raises(ZeroDivisionError), random.seed_context(0):
        random.random()
        1 / 0  # noqa: B018
    assert _key(random.DEFAULT) == [0, 5]


def test_seed_context_with_a_bad_seed_changes_nothing():
    random.seed(5)
    with pytest.raises(RandomKeyError, match="`seed_or_key`"), random.seed_context("x"):
        pass
    assert _key(random.DEFAULT) == [0, 5]


def test_importing_does_not_start_the_jax_backend():
    code = textwrap.dedent(
        """
        import brainstate_core
        from brainstate_core import random
        random.seed(3)
        random.RandomState(1)
        random.RandomState()
        with random.seed_context(4):
            pass
        from jax._src import xla_bridge
        print("initialised" if xla_bridge.backends_are_initialized() else "clean")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "clean", out.stderr


def test_a_key_saved_inside_a_finished_transformation_is_not_restored():
    rng = random.RandomState(0)
    key = rng.value

    def inside(x):
        rng.value = rng.value + x  # the key is a tracer of this trace ...
        rng.backup_key()  # ... and so is the saved copy
        rng.value = key
        return x

    jax.jit(inside)(jnp.uint32(0))
    with pytest.raises(RandomKeyError, match="saved inside a transformed function"):
        rng.restore_key()
    assert rng.value.tolist() == key.tolist()  # left as it was, and still usable
    assert rng.random().shape == ()
