"""Tests of ``brainstate_core.environ``: global settings, contexts, precision, devices."""

import os
import subprocess
import sys
import textwrap
import threading

import jax
import jax.numpy as jnp
import pytest

from brainstate_core import EnvironError, environ
from brainstate_core._src import environ as impl
from brainstate_core.mixin import Batching, JointMode, Mode, Training

FLAG = "--xla_force_host_platform_device_count"


@pytest.fixture(autouse=True)
def isolated_environ():
    """Give each test the global settings, behaviours and x64 flag it started with."""
    saved_globals = dict(impl._GLOBALS)
    saved_behaviors = dict(impl._BEHAVIORS)
    saved_x64 = jax.config.jax_enable_x64
    try:
        yield
    finally:
        leftover = list(impl._CONTEXTS.frames)
        impl._CONTEXTS.frames.clear()
        impl._GLOBALS.clear()
        impl._GLOBALS.update(saved_globals)
        impl._BEHAVIORS.clear()
        impl._BEHAVIORS.update(saved_behaviors)
        jax.config.update("jax_enable_x64", saved_x64)
    assert not leftover, "a context was left open"


def test_public_names():
    expected = {
        "I",
        "T",
        "FIT",
        "JIT_ERROR_CHECK",
        "set",
        "get",
        "pop",
        "all",
        "context",
        "register_default_behavior",
        "get_dt",
        "get_mode",
        "get_platform",
        "set_platform",
        "get_host_device_count",
        "set_host_device_count",
        "get_precision",
        "set_precision",
        "dftype",
        "ditype",
        "dutype",
        "dctype",
        "tolerance",
    }
    assert set(environ.__all__) == expected
    for name in expected - {"I", "T", "FIT", "JIT_ERROR_CHECK"}:  # those name settings
        assert callable(getattr(environ, name))


# -- get / set / pop -------------------------------------------------------------------


def test_set_get_pop_roundtrip():
    environ.set(dt=0.25, my_flag="on", maybe=None)
    assert environ.get("dt") == 0.25
    assert environ.get_dt() == 0.25
    assert environ.get("my_flag") == "on"
    assert environ.get("maybe") is None
    assert environ.pop("my_flag") == "on"
    assert environ.get("my_flag", default="off") == "off"


def test_named_none_arguments_change_nothing():
    environ.set(dt=0.5)
    environ.set(dt=None, mode=None, precision=None)
    assert environ.get_dt() == 0.5


def test_get_default_is_used_only_when_missing():
    assert environ.get("absent_key", default=3) == 3
    assert environ.get("absent_key", default=None) is None
    environ.set(absent_key=1)
    assert environ.get("absent_key", default=3) == 1


def test_get_missing_key_error_says_how_to_set_it():
    with pytest.raises(EnvironError) as info:
        environ.get("absent_key")
    message = str(info.value)
    assert "'absent_key'" in message
    assert "bst.environ.set(absent_key=...)" in message
    assert "bst.environ.context(absent_key=...)" in message
    assert isinstance(info.value, KeyError)


def test_get_missing_key_error_includes_the_description():
    with pytest.raises(EnvironError, match="the learning rate"):
        environ.get("lr", desc="the learning rate")


def test_get_dt_error_names_dt():
    environ.pop("dt", default=None)
    with pytest.raises(EnvironError) as info:
        environ.get_dt()
    message = str(info.value)
    assert "'dt'" in message
    assert "time step" in message
    assert "bst.environ.set(dt=...)" in message


def test_pop_touches_only_the_global_layer():
    environ.set(level=1)
    with environ.context(level=2):
        assert environ.pop("level") == 1
        assert environ.get("level") == 2
    assert environ.get("level", default=None) is None


def test_pop_missing_key():
    assert environ.pop("absent_key", default=None) is None
    with pytest.raises(EnvironError, match=r"'absent_key'.*no global value"):
        environ.pop("absent_key")


def test_invalid_set_changes_nothing():
    environ.set(dt=0.1)
    with pytest.raises(EnvironError, match="precision"):
        environ.set(dt=0.2, precision=7)
    assert environ.get_dt() == 0.1


def test_all_merges_globals_and_contexts():
    environ.set(dt=0.1, a=1)
    with environ.context(a=2, b=3) as snapshot:
        settings = environ.all()
        assert snapshot == settings
    assert settings["dt"] == 0.1
    assert settings["a"] == 2
    assert settings["b"] == 3
    assert settings["precision"] == environ.get_precision()
    assert settings["mode"] == environ.get_mode()
    after = environ.all()
    assert after["a"] == 1
    assert "b" not in after


