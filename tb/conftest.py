"""pytest options and fixtures of the simulation benches.

--sim-config NAME   configuration to simulate (repeatable; default: the
                    per-commit configurations of golden.config)
--waves             build with tracing and dump build/sim/<config>/<name>-waves/runs/*/dump.vcd
--sim-seed N        seed of every random choice (ci/regression/plugin.py; default: a
                    fresh one, printed)
--design TOML       a kernel of one's own (tb/kernel/design.py, docs/your_design.md): the
                    design tests of tb/kernel run on it, the other tb/kernel tests (which
                    need our kernel's internals) are deselected

Tests that take a ``sim_config`` argument are parametrised over the chosen
configurations (default: the per-commit ones); unit benches take ``unit_config``
instead (default: ``golden.config.UNIT_CONFIGS``, the smallest and the real sizes);
mutation tests and build variants take ``mutant_config`` (``golden.config.MUTANT_CONFIGS``:
the smallest configuration only, since every mutant is a build of its own).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from ci.regression.plugin import session_seed
from tb import simbuild


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("edgemoe-cv simulation")
    group.addoption(
        "--sim-config",
        action="append",
        default=None,
        metavar="NAME",
        help="configuration to simulate (repeatable; default: golden.config.PER_COMMIT_CONFIGS)",
    )
    group.addoption(
        "--kernel-config",
        action="append",
        default=None,
        metavar="NAME",
        help="configuration of the whole-kernel benches (repeatable; default: "
        "golden.config.KERNEL_CONFIGS)",
    )
    group.addoption(
        "--design",
        default=None,
        metavar="TOML",
        help="the kernel design to run tb/kernel/test_design.py on (docs/your_design.md; "
        "default: designs/edgemoe_kernel/design.toml); deselects the other tb/kernel tests",
    )
    group.addoption(
        "--waves",
        action="store_true",
        default=False,
        help="build with --trace and dump dump.vcd in each run folder",
    )


def _configs(
    config: pytest.Config, default: tuple[str, ...] | None = None, option: str = "--sim-config"
) -> list[str]:
    chosen = config.getoption(option, default=None)
    if chosen:
        from golden.config import ALL_CONFIG_NAMES as CONFIG_NAMES

        unknown = [c for c in chosen if c not in CONFIG_NAMES]
        if unknown:
            raise pytest.UsageError(f"unknown {option} {unknown}; known: {list(CONFIG_NAMES)}")
        return list(dict.fromkeys(chosen))
    from golden.config import PER_COMMIT_CONFIGS

    return list(PER_COMMIT_CONFIGS if default is None else default)


def pytest_configure(config: pytest.Config) -> None:
    """Unknown configuration names stop the run at once with a one-line error
    (raised during collection, pytest would print a traceback per test file)."""
    for option in ("--sim-config", "--kernel-config"):
        _configs(config, (), option)
    if config.getoption("--design", default=None):
        _design(config)  # a bad design file is a usage error, before any build


_DESIGN = pytest.StashKey()
KERNEL_DIR = Path(__file__).resolve().parent / "kernel"


def _design(config: pytest.Config):
    """The design of ``--design`` (default: the repository's own), loaded and checked once."""
    if _DESIGN not in config.stash:
        from tb.kernel.design import OWN_DESIGN, DesignError, load_design

        try:
            config.stash[_DESIGN] = load_design(config.getoption("--design") or OWN_DESIGN)
        except DesignError as exc:
            raise pytest.UsageError(str(exc)) from None
    return config.stash[_DESIGN]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --design, the tb/kernel tests that need our kernel's internals are deselected."""
    if not config.getoption("--design", default=None):
        return
    keep, drop = [], []
    for item in items:
        ours = KERNEL_DIR in Path(str(item.path)).resolve().parents
        (drop if ours and "design_stop" not in item.fixturenames else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "sim_config" in metafunc.fixturenames:
        metafunc.parametrize("sim_config", _configs(metafunc.config), scope="session")
    if "mutant_config" in metafunc.fixturenames:
        from golden.config import MUTANT_CONFIGS

        metafunc.parametrize("mutant_config", list(MUTANT_CONFIGS), scope="session")
    if "unit_config" in metafunc.fixturenames:
        from golden.config import UNIT_CONFIGS

        metafunc.parametrize(
            "unit_config", _configs(metafunc.config, UNIT_CONFIGS), scope="session"
        )
    if "kernel_config" in metafunc.fixturenames:
        from golden.config import KERNEL_CONFIGS

        metafunc.parametrize(
            "kernel_config",
            _configs(metafunc.config, KERNEL_CONFIGS, "--kernel-config"),
            scope="session",
        )
    if "kernel_stage" in metafunc.fixturenames:
        # (configuration, stop_after) pairs: one test per stage of every kernel config.
        from golden.config import KERNEL_CONFIGS, load_config
        from hls.program import program

        pairs = [
            (name, st.index, f"{name}-{st.index}-l{st.layer}_{st.name}")
            for name in _configs(metafunc.config, KERNEL_CONFIGS, "--kernel-config")
            for st in program(load_config(name))
        ]
        metafunc.parametrize("kernel_stage", [p[:2] for p in pairs], ids=[p[2] for p in pairs])
    if "design_stop" in metafunc.fixturenames:
        # (design, stop_after) pairs: one run per stop_after value the design asks for.
        from tb.kernel.design import stage_label

        design = _design(metafunc.config)
        cfg = design.kernel_config()
        metafunc.parametrize(
            "design_stop",
            [(design, stop) for stop in design.stops],
            ids=[f"{design.name}-{stage_label(cfg, stop)}" for stop in design.stops],
        )


@pytest.fixture(scope="session")
def sim_seed(pytestconfig: pytest.Config) -> int:
    return session_seed(pytestconfig)


@pytest.fixture
def seed_report(sim_seed: int) -> int:
    """The session seed, printed so a failing test shows how to rerun it."""
    print(f"seed {sim_seed} (rerun with --sim-seed {sim_seed})")
    return sim_seed


@pytest.fixture(scope="session")
def waves(pytestconfig: pytest.Config) -> bool:
    return bool(pytestconfig.getoption("--waves"))


SimBuilder = Callable[..., simbuild.SimBuild]


def _hashable(value: object) -> object:
    """A build option as a cache key: mappings as sorted pairs, sequences as tuples."""
    if isinstance(value, Mapping):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    return value


@pytest.fixture(scope="session")
def sim_builds(waves: bool) -> SimBuilder:
    """``sim_builds(toplevel, config, parameters=..., overrides=..., name=..., sources=...,
    build_args=..., public=..., fast=...)``: ``tb.simbuild.build`` with ``--waves``
    applied, a build reused for the whole session (and across sessions while its
    inputs do not change)."""
    cache: dict[object, simbuild.SimBuild] = {}
    signature = inspect.signature(simbuild.build)

    def get(toplevel: str, config: str, **options: object) -> simbuild.SimBuild:
        # Binding checks the keywords and fills in the defaults, so an option left
        # out and the same option given as its default are one build.
        call = signature.bind(toplevel, config, **options, waves=waves)
        call.apply_defaults()
        key = _hashable(call.arguments)
        if key not in cache:
            cache[key] = simbuild.build(*call.args, **call.kwargs)
        return cache[key]

    return get
