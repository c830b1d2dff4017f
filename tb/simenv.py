"""Inside a simulation: what ``tb.simbuild`` passed to the cocotb test module
through the environment (configuration name, build parameters, seed)."""

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


def env_seed(default: int = 0) -> int:
    """Inside a simulation: the seed the pytest session chose (``--sim-seed``)."""
    return int(os.environ.get("EDGEMOE_SEED", default))


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))
