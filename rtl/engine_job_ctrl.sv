// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Engine job control: the job handshake, the done pulse and the write-command
// issue that every engine on the kernel's engine memory interface shares
// (linear_engine, layernorm_engine, attention_engine, residual_engine, each
// through engine_port; protocol in tb/enginemem.py and the engines' headers).
//
// Job: job_ready_o is high while idle; a job is taken with job_valid_i &&
// job_ready_o (job_take_o, in that cycle), together with job_beats_i, the
// number of write beats the whole job will produce. busy_o is high from the
// cycle after the take up to and including the cycle of done_o.
//
// Write commands: while busy, a command is offered on wr_cmd_* (address and
// beats from wr_req_addr_i / wr_req_beats_i) whenever the engine asks for one
// (wr_req_i) and no command is open. A taken command is open (wr_open_o) from
// the next cycle until its last data beat is accepted; the engine offers data
// beats only while wr_open_o, so every command is accepted before its first
// data beat, and marks the last beat of each command with wr_cmd_last_i (the
// job's last beat closes its command whatever wr_cmd_last_i says: an engine
// with one command per job ties it low). wr_fire_i is a data beat accepted
// (wr_valid_o && wr_ready_i).
//
// done_o pulses in the cycle the job's last write beat (the job_beats_i-th) is
// accepted; job_ready_o is high again from the next cycle. A job of 0 beats
// offers no command and pulses done_o in the cycle after it is taken.
module engine_job_ctrl (
  input  logic        clk_i,
  input  logic        rst_ni,

  // Job.
  input  logic        job_valid_i,
  output logic        job_ready_o,
  input  logic [31:0] job_beats_i,     // write beats of the whole job
  output logic        job_take_o,      // the job is taken in this cycle
  output logic        busy_o,
  output logic        done_o,

  // Write commands.
  input  logic        wr_req_i,        // the engine has a command to issue
  input  logic [63:0] wr_req_addr_i,
  input  logic [31:0] wr_req_beats_i,
  output logic        wr_cmd_valid_o,
  input  logic        wr_cmd_ready_i,
  output logic [63:0] wr_cmd_addr_o,
  output logic [31:0] wr_cmd_beats_o,
  output logic        wr_open_o,       // a command is open: data beats may go
  input  logic        wr_fire_i,       // a data beat is accepted
  input  logic        wr_cmd_last_i    // ... and it is its command's last
);

  logic        busy_q, empty_q, open_q;
  logic [31:0] left_q;  // write beats still to come
  logic        last_wr;

  assign job_ready_o = ~busy_q;
  assign job_take_o  = job_valid_i & ~busy_q;
  assign busy_o      = busy_q;
  assign last_wr     = wr_fire_i & (left_q == 32'd1);
  assign done_o      = last_wr | empty_q;
  assign wr_open_o   = open_q;

  assign wr_cmd_valid_o = busy_q & ~empty_q & ~open_q & wr_req_i;
  assign wr_cmd_addr_o  = wr_req_addr_i;
  assign wr_cmd_beats_o = wr_req_beats_i;

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
      if (wr_cmd_valid_o && wr_cmd_ready_i) begin
        open_q <= 1'b1;
      end
      if (wr_fire_i) begin
        left_q <= left_q - 32'd1;
        if (wr_cmd_last_i) begin
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
