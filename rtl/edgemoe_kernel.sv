// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The Edge-MoE kernel top level, with the interface a Vitis HLS kernel has:
//   ap_clk, ap_rst_n, interrupt;
//   s_axi_control  AXI4-Lite slave, ap_ctrl_hs layout (ctrl_regs, hls/registers.py);
//   m_axi_gmem     one AXI4 master (axi_dma: a read and a write direction, each
//                  cut into bursts by its axi_burst_planner), INCR bursts <= 256
//                  beats that never cross 4 KiB, several reads outstanding,
//                  AXI_DATA_W-bit data.
//
// s_axi_control reaches ctrl_regs as one ctrl_req_t / ctrl_rsp_t pair through
// axi_control_flat, generated from the same tables as axi_gmem_flat.
//
// Inside: kernel_sequencer walks the generated stage program (hls/program.py)
// and hands one job at a time to the engine of its op (the package's OP_ENGINE
// and ENGINE_OPS; the linear engine runs PATCH_EMBED in its patch mode). Every
// engine's memory port is one engine_mem_req_t / engine_mem_rsp_t pair;
// engine_mem_mux gives the running engine's port to axi_dma (the others see no
// handshakes), whose AXI4 port, one axi_req_t / axi_rsp_t pair, axi_gmem_flat
// (generated with the package from the tables of hls/axi_port.py)
// puts on the flat Vitis names: they exist only on this module's boundary.
// Every stage writes its output buffer (a golden tap, docs/memory_map.md) to
// memory, so a testbench can compare each stage as it completes.
module edgemoe_kernel
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned C_S_AXI_CONTROL_ADDR_WIDTH = CTRL_ADDR_W,
  parameter int unsigned C_M_AXI_GMEM_DATA_WIDTH    = AXI_DATA_W
) (
  input  logic                                  ap_clk,
  input  logic                                  ap_rst_n,
  output logic                                  interrupt,

  // s_axi_control
  input  logic                                  s_axi_control_AWVALID,
  output logic                                  s_axi_control_AWREADY,
  input  logic [C_S_AXI_CONTROL_ADDR_WIDTH-1:0] s_axi_control_AWADDR,
  input  logic                                  s_axi_control_WVALID,
  output logic                                  s_axi_control_WREADY,
  input  logic [31:0]                           s_axi_control_WDATA,
  input  logic [3:0]                            s_axi_control_WSTRB,
  output logic                                  s_axi_control_BVALID,
  input  logic                                  s_axi_control_BREADY,
  output logic [1:0]                            s_axi_control_BRESP,
  input  logic                                  s_axi_control_ARVALID,
  output logic                                  s_axi_control_ARREADY,
  input  logic [C_S_AXI_CONTROL_ADDR_WIDTH-1:0] s_axi_control_ARADDR,
  output logic                                  s_axi_control_RVALID,
  input  logic                                  s_axi_control_RREADY,
  output logic [31:0]                           s_axi_control_RDATA,
  output logic [1:0]                            s_axi_control_RRESP,

  // m_axi_gmem: read channels
  output logic                                  m_axi_gmem_ARVALID,
  input  logic                                  m_axi_gmem_ARREADY,
  output logic [63:0]                           m_axi_gmem_ARADDR,
  output logic [0:0]                            m_axi_gmem_ARID,
  output logic [7:0]                            m_axi_gmem_ARLEN,
  output logic [2:0]                            m_axi_gmem_ARSIZE,
  output logic [1:0]                            m_axi_gmem_ARBURST,
  output logic                                  m_axi_gmem_ARLOCK,
  output logic [3:0]                            m_axi_gmem_ARCACHE,
  output logic [2:0]                            m_axi_gmem_ARPROT,
  output logic [3:0]                            m_axi_gmem_ARQOS,
  output logic [3:0]                            m_axi_gmem_ARREGION,
  input  logic                                  m_axi_gmem_RVALID,
  output logic                                  m_axi_gmem_RREADY,
  input  logic [C_M_AXI_GMEM_DATA_WIDTH-1:0]    m_axi_gmem_RDATA,
  input  logic                                  m_axi_gmem_RLAST,
  input  logic [0:0]                            m_axi_gmem_RID,
  input  logic [1:0]                            m_axi_gmem_RRESP,
  // m_axi_gmem: write channels
  output logic                                  m_axi_gmem_AWVALID,
  input  logic                                  m_axi_gmem_AWREADY,
  output logic [63:0]                           m_axi_gmem_AWADDR,
  output logic [0:0]                            m_axi_gmem_AWID,
  output logic [7:0]                            m_axi_gmem_AWLEN,
  output logic [2:0]                            m_axi_gmem_AWSIZE,
  output logic [1:0]                            m_axi_gmem_AWBURST,
  output logic                                  m_axi_gmem_AWLOCK,
  output logic [3:0]                            m_axi_gmem_AWCACHE,
  output logic [2:0]                            m_axi_gmem_AWPROT,
  output logic [3:0]                            m_axi_gmem_AWQOS,
  output logic [3:0]                            m_axi_gmem_AWREGION,
  output logic                                  m_axi_gmem_WVALID,
  input  logic                                  m_axi_gmem_WREADY,
  output logic [C_M_AXI_GMEM_DATA_WIDTH-1:0]    m_axi_gmem_WDATA,
  output logic [C_M_AXI_GMEM_DATA_WIDTH/8-1:0]  m_axi_gmem_WSTRB,
  output logic                                  m_axi_gmem_WLAST,
  input  logic                                  m_axi_gmem_BVALID,
  output logic                                  m_axi_gmem_BREADY,
  input  logic [0:0]                            m_axi_gmem_BID,
  input  logic [1:0]                            m_axi_gmem_BRESP
);

  // Engines on the memory ports, numbered by the package (hls/program.py Engine).
  localparam int unsigned EngLinear = ENGINE_LINEAR;
  localparam int unsigned Engines   = ENGINES;

  // Every supported op has exactly one engine, and the patch embedding runs
  // on the linear engine (job_patch selects its patch mode).
  function automatic logic op_map_ok();
    logic [15:0] seen;
    seen = '0;
    for (int unsigned e = 0; e < Engines; e++) begin
      if ((seen & ENGINE_OPS[e]) != '0) begin
        return 1'b0;
      end
      seen |= ENGINE_OPS[e];
      for (int unsigned op = 0; op < 16; op++) begin
        if (ENGINE_OPS[e][op] && OP_ENGINE[op] != int'(e)) begin
          return 1'b0;
        end
      end
    end
    return seen == OP_SUPPORTED && ENGINE_OPS[EngLinear][OP_PATCH_EMBED];
  endfunction

  // The ports' structs carry the package's CTRL_ADDR_W-bit control addresses
  // and AXI_DATA_W-bit beats.
  if (C_S_AXI_CONTROL_ADDR_WIDTH != CTRL_ADDR_W) begin : gen_err_ctrl_addr_width
    $error("edgemoe_kernel: C_S_AXI_CONTROL_ADDR_WIDTH %0d != CTRL_ADDR_W %0d",
           C_S_AXI_CONTROL_ADDR_WIDTH, CTRL_ADDR_W);
  end
  if (C_M_AXI_GMEM_DATA_WIDTH != AXI_DATA_W) begin : gen_err_data_width
    $error("edgemoe_kernel: C_M_AXI_GMEM_DATA_WIDTH %0d != AXI_DATA_W %0d",
           C_M_AXI_GMEM_DATA_WIDTH, AXI_DATA_W);
  end
  if (!op_map_ok()) begin : gen_err_op_map
    $error("edgemoe_kernel: OP_ENGINE, ENGINE_OPS and OP_SUPPORTED disagree");
  end

  logic clk, rst_n;
  assign clk   = ap_clk;
  assign rst_n = ap_rst_n;

  ///////////////////////////
  // Control and sequencer //
  ///////////////////////////

  logic        ap_start, ap_done, ap_idle, ap_ready;
  ctrl_args_t  args;
  logic [31:0] status, cycles;

  ctrl_req_t   ctrl_req;
  ctrl_rsp_t   ctrl_rsp;

  axi_control_flat u_control (
    .req_o(ctrl_req), .rsp_i(ctrl_rsp),
    .s_axi_control_AWVALID, .s_axi_control_AWREADY, .s_axi_control_AWADDR,
    .s_axi_control_WVALID, .s_axi_control_WREADY, .s_axi_control_WDATA,
    .s_axi_control_WSTRB, .s_axi_control_BVALID, .s_axi_control_BREADY,
    .s_axi_control_BRESP, .s_axi_control_ARVALID, .s_axi_control_ARREADY,
    .s_axi_control_ARADDR, .s_axi_control_RVALID, .s_axi_control_RREADY,
    .s_axi_control_RDATA, .s_axi_control_RRESP
  );

  ctrl_regs u_ctrl (
    .clk_i       (clk),
    .rst_ni      (rst_n),
    .ctrl_req_i  (ctrl_req),
    .ctrl_rsp_o  (ctrl_rsp),
    .interrupt_o (interrupt),
    .ap_start_o  (ap_start),
    .ap_done_i   (ap_done),
    .ap_idle_i   (ap_idle),
    .ap_ready_i  (ap_ready),
    .args_o      (args),
    .status_i    (status),
    .cycles_i    (cycles)
  );

  logic        chk_req_valid, chk_req_ready, chk_rsp_valid, chk_rsp_ready;
  ctrl_args_t  chk_args;
  logic [31:0] chk_status;

  arg_check u_arg_check (
    .clk_i      (clk),
    .rst_ni     (rst_n),
    .in_valid_i (chk_req_valid),
    .in_ready_o (chk_req_ready),
    .args_i     (chk_args),
    .out_valid_o(chk_rsp_valid),
    .out_ready_i(chk_rsp_ready),
    .status_o   (chk_status)
  );

  logic [15:0] job_valid, job_ready, job_done;
  logic [3:0]  job_op;
  logic [63:0] job_a, job_b, job_c, job_d, job_y;
  logic [15:0] job_tokens, job_k, job_m;
  logic        job_gelu, job_bias_alt, job_patch;
  logic        rd_idle, wr_idle, err_clear;
  logic [1:0]  rd_err, wr_err;
  logic        stage_done;
  logic [31:0] stage_idx, image_idx, task_id;

  kernel_sequencer u_seq (
    .clk_i           (clk),
    .rst_ni          (rst_n),
    .ap_start_i      (ap_start),
    .ap_done_o       (ap_done),
    .ap_idle_o       (ap_idle),
    .ap_ready_o      (ap_ready),
    .args_i          (args),
    .status_o        (status),
    .cycles_o        (cycles),
    .chk_valid_o     (chk_req_valid),
    .chk_ready_i     (chk_req_ready),
    .chk_args_o      (chk_args),
    .chk_valid_i     (chk_rsp_valid),
    .chk_ready_o     (chk_rsp_ready),
    .chk_status_i    (chk_status),
    .job_valid_o     (job_valid),
    .job_ready_i     (job_ready),
    .job_done_i      (job_done),
    .job_op_o        (job_op),
    .job_a_o         (job_a),
    .job_b_o         (job_b),
    .job_c_o         (job_c),
    .job_d_o         (job_d),
    .job_y_o         (job_y),
    .job_tokens_o    (job_tokens),
    .job_k_o         (job_k),
    .job_m_o         (job_m),
    .job_gelu_o      (job_gelu),
    .job_bias_alt_o  (job_bias_alt),
    .job_patch_o     (job_patch),
    .task_id_o       (task_id),
    .rd_idle_i       (rd_idle),
    .wr_idle_i       (wr_idle),
    .rd_err_i        (rd_err),
    .wr_err_i        (wr_err),
    .err_clear_o     (err_clear),
    .stage_done_o    (stage_done),
    .stage_idx_o     (stage_idx),
    .image_idx_o     (image_idx)
  );

  /////////////
  // Engines //
  /////////////

  // Memory ports of every engine (engine_mem_req_t / engine_mem_rsp_t), indexed
  // by the package's ENGINE_* numbers (engine_slot).
  engine_mem_req_t [Engines-1:0] e_mem_req;
  engine_mem_rsp_t [Engines-1:0] e_mem_rsp;
  logic             e_job_valid    [Engines];
  logic             e_job_ready    [Engines];
  logic             e_done         [Engines];

  // Each engine takes the jobs of its ops (ENGINE_OPS) and answers for them.
  always_comb begin
    job_ready = '0;
    job_done  = '0;
    for (int unsigned e = 0; e < Engines; e++) begin
      e_job_valid[e] = |(job_valid & ENGINE_OPS[e]);
      job_ready |= ENGINE_OPS[e] & {16{e_job_ready[e]}};
      job_done  |= ENGINE_OPS[e] & {16{e_done[e]}};
    end
  end

  engine_mem_req_t mem_req;
  engine_mem_rsp_t mem_rsp;
  axi_req_t        gmem_req;
  axi_rsp_t        gmem_rsp;
  logic            rd_last;

  // The job, one struct for every engine (each reads the fields its op uses).
  engine_job_t job;
  assign job = '{a: job_a, b: job_b, c: job_c, d: job_d, y: job_y, tokens: job_tokens,
                 k: job_k, m: job_m, gelu: job_gelu, bias_alt: job_bias_alt,
                 patch: job_patch};

  for (genvar e = 0; e < Engines; e++) begin : gen_engines
    engine_slot #(
      .ENGINE (e)
    ) u_engine (
      .clk_i       (clk),
      .rst_ni      (rst_n),
      .job_valid_i (e_job_valid[e]),
      .job_ready_o (e_job_ready[e]),
      .job_i       (job),
      .done_o      (e_done[e]),
      .mem_req_o   (e_mem_req[e]),
      .mem_rsp_i   (e_mem_rsp[e])
    );
  end

  ///////////////////////////////////////////////////////
  // Memory: the running engine's port onto m_axi_gmem //
  ///////////////////////////////////////////////////////

  engine_mem_mux #(
    .N(Engines)
  ) u_mem_mux (
    .op_i     (job_op),
    .eng_req_i(e_mem_req),
    .eng_rsp_o(e_mem_rsp),
    .mem_req_o(mem_req),
    .mem_rsp_i(mem_rsp)
  );

  axi_dma u_dma (
    .clk_i      (clk),
    .rst_ni     (rst_n),
    .mem_req_i  (mem_req),
    .mem_rsp_o  (mem_rsp),
    .rd_last_o  (rd_last),
    .rd_idle_o  (rd_idle),
    .rd_err_o   (rd_err),
    .wr_idle_o  (wr_idle),
    .wr_err_o   (wr_err),
    .err_clear_i(err_clear),
    .axi_req_o  (gmem_req),
    .axi_rsp_i  (gmem_rsp)
  );

  axi_gmem_flat u_gmem (
    .req_i(gmem_req), .rsp_o(gmem_rsp),
    .m_axi_gmem_ARVALID, .m_axi_gmem_ARREADY, .m_axi_gmem_ARADDR, .m_axi_gmem_ARID,
    .m_axi_gmem_ARLEN, .m_axi_gmem_ARSIZE, .m_axi_gmem_ARBURST, .m_axi_gmem_ARLOCK,
    .m_axi_gmem_ARCACHE, .m_axi_gmem_ARPROT, .m_axi_gmem_ARQOS, .m_axi_gmem_ARREGION,
    .m_axi_gmem_RVALID, .m_axi_gmem_RREADY, .m_axi_gmem_RDATA, .m_axi_gmem_RLAST,
    .m_axi_gmem_RID, .m_axi_gmem_RRESP,
    .m_axi_gmem_AWVALID, .m_axi_gmem_AWREADY, .m_axi_gmem_AWADDR, .m_axi_gmem_AWID,
    .m_axi_gmem_AWLEN, .m_axi_gmem_AWSIZE, .m_axi_gmem_AWBURST, .m_axi_gmem_AWLOCK,
    .m_axi_gmem_AWCACHE, .m_axi_gmem_AWPROT, .m_axi_gmem_AWQOS, .m_axi_gmem_AWREGION,
    .m_axi_gmem_WVALID, .m_axi_gmem_WREADY, .m_axi_gmem_WDATA, .m_axi_gmem_WSTRB,
    .m_axi_gmem_WLAST, .m_axi_gmem_BVALID, .m_axi_gmem_BREADY, .m_axi_gmem_BID,
    .m_axi_gmem_BRESP
  );

  // Unused: the read master's per-command last flag (engines count beats), the
  // task id (MoE gates), stage/image indices (monitor hooks on u_seq).
  logic unused;
  assign unused = ^{rd_last, task_id, stage_done, stage_idx, image_idx};

endmodule : edgemoe_kernel
