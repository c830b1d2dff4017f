"""The per-cycle valid/ready channel engine every driver of tb/components runs on.

A valid/ready channel seen from the testbench is either a :class:`Source`
(the testbench offers beats: it drives valid and the payload and samples
ready) or a :class:`Sink` (the testbench takes beats: it drives ready and
samples valid and the payload). :meth:`ChannelEngine.run` serves any number of
them from one coroutine with two triggers per clock cycle, which is the
fastest way through cocotb: every channel drives after the rising edge, then
every channel samples at ``ReadOnly`` (the values the next edge will see).

Each end pauses by a policy, one flag per cycle (True: no beat offered / no
beat taken in that cycle): :func:`cyclic_pauses` repeats an idle pattern,
:class:`RandomPauses` draws seeded random pauses per cycle. A flag is used up
every cycle, whether or not the channel needs it, so the pauses of a cycle do
not depend on what the design did before.

The channels check the handshake rules on the way: an offered beat is held
until taken (:class:`Source`); a beat the design offers and the testbench does
not take must stay unchanged and may not be withdrawn (:class:`Sink`). A
violation raises the sink's error class with the cycle, a run that stops
moving raises the engine's with the caller's message.

Payloads are read as ``int(str(handle.value), 2)`` (:func:`read_unsigned`):
Verilator is two-state, and this skips the per-bit resolution of
``LogicArray.to_unsigned``, the dearest Python of a cycle on a wide bus (a
value with X or Z still fails, with ``ValueError``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from cocotb.triggers import ReadOnly, RisingEdge

__all__ = [
    "ChannelEngine",
    "ChannelError",
    "RandomPauses",
    "Sink",
    "Source",
    "cycle_bound",
    "cyclic_pauses",
    "idle_patterns",
    "read_unsigned",
]


class ChannelError(AssertionError):
    """A channel broke a handshake rule or stopped moving."""


def read_unsigned(handle) -> int:
    """The unsigned value of *handle* (see the module docstring)."""
    return int(str(handle.value), 2)


def idle_patterns(*patterns: Sequence[bool] | None) -> list[list[bool]]:
    """Idle patterns as lists (None or empty: never idle); one idle on every cycle
    is refused, as it would never move its channel."""
    out = [[bool(v) for v in p] if p is not None and len(p) else [False] for p in patterns]
    if any(all(p) for p in out):
        raise ValueError("an idle pattern that is idle on every cycle never moves the stream")
    return out


def cycle_bound(work: int, patterns: Sequence[Sequence[bool]]) -> int:
    """A bound on the cycles a run of *work* cycles at full speed may take when each
    of *patterns* idles its channel for its share of the cycles (at least 5 % busy)."""
    busy = 1.0
    for p in patterns:
        busy *= max(0.05, 1 - sum(p) / len(p))
    return int(work / busy)


def cyclic_pauses(pattern: Sequence[bool] | None, offset: int = 0) -> Iterator[bool]:
    """One pause flag per cycle: *pattern* over and over, starting at *offset*
    (no pattern or an empty one: never pause)."""
    flags = [bool(v) for v in pattern] if pattern is not None and len(pattern) else [False]
    offset %= len(flags)
    return itertools.cycle(flags[offset:] + flags[:offset])


class RandomPauses:
    """Seeded random pauses of *channels* channel ends: in every cycle each pauses
    with *probability*. The flags of one cycle come from one row of uniform draws,
    a column per channel (as ``rng.random(channels) < probability`` would give,
    drawn ahead in blocks); probability 0 draws nothing.

    :meth:`channel` gives channel *k* its flags; every channel must take one flag
    per cycle (the engine does), as the rows are shared.
    """

    BLOCK = 1024  # rows drawn at once

    def __init__(self, rng: np.random.Generator, probability: float, channels: int) -> None:
        if not 0.0 <= probability < 1.0:
            raise ValueError(f"pause probability {probability} must be in [0, 1)")
        self._rng = rng
        self.probability = probability
        self.channels = channels
        self._blocks: dict[int, list] = {}  # block index -> [columns, channels still to read it]
        self._drawn = 0

    def channel(self, k: int) -> Iterator[bool]:
        if not 0 <= k < self.channels:
            raise IndexError(f"channel {k} of {self.channels}")
        return itertools.repeat(False) if not self.probability else self._column(k)

    def _column(self, k: int) -> Iterator[bool]:
        block = 0
        while True:
            if block == self._drawn:
                rows = self._rng.random((self.BLOCK, self.channels)) < self.probability
                self._blocks[block] = [rows.T.tolist(), self.channels]
                self._drawn += 1
            entry = self._blocks[block]
            entry[1] -= 1
            if not entry[1]:
                del self._blocks[block]
            yield from entry[0][k]
            block += 1


class _ChannelEnd:
    """What both ends of a channel hold: the handshake signals, the pauses and counts."""

    __slots__ = ("first", "last", "pauses", "ready", "taken", "valid", "waits")

    def __init__(self, valid, ready, pauses: Iterator[bool]) -> None:
        self.valid, self.ready, self.pauses = valid, ready, pauses
        self.taken = 0  # beats passed
        self.waits = 0  # cycles with valid high and ready low
        self.first = self.last = -1  # cycles of the first and the last beat passed


class Source(_ChannelEnd):
    """The testbench end that offers beats on a valid/ready channel.

    In every cycle that it is not paused and not holding a beat, it calls
    ``offer()``, which drives the payload of the next beat and returns True, or
    returns False when there is none; the beat stays offered (valid high, payload
    unchanged) until ready takes it, then ``on_taken()`` is called.
    """

    __slots__ = ("held", "offer", "on", "on_taken")

    def __init__(
        self,
        valid,
        ready,
        pauses: Iterator[bool],
        offer: Callable[[], bool],
        on_taken: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(valid, ready, pauses)
        self.offer, self.on_taken = offer, on_taken
        self.on: bool | None = None  # level driven on valid (None: not driven yet)
        self.held = False  # the offered beat was not taken: keep it

    def drive(self) -> None:
        paused = next(self.pauses)
        if self.held:
            return
        v = not paused and bool(self.offer())
        if v != self.on:
            self.valid.value = int(v)
            self.on = v

    def sample(self, cycle: int) -> None:
        if self.on:
            if self.ready.value:
                self.held = False
                self.taken += 1
                if self.first < 0:
                    self.first = cycle
                self.last = cycle
                if self.on_taken is not None:
                    self.on_taken()
            else:
                self.held = True
                self.waits += 1

    def reset(self) -> None:
        """Drop the beat held (a reset took it away with the design's state)."""
        self.held = False

    def quiet(self) -> None:
        """Lower valid (after the last cycle of a run)."""
        if self.on:
            self.valid.value = 0
            self.on = False


class Sink(_ChannelEnd):
    """The testbench end that takes beats from a valid/ready channel.

    Ready is high in every cycle that is not paused. When valid is high the
    payload is read (``read()``); a beat taken is passed to ``on_beat(beat)``. A
    beat not taken must be offered again unchanged in the next cycle, or
    :attr:`error` is raised.
    """

    __slots__ = ("error", "level", "name", "on_beat", "read", "stalled")

    def __init__(
        self,
        valid,
        ready,
        pauses: Iterator[bool],
        read: Callable[[], object],
        on_beat: Callable[[object], None],
        *,
        name: str,
        error: type[AssertionError] = ChannelError,
    ) -> None:
        super().__init__(valid, ready, pauses)
        self.read, self.on_beat = read, on_beat
        self.name, self.error = name, error
        self.level: bool | None = None  # level driven on ready (None: not driven yet)
        self.stalled: object = None  # beat seen and not taken in the last cycle

    def drive(self) -> None:
        r = not next(self.pauses)
        if r != self.level:
            self.ready.value = int(r)
            self.level = r

    def sample(self, cycle: int) -> None:
        if self.valid.value:
            beat = self.read()
            if self.stalled is not None and beat != self.stalled:
                raise self.error(
                    f"cycle {cycle}: {self.name} beat {self.taken} changed from {self.stalled!r} "
                    f"to {beat!r} while valid was high and ready low"
                )
            if self.level:
                self.stalled = None
                self.taken += 1
                if self.first < 0:
                    self.first = cycle
                self.last = cycle
                self.on_beat(beat)
            else:
                self.stalled = beat
                self.waits += 1
        elif self.stalled is not None:
            raise self.error(
                f"cycle {cycle}: {self.name} valid dropped before beat {self.taken} was taken"
            )

    def reset(self) -> None:
        """Forget the stalled beat (a reset took it away with the design's state)."""
        self.stalled = None


class _Never:
    """The channel a run without an end counts: it never passes a beat."""

    taken = 0


_NEVER = _Never()


class ChannelEngine:
    """Runs *channels* (sources and sinks) on *clk*, one cycle at a time.

    *reset_n* (active low, optional) is checked twice a cycle: low before the
    channels drive, every channel forgets its held beat and ``on_reset()`` is
    called; low at ``ReadOnly``, nothing is sampled.
    """

    def __init__(
        self,
        clk,
        channels: Sequence[Source | Sink],
        *,
        reset_n=None,
        on_reset: Callable[[], None] | None = None,
        error: type[AssertionError] = ChannelError,
    ) -> None:
        self.clk = clk
        self.channels = list(channels)
        self.reset_n = reset_n
        self.on_reset = on_reset
        self.error = error
        self.cycle = 0  # cycles run (or, after first_edge, rising edges seen)

    async def run(
        self,
        until: tuple[Source | Sink, int] | None = None,
        *,
        max_cycles: int | None = None,
        stuck: Callable[[int], str] | None = None,
        check: Callable[[int], bool | None] | None = None,
        first_edge: bool = False,
    ) -> int:
        """Run cycles until channel ``until[0]`` has passed ``until[1]`` beats (checked
        after each rising edge), until ``check(cycle)``, called after the channels
        sampled, returns True (the run ends after that cycle's rising edge), or for
        ever; return the cycle count. Call right after a rising edge, or with
        *first_edge* anywhere (the first cycle starts at the next rising edge).
        After *max_cycles* cycles the run fails with ``stuck(cycle)``."""
        edge, ro = RisingEdge(self.clk), ReadOnly()
        drives = [ch.drive for ch in self.channels]
        samples = [ch.sample for ch in self.channels]
        rst = self.reset_n
        counted, beats = until if until is not None else (_NEVER, 1)
        bound = max_cycles if max_cycles is not None else float("inf")
        if first_edge:
            await edge
            self.cycle += 1
        cyc = self.cycle
        stop = False
        while counted.taken < beats:
            if cyc >= bound:
                raise self.error(stuck(cyc) if stuck else f"no end after {cyc} cycles")
            if rst is not None and not rst.value:
                self._reset()
            for drive in drives:
                drive()
            await ro
            if rst is None or rst.value:
                for sample in samples:
                    sample(cyc)
                if check is not None:
                    stop = check(cyc)
            await edge
            cyc += 1
            self.cycle = cyc
            if stop:
                break
        return cyc

    def _reset(self) -> None:
        for ch in self.channels:
            ch.reset()
        if self.on_reset is not None:
            self.on_reset()

    def quiet(self) -> None:
        """Lower the valid of every source (after the last cycle of a run)."""
        for ch in self.channels:
            if isinstance(ch, Source):
                ch.quiet()

    async def drain(self, sink: Sink, cycles: int, what: str = "beats") -> None:
        """After a run (right after a rising edge): lower every source's valid, raise
        *sink*'s ready, and check for *cycles* cycles that nothing more comes out."""
        self.quiet()
        sink.ready.value = 1
        sink.level = True
        valid, edge, ro = sink.valid, RisingEdge(self.clk), ReadOnly()
        for k in range(cycles):
            await ro
            if valid.value:
                raise self.error(
                    f"{sink.name}: valid high {k} cycles after the last of {sink.taken} {what} "
                    "(extra beat)"
                )
            await edge
