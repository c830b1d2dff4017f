"""Inside a simulation: what ``tb.simbuild`` passed to the cocotb test module
through the environment (configuration name and overrides, build parameters, seed)."""

from __future__ import annotations

import json
import os


def env_parameters() -> dict[str, object]:
    """Inside a simulation: the parameters the model was built with."""
    return json.loads(os.environ.get("EDGEMOE_PARAMETERS", "{}"))


def env_config_name() -> str:
    """Inside a simulation: the configuration name the model was built for."""
    try:
        return os.environ["EDGEMOE_CONFIG"]
    except KeyError:
        raise RuntimeError("EDGEMOE_CONFIG is not set: run this through tb.simbuild") from None


def env_overrides() -> dict[str, object]:
    """Inside a simulation: the configuration fields the build replaced (a build
    variant such as K = 1: ``simbuild.build(..., overrides=...)``); its generated
    package holds them, so the RTL and this bench see one configuration."""
    return json.loads(os.environ.get("EDGEMOE_OVERRIDES", "{}"))


def env_config():
    """Inside a simulation: the configuration the model was built for, overrides applied."""
    from golden.config import load_config

    return load_config(env_config_name(), **env_overrides())


def env_seed(default: int = 0) -> int:
    """Inside a simulation: the seed the pytest session chose (``--sim-seed``)."""
    return int(os.environ.get("EDGEMOE_SEED", default))


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def seeded_rng(dut):
    """The run's seed (:func:`env_seed`), logged with how to rerun it, and a NumPy
    generator seeded with it."""
    import numpy as np

    seed = env_seed()
    dut._log.info("seed %d (rerun: pytest --sim-seed %d)", seed, seed)
    return seed, np.random.default_rng(seed)
