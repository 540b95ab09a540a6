"""Every check CI runs, as nox sessions. ``uv run nox`` runs the default list.

    uv run nox -l                                        # list the sessions
    uv run nox -s "tests(package='brainstate-core')"     # one distribution, isolated
    uv run nox -s wheels downstream                      # built wheels, a core-only consumer
    uv run nox -s lint typecheck docs                    # ruff, import-linter, ...; pyright; Sphinx
    uv run nox -s bench                                  # benchmarks/*.py (not in the default list)
    uv run nox -R -s ...                                 # reuse the venvs, skip the installs

Each session gets a fresh venv made by uv from ``uv.lock`` (``uv sync --frozen`` with
``UV_PROJECT_ENVIRONMENT`` pointing at the session's venv), so a package's tests see only that
package, its declared dependencies and its ``test`` dependency group.
"""

from __future__ import annotations

import atexit
import json
import os
import pathlib
import re
import shutil
import sys
import tomllib
import xml.etree.ElementTree as ET

import nox
import nox.command

nox.needs_version = ">=2024.10.9"
nox.options.default_venv_backend = "uv"
nox.options.error_on_external_run = True

ROOT = pathlib.Path(__file__).resolve().parent
PYPROJECT = ROOT / "pyproject.toml"

# Dependency order: a package comes after every sibling it depends on.
DISTRIBUTIONS = [
    "brainstate-core",
    "brainstate-graph",
    "brainstate-compile",
    "brainstate-augment",
    "brainstate-event",
    "brainstate-nn",
    "brainstate",
]
# Distributions whose tests may not be missing: a run where these collect nothing fails.
MUST_HAVE_TESTS = {"brainstate-core"}

nox.options.sessions = [
    "tooling",
    "lint",
    "typecheck",
    *(f"tests(package='{dist}')" for dist in DISTRIBUTIONS),
    "wheels",
    "downstream",
    "docs",
]


def _load_distributions() -> dict[str, dict]:
    found = {}
    for path in sorted((ROOT / "packages").glob("*/pyproject.toml")):
        with path.open("rb") as f:
            project = tomllib.load(f)["project"]
        name = project["name"]
        found[name] = {
            "dir": path.parent,
            "module": name.replace("-", "_"),
            "version": project["version"],
            "siblings": [],
            "requires": project.get("dependencies", []),
        }
    for info in found.values():
        for req in info["requires"]:
            match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
            dep = re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""
            if dep in found:
                info["siblings"].append(dep)
    return found


DISTS = _load_distributions()
if sorted(DISTS) != sorted(DISTRIBUTIONS):
    raise RuntimeError(
        f"noxfile.DISTRIBUTIONS {sorted(DISTRIBUTIONS)} does not match packages/*: {sorted(DISTS)}"
    )


def closure(dist: str) -> set[str]:
    """``dist`` and every sibling it depends on, directly or not."""
    seen: set[str] = set()
    todo = [dist]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(DISTS[name]["siblings"])
    return seen


def wheel_test_requirements() -> list[str]:
    """The union of the packages' ``test`` dependency groups (for the venvs without uv sync)."""
    reqs: list[str] = []
    for info in DISTS.values():
        with (info["dir"] / "pyproject.toml").open("rb") as f:
            group = tomllib.load(f).get("dependency-groups", {}).get("test", [])
        for req in group:
            if isinstance(req, str) and req not in reqs:
                reqs.append(req)
    return reqs


def tmp_dir(session: nox.Session) -> pathlib.Path:
    """The session's own temporary directory, as an absolute path."""
    # create_tmp() is relative to the directory nox started in (the noxfile's), not to the
    # session's current directory, which session.chdir() may have changed.
    return (ROOT / session.create_tmp()).resolve()


def uv_sync(session: nox.Session, *args: str) -> None:
    """Install exactly the locked set selected by ``args`` into this session's venv."""
    session.run_install(
        "uv",
        "sync",
        "--frozen",
        "--no-default-groups",
        *args,
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
    )


# --- counting tests across sessions -------------------------------------------------------

_COUNTS = {"passed": 0, "failed": 0, "skipped": 0}


