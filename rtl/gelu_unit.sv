// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// GELU unit: y = ReLU(x) - delta(|x|), delta(t) = t * Phi(-t) read from a
// linearly interpolated ROM (Edge-MoE idea 3). Bit-exact with golden.gelu.
//
// Arithmetic (F = FRAC_W, s = STEP_LOG2, m = F - s, N = 2**(RANGE_LOG2+s)):
//   t   = |x| as an unsigned DATA_W-bit number
//   idx = t >> m, f = t[m-1:0]
//   idx >= N : delta = 0
//   else     : acc   = T[idx] * 2**m + (T[idx+1] - T[idx]) * f      (exact, >= 0)
//              delta = (acc + 2**(sh-1)) >> sh, sh = TABLE_W - s     (round half up)
//   y   = max(x, 0) - delta
//
// LANES independent lanes share one valid/ready handshake. Four pipeline
// stages (ROM read, multiply, round, output) advance together under a global
// enable; the pipeline stalls only when its last stage holds a result the sink
// does not take, so in_ready_o = !(out_valid_o && !out_ready_i). One beat per
// cycle at full throughput, no loss or duplication under backpressure.
// Submodules: lockstep_pipe_ctrl (the handshake and stage enables) and
// interp_rom (the ROM read and multiply stages, and acc).
module gelu_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned LANES      = 1,
  parameter int unsigned DATA_W     = FEATURE_W,
  parameter int unsigned FRAC_W     = FEATURE_FRAC,
  parameter int unsigned STEP_LOG2  = GELU_STEP_LOG2,
  parameter int unsigned RANGE_LOG2 = GELU_RANGE_LOG2,
  parameter int unsigned TABLE_W    = GELU_ENTRY_W,
  parameter string       ROM_FILE   = GELU_ROM_FILE
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,

  input  logic                    in_valid_i,
  output logic                    in_ready_o,
  input  logic [LANES*DATA_W-1:0] in_data_i,

  output logic                    out_valid_o,
  input  logic                    out_ready_i,
  output logic [LANES*DATA_W-1:0] out_data_o
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (FRAC_W != FEATURE_FRAC || STEP_LOG2 != GELU_STEP_LOG2 || RANGE_LOG2 != GELU_RANGE_LOG2 ||
      TABLE_W != GELU_ENTRY_W) begin : gen_err_pkg_geometry
    $error("gelu_unit: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  //////////////////////
  // Derived geometry //
  //////////////////////

  // Bits of |x| below one table step (the interpolation fraction).
  localparam int unsigned FracIdxW = GELU_FRAC_IDX_W;
  // log2 of the number of table segments N.
  localparam int unsigned SegLog2  = GELU_SEG_LOG2;
  localparam int unsigned Entries  = (2 ** SegLog2) + 1;
  // |x| zero-extended so that the segment index and the bits above it exist.
  localparam int unsigned AbsW     = (DATA_W > FracIdxW + SegLog2) ? DATA_W
                                                                   : FracIdxW + SegLog2 + 1;
  // Interpolation accumulator (interp_rom): TABLE_W + m + 2 bits, signed.
  localparam int unsigned AccW     = TABLE_W + FracIdxW + 2;
  localparam int unsigned Shift    = GELU_SHIFT;
  localparam int unsigned DeltaW   = AccW - Shift;

  localparam int unsigned NumStages = 4;

  // Elaboration-time checks of the geometry.
  if (STEP_LOG2 >= FRAC_W) begin : gen_err_step
    $error("gelu_unit: STEP_LOG2 must be smaller than FRAC_W");
  end
  if (TABLE_W <= STEP_LOG2) begin : gen_err_table_w
    $error("gelu_unit: TABLE_W must exceed STEP_LOG2 (rounding shift >= 1)");
  end
  if (DeltaW > DATA_W) begin : gen_err_delta_w
    $error("gelu_unit: delta does not fit in DATA_W");
  end
  if (STEP_LOG2 == GELU_STEP_LOG2 && RANGE_LOG2 == GELU_RANGE_LOG2 &&
      Entries != GELU_ENTRIES) begin : gen_err_entries
    $error("gelu_unit: table geometry disagrees with edgemoe_cfg_pkg::GELU_ENTRIES");
  end

  ///////////////////////////
  // Handshake and enables //
  ///////////////////////////

  // ld[s]: load enable of stage s + 1.
  logic [NumStages-1:0] ld;

  lockstep_pipe_ctrl #(
    .STAGES (NumStages)
  ) u_pipe_ctrl (
    .clk_i,
    .rst_ni,
    .in_valid_i,
    .in_ready_o,
    .out_valid_o,
    .out_ready_i,
    .ld_o (ld)
  );

  //////////////////////////////////
  // Table read and interpolation //
  //////////////////////////////////

  // Stage 1 reads T[idx] and T[idx+1], stage 2 holds T[idx] and the slope term
  // (both zero beyond the table); interp_acc is their exact sum.
  logic [LANES*SegLog2-1:0]  seg_idx;
  logic [LANES*FracIdxW-1:0] seg_frac;
  logic [LANES-1:0]          seg_beyond;
  logic [LANES*AccW-1:0]     interp_acc;

  interp_rom #(
    .LANES    (LANES),
    .IDX_W    (SegLog2),
    .FRAC_W   (FracIdxW),
    .ENTRY_W  (TABLE_W),
    .ROM_FILE (ROM_FILE)
  ) u_interp_rom (
    .clk_i,
    .rd_en_i  (ld[0]),
    .mul_en_i (ld[1]),
    .idx_i    (seg_idx),
    .frac_i   (seg_frac),
    .zero_i   (seg_beyond),
    .acc_o    (interp_acc)
  );

  ///////////
  // Lanes //
  ///////////

  for (genvar l = 0; l < LANES; l++) begin : g_lane
    // Stage 0 (combinational): |x|, segment index and fraction.
    logic signed [DATA_W-1:0]   x0;
    logic        [DATA_W-1:0]   abs0;
    logic        [AbsW-1:0]     abs0_ext;

    assign x0       = $signed(in_data_i[l*DATA_W +: DATA_W]);
    assign abs0     = x0[DATA_W-1] ? (~x0 + DATA_W'(1)) : x0;
    assign abs0_ext = AbsW'(abs0);

    assign seg_beyond[l]                     = |abs0_ext[AbsW-1:FracIdxW+SegLog2];
    assign seg_idx[l*SegLog2 +: SegLog2]     = abs0_ext[FracIdxW+SegLog2-1:FracIdxW];
    assign seg_frac[l*FracIdxW +: FracIdxW]  = abs0_ext[FracIdxW-1:0];

    // Stages 1 and 2: x alongside the table read and the slope term (interp_rom).
    logic signed [DATA_W-1:0]   x1_q, x2_q;

    always_ff @(posedge clk_i) begin
      if (ld[0]) begin
        x1_q <= x0;
      end
    end

    always_ff @(posedge clk_i) begin
      if (ld[1]) begin
        x2_q <= x1_q;
      end
    end

    // Stage 3: acc (exact, from interp_rom) rounded half up. The rounded value
    // has DeltaW + 1 bits, so round_sat never saturates; delta is its low
    // DeltaW bits, as an unsigned number.
    logic [DeltaW:0] rounded2;

    round_sat #(
      .IN_W  (AccW),
      .OUT_W (DeltaW + 1),
      .SHIFT (Shift),
      .ROUND (1'b1)
    ) u_round_delta (
      .in_i  (interp_acc[l*AccW +: AccW]),
      .out_o (rounded2)
    );

    // The rounded value's sign bit is dropped by design.
    logic unused_round_sign;
    assign unused_round_sign = rounded2[DeltaW];

    logic signed [DATA_W-1:0]   x3_q;
    logic        [DeltaW-1:0]   delta3_q;

    always_ff @(posedge clk_i) begin
      if (ld[2]) begin
        x3_q     <= x2_q;
        delta3_q <= rounded2[DeltaW-1:0];
      end
    end

    // Stage 4: y = ReLU(x) - delta.
    logic signed [DATA_W-1:0]   relu3;
    logic signed [DATA_W-1:0]   y4_q;

    assign relu3 = x3_q[DATA_W-1] ? '0 : x3_q;

    always_ff @(posedge clk_i) begin
      if (ld[3]) begin
        y4_q <= relu3 - $signed(DATA_W'(delta3_q));
      end
    end

    assign out_data_o[l*DATA_W +: DATA_W] = y4_q;
  end

endmodule