# -- contexts --------------------------------------------------------------------------


def test_three_nested_contexts_override_and_restore():
    environ.set(dt=1.0, name="global")
    with environ.context(dt=0.1):
        assert environ.get_dt() == 0.1
        assert environ.get("name") == "global"
        with environ.context(dt=0.01, name="middle"):
            assert environ.get_dt() == 0.01
            with environ.context(dt=0.001):
                assert environ.get_dt() == 0.001
                assert environ.get("name") == "middle"
            assert environ.get_dt() == 0.01
        assert environ.get_dt() == 0.1
        assert environ.get("name") == "global"
    assert environ.get_dt() == 1.0


def test_global_set_inside_a_context_is_shadowed_until_it_ends():
    with environ.context(dt=0.1):
        environ.set(dt=0.5)
        assert environ.get_dt() == 0.1
    assert environ.get_dt() == 0.5


def test_exception_inside_contexts_restores():
    environ.set(dt=1.0)
    x64_before = jax.config.jax_enable_x64
    with pytest.raises(ZeroDivisionError):
        with environ.context(dt=0.1):
            with environ.context(dt=0.01, precision=64 if not x64_before else 32):
                assert jax.config.jax_enable_x64 is not x64_before
                raise ZeroDivisionError("boom")
    assert environ.get_dt() == 1.0
    assert jax.config.jax_enable_x64 == x64_before
    assert impl._CONTEXTS.frames == []


def test_context_as_decorator():
    @environ.context(dt=0.2)
    def step():
        return environ.get_dt()

    assert step() == 0.2
    assert step() == 0.2
    assert environ.get("dt", default=None) is None


@pytest.mark.parametrize("key", ["platform", "host_device_count"])
def test_context_refuses_process_wide_settings(key):
    with pytest.raises(EnvironError, match=f"'{key}'.*bst.environ.set"):
        with environ.context(**{key: "cpu" if key == "platform" else 2}):
            pass


def test_invalid_context_value_opens_no_context():
    with pytest.raises(EnvironError):
        with environ.context(dt=0.1, precision="fp32"):
            pass
    assert impl._CONTEXTS.frames == []
    assert environ.get("dt", default=None) is None


def test_contexts_are_thread_local_and_globals_are_shared():
    environ.set(shared="from-main")
    barrier = threading.Barrier(3, timeout=10)
    seen = {}
    errors = []

    def worker(name, dt, precision):
        try:
            with environ.context(dt=dt, precision=precision):
                barrier.wait()  # all threads are inside their own contexts now
                seen[name] = (
                    environ.get_dt(),
                    environ.get_precision(),
                    jnp.zeros(()).dtype,
                    environ.get("shared"),
                )
                barrier.wait()  # nobody leaves before everyone has read
            seen[name + "-after"] = environ.get("dt", default=None)
            environ.set(**{f"written_by_{name}": True})
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
            barrier.abort()

    threads = [
        threading.Thread(target=worker, args=("a", 0.1, 64)),
        threading.Thread(target=worker, args=("b", 0.2, 32)),
    ]
    x64_before = jax.config.jax_enable_x64
    for t in threads:
        t.start()
    main_view = None
    try:
        barrier.wait()
        main_view = environ.get("dt", default=None), jax.config.jax_enable_x64
        barrier.wait()
    except threading.BrokenBarrierError:
        pass  # a worker failed; its error is raised below
    for t in threads:
        t.join(timeout=10)
    if errors:
        raise errors[0]

    assert seen["a"] == (0.1, 64, jnp.dtype("float64"), "from-main")
    assert seen["b"] == (0.2, 32, jnp.dtype("float32"), "from-main")
    assert seen["a-after"] is None and seen["b-after"] is None
    assert main_view == (None, x64_before)
    assert environ.get("written_by_a") is True
    assert environ.get("written_by_b") is True


# -- precision and dtypes ------------------------------------------------------------


def test_set_precision_switches_x64():
    environ.set_precision(64)
    assert jax.config.jax_enable_x64
    assert environ.get_precision() == 64
    assert jnp.zeros(()).dtype == jnp.float64
    environ.set_precision(32)
    assert not jax.config.jax_enable_x64
    assert jnp.zeros(()).dtype == jnp.float32
    environ.set(precision="bf16")
    assert not jax.config.jax_enable_x64
    assert environ.get("precision") == "bf16"


