// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The copy engine of the fast memory path's benches (dma_fastmem_tb on the
// DPI-C memory, dma_axiram_tb on cocotbext-axi's AxiRam): rtl/axi_dma with its
// read data stream looped into its write data stream, so a read command of N
// beats at SRC plus a write command of N beats at DST copies memory with no
// Python per beat; counters (cycles since reset, W beats written, AR and AW
// handshakes) let cocotb and the bare C++ harness measure speed. Its AXI4
// port (axi_req_o / axi_rsp_i) goes to the memory of the bench. Simulation only.
module dma_copy
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned MAX_OUTSTANDING = 4
) (
  input  logic        clk_i,
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
  output logic [63:0] cycles_o,       // clock cycles since reset
  output logic [63:0] beats_o,        // W beats accepted since reset
  output logic [63:0] rd_bursts_o,    // AR handshakes since reset
  output logic [63:0] wr_bursts_o,    // AW handshakes since reset

  output axi_req_t    axi_req_o,
  input  axi_rsp_t    axi_rsp_i
);

  engine_mem_req_t mem_req;
  engine_mem_rsp_t mem_rsp;
  logic            rd_last;

  // The read beats are the write beats.
  assign mem_req = '{
    rd_cmd_valid: rd_cmd_valid_i,
    rd_cmd_addr:  rd_cmd_addr_i,
    rd_cmd_beats: rd_cmd_beats_i,
    rd_ready:     mem_rsp.wr_ready,
    wr_cmd_valid: wr_cmd_valid_i,
    wr_cmd_addr:  wr_cmd_addr_i,
    wr_cmd_beats: wr_cmd_beats_i,
    wr_valid:     mem_rsp.rd_valid,
    wr_data:      mem_rsp.rd_data
  };
  assign rd_cmd_ready_o = mem_rsp.rd_cmd_ready;
  assign wr_cmd_ready_o = mem_rsp.wr_cmd_ready;

  axi_dma #(
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
  ) u_dma (
    .clk_i,
    .rst_ni,
    .mem_req_i  (mem_req),
    .mem_rsp_o  (mem_rsp),
    .rd_last_o  (rd_last),
    .rd_idle_o,
    .rd_err_o,
    .wr_idle_o,
    .wr_err_o,
    .err_clear_i,
    .axi_req_o,
    .axi_rsp_i
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cycles_o    <= '0;
      beats_o     <= '0;
      rd_bursts_o <= '0;
      wr_bursts_o <= '0;
    end else begin
      cycles_o <= cycles_o + 64'd1;
      if (axi_req_o.w_valid && axi_rsp_i.w_ready) beats_o <= beats_o + 64'd1;
      if (axi_req_o.ar_valid && axi_rsp_i.ar_ready) rd_bursts_o <= rd_bursts_o + 64'd1;
      if (axi_req_o.aw_valid && axi_rsp_i.aw_ready) wr_bursts_o <= wr_bursts_o + 64'd1;
    end
  end

  logic unused;
  assign unused = rd_last;

endmodule : dma_copy
