"""Configuration files: a :class:`~golden.config.KernelConfig` in TOML (read by tomllib).

``load_config("path/to/model.toml")`` reads one (any name ending in ``.toml``
is taken as a file, anything else as a preset of :mod:`golden.config`).  The
file names a preset to start from (optional) and replaces any fields::

    base = "tiny"                 # optional: a preset, or another .toml (relative path)
    name = "my_model"             # optional: default the file name without .toml

    layers = 3
    experts = 6
    top_k = 3
    moe_layers = [1, 2]           # tuples are arrays
    image_hw = [32, 48]

    [formats]                     # nested parameters are tables; fields not named
    feature = "ap_fixed<32,10,AP_RND,AP_SAT>"   # keep the base's values

    [gelu]
    step_log2 = 6

Top-level keys are the fields of ``KernelConfig``, table keys those of
``Formats``, ``GeluConfig``, ``ExpConfig``, ``RecipConfig`` and ``RsqrtConfig``.
Fixed-point formats are C++ type strings with both modes written out
(``ap_fixed<W,I,Q,O>`` / ``ap_ufixed<W,I,Q,O>``; ap_fixed's own defaults
AP_TRN/AP_WRAP are never assumed).  The result goes through the same code as
``load_config(preset, **overrides)`` (:func:`golden.config.build_config`): the
same field-name checks with suggestions and the same validation; every
:class:`~golden.config.ConfigError` also names the file.  Without a base every
field that has no default must be given.

``python -m golden.config_file dump NAME|FILE [--base PRESET]`` prints a
configuration as TOML: all of it, or only what differs from ``--base`` - a
starting point for a file of one's own.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
import tomllib
from pathlib import Path

from golden.config import (
    ALL_CONFIG_NAMES,
    CONFIG_FILE_SUFFIX,
    ConfigError,
    KernelConfig,
    build_config,
    check_field_names,
    did_you_mean,
    field_types,
    is_config_file,
    load_config,
    preset_fields,
)
from golden.fixed import FixedFormat, FixedPointError, Overflow, Quant

__all__ = ["config_to_toml", "main", "parse_format", "read_config_file"]

_FORMAT = re.compile(
    r"^\s*(ap_u?fixed)\s*<\s*([+-]?\d+)\s*,\s*([+-]?\d+)\s*,\s*(\w+)\s*,\s*(\w+)\s*>\s*$"
)
_QUANT = {q.value: q for q in Quant}
_OVERFLOW = {o.value: o for o in Overflow}


def parse_format(text: str, config: str = "?", field_name: str = "format") -> FixedFormat:
    """``"ap_fixed<16,5,AP_RND,AP_SAT>"`` -> FixedFormat; a ConfigError naming the field."""
    m = _FORMAT.match(text)
    if m is None:
        raise ConfigError(
            config,
            field_name,
            f"{text!r} is not a fixed-point format: write ap_fixed<W,I,Q,O> or "
            f"ap_ufixed<W,I,Q,O> with both modes, e.g. 'ap_fixed<16,5,AP_RND,AP_SAT>'",
        )
    kind, width, int_bits, quant, overflow = m.groups()
    if quant not in _QUANT:
        raise ConfigError(
            config,
            field_name,
            f"unknown quantisation mode {quant!r}{did_you_mean(quant, _QUANT)}; "
            f"known: {', '.join(_QUANT)}",
        )
    if overflow not in _OVERFLOW:
        raise ConfigError(
            config,
            field_name,
            f"unknown overflow mode {overflow!r}{did_you_mean(overflow, _OVERFLOW)}; "
            f"known: {', '.join(_OVERFLOW)}",
        )
    try:
        return FixedFormat(
            int(width), int(int_bits), kind == "ap_fixed", _QUANT[quant], _OVERFLOW[overflow]
        )
    except FixedPointError as exc:
        raise ConfigError(config, field_name, f"{text!r}: {exc}") from None


def _value(config: str, field_name: str, value, hint):
    """A TOML value as the field's Python type where the spelling differs (arrays ->
    tuples, format strings -> FixedFormat); anything else unchanged, for
    KernelConfig.validate to judge (a wrong type is named there, as for a preset)."""
    if isinstance(value, list):
        return tuple(_value(config, field_name, v, None) for v in value)
    if hint is FixedFormat and isinstance(value, str):
        return parse_format(value, config, field_name)
    return value


def _fields_from_toml(config: str, data: dict, base: dict) -> dict:
    """The overrides a parsed file states, converted; tables merge into the base's values."""
    check_field_names(config, data)
    hints = field_types(KernelConfig)
    out = {}
    for key, value in data.items():
        hint = hints[key]
        if not dataclasses.is_dataclass(hint):
            out[key] = _value(config, key, value, hint)
            continue
        if not isinstance(value, dict):
            raise ConfigError(
                config, key, f"must be a table ([{key}]) of {hint.__name__} fields, got {value!r}"
            )
        check_field_names(config, value, hint, prefix=f"{key}.")
        sub = field_types(hint)
        start = base.get(key, hint())
        out[key] = dataclasses.replace(
            start, **{k: _value(config, f"{key}.{k}", v, sub[k]) for k, v in value.items()}
        )
    return out