def test_context_precision_switches_x64_and_restores():
    environ.set_precision(32)
    with environ.context(precision=64):
        assert jax.config.jax_enable_x64
        assert jnp.zeros(()).dtype == jnp.float64
        with environ.context(precision=16):
            assert not jax.config.jax_enable_x64
            assert jnp.zeros(()).dtype == jnp.float32
            assert environ.get_precision() == 16
        assert jnp.zeros(()).dtype == jnp.float64
        with environ.context(dt=0.1):  # a context without precision leaves x64 alone
            assert jax.config.jax_enable_x64
    assert not jax.config.jax_enable_x64
    assert jnp.zeros(()).dtype == jnp.float32
    assert environ.get_precision() == 32


def test_unset_precision_follows_jax_x64():
    environ.pop("precision", default=None)
    jax.config.update("jax_enable_x64", False)
    assert environ.get_precision() == 32
    with jax.enable_x64(True):
        assert environ.get_precision() == 64
    assert environ.get("precision", default="unused") == 32


@pytest.mark.parametrize(
    ("given", "stored"), [(64, 64), (32, 32), ("16", 16), ("bfloat16", "bf16"), (8, 8)]
)
def test_precision_spellings(given, stored):
    environ.set(precision=given)
    assert environ.get("precision") == stored


@pytest.mark.parametrize(
    ("precision", "bits"), [(64, 64), (32, 32), (16, 16), ("bf16", 16), (8, 8)]
)
def test_get_precision_is_an_int_of_bits_as_brainstate_01(precision, bits):
    with environ.context(precision=precision):
        assert environ.get_precision() == bits and type(environ.get_precision()) is int
        assert environ.get("precision") == precision


def test_brainstate_01_setting_names():
    assert (environ.I, environ.T, environ.FIT) == ("i", "t", "fit")
    assert environ.JIT_ERROR_CHECK == "jit_error_check"
    with environ.context(**{environ.I: 3, environ.T: 0.5}):
        assert environ.get(environ.I) == 3 and environ.get(environ.T) == 0.5


def test_get_platform_without_a_choice_is_the_default_backend_as_brainstate_01():
    environ.pop("platform", default=None)
    assert environ.get("platform") == jax.default_backend() == environ.get_platform()


@pytest.mark.parametrize("bad", [True, 12, "fp32", 32.0, [32]])
def test_invalid_precision(bad):
    with pytest.raises(EnvironError) as info:
        environ.set_precision(bad)
    message = str(info.value)
    assert "'precision'" in message
    assert "64, 32, 16, 'bf16' or 8" in message
    assert repr(bad) in message
    with pytest.raises(EnvironError):
        with environ.context(precision=bad):
            pass


DTYPES = {
    64: (jnp.float64, jnp.int64, jnp.uint64, jnp.complex128, 1e-12),
    32: (jnp.float32, jnp.int32, jnp.uint32, jnp.complex64, 1e-5),
    16: (jnp.float16, jnp.int16, jnp.uint16, jnp.complex64, 1e-2),
    "bf16": (jnp.bfloat16, jnp.int16, jnp.uint16, jnp.complex64, 1e-2),
    8: (jnp.float8_e5m2, jnp.int8, jnp.uint8, jnp.complex64, 0.25),
}


@pytest.mark.parametrize("precision", list(DTYPES))
def test_dtypes_and_tolerance_per_precision(precision):
    f, i, u, c, tol = DTYPES[precision]
    with environ.context(precision=precision):
        assert environ.dftype() is f
        assert environ.ditype() is i
        assert environ.dutype() is u
        assert environ.dctype() is c
        assert environ.tolerance() == tol
        assert isinstance(environ.tolerance(), float)
        # the dtypes are usable as they are, without a truncation warning
        assert jnp.zeros((), dtype=environ.dftype()).dtype == jnp.dtype(f)
        assert jnp.zeros((), dtype=environ.ditype()).dtype == jnp.dtype(i)
        assert jnp.zeros((), dtype=environ.dutype()).dtype == jnp.dtype(u)
        assert jnp.zeros((), dtype=environ.dctype()).dtype == jnp.dtype(c)


def test_tolerance_accepts_one_rounding_of_its_float_type():
    for precision, (f, *_, tol) in DTYPES.items():
        with environ.context(precision=precision):
            value = jnp.asarray(1.1, dtype=f)
            assert abs(float(value) - 1.1) <= tol * 1.1


