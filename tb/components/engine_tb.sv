// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Bench top of every engine bench (tb/linear_engine, tb/attention_engine,
// tb/layernorm_residual_engines): the engine of number ENGINE (ENGINE_* of
// edgemoe_cfg_pkg, through rtl/engine_slot.sv), its job ports passed straight
// through (job_i: an engine_job_t that tb/components/engine_bench.py packs), and
// its memory port on tb/components/engine_mem_tb_port.sv (u_mem: the flat names
// tb/components/enginemem.py drives). No register is added.
module engine_tb
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned ENGINE = ENGINE_LINEAR
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        job_valid_i,
  output logic        job_ready_o,
  input  engine_job_t job_i,
  output logic        done_o
);

  engine_mem_req_t mem_req;
  engine_mem_rsp_t mem_rsp;

  engine_slot #(
    .ENGINE (ENGINE)
  ) u_dut (
    .clk_i,
    .rst_ni,
    .job_valid_i,
    .job_ready_o,
    .job_i,
    .done_o,
    .mem_req_o (mem_req),
    .mem_rsp_i (mem_rsp)
  );

  engine_mem_tb_port u_mem (
    .req_i (mem_req),
    .rsp_o (mem_rsp)
  );

endmodule : engine_tb
