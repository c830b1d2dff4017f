// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Engine port: what every engine on the kernel's engine memory port shares
// (linear_engine, layernorm_engine, attention_engine, residual_engine;
// protocol in tb/components/enginemem.py and the engines' headers): the typed memory
// port (engine_mem_req_t / engine_mem_rsp_t of edgemoe_cfg_pkg), the job
// handshake, the done pulse and the write-command issue. The engine sees it as
// two structs (engine_req_t from the engine, engine_rsp_t to it; the field
// names below are theirs): the job's fields (engine_job_t) with rsp.take, the
// engine latching those it needs then.
//
// Reads: rd_cmd_* and rd_valid / rd_ready / rd_data pass straight
// through (no register, no gating); the engine issues read commands and
// takes read data as it likes.
//
// Job: job_ready_o is high while idle; a job is taken with job_valid_i &&
// job_ready_o (rsp.take, in that cycle), together with req.job_beats, the
// number of write beats the whole job will produce. rsp.busy is high from the
// cycle after the take up to and including the cycle of done_o.
//
// Write commands: while busy, a command is offered on the port's wr_cmd_*
// (address and beats from req.wr_req_addr / wr_req_beats) whenever the engine
// asks for one (req.wr_req) and no command is open. A taken command is open
// (rsp.wr_open) from the next cycle until its last data beat is accepted; the
// engine offers data beats (req.wr_valid, wr_data: straight through, as is
// rsp.wr_ready) only while rsp.wr_open, so every command is accepted before its
// first data beat, and marks the last beat of each command with req.wr_last
// (the job's last beat closes its command whatever wr_last says: an engine
// with one command per job ties it low).
//
// done_o pulses in the cycle the job's last write beat (the req.job_beats-th) is
// accepted; job_ready_o is high again from the next cycle. A job of 0 beats
// offers no command and pulses done_o in the cycle after it is taken.
module engine_port
  import edgemoe_cfg_pkg::*;
(
  input  logic            clk_i,
  input  logic            rst_ni,

  // Job.
  input  logic            job_valid_i,
  output logic            job_ready_o,
  input  engine_job_t     job_i,
  output logic            done_o,

  // The engine.
  input  engine_req_t     eng_req_i,
  output engine_rsp_t     eng_rsp_o,

  // Memory port: engine_mem_req_t / engine_mem_rsp_t (edgemoe_cfg_pkg).
  output engine_mem_req_t mem_req_o,
  input  engine_mem_rsp_t mem_rsp_i
);

  /////////////////
  // Port fields //
  /////////////////

  logic wr_cmd_valid, wr_fire;

  assign mem_req_o = '{
    rd_cmd_valid: eng_req_i.rd_cmd_valid,
    rd_cmd_addr:  eng_req_i.rd_cmd_addr,
    rd_cmd_beats: eng_req_i.rd_cmd_beats,
    rd_ready:     eng_req_i.rd_ready,
    wr_cmd_valid: wr_cmd_valid,
    wr_cmd_addr:  eng_req_i.wr_req_addr,
    wr_cmd_beats: eng_req_i.wr_req_beats,
    wr_valid:     eng_req_i.wr_valid,
    wr_data:      eng_req_i.wr_data
  };
  assign wr_fire = eng_req_i.wr_valid & mem_rsp_i.wr_ready;

  /////////////////////////////////
  // Job and write-command state //
  /////////////////////////////////

  logic        busy_q, empty_q, open_q, take;
  logic [31:0] left_q;  // write beats still to come
  logic        last_wr;

  assign job_ready_o = ~busy_q;
  assign take        = job_valid_i & ~busy_q;
  assign last_wr     = wr_fire & (left_q == 32'd1);
  assign done_o      = last_wr | empty_q;

  assign eng_rsp_o = '{
    job:          job_i,
    take:         take,
    busy:         busy_q,
    done:         done_o,
    wr_open:      open_q,
    rd_cmd_ready: mem_rsp_i.rd_cmd_ready,
    rd_valid:     mem_rsp_i.rd_valid,
    rd_data:      mem_rsp_i.rd_data,
    wr_ready:     mem_rsp_i.wr_ready
  };

  assign wr_cmd_valid = busy_q & ~empty_q & ~open_q & eng_req_i.wr_req;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q  <= 1'b0;
      empty_q <= 1'b0;
      open_q  <= 1'b0;
      left_q  <= '0;
    end else begin
      empty_q <= 1'b0;
      if (take) begin
        busy_q  <= 1'b1;
        empty_q <= (eng_req_i.job_beats == '0);
        left_q  <= eng_req_i.job_beats;
      end
      if (wr_cmd_valid && mem_rsp_i.wr_cmd_ready) begin
        open_q <= 1'b1;
      end
      if (wr_fire) begin
        left_q <= left_q - 32'd1;
        if (eng_req_i.wr_last) begin
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
