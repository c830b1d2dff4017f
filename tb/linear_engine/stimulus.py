"""Linear-engine bench helpers: jobs, operands, memory layout, golden outputs.

The specifications are ``golden.stages.linear.linear`` (linear mode) and
``golden.stages.patch_embed.patch_embed`` (patch mode). A :class:`EngineJob`
holds one job's operands; :meth:`EngineJob.place` lays them out in a memory
(random order, random gaps of guard bytes) packed by ``hls.memory_map.pack``,
and :meth:`EngineJob.expected` is the golden output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from golden.config import KernelConfig
from golden.stages.linear import linear
from golden.stages.patch_embed import patch_embed
from hls.geometry import Geometry
from hls.memory_map import pack, packed_bytes


def _fill(rng: np.random.Generator, shape, lo: int, hi: int, kind: str) -> np.ndarray:
    """Raw values in [lo, hi]: ``full`` uniform over the format, ``extreme`` only
    lo/hi/0/+-1 neighbours, ``moderate`` a small share of the range, ``mixed``
    rows of each kind."""
    if kind == "full":
        return rng.integers(lo, hi + 1, size=shape, dtype=np.int64)
    if kind == "extreme":
        choices = np.array([lo, lo + 1, hi, hi - 1, 0, max(lo, -1), min(hi, 1)], dtype=np.int64)
        return rng.choice(choices, size=shape)
    if kind == "moderate":
        span = max(1, (hi - lo) >> 7)
        return np.clip(rng.integers(-span, span + 1, size=shape, dtype=np.int64), lo, hi)
    if kind == "mixed":
        out = np.empty(shape, dtype=np.int64)
        flat = out.reshape(-1, shape[-1]) if len(shape) > 1 else out.reshape(1, -1)
        for i in range(flat.shape[0]):
            flat[i] = _fill(rng, (shape[-1],), lo, hi, ("full", "extreme", "moderate")[i % 3])
        return out
    raise ValueError(kind)


@dataclass
class EngineJob:
    """One job of the engine and where it sits in memory."""

    label: str
    x: np.ndarray  # (N, K) features, or the (C, H, W) image in patch mode
    w: np.ndarray  # (M, K) raw weights
    b: np.ndarray  # (M,) raw bias
    gelu: bool = False
    alt: bool = False
    patch: bool = False
    pos: np.ndarray | None = None  # (TOKENS, M) patch mode
    b_skew: int = 0  # bias placed this many bytes after a beat boundary
    addr: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.pos.shape[0]) if self.patch else int(self.x.shape[0])

    @property
    def k(self) -> int:
        return int(self.w.shape[1])

    @property
    def m(self) -> int:
        return int(self.w.shape[0])

    def formats(self, cfg: KernelConfig):
        f = cfg.formats
        w_fmt = f.patch_weight if self.patch else f.linear_weight
        b_fmt = f.attn_bias if self.alt else f.bias
        x_fmt = f.pixel if self.patch else f.feature
        return x_fmt, w_fmt, b_fmt

    def blobs(self, cfg: KernelConfig) -> dict[str, bytes]:
        bits = cfg.axi_data_width
        x_fmt, w_fmt, b_fmt = self.formats(cfg)
        out = {
            "x": pack(self.x, x_fmt, bits),
            "w": pack(self.w, w_fmt, bits),
            "b": bytes(self.b_skew) + pack(self.b, b_fmt, bits),
            "y": bytes(packed_bytes((self.n, self.m), cfg.formats.feature, bits)),
        }
        if self.patch:
            out["pos"] = pack(self.pos, cfg.formats.feature, bits)
        return out

    def place(self, mem_data: np.ndarray, cfg: KernelConfig, rng: np.random.Generator) -> None:
        """Lay the operands out at random beat-aligned places (random gaps) and
        write them into *mem_data* (the output region is left as it is)."""
        bb = cfg.axi_data_width // 8
        blobs = self.blobs(cfg)
        names = list(blobs)
        rng.shuffle(names)
        a = 0
        self.addr = {}
        for name in names:
            a += int(rng.integers(0, 8)) * bb
            self.addr[name] = a
            a += -(-len(blobs[name]) // bb) * bb
        if a + 8 * bb > mem_data.size:
            raise ValueError(
                f"{self.label}: needs {a + 8 * bb} bytes of memory, has {mem_data.size}"
            )
        for name, blob in blobs.items():
            if name != "y":
                mem_data[self.addr[name] : self.addr[name] + len(blob)] = np.frombuffer(
                    blob, dtype=np.uint8
                )

    def regions(self, cfg: KernelConfig) -> dict[str, tuple[int, int]]:
        """(address, bytes) of each placed region."""
        return {k: (self.addr[k], len(v)) for k, v in self.blobs(cfg).items()}

    def fields(self) -> dict[str, int]:
        """The engine_job_t fields (the linear engine's operands a..d: x, W, b, pos)."""
        return {
            "a": self.addr["x"],
            "b": self.addr["w"],
            "c": self.addr["b"] + self.b_skew,
            "d": self.addr.get("pos", 0),
            "y": self.addr["y"],
            "tokens": self.n,
            "k": self.k,
            "m": self.m,
            "gelu": int(self.gelu),
            "bias_alt": int(self.alt),
            "patch": int(self.patch),
        }

    def expected(self, cfg: KernelConfig) -> np.ndarray:
        if self.patch:
            w4 = self.w.reshape(self.m, cfg.channels, cfg.patch, cfg.patch)
            return patch_embed(self.x, w4, self.b, self.pos, cfg)
        _, w_fmt, b_fmt = self.formats(cfg)
        return linear(self.x, self.w, self.b, cfg, gelu=self.gelu, w_fmt=w_fmt, b_fmt=b_fmt)

    def describe(self) -> str:
        mode = "patch" if self.patch else "linear"
        flags = "".join(s for s, on in ((" gelu", self.gelu), (" alt", self.alt)) if on)
        return f"{self.label} ({mode} N={self.n} K={self.k} M={self.m}{flags})"

    def mac_bound(self, geo: Geometry) -> int:
        """Cycles of the MAC array alone: N*M*K / (ROWS*COLS)."""
        n = self.n - 1 if self.patch else self.n
        rows, cols = geo.config.linear_tile
        return -(-n * self.m * self.k // (rows * cols))


def linear_job(
    cfg: KernelConfig,
    rng: np.random.Generator,
    label: str,
    n: int,
    k: int,
    m: int,
    *,
    x_kind: str = "moderate",
    w_kind: str = "moderate",
    gelu: bool = False,
    alt: bool = False,
    b_skew: int = 0,
) -> EngineJob:
    f = cfg.formats
    b_fmt = f.attn_bias if alt else f.bias
    x = _fill(rng, (n, k), f.feature.min_raw, f.feature.max_raw, x_kind)
    w = _fill(rng, (m, k), f.linear_weight.min_raw, f.linear_weight.max_raw, w_kind)
    b = _fill(rng, (m,), b_fmt.min_raw, b_fmt.max_raw, "mixed")
    return EngineJob(label, x, w, b, gelu=gelu, alt=alt, b_skew=b_skew)


def gelu_job(cfg: KernelConfig, rng: np.random.Generator, label: str, n: int, m: int) -> EngineJob:
    """fc1 + GELU with pre-activations spread over the GELU table and beyond
    (features of a few units, weights around 1/K, so sums reach +-10)."""
    f = cfg.formats
    k = cfg.dim
    one_x = 1 << f.feature.frac_bits
    x = np.clip(
        np.rint(rng.standard_normal((n, k)) * 3 * one_x), f.feature.min_raw, f.feature.max_raw
    )
    scale = (1 << f.linear_weight.frac_bits) / np.sqrt(k)
    w = np.clip(
        np.rint(rng.standard_normal((m, k)) * scale),
        f.linear_weight.min_raw,
        f.linear_weight.max_raw,
    )
    b = _fill(rng, (m,), f.bias.min_raw, f.bias.max_raw, "moderate")
    return EngineJob(label, x.astype(np.int64), w.astype(np.int64), b, gelu=True)


def patch_job(
    cfg: KernelConfig, rng: np.random.Generator, label: str, kind: str = "random"
) -> EngineJob:
    """A patch-embedding job on the configuration's image geometry: ``random``
    pixels, weights, bias and pos over their whole formats; ``extreme`` all
    pixels 255 with every weight at its minimum and pos at the feature extremes
    (the tile's largest |acc|, outputs saturating after pos is added)."""
    f = cfg.formats
    c, (h, w_), p = cfg.channels, cfg.image_hw, cfg.patch
    m, k, t = cfg.dim, c * p * p, cfg.tokens
    if kind == "random":
        img = rng.integers(0, f.pixel.max_raw + 1, size=(c, h, w_), dtype=np.int64)
        wt = _fill(rng, (m, k), f.patch_weight.min_raw, f.patch_weight.max_raw, "mixed")
        b = _fill(rng, (m,), f.bias.min_raw, f.bias.max_raw, "mixed")
        pos = _fill(rng, (t, m), f.feature.min_raw, f.feature.max_raw, "mixed")
    else:
        img = np.full((c, h, w_), f.pixel.max_raw, dtype=np.int64)
        img[:, :, ::7] = rng.integers(0, f.pixel.max_raw + 1, size=img[:, :, ::7].shape)
        wt = np.full((m, k), f.patch_weight.min_raw, dtype=np.int64)
        wt[m // 2 :] = f.patch_weight.max_raw
        b = np.where(np.arange(m) % 2, f.bias.min_raw, f.bias.max_raw).astype(np.int64)
        pos = rng.choice(
            np.array([f.feature.min_raw, f.feature.max_raw, 0, f.feature.max_raw - 3], np.int64),
            size=(t, m),
        )
    return EngineJob(label, img, wt, b, patch=True, pos=pos)