def _count_junit(path: pathlib.Path) -> tuple[int, int, int]:
    """(ran, failed, skipped) from a pytest junit XML file; zeros if it is missing."""
    if not path.exists():
        return 0, 0, 0
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return tests - skipped, failed, skipped


def _report_totals() -> None:
    if any(_COUNTS.values()):
        ran = _COUNTS["passed"] + _COUNTS["failed"]
        print(
            f"nox: {ran} tests ran in all sessions\n"
            f"{_COUNTS['passed']} passed, {_COUNTS['failed']} failed, {_COUNTS['skipped']} skipped",
            flush=True,
        )


atexit.register(_report_totals)


def pytest(
    session: nox.Session,
    label: str,
    *args: str | os.PathLike[str],
    must_run: bool,
    env: dict[str, str] | None = None,
    config: pathlib.Path = PYPROJECT,
) -> None:
    """Run pytest with ``config`` (the root configuration by default) and count its tests.

    Exit code 5 (nothing collected) is accepted only when ``must_run`` is false, and is reported.
    """
    junit = tmp_dir(session) / f"junit-{label}.xml"
    junit.unlink(missing_ok=True)
    try:
        session.run(
            "pytest",
            "-c",
            str(config),
            "--rootdir",
            str(config.parent),
            f"--junitxml={junit}",
            *map(str, args),
            *session.posargs,
            success_codes=[0, 5],
            env=env,
        )
    finally:  # count failed runs too (pytest writes the junit file either way)
        ran, failed, skipped = _count_junit(junit)
        _COUNTS["passed"] += ran - failed
        _COUNTS["failed"] += failed
        _COUNTS["skipped"] += skipped
    if ran == 0:
        if must_run:
            session.error(f"{label}: no test ran, but this package must have tests")
        session.warn(f"{label}: no tests collected yet (pytest exit code 5 accepted)")
    else:
        session.log(f"{label}: {ran - failed} passed, {failed} failed, {skipped} skipped")


def has_test_files(dist: str) -> bool:
    tests_dir = DISTS[dist]["dir"] / "tests"
    return tests_dir.is_dir() and any(tests_dir.rglob("test_*.py"))


def run_script(session: nox.Session, name: str, source: str, *args: str, **kwargs) -> str | bool:
    """Write ``source`` to the session's tmp as ``name`` and run it with the venv's python."""
    path = tmp_dir(session) / name
    path.write_text(source)
    return session.run("python", str(path), *args, **kwargs)


class KeepGoing:
    """Run several checks in one session, report every failure, then fail once at the end."""

    def __init__(self, session: nox.Session) -> None:
        self.session = session
        self.failed: list[str] = []

    def __call__(self, label: str, fn, *args, **kwargs) -> None:
        try:
            fn(*args, **kwargs)
        except nox.command.CommandFailed:
            self.failed.append(label)

    def finish(self) -> None:
        if self.failed:
            self.session.error("failed: " + ", ".join(self.failed))


# --- sessions ------------------------------------------------------------------------------

ISOLATION_CHECK = """
\"\"\"Exactly the brainstate modules in argv[1] are importable (argv[2]: all of them).\"\"\"
import importlib.util, sys
allowed, every = set(sys.argv[1].split(",")), sys.argv[2].split(",")
wrong = [
    f"{m} is {'missing' if m in allowed else 'importable but not a declared dependency'}"
    for m in every
    if (importlib.util.find_spec(m) is not None) != (m in allowed)
]
if wrong:
    sys.exit("venv isolation broken: " + "; ".join(wrong))
print("isolated: importable brainstate modules:", ", ".join(sorted(allowed)))
"""


