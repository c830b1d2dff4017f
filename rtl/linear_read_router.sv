// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Read router of linear_engine: a descriptor FIFO (sync_fifo, DEPTH commands)
// remembers what each issued read command returns, and the read data are
// routed beat by beat to the command's target: weight and bias beats to the
// weight stager, feature (or pixel) beats to the feature feed, position-
// embedding beats to the output writer's pos FIFO.
//
// Commands pass from the scheduler (cmd_*) to the memory (rd_cmd_valid_o,
// rd_cmd_ready_i; address and beats go straight from the scheduler) only
// while the FIFO has room, and each is recorded as the memory takes it (its
// kind, beats and the byte offset of its first element). Data: the head
// command's target sees its *_valid_o with the beat (rd_data_i, read by the
// target itself), beat_o (its index in the command), beat_last_o and
// beat_offset_o; a beat is taken when the target is ready (rd_ready_o), and
// the command's last beat retires it.
//
// No deadlock: every issued command's data can always be taken without
// another read completing: staging waits only for the push (whose bank was
// freed by tokens read earlier), features wait only for weights read earlier
// and for output writes, pos rows wait only for the writes of tokens whose
// inputs were read before them.
module linear_read_router
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned DATA_W = AXI_DATA_W,
  // Read commands outstanding (issued, data not all taken).
  parameter int unsigned DEPTH  = 16,
  localparam int unsigned OffW  = BEAT_OFFSET_W
) (
  input  logic            clk_i,
  input  logic            rst_ni,

  // Commands from the scheduler (none of the kinds set: features or pixels).
  input  logic            cmd_valid_i,
  output logic            cmd_ready_o,
  input  logic            cmd_weight_i,    // a weight row
  input  logic            cmd_bias_i,      // a tile's biases
  input  logic            cmd_pos_i,       // a position-embedding row
  input  logic [15:0]     cmd_beats_i,
  input  logic [OffW-1:0] cmd_offset_i,

  // The memory's read command and data handshakes.
  output logic            rd_cmd_valid_o,
  input  logic            rd_cmd_ready_i,
  input  logic            rd_valid_i,
  output logic            rd_ready_o,

  // Targets of the head command's beats.
  output logic            weight_valid_o,
  output logic            bias_valid_o,
  input  logic            stage_ready_i,
  output logic            feature_valid_o,
  input  logic            feature_ready_i,
  output logic            pos_valid_o,
  input  logic            pos_ready_i,
  output logic [15:0]     beat_o,          // beat of the head command
  output logic            beat_last_o,     // ... and it is its last
  output logic [OffW-1:0] beat_offset_o
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (DATA_W != AXI_DATA_W) begin : gen_err_pkg_geometry
    $error("linear_read_router: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  localparam int unsigned DescW = 3 + 16 + OffW;

  logic              desc_push, desc_pop, desc_full, desc_valid;
  logic              head_weight, head_bias, head_pos, head_feature;
  logic [15:0]       head_beats;
  logic [15:0]       beat_q;          // beat of the head command
  logic              rd_fire, target_ready;

  // A command goes out only while its descriptor fits.
  assign rd_cmd_valid_o = cmd_valid_i & ~desc_full;
  assign cmd_ready_o    = rd_cmd_ready_i & ~desc_full;
  assign desc_push      = cmd_valid_i & cmd_ready_o;

  assign beat_o         = beat_q;
  assign beat_last_o    = beat_q == head_beats - 16'd1;
  assign desc_pop       = rd_fire & beat_last_o;

  sync_fifo #(
    .WIDTH (DescW),
    .DEPTH (DEPTH)
  ) u_desc (
    .clk_i,
    .rst_ni,
    .push_i  (desc_push),
    .data_i  ({cmd_weight_i, cmd_bias_i, cmd_pos_i, cmd_beats_i, cmd_offset_i}),
    .pop_i   (desc_pop),
    .full_o  (desc_full),
    .valid_o (desc_valid),
    .data_o  ({head_weight, head_bias, head_pos, head_beats, beat_offset_o})
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      beat_q <= '0;
    end else if (rd_fire) begin
      beat_q <= beat_last_o ? '0 : beat_q + 16'd1;
    end
  end

  // Targets.
  assign head_feature = ~head_weight & ~head_bias & ~head_pos;
  always_comb begin
    if (head_weight || head_bias) begin
      target_ready = stage_ready_i;
    end else if (head_feature) begin
      target_ready = feature_ready_i;
    end else begin
      target_ready = pos_ready_i;
    end
  end

  assign rd_ready_o      = desc_valid & target_ready;
  assign rd_fire         = rd_valid_i & rd_ready_o;
  assign weight_valid_o  = rd_valid_i & desc_valid & head_weight;
  assign bias_valid_o    = rd_valid_i & desc_valid & head_bias;
  assign feature_valid_o = rd_valid_i & desc_valid & head_feature;
  assign pos_valid_o     = rd_valid_i & desc_valid & head_pos;

endmodule
