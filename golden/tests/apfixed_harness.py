"""Real Xilinx ``ap_fixed`` C++ as an oracle for :mod:`golden.fixed`.

This is a helper module for the tests, not a test.  It

1. holds a fixed, curated list of *cases*: each case is one C++ operation on
   concrete ap_fixed types (a cast ``D d = s``, the constructor from
   ``double``, ``to_double()``, ``a + b`` / ``a - b`` / ``a * b``, or an
   arithmetic result assigned to a narrower type);
2. generates one C++ source that instantiates every case with the ``ap_types``
   headers shipped inside the ``hls4ml`` wheel, compiles it with g++ once
   (cached under ``build/apfixed/<hash>/``, so reruns skip the compile);
3. runs the binary as one long-lived subprocess speaking a line protocol, and
   answers batches of requests.

Protocol (one request per line, hex without ``0x``; raw values are the W-bit
two's-complement pattern of the case's input type):

``<case_id> <a_hex> [<b_hex>]``
    evaluate the case; the reply is one line, the hex of the W-bit result
    pattern (for ``to_double`` cases: the 64-bit pattern of the double).
``i <case_id>``
    reply ``W I S Q O`` of the case's *result* C++ type (via ``decltype``).
``.``
    flush: replies are buffered in the child until this line, so a batch of
    any size is written in full before anything is read (no pipe deadlock).

Formats are described here by :class:`Shape` (width, int_bits, signed) plus
quantisation / overflow mode *names* ("AP_RND", "AP_SAT", ...), independently
of golden.fixed, so a bug there cannot leak into the oracle.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

QUANTS = (
    "AP_TRN",
    "AP_TRN_ZERO",
    "AP_RND",
    "AP_RND_ZERO",
    "AP_RND_MIN_INF",
    "AP_RND_INF",
    "AP_RND_CONV",
)
OVERFLOWS = ("AP_WRAP", "AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM")
MODES = tuple((q, o) for q in QUANTS for o in OVERFLOWS)  # the 28 combinations
# Declaration order of the C++ enums in ap_decl.h (their integer values).
_CPP_Q_ENUM = (
    "AP_RND",
    "AP_RND_ZERO",
    "AP_RND_MIN_INF",
    "AP_RND_INF",
    "AP_RND_CONV",
    "AP_TRN",
    "AP_TRN_ZERO",
)
_CPP_O_ENUM = ("AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM", "AP_WRAP", "AP_WRAP_SM")

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = REPO_ROOT / "build" / "apfixed"
# -O0: the compile dominates, requests are cheap.  -DNDEBUG: ap_fixed's cast
# (operator=) reads bit F2-F-1 of the source *before* checking that it exists;
# when a non-AP_TRN cast drops more fractional bits than the source has, that
# read trips an assert in ap_private (abort) although the value is then
# discarded (the quantisation bit is the sign there).  Without asserts the
# header computes the intended result.
CXXFLAGS = ("-std=c++14", "-O0", "-w", "-DNDEBUG")


@dataclass(frozen=True)
class Shape:
    """Width, integer bits and signedness of an ap_fixed type (modes apart)."""

    width: int
    int_bits: int
    signed: bool = True

    @property
    def frac_bits(self) -> int:
        return self.width - self.int_bits

    @property
    def min_raw(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_raw(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    def cpp(self, quant: str = "AP_TRN", overflow: str = "AP_WRAP") -> str:
        kind = "ap_fixed" if self.signed else "ap_ufixed"
        return f"{kind}<{self.width},{self.int_bits},{quant},{overflow}>"

    def __str__(self) -> str:
        return f"{'' if self.signed else 'u'}fixed<{self.width},{self.int_bits}>"


def F(width: int, int_bits: int) -> Shape:
    return Shape(width, int_bits, True)


def U(width: int, int_bits: int) -> Shape:
    return Shape(width, int_bits, False)


# ---------------------------------------------------------------------------
# The curated case list.  Changing it changes the source hash and recompiles.

#: (source, destination) shapes for casts; each is crossed with all 28 modes
#: of the destination (the source's own modes do not matter to a cast).
CAST_PAIRS: tuple[tuple[Shape, Shape], ...] = (
    (F(32, 10), F(16, 5)),  # feature -> bias/norm format: both sides narrow
    (F(16, 5), F(32, 10)),  # widening: always exact
    (F(32, 10), U(8, 0)),  # signed -> pixel format
    (U(8, 0), F(16, 0)),  # unsigned -> signed, same int bits: [0.5, 1) overflows
    (F(16, 2), F(16, 7)),
    (F(16, 7), F(16, 2)),  # same width, fewer int bits
    (F(64, 20), F(16, 5)),  # widest source
    (F(64, 64), F(64, 0)),  # left shift by 64: every bit leaves
    (F(64, 0), F(64, 64)),  # right shift by 64: every bit is quantised away
    (F(64, 30), U(64, 30)),
    (U(64, 33), F(64, 33)),
    (U(64, 64), U(64, 63)),
    (F(63, 20), F(62, 19)),  # object <-> int64 boundary of golden.fixed
    (F(62, 0), F(63, 40)),
    (F(16, -4), F(8, -6)),  # negative int bits
    (F(8, -6), F(16, -4)),
    (F(8, 12), F(8, 4)),  # int_bits > width on the source
    (F(8, 4), F(6, 10)),  # int_bits > width on the destination
    (F(8, -8), F(8, 8)),  # right shift (16) >= source width
    (F(8, 8), F(8, -4)),  # left shift (12) >= destination width
    (U(8, -8), U(4, 4)),
    (F(1, 1), F(4, 2)),  # 1-bit types
    (F(4, 2), F(1, 1)),
    (F(12, 4), U(1, 1)),
    (U(1, 0), F(1, 0)),
    (F(1, 0), U(3, 1)),
    (F(20, 5), F(20, 6)),  # one fractional bit fewer, one integer bit more
    (U(12, 3), U(12, 4)),
    (F(40, 40), F(24, 24)),  # plain integers
    (F(24, 10), F(24, 10)),  # same shape: only SAT_SYM can change a value
    (U(16, 8), F(8, 4)),
    (F(5, 3), U(64, 60)),
    (F(64, -10), F(3, -70)),  # tiny numbers
    (F(2, 1), F(2, 1)),
    (F(33, 1), F(2, 1)),
    (U(10, 10), F(10, 10)),
    # Exact images of subnormal doubles (raw * 2**-1074, |raw| < 2**52): the
    # oracle for from_float on formats where ap_fixed(double) misreads
    # subnormals (it gives them the implicit leading 1 of a normal double).
    (F(54, -1020), F(64, -1000)),
)

#: destination shapes for the constructor from double (x 28 modes) and for
#: ``to_double`` (once each).
FLOAT_SHAPES: tuple[Shape, ...] = (
    F(32, 10),
    F(16, 2),
    F(16, 7),
    F(16, 5),
    F(16, 0),
    U(8, 0),
    F(1, 1),
    U(1, 0),
    F(1, 0),
    F(8, -4),
    F(8, 12),
    U(4, 8),
    F(24, 24),
    F(53, 1),
    F(55, 2),  # more significant bits than a double
    F(60, -20),
    F(62, 0),
    F(64, 32),
    U(64, 10),
    F(64, 64),
    U(64, 64),
    F(64, -1000),  # LSB 2**-1064: doubles near the subnormal range
    F(12, 1030),  # LSB 2**1018: only the largest doubles are non-zero
)

#: operand shapes for + - * ; each op is instantiated where its exact result
#: fits golden.fixed's 64-bit limit.
ARITH_PAIRS: tuple[tuple[Shape, Shape], ...] = (
    (F(32, 10), F(16, 2)),  # feature x linear weight
    (F(16, 5), U(8, 0)),  # mixed signedness
    (U(8, 0), F(16, 0)),
    (U(8, 4), U(6, 6)),  # unsigned - unsigned is signed
    (F(8, -4), F(8, 12)),
    (F(1, 1), F(1, 1)),
    (U(1, 0), F(1, 1)),
    (F(32, 32), F(32, -10)),  # 64-bit product
    (U(32, 16), U(32, 16)),
    (F(31, 0), U(31, 31)),  # 64-bit sum
    (F(30, 15), F(30, 15)),
    (U(40, 20), F(20, 20)),
    (F(62, 31), F(1, 1)),
    (U(62, 0), U(1, 1)),
    (F(24, 10), F(24, 10)),
    (U(16, 20), F(16, -20)),
)

OPS = ("add", "sub", "mul")
_CPP_OP = {"add": "+", "sub": "-", "mul": "*"}

#: (op, a, b, destination) for arithmetic results assigned to a narrower
#: type, each crossed with the 28 modes.
ARITH_CASTS: tuple[tuple[str, Shape, Shape, Shape], ...] = (
    ("mul", F(32, 10), F(16, 2), F(32, 10)),
    ("add", F(32, 10), F(32, 10), F(32, 10)),
    ("sub", U(8, 0), U(8, 0), F(8, 1)),
    ("mul", F(32, 32), F(32, -10), F(16, 8)),
    ("sub", F(31, 0), U(31, 31), U(20, 10)),
    ("mul", U(16, 20), F(16, -20), F(8, 2)),
)


def result_shape(op: str, a: Shape, b: Shape) -> Shape:
    """ap_fixed's RType rules, spelled out independently of golden.fixed.

    Used only to decide which cases are instantiated (result <= 64 bits); the
    tests compare golden.fixed's formats with what ``decltype`` reports.
    """
    if op == "mul":
        return Shape(a.width + b.width, a.int_bits + b.int_bits, a.signed or b.signed)
    ints = max(a.int_bits + (b.signed and not a.signed), b.int_bits + (a.signed and not b.signed))
    ints += 1
    frac = max(a.frac_bits, b.frac_bits)
    return Shape(ints + frac, ints, True if op == "sub" else (a.signed or b.signed))


@dataclass(frozen=True)
class Case:
    """One instantiated C++ operation.

    kind: "cast" (shapes = (src, dst)), "float" (shapes = (dst,)),
    "todouble" (shapes = (src,)), "arith" (shapes = (a, b)), or "arithcast"
    (shapes = (a, b, dst)).  ``quant``/``overflow`` are the destination's
    modes (unused by "todouble" and "arith").
    """

    kind: str
    shapes: tuple[Shape, ...]
    quant: str = "AP_TRN"
    overflow: str = "AP_WRAP"
    op: str = ""


def _build_cases() -> tuple[Case, ...]:
    cases: list[Case] = []
    for src, dst in CAST_PAIRS:
        cases += [Case("cast", (src, dst), q, o) for q, o in MODES]
    for dst in FLOAT_SHAPES:
        cases += [Case("float", (dst,), q, o) for q, o in MODES]
    cases += [Case("todouble", (s,)) for s in FLOAT_SHAPES]
    for a, b in ARITH_PAIRS:
        for op in OPS:
            if result_shape(op, a, b).width <= 64:
                cases.append(Case("arith", (a, b), op=op))
    for op, a, b, dst in ARITH_CASTS:
        assert result_shape(op, a, b).width <= 64
        cases += [Case("arithcast", (a, b, dst), q, o, op) for q, o in MODES]
    return tuple(cases)


CASES: tuple[Case, ...] = _build_cases()
CASE_ID: dict[Case, int] = {c: i for i, c in enumerate(CASES)}


def case_id(kind: str, shapes: Sequence[Shape], quant="AP_TRN", overflow="AP_WRAP", op="") -> int:
    return CASE_ID[Case(kind, tuple(shapes), quant, overflow, op)]


# ---------------------------------------------------------------------------
# C++ source

_PRELUDE = r"""
#include <ap_fixed.h>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

