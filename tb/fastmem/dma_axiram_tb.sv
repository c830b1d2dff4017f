// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The AxiRam reference of the fast memory path (tb/fastmem/): dma_fastmem_tb's
// copy engine (dma_copy) with its AXI4 port on the bench adapter u_gmem
// (tb/axi/axi_gmem_tb_port.sv: m_axi_gmem_* for cocotbext-axi's AxiRam).
// Same RTL and same traffic as dma_fastmem_tb, so the speeds of AxiRam,
// axi_dpi_mem and the bare harness compare directly. Simulation only.
module dma_axiram_tb
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned MAX_OUTSTANDING = 4
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  input  logic                rd_cmd_valid_i,
  output logic                rd_cmd_ready_o,
  input  logic [63:0]         rd_cmd_addr_i,
  input  logic [31:0]         rd_cmd_beats_i,
  output logic                rd_idle_o,
  output logic [1:0]          rd_err_o,

  input  logic                wr_cmd_valid_i,
  output logic                wr_cmd_ready_o,
  input  logic [63:0]         wr_cmd_addr_i,
  input  logic [31:0]         wr_cmd_beats_i,
  output logic                wr_idle_o,
  output logic [1:0]          wr_err_o,

  input  logic                err_clear_i,
  output logic [3:0]          fault_o,        // always 0 (AxiRam checks the protocol)
  output logic [63:0]         cycles_o,       // clock cycles since reset
  output logic [63:0]         beats_o,        // W beats accepted since reset
  output logic [63:0]         rd_bursts_o,    // AR handshakes since reset
  output logic [63:0]         wr_bursts_o     // AW handshakes since reset
);

  axi_req_t gmem_req;
  axi_rsp_t gmem_rsp;

  dma_copy #(
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
  ) u_copy (
    .*,
    .axi_req_o(gmem_req),
    .axi_rsp_i(gmem_rsp)
  );

  axi_gmem_tb_port u_gmem (
    .req_i(gmem_req),
    .rsp_o(gmem_rsp)
  );

  assign fault_o = '0;

endmodule : dma_axiram_tb
