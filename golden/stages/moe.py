"""Mixture-of-Experts layer: gate, top-k, per-expert queues, expert FFNs, scatter-add.

Edge-MoE's fifth idea, patch reordering: instead of running each token through
its k experts, the kernel builds one queue of (token, score) per expert, in
token order, then runs the experts one after another over their queues
(gathering the tokens by index, prefetching the next expert's weights) and
scatters the score-weighted results back.  The queues are returned as data
(:class:`ExpertQueues`) because the RTL's queue memory is compared against them.

Gate scores follow M3ViT's NaiveGate: softmax over the k chosen logits (not over
all experts), computed with the kernel's approximate exp and reciprocal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from golden.config import KernelConfig
from golden.fixed import FixedFormat, cast, quantize
from golden.softmax import softmax_two_pass
from golden.stages.linear import LinearError, check_raw, linear

__all__ = [
    "ExpertQueues",
    "MoEResult",
    "build_queues",
    "gate_logits",
    "gate_scores",
    "moe",
    "moe_score_format",
    "scatter_combine",
    "top_k",
]


def moe_score_format(cfg: KernelConfig) -> FixedFormat:
    """The format of the gate's combine weights (scores) in the queues: ``moe_score``."""
    return cfg.formats.moe_score


@dataclass(frozen=True)
class ExpertQueues:
    """The per-expert queues of (token, score), expert after expert.

    ``tokens[offsets[e]:offsets[e+1]]`` is expert e's queue (increasing token
    indices); ``slots`` says which of the token's k choices each entry is and
    ``scores`` holds its raw combine weight.  ``lengths[e]`` is the queue length;
    ``active`` the experts with a non-empty queue, in the order they run.
    """

    experts: int
    tokens: np.ndarray
    slots: np.ndarray
    scores: np.ndarray
    lengths: np.ndarray
    offsets: np.ndarray

    @property
    def active(self) -> np.ndarray:
        return np.flatnonzero(self.lengths)

    def queue(self, expert: int) -> tuple[np.ndarray, np.ndarray]:
        """(tokens, raw scores) of ``expert``'s queue."""
        if not 0 <= expert < self.experts:
            raise IndexError(f"expert {expert} outside 0..{self.experts - 1}")
        lo, hi = self.offsets[expert], self.offsets[expert + 1]
        return self.tokens[lo:hi], self.scores[lo:hi]


@dataclass(frozen=True)
class MoEResult:
    """Everything the MoE layer computes: taps ``logits`` (T, E) and ``output`` (T, D),
    the chosen ``indices`` (T, k) best first, their raw ``scores`` (T, k) and the queues."""

    logits: np.ndarray
    indices: np.ndarray
    scores: np.ndarray
    queues: ExpertQueues
    output: np.ndarray


def gate_logits(x_raw: np.ndarray, w_gate_raw: np.ndarray, cfg: KernelConfig) -> np.ndarray:
    """Gate logits (T, E) = x @ W_gate.T on the linear engine, no bias.

    Quantisation point: the exact accumulator (feature x linear_weight) is
    rounded once into the feature format (AP_RND, AP_SAT), the input format of
    the softmax unit that turns the chosen logits into scores.
    """
    return linear(x_raw, w_gate_raw, None, cfg)


def top_k(logits_raw: np.ndarray, k: int) -> np.ndarray:
    """Indices (T, k) of each row's k largest logits, best first.

    Tie rule: larger logit first; equal logits -> lower expert index first (a
    stable sort on the negated raw logits, which are exact integers).
    """
    logits = np.asarray(logits_raw)
    if logits.ndim != 2 or not np.issubdtype(logits.dtype, np.integer):
        raise LinearError(f"logits must be a 2-D integer array, got {logits.dtype} {logits.shape}")
    if not (isinstance(k, int) and 1 <= k <= logits.shape[1]):
        raise LinearError(f"k={k!r} must be in 1..{logits.shape[1]} (the number of experts)")
    order = np.argsort(-logits.astype(np.int64), axis=1, kind="stable")
    return order[:, :k]


def gate_scores(chosen_logits_raw: np.ndarray, cfg: KernelConfig) -> np.ndarray:
    """Combine weights (T, k): softmax over each row's k chosen logits (NaiveGate).

    Quantisation points: those of :func:`golden.softmax.softmax_two_pass` (the
    kernel's exp and reciprocal; probabilities in ``prob``), then a cast into
    ``moe_score`` by its modes (exact when the two formats agree, as by default).
    The chosen logits are feature-format values, best first.
    """
    f = cfg.formats
    probs = softmax_two_pass(check_raw("chosen logits", chosen_logits_raw, f.feature, 2), cfg)
    return cast(probs, f.prob, moe_score_format(cfg))