static const char HEX[] = "0123456789abcdef";

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Set the W-bit pattern of x from a hex string (bits above W must be zero).
template <class T> static bool set_raw(T& x, const char* h) {
  const int W = T::width;
  size_t n = std::strlen(h);
  if (n == 0) return false;
  for (size_t k = 0; k < n; ++k) {
    int v = nibble(h[n - 1 - k]);
    if (v < 0) return false;
    for (int j = 0; j < 4; ++j) {
      int bit = 4 * (int)k + j;
      bool b = (v >> j) & 1;
      if (bit < W) x.V.set_bit(bit, b);
      else if (b) return false;
    }
  }
  for (int bit = 4 * (int)n; bit < W; ++bit) x.V.set_bit(bit, false);
  return true;
}

template <class T> static void put_raw(std::string& out, const T& x) {
  const int W = T::width;
  int nnib = (W + 3) / 4;
  bool started = false;
  for (int k = nnib - 1; k >= 0; --k) {
    int v = 0;
    for (int j = 0; j < 4; ++j) {
      int bit = 4 * k + j;
      if (bit < W && x.V.get_bit(bit)) v |= 1 << j;
    }
    if (v || started || k == 0) { out += HEX[v]; started = true; }
  }
  out += '\n';
}

static void put_u64(std::string& out, uint64_t u) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx\n", (unsigned long long)u);
  out += buf;
}

