// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Bench top of the DMA bench (tb/axi/): rtl/axi_dma (axi_read_master and
// axi_write_master sharing one AXI4 master port, as the kernel connects them)
// with its engine memory port on u_eng (tb/components/engine_mem_tb_engine.sv:
// the flat command and data names that tb.components.axi.protocol drives as
// the engine), and its AXI4 port on the bench adapter u_gmem
// (tb/axi/axi_gmem_tb_port.sv: the m_axi_gmem_* names for cocotbext-axi's
// AxiRam). The ports outside the engine memory port stay top-level ports.
// Not part of rtl/: wiring only.
module axi_dma_tb
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned MAX_OUTSTANDING = 4
) (
  input  logic       clk_i,
  input  logic       rst_ni,

  output logic       rd_last_o,
  output logic       rd_idle_o,
  output logic [1:0] rd_err_o,
  output logic       wr_idle_o,
  output logic [1:0] wr_err_o,
  input  logic       err_clear_i
);

  engine_mem_req_t mem_req;
  engine_mem_rsp_t mem_rsp;
  axi_req_t        axi_req;
  axi_rsp_t        axi_rsp;

  engine_mem_tb_engine u_eng (
    .req_o(mem_req),
    .rsp_i(mem_rsp)
  );

  axi_dma #(
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
  ) u_dma (
    .clk_i,
    .rst_ni,
    .mem_req_i  (mem_req),
    .mem_rsp_o  (mem_rsp),
    .rd_last_o,
    .rd_idle_o,
    .rd_err_o,
    .wr_idle_o,
    .wr_err_o,
    .err_clear_i,
    .axi_req_o  (axi_req),
    .axi_rsp_i  (axi_rsp)
  );

  axi_gmem_tb_port u_gmem (
    .req_i(axi_req),
    .rsp_o(axi_rsp)
  );

endmodule : axi_dma_tb