def build_queues(indices: np.ndarray, scores_raw: np.ndarray, experts: int) -> ExpertQueues:
    """The per-expert queues from the top-k choices (T, k) and their scores (T, k).

    Expert e's queue holds, in increasing token order, every token that chose e
    (a token chooses an expert at most once), with that choice's slot and score.
    """
    idx = np.asarray(indices, dtype=np.int64)
    sc = np.asarray(scores_raw)
    if idx.ndim != 2 or sc.shape != idx.shape:
        raise LinearError(f"indices {idx.shape} and scores {sc.shape} must both be (T, k)")
    if idx.size and (idx.min() < 0 or idx.max() >= experts):
        raise LinearError(f"expert indices must be in 0..{experts - 1}")
    k = idx.shape[1]
    flat = idx.reshape(-1)  # token-major: entry i is token i // k, slot i % k
    order = np.argsort(flat, kind="stable")  # expert-major, token order kept inside
    lengths = np.bincount(flat, minlength=experts)
    offsets = np.zeros(experts + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return ExpertQueues(
        experts=experts,
        tokens=order // k,
        slots=order % k,
        scores=sc.reshape(-1)[order].astype(np.int64),
        lengths=lengths,
        offsets=offsets,
    )


def scatter_combine(
    expert_out_raw: np.ndarray, queues: ExpertQueues, tokens: int, cfg: KernelConfig
) -> np.ndarray:
    """out[t] = sum over t's queue entries of score * expert_output, rounded once per token.

    ``expert_out_raw`` (len(queues.tokens), D) holds each queue entry's expert
    output (feature format) in queue order.  Quantisation points: products
    score x output and their sum are exact (int64: score.frac + feature.frac
    fraction bits; the width is checked); ONE rounding of each token's sum into
    the feature format (AP_RND, AP_SAT).
    """
    f = cfg.formats.feature
    s_fmt = moe_score_format(cfg)
    y = check_raw("expert output", expert_out_raw, f, 2)
    if y.shape[0] != queues.tokens.shape[0]:
        raise LinearError(f"{y.shape[0]} expert outputs for {queues.tokens.shape[0]} queue entries")
    s = check_raw("scores", queues.scores, s_fmt, 1)
    k_max = int(np.bincount(queues.tokens, minlength=tokens).max(initial=0))
    s_bits = s_fmt.width - s_fmt.signed
    if s_bits + f.width - 1 + max(k_max - 1, 1).bit_length() > 62:
        raise LinearError(f"score-weighted sums of {k_max} terms {s_fmt} x {f} overflow int64")
    acc = np.zeros((tokens, y.shape[1]), dtype=np.int64)
    np.add.at(acc, queues.tokens, s[:, None] * y)
    return quantize(acc, s_fmt.frac_bits + f.frac_bits, f)


def moe(
    x_raw: np.ndarray,
    w_gate_raw: np.ndarray,
    w1_raw: np.ndarray,
    b1_raw: np.ndarray,
    w2_raw: np.ndarray,
    b2_raw: np.ndarray,
    cfg: KernelConfig,
) -> MoEResult:
    """The MoE FFN of one task on LN2's output x (T, D).

    W_gate (E, D); expert fc1 W1 (E, EH, D), b1 (E, EH); fc2 W2 (E, D, EH),
    b2 (E, D).  Stages and their quantisation points:

    1. :func:`gate_logits` (one rounding into the feature format);
    2. :func:`top_k` (exact, tie rule there);
    3. :func:`gate_scores` on the chosen logits (the softmax's own points);
    4. :func:`build_queues` (exact);
    5. per non-empty expert, in index order, over its queue: fc1 + GELU and fc2
       on the linear engine (each one rounding into the feature format, GELU's
       own rounding);
    6. :func:`scatter_combine` (one rounding per token).
    """
    e, eh, d = cfg.experts, cfg.expert_hidden, cfg.dim
    x = check_raw("MoE input", x_raw, cfg.formats.feature, 2)
    for name, arr, shape in (
        ("gate weight", w_gate_raw, (e, d)),
        ("expert fc1 weight", w1_raw, (e, eh, d)),
        ("expert fc1 bias", b1_raw, (e, eh)),
        ("expert fc2 weight", w2_raw, (e, d, eh)),
        ("expert fc2 bias", b2_raw, (e, d)),
    ):
        if np.shape(arr) != shape:
            raise LinearError(f"{name} shape {np.shape(arr)}, configuration needs {shape}")
    if x.shape[1] != d:
        raise LinearError(f"MoE input shape {x.shape}, needs (tokens, {d})")
    logits = gate_logits(x, w_gate_raw, cfg)
    indices = top_k(logits, cfg.top_k)
    scores = gate_scores(np.take_along_axis(logits, indices, axis=1), cfg)
    queues = build_queues(indices, scores, e)
    outs = np.empty((queues.tokens.shape[0], d), dtype=np.int64)
    for expert in queues.active:
        lo, hi = queues.offsets[expert], queues.offsets[expert + 1]
        xe = x[queues.tokens[lo:hi]]  # gather by token index
        h = linear(xe, w1_raw[expert], b1_raw[expert], cfg, gelu=True)
        outs[lo:hi] = linear(h, w2_raw[expert], b2_raw[expert], cfg)
    output = scatter_combine(outs, queues, x.shape[0], cfg)
    return MoEResult(logits, indices, scores, queues, output)