def read_config_file(path: str | os.PathLike, **overrides) -> KernelConfig:
    """The configuration a ``.toml`` file describes (see the module docstring), with
    keyword ``overrides`` applied on top (as :func:`golden.config.load_config`)."""
    return _read(Path(path), overrides, ())


def _read(path: Path, overrides: dict, chain: tuple[Path, ...]) -> KernelConfig:
    label, file = path.stem, os.fspath(path)
    try:
        if not path.name.lower().endswith(CONFIG_FILE_SUFFIX):
            raise ConfigError(label, None, f"a configuration file must end in {CONFIG_FILE_SUFFIX}")
        resolved = path.resolve()
        if resolved in chain:
            loop = " -> ".join(os.fspath(p) for p in (*chain, resolved))
            raise ConfigError(label, "base", f"the bases form a loop: {loop}")
        data = _parse(label, path)
        name = data.pop("name", path.stem)
        if not isinstance(name, str) or not name:
            raise ConfigError(label, "name", f"must be a non-empty string, got {name!r}")
        base_name = data.pop("base", None)
        if base_name is None:
            base = {}
        elif not isinstance(base_name, str):
            raise ConfigError(
                name, "base", f"must be a preset name or a .toml path, got {base_name!r}"
            )
        elif is_config_file(base_name):
            parent = _read(path.parent / base_name, {}, (*chain, resolved))
            base = {f.name: getattr(parent, f.name) for f in dataclasses.fields(parent)}
            del base["name"]
        else:
            base = preset_fields(base_name, config=name)
        return build_config(name, base, {**_fields_from_toml(name, data, base), **overrides})
    except ConfigError as exc:
        raise exc.in_file(file) from None


def _parse(label: str, path: Path) -> dict:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(label, None, "no such configuration file") from None
    except OSError as exc:
        raise ConfigError(label, None, f"cannot be read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(label, None, "not UTF-8 text (TOML files are UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(label, None, f"not valid TOML: {exc}") from None


# ---------------------------------------------------------------- writing


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, FixedFormat):
        return json.dumps(value.cpp_type())
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"no TOML spelling for {value!r}")


def config_to_toml(cfg: KernelConfig, base: str | None = None) -> str:
    """``cfg`` as a configuration file: every field, or with ``base`` (a preset) only
    the fields and table entries that differ from it.  ``read_config_file`` of the
    text gives back ``cfg``."""
    ref = load_config(base) if base is not None else None
    lines = [f"# configuration {cfg.name!r} (golden.config_file)"]
    if base is not None:
        lines.append(f"base = {_toml(base)}")
    lines.append(f"name = {_toml(cfg.name)}")
    tables = []
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        old = None if ref is None else getattr(ref, f.name)
        if f.name == "name" or (ref is not None and value == old):
            continue
        if dataclasses.is_dataclass(value):
            entries = [
                f"{g.name} = {_toml(getattr(value, g.name))}"
                for g in dataclasses.fields(value)
                if old is None or getattr(value, g.name) != getattr(old, g.name)
            ]
            tables += ["", f"[{f.name}]", *entries]
        else:
            lines.append(f"{f.name} = {_toml(value)}")
    return "\n".join(lines + tables) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m golden.config_file", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    dump = sub.add_parser("dump", help="print a configuration (preset or .toml file) as TOML")
    dump.add_argument("config", help=f"a preset ({', '.join(ALL_CONFIG_NAMES)}) or a .toml file")
    dump.add_argument(
        "--base", choices=ALL_CONFIG_NAMES, help="write only what differs from this preset"
    )
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(config_to_toml(cfg, args.base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
