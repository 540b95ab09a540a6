"""CSR/CSC sparse matrices and their event-driven operators.

- ``matrix``: the ``CSR`` and ``CSC`` pytrees (construction, conversion, ``@``);
- ``primitives``: the JAX primitives ``csrmv`` and ``csrmm`` with their abstract evaluation,
  JVP, transpose and batching rules, and per-backend lowering;
- ``xla``, ``pallas``, ``numba_kernels``: the kernels of each backend;
- ``common``: dtype and argument checks shared with the dense event operator.
"""