# -- mode ----------------------------------------------------------------------------


def test_mode_defaults_to_plain_mode():
    environ.pop("mode", default=None)
    assert environ.get_mode() == Mode()
    assert environ.get("mode") == Mode()


def test_mode_in_set_and_context():
    environ.set(mode=Training())
    assert environ.get_mode() == Training()
    joint = JointMode(Batching(8), Training())
    with environ.context(mode=joint):
        assert environ.get_mode().has(Batching)
        assert environ.get_mode().batch_size == 8
    assert environ.get_mode().is_a(Training)


@pytest.mark.parametrize("bad", ["training", 1, Training])
def test_mode_is_validated(bad):
    with pytest.raises(EnvironError) as info:
        environ.set(mode=bad)
    message = str(info.value)
    assert "'mode'" in message
    assert "Mode instance" in message
    if bad is Training:
        assert "Did you mean `Training()`?" in message
    with pytest.raises(EnvironError, match="'mode'"):
        with environ.context(mode=bad):
            pass


# -- behaviours ------------------------------------------------------------------------


def test_register_default_behavior_is_called_with_the_value():
    calls = []
    environ.register_default_behavior("verbosity", calls.append)
    environ.set(verbosity=2)
    environ.set(other=1)
    with environ.context(verbosity=3):  # contexts do not run behaviours
        pass
    environ.pop("verbosity")
    assert calls == [2]


def test_behavior_gets_the_validated_value_after_it_is_stored():
    calls = []

    def behavior(value):
        calls.append((value, environ.get_precision()))

    environ.register_default_behavior("precision", behavior)
    environ.set(precision="32")
    assert calls == [(32, 32)]


def test_second_registration_needs_replace_if_exist():
    first, second = [], []
    environ.register_default_behavior("color", first.append)
    with pytest.raises(EnvironError, match=r"'color'.*replace_if_exist=True"):
        environ.register_default_behavior("color", second.append)
    environ.set(color="red")
    environ.register_default_behavior("color", second.append, replace_if_exist=True)
    environ.set(color="blue")
    assert first == ["red"]
    assert second == ["blue"]


def test_register_default_behavior_checks_its_arguments():
    with pytest.raises(TypeError, match="callable"):
        environ.register_default_behavior("color", "not callable")
    with pytest.raises(TypeError, match="string"):
        environ.register_default_behavior(3, print)


# -- platform and devices ------------------------------------------------------------


def test_platform_after_backend_start():
    jnp.zeros(()).block_until_ready()  # make sure the backend has started
    current = jax.default_backend()
    environ.set(platform=current)
    assert environ.get_platform() == current
    other = "tpu" if current != "tpu" else "cpu"
    with pytest.raises(EnvironError) as info:
        environ.set_platform(other)
    message = str(info.value)
    assert f"'platform' to '{other}'" in message
    assert "before the first JAX computation" in message
    assert environ.get_platform() == current


def test_platform_is_validated():
    with pytest.raises(EnvironError, match=r"'platform'.*'metal'"):
        environ.set(platform="metal")


def test_unset_platform_is_the_default_backend():
    environ.pop("platform", default=None)
    assert environ.get_platform() == jax.default_backend()


