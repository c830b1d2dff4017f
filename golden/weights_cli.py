"""``python -m golden.weights``: check a model's weights before anything is simulated.

``check PATH --config NAME|FILE.toml`` loads PATH - an Edge-MoE weights
directory (raw float32 files) or a state_dict file (``.pt``/``.pth``/``.bin``/
``.ckpt`` through torch, ``.npz`` through NumPy; M3ViT names, see
golden/state_dict.py) - for the configuration, and prints per tensor its shape,
fixed-point format, value range, how many values would saturate and how many
``quantize_weights`` would refuse.  Exit status 0 when every tensor is
present, of its shape, finite and nothing saturates (``--allow-saturation``:
saturation is reported but allowed); 1 otherwise, with every problem listed.

``keys --config NAME|FILE.toml`` prints the state_dict keys and shapes the
configuration needs, with the canonical tensor each becomes.
"""

from __future__ import annotations

import argparse
import sys

from golden.config import ConfigError, load_config
from golden.quantize_weights import describe_weights
from golden.state_dict import load_model_weights, state_dict_layout, state_dict_shapes
from golden.weights import WeightsError, expected_shapes


def _keys(cfg) -> str:
    shapes = state_dict_shapes(cfg)
    canonical = expected_shapes(cfg)
    lines = [f"state_dict keys of configuration {cfg.name!r} (M3ViT names):"]
    for name, src in state_dict_layout(cfg).items():
        keys = " + ".join(f"{k} {shapes[k]}" for k in src.keys)
        change = ""
        if name == "pos_embed":
            change = "  (row 0 = cls_token + pos_embed[0])"
        elif canonical[name] != shapes[src.keys[0]]:
            change = "  (transposed)"
        lines.append(f"  {keys:60s} -> {name} {canonical[name]}{change}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m golden.weights", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="load and check weights; per-tensor report")
    check.add_argument("path", help="an Edge-MoE weights directory or a state_dict file")
    keys = sub.add_parser("keys", help="the state_dict keys a configuration needs")
    for p in (check, keys):
        p.add_argument(
            "--config", required=True, metavar="NAME|FILE.toml", help="the configuration"
        )
    check.add_argument(
        "--prefix", default=None, help="the encoder's key prefix in the state_dict (default: found)"
    )
    check.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="GLOB",
        help="state_dict keys to skip (repeatable; fnmatch, without the prefix)",
    )
    check.add_argument(
        "--allow-saturation", action="store_true", help="report saturated values, exit 0"
    )
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config)
        if args.command == "keys":
            print(_keys(cfg))
            return 0
        weights = load_model_weights(cfg, args.path, prefix=args.prefix, ignore=args.ignore or ())
        report = describe_weights(cfg, weights)
    except (ConfigError, WeightsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.text(args.allow_saturation))
    return 1 if report.problems(args.allow_saturation) else 0


if __name__ == "__main__":
    sys.exit(main())
