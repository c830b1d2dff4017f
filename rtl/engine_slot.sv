// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// One engine of the kernel, chosen by its number (ENGINE: one of the ENGINE_*
// of edgemoe_cfg_pkg, hls/program.py Engine), behind its engine_port: the job
// protocol (job_valid_i / job_ready_o, an engine_job_t, done_o) and the engine
// memory port (engine_mem_req_t / engine_mem_rsp_t). Every engine has the same
// four ports (clock, reset, engine_rsp_t in, engine_req_t out), so the kernel
// instantiates its engines in one loop over ENGINES and every engine bench
// builds its engine under one top (tb/components/engine_tb.sv). This is the one
// place that says which module each number is. The engines take their default
// parameters (the package's); no register is added.
module engine_slot
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned ENGINE = ENGINE_LINEAR
) (
  input  logic            clk_i,
  input  logic            rst_ni,
  input  logic            job_valid_i,
  output logic            job_ready_o,
  input  engine_job_t     job_i,
  output logic            done_o,
  output engine_mem_req_t mem_req_o,
  input  engine_mem_rsp_t mem_rsp_i
);

  // The job protocol and the memory port (engine_port), shared by every engine.
  engine_req_t eng_req;
  engine_rsp_t eng_rsp;

  engine_port u_port (
    .clk_i,
    .rst_ni,
    .job_valid_i,
    .job_ready_o,
    .job_i,
    .done_o,
    .eng_req_i (eng_req),
    .eng_rsp_o (eng_rsp),
    .mem_req_o,
    .mem_rsp_i
  );

  // The engine of number ENGINE: clock, reset and its side of engine_port.
  if (ENGINE == ENGINE_LINEAR) begin : gen_linear
    linear_engine u_linear (.clk_i, .rst_ni, .port_i (eng_rsp), .port_o (eng_req));
  end else if (ENGINE == ENGINE_LAYERNORM) begin : gen_layernorm
    layernorm_engine u_layernorm (.clk_i, .rst_ni, .port_i (eng_rsp), .port_o (eng_req));
  end else if (ENGINE == ENGINE_ATTENTION) begin : gen_attention
    attention_engine u_attention (.clk_i, .rst_ni, .port_i (eng_rsp), .port_o (eng_req));
  end else if (ENGINE == ENGINE_RESIDUAL) begin : gen_residual
    residual_engine u_residual (.clk_i, .rst_ni, .port_i (eng_rsp), .port_o (eng_req));
  end else begin : gen_err_engine
    $error("engine_slot: ENGINE %0d is not an engine of edgemoe_cfg_pkg", ENGINE);
    assign eng_req = '0;
  end

endmodule : engine_slot
