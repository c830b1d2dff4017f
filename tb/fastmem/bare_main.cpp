// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Bare Verilator harness of dma_fastmem_tb (the speed ceiling of the fast
// memory path): no cocotb, no VPI. Fills the DPI buffer, copies BEATS beats
// with one copy command, checks the copy byte for byte and
// prints "RESULT {json}" with cycles/s. Usage: bare BEATS BEAT_BYTES [SEED].
// Built by tb/fastmem/build.py:build_bare. Simulation only.

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "Vdma_fastmem_tb.h"
#include "verilated.h"

extern "C" {
uint8_t *dpi_mem_init(uint64_t size);
uint64_t dpi_mem_stat(int which);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s BEATS BEAT_BYTES [SEED]\n", argv[0]);
    return 2;
  }
  const uint64_t beats = std::strtoull(argv[1], nullptr, 0);
  const uint64_t bb = std::strtoull(argv[2], nullptr, 0);
  uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 0) : 1;
  const uint64_t span = beats * bb;
  const uint64_t src = 0, dst = span + 2048 - (span + 2048) % bb;
  uint8_t *mem = dpi_mem_init(dst + span + 4096);
  if (!mem) return 3;
  for (uint64_t i = 0; i < span; i++) {  // xorshift64 fill
    seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
    mem[src + i] = static_cast<uint8_t>(seed >> 24);
  }

  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(argc, argv);
  auto top = std::make_unique<Vdma_fastmem_tb>(ctx.get());
  auto tick = [&] {
    top->clk_i = 0;
    top->eval();
    ctx->timeInc(5);
    top->clk_i = 1;
    top->eval();
    ctx->timeInc(5);
  };
  top->copy_valid_i = 0;
  top->err_clear_i = 0;
  top->rst_ni = 0;
  for (int i = 0; i < 3; i++) tick();
  top->rst_ni = 1;
  tick();

  top->copy_src_i = src;
  top->copy_dst_i = dst;
  top->copy_beats_i = static_cast<uint32_t>(beats);
  top->copy_valid_i = 1;
  const uint64_t c0 = top->cycles_o;
  auto t0 = std::chrono::steady_clock::now();
  tick();
  top->copy_valid_i = 0;
  const uint64_t limit = 8 * beats + 10000;
  uint64_t n = 1;
  while (!(top->beats_o >= beats && top->idle_o) && n < limit) {
    tick();
    n++;
  }
  auto t1 = std::chrono::steady_clock::now();
  const uint64_t cycles = top->cycles_o - c0;
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  const bool ok = top->beats_o == beats && std::memcmp(mem + src, mem + dst, span) == 0 &&
                  top->fault_o == 0 && top->rd_err_o == 0 && top->wr_err_o == 0 &&
                  dpi_mem_stat(0) == beats && dpi_mem_stat(1) == beats;
  top->final();
  std::printf("RESULT {\"beats\": %" PRIu64 ", \"cycles\": %" PRIu64
              ", \"seconds\": %.6f, \"cycles_per_s\": %.1f, \"beats_per_s\": %.1f, "
              "\"ok\": %s}\n",
              static_cast<uint64_t>(top->beats_o), cycles, secs, cycles / secs,
              static_cast<double>(beats) / secs, ok ? "true" : "false");
  return ok ? 0 : 1;
}