def test_get_host_device_count_reads_xla_flags(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", f"--xla_dump_hlo_as_text {FLAG}=5")
    assert environ.get_host_device_count() == 5
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_hlo_as_text")
    assert environ.get_host_device_count() == 1
    monkeypatch.delenv("XLA_FLAGS")
    assert environ.get_host_device_count() == 1


def test_set_host_device_count_replaces_the_flag(monkeypatch):
    jnp.zeros(()).block_until_ready()
    current = len(jax.devices("cpu"))
    monkeypatch.setenv("XLA_FLAGS", f"{FLAG}=9 --xla_dump_hlo_as_text {FLAG}=7")
    environ.set_host_device_count(current)  # the count in use: accepted after the start
    flags = os.environ["XLA_FLAGS"].split()
    assert flags == ["--xla_dump_hlo_as_text", f"{FLAG}={current}"]
    assert environ.get_host_device_count() == current
    assert environ.get("host_device_count") == current


def test_set_host_device_count_after_backend_start_is_refused(monkeypatch):
    jnp.zeros(()).block_until_ready()
    current = len(jax.devices("cpu"))
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_hlo_as_text")
    with pytest.raises(EnvironError) as info:
        environ.set_host_device_count(current + 1)
    message = str(info.value)
    assert "'host_device_count'" in message
    assert "before the first JAX computation" in message
    assert os.environ["XLA_FLAGS"] == "--xla_dump_hlo_as_text"


@pytest.mark.parametrize("bad", [0, -2, 2.5, True, "4"])
def test_host_device_count_is_validated(bad):
    with pytest.raises(EnvironError, match=r"'host_device_count'.*positive integer"):
        environ.set_host_device_count(bad)


def test_fresh_process_platform_and_device_count():
    """Import starts no backend; set() before the first computation takes effect."""
    script = textwrap.dedent(
        f"""
        import os
        from jax._src import xla_bridge
        from brainstate_core import EnvironError, environ, mixin
        assert not xla_bridge.backends_are_initialized(), "import started the backend"

        environ.set(platform="cpu", host_device_count=4)
        flags = os.environ["XLA_FLAGS"].split()
        assert flags.count("{FLAG}=4") == 1, flags
        assert not any(f.startswith("{FLAG}=2") for f in flags), flags
        assert not xla_bridge.backends_are_initialized()

        import jax, jax.numpy as jnp
        assert jax.default_backend() == "cpu"
        assert len(jax.devices()) == 4, jax.devices()
        assert environ.get_platform() == "cpu"
        assert environ.get_host_device_count() == 4
        float(jnp.ones(3).sum())
        for call in (lambda: environ.set_platform("gpu"),
                     lambda: environ.set_host_device_count(2)):
            try:
                call()
            except EnvironError:
                pass
            else:
                raise AssertionError("a late platform/device change was accepted")
        print("OK")
        """
    )
    env = dict(os.environ)
    env["XLA_FLAGS"] = f"{FLAG}=2"
    env.pop("JAX_PLATFORMS", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("OK")


# -- what transforms key their programs on ---------------------------------------------------
def test_record_environ_reads_collects_first_values_in_nested_recorders():
    from brainstate_core.extend import record_environ_reads

    with environ.context(dt=0.1), record_environ_reads() as outer:
        environ.get_dt()
        with record_environ_reads() as inner, environ.context(dt=0.2):
            environ.get_dt()
            environ.get("missing", default=7)
    assert outer == {"dt": 0.1, "missing": 7}
    assert inner == {"dt": 0.2, "missing": 7}
    environ.get("after", default=1)  # no recorder left active
    assert "after" not in outer


def test_fingerprint_tells_apart_what_a_trace_would_bake_differently():
    from brainstate_core.extend import environ_fingerprint

    def fp(**kw):
        with environ.context(**kw):
            return environ_fingerprint(sorted(kw))

    assert fp(x=1) != fp(x=1.0)  # int and float trace to different dtypes
    assert fp(x=1.0) == fp(x=1.0)
    assert fp(x=jnp.ones(3)) == fp(x=jnp.ones(3))
    assert fp(x=jnp.ones(3)) != fp(x=jnp.ones(3) * 2)
    assert fp(x=jnp.ones(3)) != fp(x=jnp.ones(4))
    hash(fp(x=jnp.ones(3)))
    assert environ_fingerprint(["surely_unset_key"]) == environ_fingerprint(["surely_unset_key"])


def test_fingerprint_of_quantities_keys_unit_and_value():
    u = pytest.importorskip("brainunit")
    from brainstate_core.extend import environ_fingerprint

    def fp(x):
        with environ.context(x=x):
            return environ_fingerprint(["x"])

    assert fp(0.1 * u.ms) == fp(0.1 * u.ms)
    assert fp(0.1 * u.ms) != fp(0.1 * u.second)
    assert fp(0.1 * u.ms) != fp(0.2 * u.ms)


def test_baked_keys_skip_tracers():
    from brainstate_core.extend import baked_keys, record_environ_reads

    def f(t):
        with environ.context(t=t, fit=True), record_environ_reads() as reads:
            environ.get("t")
            environ.get("fit")
        return reads

    seen = {}

    def g(t):
        seen.update(f(t))
        return t

    jax.make_jaxpr(g)(1.0)
    assert baked_keys(seen) == ["fit"]


def test_epoch_changes_with_any_setting():
    from brainstate_core.extend import environ_epoch

    e0 = environ_epoch()
    with environ.context(a=1):
        e1 = environ_epoch()
    e2 = environ_epoch()
    environ.set(epoch_test=1)
    e3 = environ_epoch()
    environ.pop("epoch_test")
    e4 = environ_epoch()
    assert len({e0, e1, e2, e3, e4}) == 5
