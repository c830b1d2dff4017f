// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// dma_fastmem_tb with its clock generated in the HDL (needs --timing) instead
// of cocotb's GPI clock: Python is then woken only by its own Timers, so long
// runs go at close to Verilator's own speed. Only for benches without
// cocotbext-axi drivers (DESIGN.md section 7: an HDL clock made them miss
// handshakes). Same ports as dma_fastmem_tb minus clk_i; clk is internal.
// Simulation only.
module dma_fastmem_clk_tb
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned MAX_OUTSTANDING = 4,
  parameter int unsigned PAUSE_PCT       = 0,
  parameter int unsigned SEED            = 1
) (
  input  logic        rst_ni,
  input  logic        rd_cmd_valid_i,
  output logic        rd_cmd_ready_o,
  input  logic [63:0] rd_cmd_addr_i,
  input  logic [31:0] rd_cmd_beats_i,
  output logic        rd_idle_o,
  output logic [1:0]  rd_err_o,
  input  logic        wr_cmd_valid_i,
  output logic        wr_cmd_ready_o,
  input  logic [63:0] wr_cmd_addr_i,
  input  logic [31:0] wr_cmd_beats_i,
  output logic        wr_idle_o,
  output logic [1:0]  wr_err_o,
  input  logic        err_clear_i,
  output logic [3:0]  fault_o,
  output logic [63:0] cycles_o,
  output logic [63:0] beats_o,
  output logic [63:0] rd_bursts_o,
  output logic [63:0] wr_bursts_o
);

  logic clk_i = 1'b0;
  always #5ns clk_i = ~clk_i;

  dma_fastmem_tb #(
    .MAX_OUTSTANDING(MAX_OUTSTANDING), .PAUSE_PCT(PAUSE_PCT), .SEED(SEED)
  ) u_tb (.*);

endmodule : dma_fastmem_clk_tb