template <int W, int I, bool S, ap_q_mode Q, ap_o_mode O, int N>
static void put_info(std::string& out, const ap_fixed_base<W, I, S, Q, O, N>*) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%d %d %d %d %d\n", W, I, (int)S, (int)Q, (int)O);
  out += buf;
}

typedef bool (*Fn)(const char*, const char*, std::string&);
typedef void (*Info)(std::string&);

template <class S, class D> static bool k_cast(const char* a, const char*, std::string& out) {
  S s;
  if (!set_raw(s, a)) return false;
  D d = s;
  put_raw(out, d);
  return true;
}
template <class S, class D> static void i_cast(std::string& out) {
  put_info(out, (const D*)0);
}

template <class D> static bool k_float(const char* a, const char*, std::string& out) {
  uint64_t u = std::strtoull(a, 0, 16);
  double x;
  std::memcpy(&x, &u, sizeof x);
  D d = x;
  put_raw(out, d);
  return true;
}
template <class D> static void i_float(std::string& out) { put_info(out, (const D*)0); }

template <class S> static bool k_todouble(const char* a, const char*, std::string& out) {
  S s;
  if (!set_raw(s, a)) return false;
  double x = s.to_double();
  uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  put_u64(out, u);
  return true;
}
template <class S> static void i_todouble(std::string& out) { put_info(out, (const S*)0); }

