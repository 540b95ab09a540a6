"""Sphinx configuration for the brainstate documentation.

Build: ``uv run nox -s docs`` (or ``sphinx-build -W -b html docs docs/_build/html`` in a venv
synced with ``--all-packages --group docs``). Markdown pages whose front matter says
``file_format: mystnb`` are notebooks: MyST-NB executes their ``{code-cell}`` blocks at build
time, and a cell that raises fails the build. Nothing here needs the network.
"""

from __future__ import annotations

import pathlib
import sys
import tomllib

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

with (ROOT / "packages" / "brainstate" / "pyproject.toml").open("rb") as _f:
    release = tomllib.load(_f)["project"]["version"]
version = ".".join(release.split(".")[:2])

project = "brainstate"
author = "brainstate developers"
copyright = "brainstate developers"

extensions = [
    "myst_nb",  # Markdown (MyST) pages and executed notebooks; includes myst_parser
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",  # Google-style Args:/Returns:/Raises:/Examples:
    "sphinx.ext.viewcode",
    "package_api",  # docs/_ext/package_api.py: one API page per distribution from its __all__
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
# Signatures mention ``type`` and other names that several classes also use as attribute names;
# Sphinx then finds "more than one target" for the link. That is noise, not a broken page.
suppress_warnings = ["ref.python"]
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]

# --- MyST / MyST-NB ---------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # execute every notebook page on every build (they are small)
nb_execution_timeout = 300
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_execution_show_tb = True
nb_merge_streams = True

# --- autodoc ----------------------------------------------------------------------------------
autodoc_member_order = "bysource"  # __all__ order where a module has one
autodoc_typehints = "signature"
autodoc_default_options = {"show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
# `Attributes:` sections become :ivar: fields, not attribute entries that autodoc's
# :members: would describe a second time
napoleon_use_ivar = True

# --- HTML -------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = f"brainstate {release}"
html_theme_options = {"show_toc_level": 2}
html_static_path: list[str] = ["_static"]
