// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Bench top of the control bench (tb/ctrl/): rtl/ctrl_regs with its
// s_axi_control port (ctrl_req_t / ctrl_rsp_t) on the bench adapter u_control
// (axi_control_tb_port, written by tb/components/axi/tb_port.py: the
// s_axi_control_* names for cocotbext-axi's AxiLiteMaster, through the same
// generated axi_control_flat as the kernel's boundary). The kernel side stays
// top-level ports, under ctrl_regs' own names, which Python drives as the
// kernel. Not part of rtl/: wiring only.
module ctrl_regs_tb
  import edgemoe_cfg_pkg::*;
(
  input  logic        clk_i,
  input  logic        rst_ni,
  output logic        interrupt_o,

  output logic        ap_start_o,
  input  logic        ap_done_i,
  input  logic        ap_idle_i,
  input  logic        ap_ready_i,
  output ctrl_args_t  args_o,
  input  logic [31:0] status_i,
  input  logic [31:0] cycles_i
);

  ctrl_req_t ctrl_req;
  ctrl_rsp_t ctrl_rsp;

  axi_control_tb_port u_control (
    .req_o(ctrl_req),
    .rsp_i(ctrl_rsp)
  );

  ctrl_regs u_dut (
    .clk_i,
    .rst_ni,
    .ctrl_req_i (ctrl_req),
    .ctrl_rsp_o (ctrl_rsp),
    .interrupt_o,
    .ap_start_o,
    .ap_done_i,
    .ap_idle_i,
    .ap_ready_i,
    .args_o,
    .status_i,
    .cycles_i
  );

endmodule : ctrl_regs_tb
