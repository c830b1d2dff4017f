// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The kernel's DMA: axi_read_master and axi_write_master sharing one AXI4
// master port (axi_req_o / axi_rsp_i: the read master drives AR and RREADY,
// the write master AW, W and BREADY; every response goes to both).
//
// Its command side is one engine memory port (mem_req_i / mem_rsp_o,
// engine_mem_req_t / engine_mem_rsp_t of the package): read commands and
// read-data ready to the read master, write commands and write beats to the
// write master; the readies and the read beats come back. Purely wiring: no
// register, no cycle added.
//
// Status: rd_last_o marks the last beat of each read command; idle and the
// sticky error code of each master (axi_read_master, axi_write_master).
module axi_dma
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned MAX_OUTSTANDING = 4,
  parameter type         mem_req_t       = engine_mem_req_t,
  parameter type         mem_rsp_t       = engine_mem_rsp_t,
  parameter type         req_t           = axi_req_t,
  parameter type         rsp_t           = axi_rsp_t
) (
  input  logic       clk_i,
  input  logic       rst_ni,

  // Engine memory port.
  input  mem_req_t   mem_req_i,
  output mem_rsp_t   mem_rsp_o,

  // Status.
  output logic       rd_last_o,
  output logic       rd_idle_o,
  output logic [1:0] rd_err_o,
  output logic       wr_idle_o,
  output logic [1:0] wr_err_o,
  input  logic       err_clear_i,

  // AXI4 master port.
  output req_t       axi_req_o,
  input  rsp_t       axi_rsp_i
);

  req_t rd_req, wr_req;

  axi_read_master #(
    .MAX_OUTSTANDING(MAX_OUTSTANDING),
    .req_t          (req_t),
    .rsp_t          (rsp_t)
  ) u_rd (
    .clk_i,
    .rst_ni,
    .cmd_valid_i(mem_req_i.rd_cmd_valid),
    .cmd_ready_o(mem_rsp_o.rd_cmd_ready),
    .cmd_addr_i (mem_req_i.rd_cmd_addr),
    .cmd_beats_i(mem_req_i.rd_cmd_beats),
    .out_valid_o(mem_rsp_o.rd_valid),
    .out_ready_i(mem_req_i.rd_ready),
    .out_data_o (mem_rsp_o.rd_data),
    .out_last_o (rd_last_o),
    .idle_o     (rd_idle_o),
    .err_o      (rd_err_o),
    .err_clear_i,
    .axi_req_o  (rd_req),
    .axi_rsp_i
  );

  axi_write_master #(
    .MAX_OUTSTANDING(MAX_OUTSTANDING),
    .req_t          (req_t),
    .rsp_t          (rsp_t)
  ) u_wr (
    .clk_i,
    .rst_ni,
    .cmd_valid_i(mem_req_i.wr_cmd_valid),
    .cmd_ready_o(mem_rsp_o.wr_cmd_ready),
    .cmd_addr_i (mem_req_i.wr_cmd_addr),
    .cmd_beats_i(mem_req_i.wr_cmd_beats),
    .in_valid_i (mem_req_i.wr_valid),
    .in_ready_o (mem_rsp_o.wr_ready),
    .in_data_i  (mem_req_i.wr_data),
    .idle_o     (wr_idle_o),
    .err_o      (wr_err_o),
    .err_clear_i,
    .axi_req_o  (wr_req),
    .axi_rsp_i
  );

  // One port: AW, W and B of the write master, AR and R of the read master.
  always_comb begin
    axi_req_o          = wr_req;
    axi_req_o.ar       = rd_req.ar;
    axi_req_o.ar_valid = rd_req.ar_valid;
    axi_req_o.r_ready  = rd_req.r_ready;
  end

  // Unused: the channels each master leaves idle.
  logic unused_idle;
  assign unused_idle = ^{rd_req.aw, rd_req.aw_valid, rd_req.w, rd_req.w_valid, rd_req.b_ready,
                         wr_req.ar, wr_req.ar_valid, wr_req.r_ready};

endmodule : axi_dma
