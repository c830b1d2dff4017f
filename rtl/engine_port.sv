// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Engine port: what every engine on the kernel's engine memory port shares
// (linear_engine, layernorm_engine, attention_engine, residual_engine;
// protocol in tb/components/enginemem.py and the engines' headers): the typed memory
// port (engine_mem_req_t / engine_mem_rsp_t of edgemoe_cfg_pkg) given to the
// engine as named fields, the job handshake, the done pulse and the
// write-command issue. The job's fields (engine_job_t) go to the engine
// directly; the engine latches those it needs with job_take_o.
//
// Reads: rd_cmd_* and rd_valid_o / rd_ready_i / rd_data_o pass straight
// through (no register, no gating); the engine issues read commands and
// takes read data as it likes.
//
// Job: job_ready_o is high while idle; a job is taken with job_valid_i &&
// job_ready_o (job_take_o, in that cycle), together with job_beats_i, the
// number of write beats the whole job will produce. busy_o is high from the
// cycle after the take up to and including the cycle of done_o.
//
// Write commands: while busy, a command is offered on the port's wr_cmd_*
// (address and beats from wr_req_addr_i / wr_req_beats_i) whenever the engine
// asks for one (wr_req_i) and no command is open. A taken command is open
// (wr_open_o) from the next cycle until its last data beat is accepted; the
// engine offers data beats (wr_valid_i, wr_data_i: straight through, as is
// wr_ready_o) only while wr_open_o, so every command is accepted before its
// first data beat, and marks the last beat of each command with wr_last_i (the
// job's last beat closes its command whatever wr_last_i says: an engine with
// one command per job ties it low).
//
// done_o pulses in the cycle the job's last write beat (the job_beats_i-th) is
// accepted; job_ready_o is high again from the next cycle. A job of 0 beats
// offers no command and pulses done_o in the cycle after it is taken.
module engine_port
  import edgemoe_cfg_pkg::*;
(
  input  logic                  clk_i,
  input  logic                  rst_ni,

  // Job.
  input  logic                  job_valid_i,
  output logic                  job_ready_o,
  input  logic [31:0]           job_beats_i,     // write beats of the whole job
  output logic                  job_take_o,      // the job is taken in this cycle
  output logic                  busy_o,
  output logic                  done_o,

  // Read commands and data.
  input  logic                  rd_cmd_valid_i,
  output logic                  rd_cmd_ready_o,
  input  logic [63:0]           rd_cmd_addr_i,
  input  logic [31:0]           rd_cmd_beats_i,
  output logic                  rd_valid_o,
  input  logic                  rd_ready_i,
  output logic [AXI_DATA_W-1:0] rd_data_o,

  // Write commands and data.
  input  logic                  wr_req_i,        // the engine has a command to issue
  input  logic [63:0]           wr_req_addr_i,
  input  logic [31:0]           wr_req_beats_i,
  output logic                  wr_open_o,       // a command is open: data beats may go
  input  logic                  wr_valid_i,
  output logic                  wr_ready_o,
  input  logic [AXI_DATA_W-1:0] wr_data_i,
  input  logic                  wr_last_i,       // the beat is its command's last

  // Memory port: engine_mem_req_t / engine_mem_rsp_t (edgemoe_cfg_pkg).
  output engine_mem_req_t       mem_req_o,
  input  engine_mem_rsp_t       mem_rsp_i
);

  /////////////////
  // Port fields //
  /////////////////

  logic wr_cmd_valid, wr_fire;

  assign mem_req_o = '{
    rd_cmd_valid: rd_cmd_valid_i,
    rd_cmd_addr:  rd_cmd_addr_i,
    rd_cmd_beats: rd_cmd_beats_i,
    rd_ready:     rd_ready_i,
    wr_cmd_valid: wr_cmd_valid,
    wr_cmd_addr:  wr_req_addr_i,
    wr_cmd_beats: wr_req_beats_i,
    wr_valid:     wr_valid_i,
    wr_data:      wr_data_i
  };
  assign rd_cmd_ready_o = mem_rsp_i.rd_cmd_ready;
  assign rd_valid_o     = mem_rsp_i.rd_valid;
  assign rd_data_o      = mem_rsp_i.rd_data;
  assign wr_ready_o     = mem_rsp_i.wr_ready;
  assign wr_fire        = wr_valid_i & mem_rsp_i.wr_ready;

  /////////////////////////////////
  // Job and write-command state //
  /////////////////////////////////

  logic        busy_q, empty_q, open_q;
  logic [31:0] left_q;  // write beats still to come
  logic        last_wr;

  assign job_ready_o = ~busy_q;
  assign job_take_o  = job_valid_i & ~busy_q;
  assign busy_o      = busy_q;
  assign last_wr     = wr_fire & (left_q == 32'd1);
  assign done_o      = last_wr | empty_q;
  assign wr_open_o   = open_q;

  assign wr_cmd_valid = busy_q & ~empty_q & ~open_q & wr_req_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q  <= 1'b0;
      empty_q <= 1'b0;
      open_q  <= 1'b0;
      left_q  <= '0;
    end else begin
      empty_q <= 1'b0;
      if (job_take_o) begin
        busy_q  <= 1'b1;
        empty_q <= (job_beats_i == '0);
        left_q  <= job_beats_i;
      end
      if (wr_cmd_valid && mem_rsp_i.wr_cmd_ready) begin
        open_q <= 1'b1;
      end
      if (wr_fire) begin
        left_q <= left_q - 32'd1;
        if (wr_last_i) begin
          open_q <= 1'b0;
        end
      end
      if (done_o) begin
        busy_q <= 1'b0;
        open_q <= 1'b0;
      end
    end
  end

endmodule
