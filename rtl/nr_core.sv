// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The Newton-Raphson unit: the reciprocal (ROOT = 1, y -> 1/x; the softmax
// statistics' unit) and the reciprocal square root (ROOT = 2, y -> 1/sqrt(x);
// LayerNorm's): x > 0 as a normalised mantissa and a scale, bit-exact with
// golden.approx.reciprocal.reciprocal_parts and golden.approx.rsqrt.rsqrt_parts.
//
// Input : x, an unsigned IN_W-bit raw value of a fixed-point format with
//         IN_FRAC fraction bits (real value x * 2**-IN_FRAC); by default the
//         root's consumer's format: formats.softmax_sum (ROOT = 1) or
//         formats.ln_var (ROOT = 2: var + eps).
// Output: per lane one OUT_W-bit word {scale, mant}:
//           mant  = out[MANT_W-1:0]        unsigned, M = MANT_BITS fraction bits,
//                                          in [2**(M-1), 2**M] for every x > 0
//                                          (every mantissa checked, package parameters)
//           scale = out[OUT_W-1:MANT_W]    two's complement, SCALE_W bits
//         with x**(-1/ROOT) = mant * 2**(scale - M).
//         x = 0 is outside the domain (the golden model raises): the unit
//         returns the all-zero word (mant = 0 never occurs for x > 0).
//
// Arithmetic (golden/approx/reciprocal.py, rsqrt.py; F = IN_FRAC,
// S = STEP_LOG2, G = 10 guard bits):
//   p     = leading-one position of x
//   ROOT 1: scale = F - p;  m = floor(x * 2**M / 2**p)          m in [2**M, 2**(M+1))
//   ROOT 2: e = floor((p - F) / 2);  scale = -e;
//           m = floor(x * 2**M / 2**(F + 2e))  (even shift)     m in [2**M, 2**(M+2))
//   i     = (m >> (M-S)) - 2**S, r = m[M-S-1:0]  (ROM of (2**ROOT - 1) * 2**S + 1 entries)
//   y     = (T[i]*2**(M-S) + (T[i+1]-T[i])*r + 2**(sh-1)) >> sh,  sh = TABLE_BITS - S
//   NEWTON_STEPS times, with q = m*y (ROOT 1) or q = m*y2, y2 = (y*y + 2**(M-1)) >> M
//   (ROOT 2):
//     d   = (2**(2M) - q + 2**(M-G-1)) >>> (M-G)              (M+G fraction bits)
//     y   = y + ((y*d + 2**(M+G+ROOT-2)) >>> (M+G+ROOT-1))    (y * d / ROOT)
//   Intermediate widths follow from the ranges of m and y alone, so the
//   datapath is exact for every input; given the seed accuracy (|1 - q| < 2**-9)
//   synthesis could narrow d to M+2 bits.
// Built from nr_normalise (p, m, scale), interp_rom (the table read and
// interpolation of the seed, shared with exp_unit and gelu_unit), round_sat
// (the seed's rounding) and nr_newton_update (d and the update of y); this
// module adds the table geometry (the segment index i) and the products of
// each Newton step.
//
// Timing: LATENCY = 5 + (3 + ROOT) * NEWTON_STEPS register stages: a beat
// accepted on clock edge k is presented on out_data_o after edge k + LATENCY.
// One beat per cycle. All stages advance together under a global enable
// (lockstep_pipe_ctrl); the pipeline stalls only when its last stage holds a
// result the sink does not take (in_ready_o = !(out_valid_o && !out_ready_i), a
// combinational path from out_ready_i). No loss or duplication under
// backpressure. LANES independent lanes share one handshake.
//
// The table geometry and the number of Newton steps are the package's for
// the chosen root (RECIP_* for ROOT = 1, RSQRT_* for ROOT = 2): the ROM file
// the package generated holds that table.
module nr_core
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned ROOT         = 1,
  parameter int unsigned LANES        = 1,
  parameter int unsigned IN_W         = (ROOT == 1) ? SOFTMAX_SUM_W : LN_VAR_W,
  parameter int          IN_FRAC      = (ROOT == 1) ? SOFTMAX_SUM_FRAC : LN_VAR_FRAC,
  parameter int unsigned MANT_BITS    = (ROOT == 1) ? RECIP_MANT_BITS : RSQRT_MANT_BITS,
  parameter int unsigned SCALE_W      = RECIP_SCALE_W,
  // Derived: do not override.
  localparam int unsigned STEP_LOG2    = (ROOT == 1) ? RECIP_STEP_LOG2 : RSQRT_STEP_LOG2,
  localparam int unsigned TABLE_BITS   = (ROOT == 1) ? RECIP_TABLE_BITS : RSQRT_TABLE_BITS,
  localparam int unsigned NEWTON_STEPS = (ROOT == 1) ? RECIP_NEWTON_STEPS : RSQRT_NEWTON_STEPS,
  localparam string       ROM_FILE     = (ROOT == 1) ? RECIP_ROM_FILE : RSQRT_ROM_FILE,
  // Derived: do not override.
  localparam int unsigned MANT_W      = MANT_BITS + 1,
  localparam int unsigned OUT_W       = SCALE_W + MANT_W,
  localparam int unsigned LATENCY     = 5 + (3 + ROOT) * NEWTON_STEPS
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  input  logic                   in_valid_i,
  output logic                   in_ready_o,
  input  logic [LANES*IN_W-1:0]  in_data_i,

  output logic                   out_valid_o,
  input  logic                   out_ready_i,
  output logic [LANES*OUT_W-1:0] out_data_o
);

  //////////////////////
  // Derived geometry //
  //////////////////////

  localparam int unsigned M          = MANT_BITS;
  localparam int unsigned LowW       = M - STEP_LOG2;     // interpolation fraction bits
  localparam int unsigned Entries    = ((2 ** ROOT) - 1) * (2 ** STEP_LOG2) + 1;
  localparam int unsigned AddrW      = STEP_LOG2 + ROOT;
  localparam int unsigned MW         = M + ROOT;          // m < 2**(M+ROOT)
  localparam int unsigned YW         = M + 1;             // y in [2**(M-1), 2**M]
  localparam int unsigned StepStages = 3 + ROOT;          // register stages per Newton step
  // The seed table: TABLE_BITS + 1-bit entries, interpolated exactly (interp_rom's
  // signed accumulator), then rounded by SeedSh bits to M fraction bits.
  localparam int unsigned EntryW     = TABLE_BITS + 1;
  localparam int unsigned SeedAccW   = EntryW + LowW + 2;
  localparam int unsigned SeedSh     = TABLE_BITS - STEP_LOG2;
  // ROOT 2: y*y < 2**(2M+2), y2 < 2**(M+3). The power q of y the update's
  // product takes (y or y2) and that product: m*y < 2**(2M+2) (ROOT 1),
  // m*y2 < 2**(2M+5) (ROOT 2).
  localparam int unsigned YyW        = 2 * YW + 1;
  localparam int unsigned Y2W        = YyW - M;
  localparam int unsigned QW         = (ROOT == 1) ? YW : Y2W;
  localparam int unsigned ProdW      = MW + QW;
  localparam int unsigned NumStages  = LATENCY;

  // Elaboration-time checks of the geometry (the shared modules check theirs).
  if (ROOT != 1 && ROOT != 2) begin : gen_err_root
    $error("nr_core: ROOT must be 1 (reciprocal) or 2 (reciprocal square root)");
  end
  if (STEP_LOG2 < 1 || STEP_LOG2 >= MANT_BITS) begin : gen_err_step
    $error("nr_core: STEP_LOG2 must lie in 1..MANT_BITS-1");
  end
  if (TABLE_BITS < MANT_BITS) begin : gen_err_table
    $error("nr_core: TABLE_BITS must be at least MANT_BITS");
  end
  if (Entries != ((ROOT == 1) ? RECIP_ENTRIES : RSQRT_ENTRIES)) begin : gen_err_entries
    $error("nr_core: table geometry disagrees with edgemoe_cfg_pkg's RECIP_/RSQRT_ENTRIES");
  end

  ///////////////////////////
  // Handshake and enables //
  ///////////////////////////

  logic [NumStages-1:0] ld;  // ld[n-1]: the registers of stage n load

  lockstep_pipe_ctrl #(
    .STAGES (NumStages)
  ) u_pipe_ctrl (
    .clk_i,
    .rst_ni,
    .in_valid_i,
    .in_ready_o,
    .out_valid_o,
    .out_ready_i,
    .ld_o        (ld)
  );

  //////////////////////////////////
  // Seed table and interpolation //
  //////////////////////////////////

  // Stage 3 reads T[i] and T[i+1], stage 4 holds T[i] and the slope term;
  // seed_acc is T[i]*2**(M-S) + (T[i+1]-T[i])*r, exact and >= 0.
  logic [LANES*AddrW-1:0]    seed_idx;
  logic [LANES*LowW-1:0]     seed_frac;
  logic [LANES*SeedAccW-1:0] seed_acc;

  interp_rom #(
    .LANES    (LANES),
    .IDX_W    (AddrW),
    .FRAC_W   (LowW),
    .ENTRY_W  (EntryW),
    .ENTRIES  (Entries),
    .ROM_FILE (ROM_FILE)
  ) u_seed_rom (
    .clk_i,
    .rd_en_i  (ld[2]),
    .mul_en_i (ld[3]),
    .idx_i    (seed_idx),
    .frac_i   (seed_frac),
    .zero_i   ('0),
    .acc_o    (seed_acc)
  );

  ///////////
  // Lanes //
  ///////////

  // What travels alongside the arithmetic from stage 2 on.
  typedef struct packed {
    logic [MW-1:0]      m;
    logic [SCALE_W-1:0] scale;
    logic               zero;
  } side_t;

  for (genvar l = 0; l < LANES; l++) begin : g_lane
    // Registers are named after their stage n (1-based); ld[n-1] loads stage n.
    // Stages 1-2: normalise (by an even shift when ROOT = 2).
    // side_q[n-2] holds the side band of stage n (loaded by ld[n-1]).
    side_t side_q [NumStages-1];

    nr_normalise #(
      .IN_W      (IN_W),
      .IN_FRAC   (IN_FRAC),
      .MANT_BITS (M),
      .ROOT      (ROOT),
      .SCALE_W   (SCALE_W)
    ) u_normalise (
      .clk_i,
      .ld_i    (ld[1:0]),
      .x_i     (in_data_i[l*IN_W +: IN_W]),
      .m_o     (side_q[0].m),
      .scale_o (side_q[0].scale),
      .zero_o  (side_q[0].zero)
    );

    for (genvar j = 2; j < NumStages; j++) begin : g_side
      always_ff @(posedge clk_i) begin
        if (ld[j]) begin
          side_q[j-1] <= side_q[j-2];
        end
      end
    end

    // Stages 3-5: the seed, interpolated in segment i = (m >> (M-S)) - 2**S of
    // [1, 2**ROOT) with r = m[M-S-1:0] (stages 3 and 4 in interp_rom). For
    // ROOT = 1 the leading one of m is dropped rather than subtracted (the same
    // i for every m in range).
    logic [YW-1:0] y_q [NEWTON_STEPS+1];  // y_q[k]: the iterate after k Newton steps

    if (ROOT == 1) begin : gen_idx_recip
      assign seed_idx[l*AddrW +: AddrW] = {1'b0, side_q[0].m[M-1:LowW]};
    end else begin : gen_idx_rsqrt
      assign seed_idx[l*AddrW +: AddrW] = side_q[0].m[MW-1:LowW] - AddrW'(2 ** STEP_LOG2);
    end
    assign seed_frac[l*LowW +: LowW] = side_q[0].m[LowW-1:0];

    // Stage 5: y = (acc + 2**(sh-1)) >> sh, sh = TABLE_BITS - S. y <= 2**M
    // (every table entry checked), so round_sat never saturates and the sign
    // bit of its result is dropped.
    logic [YW:0]   seed_rnd;
    logic [YW-1:0] seed_q;

    round_sat #(
      .IN_W  (SeedAccW),
      .OUT_W (YW + 1),
      .SHIFT (SeedSh),
      .ROUND (1'b1)
    ) u_round_seed (
      .in_i  (seed_acc[l*SeedAccW +: SeedAccW]),
      .out_o (seed_rnd)
    );

    logic unused_seed_sign;
    assign unused_seed_sign = seed_rnd[YW];

    always_ff @(posedge clk_i) begin
      if (ld[4]) begin
        seed_q <= seed_rnd[YW-1:0];
      end
    end

    assign y_q[0] = seed_q;

    // Newton-Raphson steps, StepStages stages each: step k occupies stages
    // b+1..b+StepStages (b = 5 + StepStages*k), loaded by ld[B..].
    for (genvar k = 0; k < NEWTON_STEPS; k++) begin : g_newton
      localparam int unsigned B = 5 + StepStages * k;
      localparam int unsigned U = B + ROOT;  // the update's first load enable

      // q = y**ROOT with M fraction bits, and y alongside it.
      logic [QW-1:0] q_pow;
      logic [YW-1:0] y_pow;

      if (ROOT == 1) begin : gen_recip
        assign q_pow = y_q[k];
        assign y_pow = y_q[k];
      end else begin : gen_rsqrt
        // Stage b+1: y * y; y2 = y*y rounded half up to M fraction bits.
        logic [YyW-1:0] yy_q;
        logic [YW-1:0]  ya_q;

        always_ff @(posedge clk_i) begin
          if (ld[B]) begin
            yy_q <= YyW'(y_q[k]) * YyW'(y_q[k]);
            ya_q <= y_q[k];
          end
        end

        logic [YyW-1:0] yy_r;
        assign yy_r = yy_q + (YyW'(1) << (M - 1));

        logic unused_yy;
        assign unused_yy = ^yy_r[M-1:0];

        assign q_pow = yy_r[YyW-1:M];
        assign y_pow = ya_q;
      end

      // Stage b+ROOT: the product the update takes, m*y (ROOT 1) or m*y2 (ROOT 2).
      logic [ProdW-1:0] prod_q;
      logic [YW-1:0]    yp_q;  // y, alongside

      always_ff @(posedge clk_i) begin
        if (ld[U-1]) begin
          prod_q <= ProdW'(side_q[U-3].m) * ProdW'(q_pow);
          yp_q   <= y_pow;
        end
      end

      // The last three stages: y += y * (1 - prod) / ROOT, rounded.
      nr_newton_update #(
        .MANT_BITS (M),
        .PROD_W    (ProdW),
        .ROOT      (ROOT)
      ) u_update (
        .clk_i,
        .ld_i   (ld[U+2:U]),
        .prod_i (prod_q),
        .y_i    (yp_q),
        .y_o    (y_q[k+1])
      );
    end

    // Output: {scale, mant}, all zero for x = 0.
    side_t side_out;
    assign side_out = side_q[NumStages-2];

    logic unused_side;
    assign unused_side = ^side_out.m;

    assign out_data_o[l*OUT_W +: OUT_W] = side_out.zero ? '0 : {side_out.scale, y_q[NEWTON_STEPS]};
  end

endmodule
