"""READY (stable API): numba kernels as XLA typed-FFI targets on CPU.

A kernel is an ordinary ``numba.njit`` function over numpy arrays,
``kernel(*inputs, *outputs) -> None``, that fills every output (outputs arrive uninitialised).
:func:`make_ffi_target` wraps it in a numba ``cfunc`` that reads XLA's ``XLA_FFI_CallFrame``
directly (typed FFI, ``api_version=1``), registers it with ``jax.ffi.register_ffi_target`` and
returns a :class:`NumbaFFITarget`, a callable usable inside ``jax.jit`` (it emits
``jax.ffi.ffi_call``). At run time XLA calls the cfunc's machine code: no Python, no GIL, no
ctypes on the call path (a few ns of overhead on top of the kernel).

Example (a kernel that doubles a vector)::

    @numba.njit(cache=True)
    def _double(x, out):
        for i in range(x.shape[0]):
            out[i] = 2 * x[i]

    double = make_ffi_target("my_double_f32", _double, [("float32", 1)], [("float32", 1)])
    y = jax.jit(lambda x: double(x, result_shape_dtypes=jax.ShapeDtypeStruct(x.shape, x.dtype)))(x)

Specs are ``(dtype, ndim)`` pairs: a target is compiled per dtype and rank combination (shapes
are read from the buffers at run time). Build one target per combination you need, e.g. in a
dict keyed by dtype; :func:`make_ffi_target` returns the existing target for a name already made
from the same kernel and specs, and compiles + registers lazily on first call.

Layout read by the handler (``xla/ffi/api/c_api.h``, x86-64/aarch64, 8-byte pointers)::

    XLA_FFI_CallFrame: struct_size@0, extension_start@8, api@16, ctx@24, stage@32,
                       args (XLA_FFI_Args)@40, rets (XLA_FFI_Rets)@80, attrs@120, future@168
    XLA_FFI_Args/Rets: struct_size@+0, extension_start@+8, size@+16, types@+24, ptrs@+32
    XLA_FFI_Buffer:    struct_size@0, extension_start@8, dtype@16, data@24, rank@32, dims@40
    XLA_FFI_Extension_Base: struct_size@0, type@8 (int), next@16
    XLA_FFI_Metadata_Extension: extension_base@0, metadata*@24
    XLA_FFI_Metadata: struct_size@0, api_version {struct_size@8, extension_start@16,
                      major_version@24, minor_version@28}, traits@32

Handshake: when XLA registers a typed-FFI handler it first calls it with a metadata extension
in ``extension_start`` (type ``XLA_FFI_Extension_Metadata`` = 1); the handler writes the API
version it was built for (0.1) and its traits (0) and returns without touching buffers.

Compiled handlers are cached on disk (numba ``cache=True``): the generated handler source is
written to ``$BRAINSTATE_EVENT_CACHE_DIR`` (default ``~/.cache/brainstate_event/ffi``) under a
name that hashes the specs, the kernel module's source and the numba version, so an edited
kernel never reuses a stale cache entry. Where that directory cannot be written, handlers are
compiled in memory each process. A cached handler is loaded without numba's full CPU-target
set-up (which imports all of numba's typing and lowering modules and is most of a first
load's time); should that fail, numba's own loader is used.

Kernels cannot raise: validate inputs where they are built (indices are bounds-checked by the
layers that build them), and at trace time (:class:`NumbaFFITarget` checks dtypes and ranks).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import pathlib
import sys
import tempfile
import threading
import types as pytypes
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np

from .errors import EventShapeError, KernelBackendError

__all__ = [
    "numba_available",
    "make_ffi_target",
    "NumbaFFITarget",
    "FFI_API_VERSION",
]

# The typed-FFI API version the handlers report in the metadata handshake.
FFI_API_VERSION = (0, 1)

_NUMBA: Any = None
_NUMBA_CHECKED = False


def numba_available() -> bool:
    """Whether numba can be imported (checked once; ``sys.modules['numba'] = None`` hides it)."""
    global _NUMBA, _NUMBA_CHECKED
    if not _NUMBA_CHECKED:
        try:
            import numba
        except ImportError:
            _NUMBA = None
        else:
            _NUMBA = numba
        _NUMBA_CHECKED = True
    return _NUMBA is not None


# numpy dtype names numba's carray accepts, as they are spelled in generated source.
_NP_NAMES = {
    "bool": "np.bool_",
    "int8": "np.int8",
    "int16": "np.int16",
    "int32": "np.int32",
    "int64": "np.int64",
    "uint8": "np.uint8",
    "uint16": "np.uint16",
    "uint32": "np.uint32",
    "uint64": "np.uint64",
    "float16": "np.float16",
    "float32": "np.float32",
    "float64": "np.float64",
}

_INTRINSICS: dict[str, Any] = {}


def _intrinsics() -> dict[str, Any]:
    """Numba intrinsics for raw memory access by integer address (built once, on first use)."""
    if _INTRINSICS:
        return _INTRINSICS
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic

    i8p = ir.IntType(8).as_pointer()

    @intrinsic
    def load_i64(typingctx, addr):
        def codegen(context, builder, sig, args):
            return builder.load(builder.inttoptr(args[0], ir.IntType(64).as_pointer()))

        return types.int64(types.int64), codegen

    @intrinsic
    def load_i32(typingctx, addr):
        def codegen(context, builder, sig, args):
            return builder.load(builder.inttoptr(args[0], ir.IntType(32).as_pointer()))

        return types.int32(types.int64), codegen

    @intrinsic
    def store_i32(typingctx, addr, value):
        def codegen(context, builder, sig, args):
            val = builder.trunc(args[1], ir.IntType(32))
            builder.store(val, builder.inttoptr(args[0], ir.IntType(32).as_pointer()))
            return context.get_dummy_value()

        return types.none(types.int64, types.int64), codegen

    @intrinsic
    def as_voidptr(typingctx, addr):
        def codegen(context, builder, sig, args):
            return builder.inttoptr(args[0], i8p)

        return types.voidptr(types.int64), codegen

    @intrinsic
    def address(typingctx, ptr):
        def codegen(context, builder, sig, args):
            return builder.ptrtoint(args[0], ir.IntType(64))

        return types.int64(types.voidptr), codegen

    @intrinsic
    def null(typingctx):
        def codegen(context, builder, sig, args):
            return ir.Constant(i8p, None)

        return types.voidptr(), codegen

    _INTRINSICS.update(
        load_i64=load_i64,
        load_i32=load_i32,
        store_i32=store_i32,
        as_voidptr=as_voidptr,
        address=address,
        null=null,
    )
    return _INTRINSICS


Spec = tuple[Any, int]


def _norm_specs(specs: Sequence[Spec], what: str) -> tuple[tuple[str, int], ...]:
    out = []
    for spec in specs:
        dtype, ndim = spec
        name = np.dtype(dtype).name
        if name not in _NP_NAMES:
            raise KernelBackendError(
                f"numba FFI {what} dtype {name} is not supported; expected one of "
                f"{sorted(_NP_NAMES)} (convert bfloat16 to float32 before the call)."
            )
        out.append((name, int(ndim)))
    return tuple(out)


def _handler_source(arg_specs, ret_specs) -> str:
    """Source of the handler for the given specs (the kernel is the global ``kernel``).

    The handler is a plain function here; :func:`_make_cfunc` compiles it as a numba cfunc.
    """
    major, minor = FFI_API_VERSION
    lines = [
        "import numba",
        "import numpy as np",
        "",
        "",
        "def handler(frame_ptr):",
        "    frame = address(frame_ptr)",
        "    ext = load_i64(frame + 8)",
        "    while ext != 0:",
        "        if load_i32(ext + 8) == 1:  # XLA_FFI_Extension_Metadata",
        "            meta = load_i64(ext + 24)",
        f"            store_i32(meta + 24, {major})",
        f"            store_i32(meta + 28, {minor})",
        "            store_i32(meta + 32, 0)",
        "            return null()",
        "        ext = load_i64(ext + 16)",
        "    args = load_i64(frame + 72)",
        "    rets = load_i64(frame + 112)",
    ]
    names = []
    for group, base, specs in (("a", "args", arg_specs), ("r", "rets", ret_specs)):
        for i, (dtype, ndim) in enumerate(specs):
            var = f"{group}{i}"
            names.append(var)
            lines.append(f"    buf = load_i64({base} + {8 * i})")
            lines.append("    dims = load_i64(buf + 40)")
            shape = ", ".join(f"load_i64(dims + {8 * d})" for d in range(ndim))
            shape = f"({shape},)" if ndim else "(1,)"
            lines.append(
                f"    {var} = numba.carray(as_voidptr(load_i64(buf + 24)), {shape}, "
                f"{_NP_NAMES[dtype]})"
            )
            if ndim == 0:
                lines.append(f"    {var} = {var}.reshape(())")
    lines.append(f"    kernel({', '.join(names)})")
    lines.append("    return null()")
    return "\n".join(lines) + "\n"


def _cache_dir() -> pathlib.Path | None:
    root = os.environ.get("BRAINSTATE_EVENT_CACHE_DIR")
    if root:
        path = pathlib.Path(root)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = pathlib.Path(base) / "brainstate_event" / "ffi"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, delete=True)
        probe.close()
    except OSError:
        return None
    return path


def _kernel_fingerprint(kernel: Any) -> str:
    """Hash of the kernel's module source (so edits to it or its helpers change the name)."""
    py_func = getattr(kernel, "py_func", kernel)
    try:
        src = pathlib.Path(inspect.getsourcefile(py_func) or "").read_bytes()
    except (OSError, TypeError):
        src = repr(py_func).encode()
    return hashlib.sha256(src + py_func.__qualname__.encode()).hexdigest()[:16]


