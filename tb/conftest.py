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

from collections.abc import Callable, Mapping, Sequence
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


@pytest.fixture(scope="session")
def sim_builds(waves: bool) -> SimBuilder:
    """``sim_builds(toplevel, config, parameters=..., overrides=..., name=..., sources=...,
    build_args=..., public=..., fast=...)`` (see ``tb.simbuild.build``): a build
    reused for the whole session (and across sessions while its inputs do not
    change)."""
    cache: dict[tuple, simbuild.SimBuild] = {}

    def get(
        toplevel: str,
        config: str,
        *,
        parameters: Mapping[str, object] | None = None,
        overrides: Mapping[str, object] | None = None,
        name: str | None = None,
        sources: Sequence[Path] | None = None,
        build_args: Sequence[str] = (),
        public: Sequence[str] | None = None,
        fast: bool = False,
    ) -> simbuild.SimBuild:
        key = (
            toplevel,
            config,
            name,
            tuple(sorted((parameters or {}).items())),
            tuple(sorted((overrides or {}).items())),
            tuple(str(s) for s in sources or ()),
            tuple(build_args),
            None if public is None else tuple(public),
            fast,
        )
        if key not in cache:
            cache[key] = simbuild.build(
                toplevel,
                config,
                parameters=parameters,
                overrides=overrides,
                name=name,
                sources=sources,
                waves=waves,
                build_args=build_args,
                public=public,
                fast=fast,
            )
        return cache[key]

    return get
