"""``.. package-api:: module``: the API reference of one distribution, read from its ``__all__``.

Used inside an ``{eval-rst}`` block of ``docs/api/<distribution>.md``. For the module it emits:

- a summary table of its public names (each with its docstring's first paragraph);
- the autodoc entries of those names (``automodule`` with ``:members:``, which follows ``__all__``);
- one section per public submodule of the same package (``brainstate_core.random``, ...), with
  its own table and entries; names that the package already exports at the top level are
  listed there but documented once, at the top;
- with ``:link-submodules:`` (the metapackage), a table that maps each namespace, such as
  ``bst.graph``, to the distribution that defines it, and the top-level names to the pages
  where they are documented.

A package whose ``__all__`` is still empty gets a one-line note, so its page builds and fills
itself in as the package grows.
"""

from __future__ import annotations

import importlib
import inspect
import types
from collections.abc import Callable
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles


def _public(module: types.ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        raise ValueError(f"{module.__name__} has no __all__: its public API is undefined")
    return list(names)


def _home(obj: Any) -> str | None:
    """Where an object is documented: ``module.qualname``, or None for plain data."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str) and "<" not in qualname:
        return f"{module}.{qualname}"
    return None


class PackageApi(SphinxDirective):
    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {"link-submodules": directives.flag}

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        module = importlib.import_module(name)
        if "link-submodules" in self.options:
            lines = self._metapackage(module)
        else:
            lines = self._package(module)
        container = nodes.container()
        source = f"<package-api {name}>"
        nested_parse_with_titles(self.state, StringList(lines, source=source), container)
        return list(container.children)

    # -- one distribution ----------------------------------------------------------------------

    def _package(self, module: types.ModuleType) -> list[str]:
        name = module.__name__
        public = _public(module)
        if not public:
            return [
                f".. py:module:: {name}",
                "",
                f"``{name}.__all__`` is empty: this distribution has no public names yet.",
                "",
            ]
        members = [n for n in public if not isinstance(getattr(module, n), types.ModuleType)]
        submodules = [
            getattr(module, n)
            for n in public
            if isinstance(getattr(module, n), types.ModuleType)
            and getattr(module, n).__name__.startswith(name + ".")
        ]
        lines = self._table(name, members)
        lines += [f".. automodule:: {name}", "   :members:", "   :undoc-members:", ""]
        top_level = {id(getattr(module, n)) for n in members}
        for sub in submodules:
            lines += self._submodule(sub, top_level)
        return lines

    def _submodule(self, sub: types.ModuleType, top_level: set[int]) -> list[str]:
        title = f"``{sub.__name__}``"
        lines = [title, "-" * len(title), ""]
        public = getattr(sub, "__all__", None)
        if public is None:
            return [*lines, f".. automodule:: {sub.__name__}", ""]
        own = [
            n
            for n in public
            if id(getattr(sub, n)) not in top_level
            and not isinstance(getattr(sub, n), types.ModuleType)
        ]
        shared = [n for n in public if n not in own]
        lines += self._table(sub.__name__, own)
        lines += [f".. automodule:: {sub.__name__}", "   :members:", "   :undoc-members:"]
        if shared:
            lines.append(f"   :exclude-members: {', '.join(shared)}")
        lines.append("")
        if shared:
            refs = ", ".join(f":py:obj:`~{sub.__name__.rsplit('.', 1)[0]}.{n}`" for n in shared)
            lines += [f"Also exported here (documented above): {refs}.", ""]
        return lines

    @staticmethod
    def _table(module_name: str, names: list[str]) -> list[str]:
        """A two-column table: each name, linked to its entry, and its docstring's summary.

        (autosummary's own tables cut summaries at the first ". ", which breaks inline
        literals such as ``if / elif / ... / else``; the whole first paragraph is used here.)
        """
        if not names:
            return []
        module = importlib.import_module(module_name)
        lines = [
            f".. py:currentmodule:: {module_name}",
            "",
            ".. list-table::",
            "   :widths: 30 70",
            "",
        ]
        for n in names:
            lines += [f"   * - :py:obj:`{n}`", f"     - {_summary(getattr(module, n))}"]
        return [*lines, ""]

    # -- the metapackage -----------------------------------------------------------------------

    def _metapackage(self, module: types.ModuleType) -> list[str]:
        name = module.__name__
        public = _public(module)
        lines = [f".. py:module:: {name}", ""]
        namespaces = [n for n in public if isinstance(getattr(module, n), types.ModuleType)]
        if namespaces:
            lines += [
                ".. list-table:: Namespaces",
                "   :header-rows: 1",
                "",
                "   * - name",
                "     - the same objects as",
            ]
            for n in namespaces:
                sub = getattr(module, n)
                target = _source_module(sub)
                lines += [f"   * - ``{name}.{n}``", f"     - :py:mod:`{target}`"]
            lines.append("")
        names = [n for n in public if n not in namespaces]
        if names:
            lines += [
                ".. list-table:: Top-level names",
                "   :header-rows: 1",
                "",
                "   * - name",
                "     - defined as",
            ]
            for n in names:
                home = _home(getattr(module, n))
                ref = f":py:obj:`{home}`" if home else "(a value)"
                lines += [f"   * - ``{name}.{n}``", f"     - {ref}"]
            lines.append("")
        return lines


def _summary(obj: Any) -> str:
    """The first paragraph of an object's own docstring, on one line.

    Objects from other libraries (``typing.DType`` is ``numpy.dtype``) get a pointer instead:
    their docstrings are not written for this parser.
    """
    home = _home(obj)
    if isinstance(obj, types.ModuleType):
        home = obj.__name__
    if home is not None and not home.startswith("brainstate"):
        return f"alias of ``{home}``"
    if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType)):
        doc = inspect.getdoc(obj) or ""
    else:
        doc = getattr(obj, "__doc__", None) if callable(obj) else None
        doc = inspect.cleandoc(doc) if isinstance(doc, str) else ""
    paragraph = doc.split("\n\n", 1)[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


def _source_module(shim: types.ModuleType) -> str:
    """The module a metapackage shim re-exports: ``brainstate.graph`` -> ``brainstate_graph``,
    ``brainstate.random`` -> ``brainstate_core.random``."""
    short = shim.__name__.rsplit(".", 1)[-1]
    public = set(getattr(shim, "__all__", []))
    for candidate in (f"brainstate_{short}", f"brainstate_core.{short}"):
        try:
            module = importlib.import_module(candidate)
        except ImportError:
            continue
        if set(getattr(module, "__all__", [])) == public:
            return candidate
    return shim.__name__


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("package-api", PackageApi)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