def _compile_handler(name: str, kernel: Any, arg_specs, ret_specs) -> Any:
    """Compile the cfunc handler (from the disk cache when possible); returns the cfunc."""
    numba = _NUMBA
    cache_dir = _cache_dir()
    source = _handler_source(arg_specs, ret_specs)
    env = dict(_intrinsics(), kernel=kernel)
    if cache_dir is None:
        namespace = dict(env)
        exec(compile(source, f"<brainstate_event ffi {name}>", "exec"), namespace)
        return _make_cfunc(namespace["handler"], cache=False)
    key = hashlib.sha256(
        (source + _kernel_fingerprint(kernel) + numba.__version__ + sys.version).encode()
    ).hexdigest()[:16]
    safe = "".join(c if c.isalnum() else "_" for c in name)
    path = cache_dir / f"{safe}_{key}.py"
    if not path.exists() or path.read_text() != source:
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(source)
        os.replace(tmp, path)
    mod_name = f"_brainstate_event_ffi_{safe}_{key}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    assert spec is not None and spec.loader is not None
    module = pytypes.ModuleType(mod_name)
    module.__file__ = str(path)
    module.__dict__.update(env)
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    return _make_cfunc(module.handler, cache=True)


def _make_cfunc(handler: Callable[..., Any], cache: bool) -> Any:
    """The numba cfunc ``void* handler(void* frame)``: loaded from numba's cache or compiled."""
    from numba import types
    from numba.core.ccallback import CFunc
    from numba.core.sigutils import normalize_signature

    signature = normalize_signature(types.voidptr(types.voidptr))
    cfunc = CFunc(handler, signature, locals={}, options={})
    if cache:
        cfunc.enable_caching()
        if _load_cached_cfunc(cfunc):
            return cfunc
    cfunc.compile()  # numba's own path: its cache, else a fresh compile (then cached)
    return cfunc