@nox.session
@nox.parametrize("package", DISTRIBUTIONS)
def tests(session: nox.Session, package: str) -> None:
    """One distribution's tests and doctests, in a venv with only it and its dependencies."""
    info = DISTS[package]
    uv_sync(session, "--package", package, "--group", "test")
    allowed = sorted(DISTS[d]["module"] for d in closure(package))
    every = sorted(d["module"] for d in DISTS.values())
    run_script(session, "check_isolation.py", ISOLATION_CHECK, ",".join(allowed), ",".join(every))

    targets = [p for p in (info["dir"] / "tests", info["dir"] / "src") if p.is_dir()]
    pytest(
        session,
        package,
        # one worker per core, each test file on one worker (module fixtures stay whole)
        "-n",
        "auto",
        "--dist",
        "loadfile",
        "--doctest-modules",
        *targets,
        must_run=package in MUST_HAVE_TESTS or has_test_files(package),
    )


WHEEL_GUARD = '''
"""pytest plugin: fail the run if any brainstate module came from outside site-packages."""
import pathlib, sys, sysconfig

SITE = pathlib.Path(sysconfig.get_paths()["purelib"]).resolve()
MODULES = set({modules!r})


def pytest_sessionfinish(session, exitstatus):
    strays = []
    for name, module in list(sys.modules.items()):
        where = getattr(module, "__file__", None)
        if name.split(".")[0] in MODULES and where:
            path = pathlib.Path(where).resolve()
            if SITE not in path.parents:
                strays.append(f"{{name}} from {{path}}")
    if strays:
        print("\\nnot the installed wheel:\\n  " + "\\n  ".join(strays), file=sys.stderr)
        session.exitstatus = 1
'''

WHEEL_IMPORT_CHECK = """
\"\"\"Each dist:module:version in argv[2:] imports from site-packages with that __version__;
writes {module: installed directory} as JSON to argv[1].\"\"\"
import importlib, importlib.metadata, json, pathlib, sys, sysconfig
site = pathlib.Path(sysconfig.get_paths()["purelib"]).resolve()
problems, homes = [], {}
for pair in sys.argv[2:]:
    dist, module_name, version = pair.split(":")
    module = importlib.import_module(module_name)
    where = pathlib.Path(module.__file__ or "").resolve()
    if site not in where.parents:
        problems.append(f"{module_name} imported from {where}, not from {site}")
    if getattr(module, "__version__", None) != version:
        problems.append(f"{module_name}.__version__ is {getattr(module, '__version__', None)!r}")
    if importlib.metadata.version(dist) != version:
        problems.append(f"{dist} metadata says {importlib.metadata.version(dist)}")
    print(f"{dist} {version}: {where}")
    homes[module_name] = str(where.parent)
pathlib.Path(sys.argv[1]).write_text(json.dumps(homes))
if problems:
    sys.exit("wheel check failed:\\n  " + "\\n  ".join(problems))
"""


def build_wheels(session: nox.Session, *which: str) -> pathlib.Path:
    """Build wheels (from their sdists, without workspace sources) into the session's tmp."""
    dist = tmp_dir(session) / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    selection = [a for name in which for a in ("--package", name)] or ["--all-packages"]
    session.run_install("uv", "build", *selection, "--no-sources", "-o", str(dist))
    return dist


@nox.session
def wheels(session: nox.Session) -> None:
    """Build all seven wheels, install them without the workspace, and check them.

    Each installed wheel runs its doctests and its public-API snapshot test from
    site-packages (a guard fails the run if any brainstate module is imported from the
    source tree).
    """
    dist = build_wheels(session)
    built = sorted(dist.glob("*.whl"))
    expected = {f"{d['module']}-{d['version']}-py3-none-any.whl" for d in DISTS.values()}
    if {w.name for w in built} != expected:
        session.error(f"built {[w.name for w in built]}, expected {sorted(expected)}")

    tmp = dist.parent
    with session.chdir(tmp):
        # Paths, not names: PyPI has other projects called brainstate; uv resolves the
        # siblings' `==` pins against these files and checks them with `uv pip check`.
        session.run_install("uv", "pip", "install", *map(str, built), *wheel_test_requirements())
        session.run_install("uv", "pip", "check")
        run_script(
            session,
            "check_wheel_imports.py",
            WHEEL_IMPORT_CHECK,
            str(tmp / "installed.json"),
            *(f"{name}:{d['module']}:{d['version']}" for name, d in DISTS.items()),
        )
        homes = json.loads((tmp / "installed.json").read_text())
        modules = [d["module"] for d in DISTS.values()]
        (tmp / "_wheel_guard.py").write_text(WHEEL_GUARD.format(modules=modules))
        env = {"PYTHONPATH": str(tmp)}
        checks = KeepGoing(session)
        for name in DISTRIBUTIONS:
            info = DISTS[name]
            # The doctests of the installed modules (they import every public module of the
            # wheel) and the public-API snapshot test against it. The full test suites ran
            # against the same code in the isolated sessions; this checks the packaging.
            targets = [homes[info["module"]]]
            snapshot = info["dir"] / "tests" / "test_api_snapshot.py"
            if snapshot.is_file():
                targets.insert(0, str(snapshot))
            checks(
                f"tests of the {name} wheel",
                pytest,
                session,
                f"wheel-{name}",
                "-p",
                "no:cacheprovider",
                "-p",
                "_wheel_guard",
                "--doctest-modules",
                *targets,
                must_run=name in MUST_HAVE_TESTS or has_test_files(name),
                env=env,
            )
        checks.finish()


