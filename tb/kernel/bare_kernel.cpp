// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Bare Verilator harness of kernel_fastmem_tb: the whole kernel on the DPI-C
// memory with no cocotb and no VPI, the speed ceiling of the fast path.
// Loads a memory image, writes the argument registers through s_axi_control
// (AXI4-Lite, one access at a time), enables the done interrupt, starts the
// kernel, waits for `interrupt`, reads the status and cycles registers, dumps
// the memory and prints "RESULT {json}". tb/kernel/fastpath.py builds it,
// prepares the image and checks every stage of the dump against the golden model.
//
// Usage: bare_kernel MEM_IN MEM_SIZE DUMP_OUT MAX_CYCLES STATUS_OFF CYCLES_OFF OFF=VALUE...
// Simulation only.

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "Vkernel_fastmem_tb.h"
#include "verilated.h"

extern "C" {
uint8_t *dpi_mem_init(uint64_t size);
}

namespace {

struct Harness {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vkernel_fastmem_tb> top;
  uint64_t ticks = 0;

  void tick() {
    top->ap_clk = 0;
    top->eval();
    ctx->timeInc(5);
    top->ap_clk = 1;
    top->eval();
    ctx->timeInc(5);
    ticks++;
  }

  bool write32(uint32_t addr, uint32_t data) {
    top->s_axi_control_AWADDR = addr;
    top->s_axi_control_AWVALID = 1;
    top->s_axi_control_WDATA = data;
    top->s_axi_control_WSTRB = 0xF;
    top->s_axi_control_WVALID = 1;
    top->s_axi_control_BREADY = 1;
    bool aw = false, w = false;
    for (int i = 0; i < 100; i++) {
      top->eval();
      const bool aw_hs = top->s_axi_control_AWVALID && top->s_axi_control_AWREADY;
      const bool w_hs = top->s_axi_control_WVALID && top->s_axi_control_WREADY;
      const bool b_hs = top->s_axi_control_BVALID;
      tick();
      if (aw_hs) { aw = true; top->s_axi_control_AWVALID = 0; }
      if (w_hs) { w = true; top->s_axi_control_WVALID = 0; }
      if (b_hs && aw && w) { top->s_axi_control_BREADY = 0; return true; }
    }
    return false;
  }

  bool read32(uint32_t addr, uint32_t *data) {
    top->s_axi_control_ARADDR = addr;
    top->s_axi_control_ARVALID = 1;
    top->s_axi_control_RREADY = 1;
    for (int i = 0; i < 100; i++) {
      top->eval();
      const bool ar_hs = top->s_axi_control_ARVALID && top->s_axi_control_ARREADY;
      const bool r_hs = top->s_axi_control_RVALID;
      if (r_hs && !top->s_axi_control_ARVALID) *data = top->s_axi_control_RDATA;
      tick();
      if (ar_hs) top->s_axi_control_ARVALID = 0;
      if (r_hs && !top->s_axi_control_ARVALID) { top->s_axi_control_RREADY = 0; return true; }
    }
    return false;
  }
};

}  // namespace

int main(int argc, char **argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s MEM_IN MEM_SIZE DUMP_OUT MAX_CYCLES STATUS_OFF CYCLES_OFF "
                 "OFF=VALUE...\n", argv[0]);
    return 2;
  }
  const uint64_t size = std::strtoull(argv[2], nullptr, 0);
  const uint64_t max_cycles = std::strtoull(argv[4], nullptr, 0);
  const uint32_t status_off = std::strtoul(argv[5], nullptr, 0);
  const uint32_t cycles_off = std::strtoul(argv[6], nullptr, 0);
  uint8_t *mem = dpi_mem_init(size);
  if (!mem) return 3;
  FILE *in = std::fopen(argv[1], "rb");
  if (!in || std::fread(mem, 1, size, in) != size) {
    std::fprintf(stderr, "cannot read %" PRIu64 " bytes from %s\n", size, argv[1]);
    return 3;
  }
  std::fclose(in);

  Harness h;
  h.ctx = std::make_unique<VerilatedContext>();
  h.top = std::make_unique<Vkernel_fastmem_tb>(h.ctx.get());
  h.top->ap_rst_n = 0;
  for (int i = 0; i < 4; i++) h.tick();
  h.top->ap_rst_n = 1;
  h.tick();
  bool ok = true;
  for (int i = 7; i < argc; i++) {
    char *eq = std::strchr(argv[i], '=');
    if (!eq) return 2;
    ok &= h.write32(std::strtoul(argv[i], nullptr, 0), std::strtoul(eq + 1, nullptr, 0));
  }
  ok &= h.write32(0x08, 1);  // IER: ap_done
  ok &= h.write32(0x04, 1);  // GIE
  const uint64_t t_start = h.ticks;
  auto t0 = std::chrono::steady_clock::now();
  ok &= h.write32(0x00, 1);  // ap_start
  while (!h.top->irq_o && h.ticks - t_start < max_cycles) h.tick();
  auto t1 = std::chrono::steady_clock::now();
  const uint64_t sim_cycles = h.ticks - t_start;
  const bool done = h.top->irq_o;
  uint32_t status = 0xFFFFFFFF, cycles = 0;
  ok &= h.read32(status_off, &status);
  ok &= h.read32(cycles_off, &cycles);
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  FILE *out = std::fopen(argv[3], "wb");
  if (!out || std::fwrite(mem, 1, size, out) != size) return 4;
  std::fclose(out);
  std::printf("RESULT {\"done\": %s, \"control_ok\": %s, \"status\": %u, \"kernel_cycles\": %u, "
              "\"sim_cycles\": %" PRIu64 ", \"seconds\": %.6f, \"cycles_per_s\": %.1f}\n",
              done ? "true" : "false", ok ? "true" : "false", status, cycles, sim_cycles, secs,
              sim_cycles / (secs > 0 ? secs : 1e-9));
  h.top->final();
  return done && ok ? 0 : 1;
}
