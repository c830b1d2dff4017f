// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The kernel's engine memory mux: N engine memory ports (engine_mem_req_t /
// engine_mem_rsp_t of the package, indexed by the generated ENGINE_* numbers)
// onto the one port of the DMA (axi_dma: the AXI read and write masters).
//
// The engine of op_i, the current op (the kernel runs one job at a time), owns
// the DMA: the package's OP_ENGINE names it (the linear engine for an op
// without one, which never issues a job). Its request goes to the DMA as is;
// the command and data readies and the read-data valid come back to it only,
// so the other engines see no handshake. Read data are broadcast (they carry
// no handshake by themselves). Purely combinational: no cycle is added.
module engine_mem_mux
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned N    = ENGINES,
  localparam int unsigned SelW = (N > 1) ? $clog2(N) : 1
) (
  input  logic [3:0]                  op_i,
  // Engine side.
  input  engine_mem_req_t [N-1:0]     eng_req_i,
  output engine_mem_rsp_t [N-1:0]     eng_rsp_o,
  // Master side.
  output engine_mem_req_t             mem_req_o,
  input  engine_mem_rsp_t             mem_rsp_i
);

  logic [SelW-1:0] sel;
  assign sel       = SelW'(OP_ENGINE[op_i]);
  assign mem_req_o = eng_req_i[sel];

  always_comb begin
    for (int unsigned e = 0; e < N; e++) begin
      eng_rsp_o[e]              = mem_rsp_i;
      eng_rsp_o[e].rd_cmd_ready = (sel == SelW'(e)) & mem_rsp_i.rd_cmd_ready;
      eng_rsp_o[e].rd_valid     = (sel == SelW'(e)) & mem_rsp_i.rd_valid;
      eng_rsp_o[e].wr_cmd_ready = (sel == SelW'(e)) & mem_rsp_i.wr_cmd_ready;
      eng_rsp_o[e].wr_ready     = (sel == SelW'(e)) & mem_rsp_i.wr_ready;
    end
  end

endmodule : engine_mem_mux