#define ARITH(NAME, SYM)                                                         \
  template <class A, class B> static bool k_##NAME(const char* a, const char* b, \
                                                   std::string& out) {           \
    A x; B y;                                                                    \
    if (!set_raw(x, a) || !b || !set_raw(y, b)) return false;                    \
    put_raw(out, x SYM y);                                                       \
    return true;                                                                 \
  }                                                                              \
  template <class A, class B> static void i_##NAME(std::string& out) {           \
    const A* x = 0; const B* y = 0;                                              \
    typedef decltype((*x)SYM(*y)) R;                                            \
    put_info(out, (const R*)0);                                                  \
  }                                                                              \
  template <class A, class B, class D> static bool kc_##NAME(                    \
      const char* a, const char* b, std::string& out) {                          \
    A x; B y;                                                                    \
    if (!set_raw(x, a) || !b || !set_raw(y, b)) return false;                    \
    D d = x SYM y;                                                               \
    put_raw(out, d);                                                             \
    return true;                                                                 \
  }                                                                              \
  template <class A, class B, class D> static void ic_##NAME(std::string& out) { \
    put_info(out, (const D*)0);                                                  \
  }
ARITH(add, +)
ARITH(sub, -)
ARITH(mul, *)
"""

_MAIN = r"""
#include "harness.h"
#include <vector>

static std::vector<Fn> TABLE;
static std::vector<Info> INFO;

