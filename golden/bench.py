"""Golden-model speed: one whole image through the bit-exact forward pass, on ONE core.

``python -m golden.bench [--config m3vit|FILE.toml] [--runs 7] [--weights DIR|FILE|synthetic]``
prints the median wall time of ``golden.model.forward`` over several runs
(weight quantisation and image conversion excluded: they happen once per
model, not per image).  BLAS and OpenMP are pinned to one thread before NumPy
is imported, so the figure is per core.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from golden.config import config_argument, load_config  # noqa: E402
from golden.model import forward  # noqa: E402
from golden.quantize_weights import quantize_image, quantize_weights  # noqa: E402
from golden.state_dict import load_model_weights  # noqa: E402
from golden.weights import (  # noqa: E402
    default_weights_dir,
    load_image,
    synthetic_image,
    synthetic_weights,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m golden.bench", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--config",
        default="m3vit",
        type=config_argument,
        metavar="NAME|FILE.toml",
        help="a preset of golden.config or a configuration file (default: m3vit)",
    )
    ap.add_argument("--runs", type=int, default=7, help="timed runs (median reported)")
    ap.add_argument(
        "--weights",
        default="auto",
        help="a weights directory, a state_dict file (.pt/.pth/.npz, M3ViT names), "
        "'synthetic', or 'auto' (real m3vit weights when present)",
    )
    ap.add_argument("--task", type=int, default=0)
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    cfg = load_config(args.config)
    directory = None
    if args.weights == "auto":
        directory = default_weights_dir() if cfg.name == "m3vit" else None
    elif args.weights != "synthetic":
        directory = args.weights
    if directory is not None:
        weights = load_model_weights(cfg, directory)
        image_path = os.path.join(directory, "image.float32.bin")
        image = load_image(image_path, cfg) if os.path.exists(image_path) else None
    else:
        weights, image = synthetic_weights(cfg, 0), None
    if image is None:
        image = synthetic_image(cfg, 0)
    qw = quantize_weights(cfg, weights)
    img = quantize_image(image, cfg)
    forward(cfg, qw, img, args.task)  # warm-up (caches, page faults)
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        forward(cfg, qw, img, args.task)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(
        f"golden forward, config {cfg.name} ({cfg.tokens} tokens, {cfg.layers} layers), "
        f"weights {weights.source}, 1 thread: median {med:.3f} s over {args.runs} runs "
        f"(min {min(times):.3f} s, max {max(times):.3f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