def _load_cached_cfunc(cfunc: Any) -> bool:
    """Load ``cfunc``'s machine code from numba's disk cache, skipping its target set-up.

    numba's loader first "refreshes" its CPU target: it imports and registers every typing
    and lowering module it has (0.3-0.4 s in a fresh process), none of which cached machine
    code needs; it needs only the runtime's symbols (``rtsys.initialize``). This reads numba
    internals, so any failure (or a cache miss) returns False and the caller takes numba's
    public path instead.
    """
    try:
        from numba.core.compiler_lock import global_compiler_lock
        from numba.core.runtime import rtsys

        with global_compiler_lock:
            context = cfunc._targetdescr.target_context
            rtsys.initialize(context)
            result = cfunc._cache._load_overload(cfunc._sig, context)
            if result is None:
                return False
            wrapper = result.fndesc.llvm_cfunc_wrapper_name
            address = result.library.get_pointer_to_function(wrapper)
    except Exception:  # numba internals moved: fall back to the public path
        return False
    cfunc._library = result.library
    cfunc._wrapper_name = wrapper
    cfunc._wrapper_address = address
    cfunc._cache_hits += 1
    return True


class NumbaFFITarget:
    """A numba kernel registered as an XLA typed-FFI target; call it inside (or outside) jit.

    Made by :func:`make_ffi_target`. Calling it checks the inputs against the specs (at trace
    time), compiles and registers the handler on first use, and returns
    ``jax.ffi.ffi_call(name, result_shape_dtypes)(*args)``.
    """

    def __init__(self, name: str, kernel: Any, arg_specs, ret_specs):
        self.name = name
        self.kernel = kernel
        self.arg_specs = arg_specs
        self.ret_specs = ret_specs
        self._handler: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"NumbaFFITarget({self.name!r}, args={self.arg_specs}, rets={self.ret_specs})"

    def register(self) -> None:
        """Compile the handler and register it with XLA (done once; later calls return)."""
        if self._handler is not None:
            return
        with self._lock:
            if self._handler is not None:
                return
            handler = _compile_handler(self.name, self.kernel, self.arg_specs, self.ret_specs)
            jax.ffi.register_ffi_target(
                self.name, jax.ffi.pycapsule(handler.address), platform="cpu", api_version=1
            )
            self._handler = handler  # keeps the machine code alive

    def __call__(
        self,
        *args: Any,
        result_shape_dtypes: Any,
        input_output_aliases: dict[int, int] | None = None,
    ) -> Any:
        """Emit the FFI call. ``result_shape_dtypes``: one ``jax.ShapeDtypeStruct`` or a sequence.

        ``input_output_aliases`` (``{input index: output index}``, as in ``jax.ffi.ffi_call``)
        lets XLA hand an input's buffer to the kernel as that output (same shape and dtype):
        the kernel may then update it in place, and must read each element of that input
        before it writes the same element of the output.

        Raises:
            EventShapeError: an input's or result's dtype or rank differs from the specs.
        """
        if len(args) != len(self.arg_specs):
            raise EventShapeError(
                f"FFI target {self.name!r} takes {len(self.arg_specs)} inputs, got {len(args)}."
            )
        for i, (x, (dtype, ndim)) in enumerate(zip(args, self.arg_specs)):
            if np.dtype(x.dtype).name != dtype or np.ndim(x) != ndim:
                raise EventShapeError(
                    f"FFI target {self.name!r}: input {i} must be {dtype} with {ndim} dims, "
                    f"got {np.dtype(x.dtype).name} with shape {tuple(np.shape(x))}."
                )
        single = not isinstance(result_shape_dtypes, (list, tuple))
        results = [result_shape_dtypes] if single else list(result_shape_dtypes)
        if len(results) != len(self.ret_specs):
            raise EventShapeError(
                f"FFI target {self.name!r} has {len(self.ret_specs)} results, "
                f"got {len(results)} result_shape_dtypes."
            )
        for i, (r, (dtype, ndim)) in enumerate(zip(results, self.ret_specs)):
            if np.dtype(r.dtype).name != dtype or len(r.shape) != ndim:
                raise EventShapeError(
                    f"FFI target {self.name!r}: result {i} must be {dtype} with {ndim} dims, "
                    f"got {np.dtype(r.dtype).name} with shape {tuple(r.shape)}."
                )
        self.register()
        out = jax.ffi.ffi_call(self.name, results, input_output_aliases=input_output_aliases)(*args)
        return out[0] if single else tuple(out)


