// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Feature feed of linear_engine: the feature (or, in patch mode, pixel) read
// beats become the linear_tile's feature beats of COLS features, with the
// tile's row and tile marks.
//
// Read beats become chunks (FeatChunk features or PixelChunk pixels), chunks
// become tile beats of COLS features: split when a chunk holds several blocks
// (the zero padding after a row's K-th feature is dropped), gathered otherwise
// (two stream_gearbox instances, one per mode; patch_i selects). A feature
// chunk is the DATA_W / lane(X_W) lanes of a beat; a pixel chunk is the
// min(PATCH, pixels per beat) pixels of a patch row segment, at byte
// in_offset_i of its beat when the segment is part of a beat, converted
// exactly to the feature format (raw << PIXEL_SHIFT = FEATURE_FRAC - PIXEL_FRAC, zero-extended).
//
// Marks: out_last_o closes a token's dot product (block blocks_i - 1 of the
// token), out_tile_last_o marks the last of the tile_tokens_i tokens that go
// through one weight tile; both count tile beats taken from job_take_i on.
// out_valid_o is held low while the engine is not busy (busy_i).
module linear_feature_feed
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned COLS   = TILE_COLS,
  parameter int unsigned DATA_W = AXI_DATA_W,
  parameter int unsigned X_W    = FEATURE_W,
  parameter int unsigned X_FRAC = FEATURE_FRAC,
  localparam int unsigned OffW  = BEAT_OFFSET_W
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  // The job: taken in the cycle of job_take_i; its fields hold while busy_i.
  input  logic                job_take_i,
  input  logic                busy_i,
  input  logic                patch_i,        // pixels, not features
  input  logic [15:0]         blocks_i,       // K / COLS tile beats per token
  input  logic [15:0]         tile_tokens_i,  // tokens per weight tile

  // Feature / pixel read beats.
  input  logic                in_valid_i,
  output logic                in_ready_o,
  input  logic [DATA_W-1:0]   in_data_i,
  input  logic [OffW-1:0]     in_offset_i,    // byte of the pixel segment

  // The tile's feature port.
  output logic                out_valid_o,
  input  logic                out_ready_i,
  output logic [COLS*X_W-1:0] out_data_o,
  output logic                out_last_o,
  output logic                out_tile_last_o
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (DATA_W != AXI_DATA_W || X_W != FEATURE_W ||
      X_FRAC != FEATURE_FRAC) begin : gen_err_pkg_geometry
    $error("linear_feature_feed: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  localparam int unsigned BeatBytes     = BEAT_BYTES;
  localparam int unsigned FeatBytes     = FEATURE_LANE_BYTES;
  localparam int unsigned PixelBytes    = PIXEL_LANE_BYTES;
  // Feature chunks: one read beat gives FeatChunk features or PixelChunk pixels.
  localparam int unsigned FeatChunk     = FEATURE_LANES;
  localparam int unsigned PixelsPerBeat = BeatBytes / PixelBytes;
  localparam int unsigned PixelChunk    = (PATCH < PixelsPerBeat) ? PATCH : PixelsPerBeat;
  localparam int unsigned SegmentBytes  = PixelChunk * PixelBytes;
  localparam int unsigned PatchRowBytes = PATCH * PixelBytes;

  if (X_FRAC < PIXEL_FRAC || PIXEL_W + PIXEL_SHIFT >= X_W) begin : gen_err_pix
    $error("linear_engine: pixels do not convert exactly to the feature format");
  end
  if ((FeatChunk % COLS != 0 && COLS % FeatChunk != 0) ||
      (PixelChunk % COLS != 0 && COLS % PixelChunk != 0)) begin : gen_err_q
    $error("linear_engine: features / pixels per beat and COLS must divide one another");
  end
  if (PatchRowBytes % BeatBytes != 0 && BeatBytes % PatchRowBytes != 0) begin : gen_err_patch_beat
    $error("linear_engine: the patch row and the beat must divide one another");
  end

  //////////////////////////////
  // Chunks in feature format //
  //////////////////////////////

  logic [FeatChunk*X_W-1:0]  feat_chunk;
  logic [PixelChunk*X_W-1:0] pix_chunk;
  logic [SegmentBytes*8-1:0] segment;

  for (genvar i = 0; i < FeatChunk; i++) begin : g_feat_lane
    assign feat_chunk[i*X_W +: X_W] = in_data_i[i*FeatBytes*8 +: X_W];
  end

  if (PatchRowBytes < BeatBytes) begin : gen_part
    assign segment = in_data_i[32'(in_offset_i) / SegmentBytes * (SegmentBytes * 8) +:
                               SegmentBytes * 8];
  end else begin : gen_whole
    logic unused_offset;
    assign unused_offset = ^in_offset_i;
    assign segment = in_data_i;
  end
  for (genvar i = 0; i < PixelChunk; i++) begin : g_pix_lane
    assign pix_chunk[i*X_W +: X_W] = X_W'(segment[i*PixelBytes*8 +: PIXEL_W]) << PIXEL_SHIFT;
  end

  ///////////////
  // Gearboxes //
  ///////////////

  logic                feat_in_ready, feat_out_valid;
  logic                pix_in_ready, pix_out_valid;
  logic [COLS*X_W-1:0] feat_out_data, pix_out_data;
  logic                out_fire;
  logic [15:0]         block_q;  // tile beat (column block) of the token
  logic [15:0]         token_q;  // token of the weight tile

  stream_gearbox #(
    .LANE_W    (X_W),
    .IN_LANES  (FeatChunk),
    .OUT_LANES (COLS)
  ) u_feature_gearbox (
    .clk_i,
    .rst_ni,
    .in_valid_i  (in_valid_i & ~patch_i),
    .in_ready_o  (feat_in_ready),
    .in_data_i   (feat_chunk),
    .out_valid_o (feat_out_valid),
    .out_ready_i (out_ready_i & ~patch_i),
    .out_data_o  (feat_out_data),
    .out_last_i  (out_last_o)
  );

  stream_gearbox #(
    .LANE_W    (X_W),
    .IN_LANES  (PixelChunk),
    .OUT_LANES (COLS)
  ) u_pixel_gearbox (
    .clk_i,
    .rst_ni,
    .in_valid_i  (in_valid_i & patch_i),
    .in_ready_o  (pix_in_ready),
    .in_data_i   (pix_chunk),
    .out_valid_o (pix_out_valid),
    .out_ready_i (out_ready_i & patch_i),
    .out_data_o  (pix_out_data),
    .out_last_i  (out_last_o)
  );

  assign in_ready_o      = patch_i ? pix_in_ready : feat_in_ready;
  assign out_valid_o     = (patch_i ? pix_out_valid : feat_out_valid) & busy_i;
  assign out_data_o      = patch_i ? pix_out_data : feat_out_data;
  assign out_fire        = out_valid_o & out_ready_i;
  assign out_last_o      = block_q == blocks_i - 16'd1;
  assign out_tile_last_o = token_q == tile_tokens_i - 16'd1;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      block_q <= '0;
      token_q <= '0;
    end else if (job_take_i) begin
      block_q <= '0;
      token_q <= '0;
    end else if (out_fire) begin
      if (out_last_o) begin
        block_q <= '0;
        token_q <= out_tile_last_o ? '0 : token_q + 16'd1;
      end else begin
        block_q <= block_q + 16'd1;
      end
    end
  end

endmodule