@nox.session
def downstream(session: nox.Session) -> None:
    """A project that depends on brainstate-core only, installed with the core wheel alone."""
    dist = build_wheels(session, "brainstate-core")
    app = ROOT / "tests" / "downstream" / "core_only_app"
    (core_wheel,) = dist.glob("brainstate_core-*.whl")
    with session.chdir(dist.parent):
        session.run_install(
            "uv",
            "pip",
            "install",
            "--no-sources",
            str(core_wheel),
            str(app),
            *wheel_test_requirements(),
        )
        session.run_install("uv", "pip", "check")
        # brainstate_core only: brainstate_graph, brainstate_nn, ... must not be importable.
        every = sorted(d["module"] for d in DISTS.values())
        run_script(
            session, "check_isolation.py", ISOLATION_CHECK, "brainstate_core", ",".join(every)
        )
        pytest(
            session,
            "downstream",
            "-p",
            "no:cacheprovider",
            app / "tests",
            must_run=True,
            config=app / "pyproject.toml",
        )


@nox.session
def tooling(session: nox.Session) -> None:
    """Tests of scripts/check_versions.py and scripts/bump_version.py."""
    uv_sync(session, "--only-group", "test")
    pytest(session, "tooling", "-p", "no:cacheprovider", ROOT / "tests" / "tooling", must_run=True)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, the import-linter layering contracts, lockstep versions and a current uv.lock."""
    uv_sync(session, "--all-packages", "--group", "lint")
    checks = KeepGoing(session)
    checks("ruff check", session.run, "ruff", "check", ".")
    checks("ruff format", session.run, "ruff", "format", "--check", ".")
    checks("lint-imports", session.run, "lint-imports")
    checks("check_versions", session.run, "python", "scripts/check_versions.py")
    checks("uv lock --check", session.run, "uv", "lock", "--check")
    checks.finish()


@nox.session
def typecheck(session: nox.Session) -> None:
    """pyright over every package's src (configuration: [tool.pyright] in pyproject.toml)."""
    uv_sync(session, "--all-packages", "--group", "lint")
    bindir = "Scripts" if sys.platform == "win32" else "bin"
    python = pathlib.Path(session.virtualenv.location) / bindir / "python"
    session.run("pyright", "--pythonpath", str(python))


@nox.session
def docs(session: nox.Session) -> None:
    """The Sphinx docs, executing every notebook page (MyST-NB), warnings as errors."""
    uv_sync(session, "--all-packages", "--group", "docs")
    out = ROOT / "docs" / "_build" / "html"
    shutil.rmtree(out, ignore_errors=True)
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", str(out))


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmarks/*.py and print its table (not part of the default run)."""
    scripts = sorted((ROOT / "benchmarks").glob("*.py"))
    if not scripts:
        session.log("benchmarks/ holds no *.py yet: nothing to run")
        return
    uv_sync(session, "--all-packages", "--group", "bench")
    for script in scripts:
        session.log(f"--- {script.relative_to(ROOT)}")
        session.run("python", str(script), *session.posargs)