_TARGETS: dict[str, NumbaFFITarget] = {}
_TARGETS_LOCK = threading.Lock()


def make_ffi_target(
    name: str,
    kernel: Callable[..., None],
    arg_specs: Sequence[Spec],
    ret_specs: Sequence[Spec],
) -> NumbaFFITarget:
    """Wrap a numba kernel as a CPU typed-FFI target callable inside ``jax.jit``.

    Args:
        name: The XLA target name, unique per process (e.g. ``"bse_fixed_prob_mv_f32_bool"``).
        kernel: A ``numba.njit`` function (``cache=True`` recommended) called as
            ``kernel(*inputs, *outputs)``; it must write every element of every output.
        arg_specs: One ``(dtype, ndim)`` per input, in order.
        ret_specs: One ``(dtype, ndim)`` per output, in order.

    Returns:
        The :class:`NumbaFFITarget` (the same object for a repeated call with equal arguments).
        Compilation and registration happen on its first call.

    Raises:
        KernelBackendError: numba is not installed, a dtype is unsupported (e.g. bfloat16),
            or ``name`` was already used for a different kernel or specs.
    """
    if not numba_available():
        raise KernelBackendError(
            "the 'numba' backend needs numba: pip install numba (or use backend='xla')."
        )
    if not hasattr(kernel, "py_func"):
        kernel = _NUMBA.njit(cache=True)(kernel)
    args = _norm_specs(arg_specs, "input")
    rets = _norm_specs(ret_specs, "result")
    with _TARGETS_LOCK:
        target = _TARGETS.get(name)
        if target is not None:
            same = getattr(target.kernel, "py_func", None) is getattr(kernel, "py_func", None)
            if not same or target.arg_specs != args or target.ret_specs != rets:
                raise KernelBackendError(
                    f"FFI target name {name!r} is already registered for another kernel or "
                    f"specs ({target!r}); choose a unique name."
                )
            return target
        target = NumbaFFITarget(name, kernel, args, rets)
        _TARGETS[name] = target
        return target