int main() {
  for (int c = 0; c < NCHUNKS; ++c)
    for (int k = 0; k < CHUNK_SIZE[c]; ++k) {
      TABLE.push_back(CHUNK_TABLE[c][k]);
      INFO.push_back(CHUNK_INFO[c][k]);
    }
  const long NCASES = (long)TABLE.size();
  static char line[1 << 12];
  std::string out;
  out.reserve(1 << 20);
  while (std::fgets(line, sizeof line, stdin)) {
    char* argv[4] = {0, 0, 0, 0};
    int argc = 0;
    for (char* tok = std::strtok(line, " \t\r\n"); tok && argc < 4;
         tok = std::strtok(0, " \t\r\n"))
      argv[argc++] = tok;
    if (argc == 0) continue;
    if (argv[0][0] == '.' && argv[0][1] == 0) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      std::fflush(stdout);
      out.clear();
      continue;
    }
    if (argv[0][0] == 'i' && argv[0][1] == 0 && argc == 2) {
      long id = std::atol(argv[1]);
      if (id >= 0 && id < NCASES) INFO[id](out);
      else out += "ERR bad case id\n";
      continue;
    }
    char* end = 0;
    long id = std::strtol(argv[0], &end, 10);
    if (*end || id < 0 || id >= NCASES || argc < 2) {
      out += "ERR bad request\n";
      continue;
    }
    if (!TABLE[id](argv[1], argc > 2 ? argv[2] : 0, out)) out += "ERR bad operand\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
"""


def _cpp_entry(case: Case) -> tuple[str, str]:
    """(evaluation function, info function) for one case."""
    q, o = case.quant, case.overflow
    if case.kind == "cast":
        src, dst = case.shapes
        args = f"{src.cpp()}, {dst.cpp(q, o)}"
        return f"k_cast<{args}>", f"i_cast<{args}>"
    if case.kind == "float":
        (dst,) = case.shapes
        return f"k_float<{dst.cpp(q, o)}>", f"i_float<{dst.cpp(q, o)}>"
    if case.kind == "todouble":
        (src,) = case.shapes
        return f"k_todouble<{src.cpp()}>", f"i_todouble<{src.cpp()}>"
    if case.kind == "arith":
        a, b = case.shapes
        args = f"{a.cpp()}, {b.cpp()}"
        return f"k_{case.op}<{args}>", f"i_{case.op}<{args}>"
    if case.kind == "arithcast":
        a, b, dst = case.shapes
        args = f"{a.cpp()}, {b.cpp()}, {dst.cpp(q, o)}"
        return f"kc_{case.op}<{args}>", f"ic_{case.op}<{args}>"
    raise ValueError(case.kind)


CHUNK = 200  # cases per translation unit; the units compile in parallel


def cpp_sources(cases: Sequence[Case] = CASES) -> dict[str, str]:
    """The harness as {file name: text}: a header, one unit per chunk of cases, main."""
    entries = [_cpp_entry(c) for c in cases]
    chunks = [entries[i : i + CHUNK] for i in range(0, len(entries), CHUNK)]
    header = (
        "#ifndef APFIXED_HARNESS_H\n#define APFIXED_HARNESS_H\n"
        + _PRELUDE
        + f"\nenum {{ NCHUNKS = {len(chunks)} }};\n"
        + "extern const int CHUNK_SIZE[];\n"
        + "extern const Fn* const CHUNK_TABLE[];\n"
        + "extern const Info* const CHUNK_INFO[];\n"
        + "#endif\n"
    )
    files = {"harness.h": header}
    index = ['#include "harness.h"']
    for k, chunk in enumerate(chunks):
        table = ",\n  ".join(e[0] for e in chunk)
        info = ",\n  ".join(e[1] for e in chunk)
        files[f"chunk{k:03d}.cpp"] = (
            '#include "harness.h"\n'
            + f"extern const Fn TABLE_{k}[] = {{\n  {table}\n}};\n"
            + f"extern const Info INFO_{k}[] = {{\n  {info}\n}};\n"
        )
        index.append(f"extern const Fn TABLE_{k}[];\nextern const Info INFO_{k}[];")
    sizes = ", ".join(str(len(c)) for c in chunks)
    tables = ", ".join(f"TABLE_{k}" for k in range(len(chunks)))
    infos = ", ".join(f"INFO_{k}" for k in range(len(chunks)))
    index.append(f"extern const int CHUNK_SIZE[] = {{{sizes}}};")
    index.append(f"extern const Fn* const CHUNK_TABLE[] = {{{tables}}};")
    index.append(f"extern const Info* const CHUNK_INFO[] = {{{infos}}};")
    files["index.cpp"] = "\n".join(index) + "\n"
    files["main.cpp"] = _MAIN
    return files


# ---------------------------------------------------------------------------
# Toolchain discovery, build and process


class HarnessUnavailable(RuntimeError):
    """g++ or the ap_types headers are missing (the tests skip with this message)."""


def ap_types_dir() -> Path:
    spec = importlib.util.find_spec("hls4ml")  # does not import hls4ml (its deps may be absent)
    if spec is None or not spec.submodule_search_locations:
        raise HarnessUnavailable(
            "the hls4ml package is not installed: it ships Xilinx's ap_types headers "
            "(pip install --no-deps hls4ml)"
        )
    for loc in spec.submodule_search_locations:
        d = Path(loc) / "templates" / "vivado" / "ap_types"
        if (d / "ap_fixed.h").is_file():
            return d
    raise HarnessUnavailable(
        f"hls4ml is installed but its ap_types headers (templates/vivado/ap_types/ap_fixed.h) "
        f"were not found under {list(spec.submodule_search_locations)}"
    )


def compiler() -> str:
    cxx = os.environ.get("CXX") or "g++"
    path = shutil.which(cxx)
    if path is None:
        raise HarnessUnavailable(f"no C++ compiler: {cxx!r} is not on PATH (install g++)")
    return path


def _compiler_version(cxx: str) -> str:
    try:
        return subprocess.run(
            [cxx, "--version"], capture_output=True, text=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise HarnessUnavailable(f"{cxx} --version failed: {exc}") from exc


def _run_jobs(cmds: list[list[str]], jobs: int) -> None:
    """Run compiler commands, ``jobs`` at a time; raise with stderr on the first failure."""
    pending = list(cmds)
    running: list[tuple[list[str], subprocess.Popen]] = []
    try:
        while pending or running:
            while pending and len(running) < jobs:
                cmd = pending.pop(0)
                running.append(
                    (cmd, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
                )
            cmd, proc = running.pop(0)
            _, err = proc.communicate(timeout=1800)
            if proc.returncode != 0:
                raise RuntimeError(
                    f"compiling the ap_fixed harness failed ({' '.join(cmd)}):\n"
                    + err.decode(errors="replace")[-4000:]
                )
    finally:
        for _, proc in running:
            proc.kill()
            proc.wait()


def build(cases: Sequence[Case] = CASES, build_dir: Path = BUILD_DIR) -> Path:
    """Compile the harness (or reuse a binary built from identical inputs)."""
    cxx = compiler()
    inc = ap_types_dir()
    sources = cpp_sources(cases)
    key = hashlib.sha256()
    for part in (*sources.items(), _compiler_version(cxx), " ".join(CXXFLAGS)):
        key.update(repr(part).encode())
        key.update(b"\0")
    for header in sorted(inc.rglob("*.h")):
        key.update(header.relative_to(inc).as_posix().encode())
        key.update(header.read_bytes())
    out_dir = build_dir / key.hexdigest()[:16]
    binary = out_dir / "apfixed_harness"
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary
    out_dir.mkdir(parents=True, exist_ok=True)
    # Work in a private directory and rename the binary into place at the end:
    # concurrent sessions never see half a binary.
    work = Path(tempfile.mkdtemp(dir=out_dir, prefix=".build."))
    try:
        for name, text in sources.items():
            (work / name).write_text(text)
        units = [n for n in sources if n.endswith(".cpp")]
        cmds = [
            [cxx, *CXXFLAGS, f"-I{inc}", "-c", str(work / n), "-o", str(work / (n + ".o"))]
            for n in units
        ]
        _run_jobs(cmds, max(1, os.cpu_count() or 1))
        exe = work / "apfixed_harness"
        _run_jobs([[cxx, *[str(work / (n + ".o")) for n in units], "-o", str(exe)]], 1)
        os.replace(exe, binary)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return binary


def _to_hex(raw: int, width: int) -> str:
    return format(int(raw) & ((1 << width) - 1), "x")


def _shapes_of(cid: int, *kinds: str) -> tuple[Shape, ...]:
    """The operand shapes of case ``cid``, which must be of one of ``kinds``."""
    case = CASES[cid]
    assert case.kind in kinds, case
    return case.shapes


def _from_hex(text: str, shape: Shape) -> int:
    v = int(text, 16)
    if v >> shape.width:
        raise RuntimeError(f"harness returned {text!r}, wider than {shape}")
    if shape.signed and v >> (shape.width - 1):
        v -= 1 << shape.width
    return v


def double_to_hex(x: float) -> str:
    return format(struct.unpack("<Q", struct.pack("<d", float(x)))[0], "x")


def hex_to_double(text: str) -> float:
    return struct.unpack("<d", struct.pack("<Q", int(text, 16)))[0]


class ApFixedHarness:
    """The running harness binary; methods take and return lists of Python ints."""

    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self._proc = subprocess.Popen(
            [str(binary)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1 << 16,
        )
        self._info: dict[int, tuple[int, int, bool, str, str]] = {}

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> ApFixedHarness:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, lines: Iterable[str]) -> list[str]:
        """Send a batch of request lines and return one reply line per request."""
        lines = list(lines)
        if not lines:
            return []
        proc = self._proc
        assert proc.stdin is not None and proc.stdout is not None
        if proc.poll() is not None:
            raise RuntimeError(f"ap_fixed harness exited with code {proc.returncode}")
        proc.stdin.write("\n".join(lines) + "\n.\n")
        proc.stdin.flush()
        replies = []
        for req in lines:
            reply = proc.stdout.readline()
            if not reply:
                raise RuntimeError(f"ap_fixed harness died (code {proc.poll()}) at {req!r}")
            reply = reply.strip()
            if reply.startswith("ERR"):
                raise RuntimeError(f"ap_fixed harness: {reply} for request {req!r}")
            replies.append(reply)
        return replies

    # -- typed helpers ------------------------------------------------------

    def info(self, cid: int) -> tuple[int, int, bool, str, str]:
        """(W, I, signed, quant name, overflow name) of the result type of case ``cid``."""
        if cid not in self._info:
            w, i, s, q, o = (int(t) for t in self.request([f"i {cid}"])[0].split())
            self._info[cid] = (w, i, bool(s), _CPP_Q_ENUM[q], _CPP_O_ENUM[o])
        return self._info[cid]

    def result_shape(self, cid: int) -> Shape:
        w, i, s, _, _ = self.info(cid)
        return Shape(w, i, s)

    def unary(self, cid: int, raws: Iterable[int]) -> list[int]:
        """Evaluate a "cast" case on source raw values; destination raw values back."""
        src, dst = _shapes_of(cid, "cast")
        replies = self.request(f"{cid} {_to_hex(r, src.width)}" for r in raws)
        return [_from_hex(t, dst) for t in replies]

    def from_double(self, cid: int, xs: Iterable[float]) -> list[int]:
        (dst,) = _shapes_of(cid, "float")
        replies = self.request(f"{cid} {double_to_hex(x)}" for x in xs)
        return [_from_hex(t, dst) for t in replies]

    def to_double(self, cid: int, raws: Iterable[int]) -> list[float]:
        (src,) = _shapes_of(cid, "todouble")
        replies = self.request(f"{cid} {_to_hex(r, src.width)}" for r in raws)
        return [hex_to_double(t) for t in replies]

    def binary_op(self, cid: int, a_raws: Iterable[int], b_raws: Iterable[int]) -> list[int]:
        """Evaluate an "arith" or "arithcast" case; raw values of its result type back."""
        a, b = _shapes_of(cid, "arith", "arithcast")[:2]
        res = self.result_shape(cid)
        replies = self.request(
            f"{cid} {_to_hex(x, a.width)} {_to_hex(y, b.width)}"
            for x, y in zip(a_raws, b_raws, strict=True)
        )
        return [_from_hex(t, res) for t in replies]


def start(cases: Sequence[Case] = CASES) -> ApFixedHarness:
    """Build (or reuse) and start the harness; raises HarnessUnavailable if it cannot."""
    return ApFixedHarness(build(cases))
