// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// exp unit: y = exp(x) for x <= 0, bit-exact with golden.approx.exp.exp_neg.
//
// Input: x, raw, in the feature format widened by one bit (the difference of
// two features, ap_fixed<FEATURE_W+1, ...> with FEATURE_FRAC fraction bits:
// any value in [-2**(IN_W-1), 0]). Output: raw exp_out (ap_ufixed<OUT_W, ..>
// with OUT_FRAC fraction bits). Inputs x > 0 are outside the contract (the
// golden model rejects them); the unit treats them as x = 0 and returns 1.0.
//
// Arithmetic (F = IN_FRAC, Lc = LOG2E_BITS, Ft = T_FRAC, s = STEP_LOG2,
// m = Ft - s, B = TABLE_BITS, Fo = OUT_FRAC, C = LOG2E = round(log2(e) 2**Lc)):
//   a     = -x (x <= 0), 0 for x > 0
//   t     = (a * C + 2**(Sh1-1)) >> Sh1, Sh1 = F + Lc - Ft  (t = -x log2 e, round half up)
//   k     = t >> Ft, f = t mod 2**Ft, i = f >> m, r = f mod 2**m
//   acc   = T[i] * 2**m + (T[i+1] - T[i]) * r               (2**-f, exact, B + m frac bits)
//   y     = (acc + 2**(sh-1)) >> sh, sh = B + m - Fo + k    (the shift by k and the
//                                                           output rounding in one step)
// Flush to zero: acc <= 2**(B+m) (T[0] = 2**B, the table decreases), and
// acc >= 2**(B+m-1), so y != 0 exactly when t <= TFlush = (Fo + R) << Ft
// (R = 1 for round half up, 0 for truncation). t is monotonic in a, so this
// is the input comparison a <= AFlush, with AFlush the largest a whose t is
// <= TFlush (both from the package, hls/geometry.py; an elaboration check
// confirms AFlush against this datapath's t). Inputs with a > AFlush give 0:
// their a is taken as 0 and interp_rom's zero flag clears their acc (the
// golden model's clamp at x = -64 lies beyond AFlush, so it never acts here;
// an elaboration check guards that). The datapath then only sees a <= AFlush,
// k <= Fo + R and shifts up to B + m + R.
//
// Pipeline: LANES independent lanes share one valid/ready handshake. Seven
// stages (|x| and flush; multiply by C; round t; ROM read; slope times r;
// accumulate; shift and round) advance together under one enable; the
// pipeline stalls only when its last stage holds a result the sink does not
// take: in_ready_o = !(out_valid_o && !out_ready_i) (a combinational path from
// out_ready_i). Latency: 7 cycles from an accepted input beat to out_valid_o
// (with out_ready_i high); throughput: one beat (LANES results) per cycle.
// Submodules: lockstep_pipe_ctrl (the handshake and stage enables) and
// interp_rom (the ROM read and slope stages, 4 and 5, and acc).
module exp_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned         LANES      = 1,
  parameter int unsigned         IN_W       = FEATURE_W + 1,
  parameter int unsigned         IN_FRAC    = FEATURE_FRAC,
  parameter int unsigned         OUT_W      = EXP_OUT_W,
  parameter int unsigned         OUT_FRAC   = EXP_OUT_FRAC,
  // exp_out's quantisation: 1 = AP_RND (round half up), 0 = AP_TRN.
  parameter bit                  OUT_RND    = EXP_OUT_RND != 0,
  parameter int unsigned         LOG2E_BITS = EXP_LOG2E_BITS,
  parameter logic [LOG2E_BITS:0] LOG2E      = EXP_LOG2E,
  parameter int unsigned         T_FRAC     = EXP_T_FRAC_BITS,
  parameter int unsigned         STEP_LOG2  = EXP_STEP_LOG2,
  parameter int unsigned         TABLE_BITS = EXP_TABLE_BITS,
  parameter string               ROM_FILE   = EXP_ROM_FILE
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

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (IN_FRAC != FEATURE_FRAC || LOG2E_BITS != EXP_LOG2E_BITS || LOG2E != EXP_LOG2E ||
      T_FRAC != EXP_T_FRAC_BITS || STEP_LOG2 != EXP_STEP_LOG2 || TABLE_BITS != EXP_TABLE_BITS ||
      OUT_FRAC != EXP_OUT_FRAC || OUT_RND != (EXP_OUT_RND != 0)) begin : gen_err_pkg_geometry
    $error("exp_unit: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  //////////////////////
  // Derived geometry //
  //////////////////////

  // golden.approx.exp clamps x at -2**ClampLog2 (exp(-64) rounds to 0).
  localparam int unsigned ClampLog2 = 6;
  localparam int unsigned ConstW    = LOG2E_BITS + 1;
  // Quantisation point 1: t = a * C >> TShift, round half up.
  localparam int unsigned TShift    = EXP_TSHIFT;
  // Bits of f below one table step (the interpolation fraction r).
  localparam int unsigned FracIdxW  = EXP_FRAC_IDX_W;
  localparam int unsigned Entries   = (2 ** STEP_LOG2) + 1;
  localparam int unsigned EntryW    = TABLE_BITS + 1;
  // Interpolation (interp_rom): its signed accumulator, EntryW + m + 2 bits.
  localparam int unsigned ProdW     = EntryW + FracIdxW + 2;
  // acc <= 2**(B+m): EntryW + m bits.
  localparam int unsigned AccW      = EXP_ACC_W;
  // Output shift sh = ShiftBase + k.
  localparam int unsigned ShiftBase = EXP_SHIFT_BASE;

  function automatic int unsigned bit_len(logic [127:0] v);
    int unsigned n = 0;
    for (int unsigned b = 0; b < 128; b++) begin
      if (v[b]) n = b + 1;
    end
    return n;
  endfunction

  // The largest t with a nonzero result, TFlush, and the largest a = -x (raw)
  // whose t is <= TFlush, AFlush.
  localparam logic [127:0] TFlush     = 128'(EXP_T_FLUSH);
  localparam logic [127:0] AFlushWide = 128'(EXP_A_FLUSH);
  localparam int unsigned  AW         = bit_len(AFlushWide);
  localparam int unsigned  CmpW       = (IN_W > AW) ? IN_W : AW;
  localparam logic [CmpW-1:0] AFlush  = CmpW'(AFlushWide);
  localparam int unsigned  UW         = AW + ConstW;
  localparam logic [UW:0]  THalf      = (TShift == 0) ? '0 : ((UW + 1)'(1) << (TShift - 1));
  // t = (u + THalf) >> TShift <= TFlush = (OUT_FRAC + R) << T_FRAC for
  // every a <= AFlush: k has KW bits, t has TW.
  localparam int unsigned  KW         = bit_len(TFlush >> T_FRAC);
  localparam int unsigned  TW         = KW + T_FRAC;
  // sh <= B + m + R <= AccW; the rounding sum fits AccW + 1 bits.
  localparam int unsigned  SW         = bit_len(128'(AccW));
  localparam int unsigned  SumW       = (AccW + 1 > OUT_W) ? AccW + 1 : OUT_W;

  localparam int unsigned NumStages = 7;

  // Elaboration-time checks of the geometry.
  if (FracIdxW < 1) begin : gen_err_frac
    $error("exp_unit: T_FRAC must exceed STEP_LOG2 (at least one interpolation bit)");
  end
  if (IN_FRAC + LOG2E_BITS < T_FRAC) begin : gen_err_tshift
    $error("exp_unit: T_FRAC must not exceed IN_FRAC + LOG2E_BITS");
  end
  if (TABLE_BITS + FracIdxW < OUT_FRAC) begin : gen_err_out_frac
    $error("exp_unit: interpolation precision is coarser than OUT_FRAC");
  end
  if (OUT_W < OUT_FRAC + 1) begin : gen_err_out_w
    $error("exp_unit: OUT_W cannot hold exp(0) = 1");
  end
  if (TShift + TW > UW + 1) begin : gen_err_tw
    $error("exp_unit: t's width exceeds the rounded product");
  end
  // t(a) as stage 3 computes it, for the check of AFlush.
  function automatic logic [127:0] t_of(logic [127:0] a);
    return (a * 128'(LOG2E) + 128'(THalf)) >> TShift;
  endfunction
  if (t_of(AFlushWide) > TFlush || t_of(AFlushWide + 128'd1) <= TFlush) begin : gen_err_flush
    $error("exp_unit: EXP_A_FLUSH is not the largest input whose t is <= EXP_T_FLUSH");
  end
  if (AW >= IN_FRAC + ClampLog2 + 1) begin : gen_err_clamp
    $error("exp_unit: nonzero results beyond x = -64 (golden's clamp) are not supported");
  end
  if (STEP_LOG2 == EXP_STEP_LOG2 && TABLE_BITS == EXP_TABLE_BITS &&
      (Entries != EXP_ENTRIES || EntryW != EXP_ENTRY_W)) begin : gen_err_entries
    $error("exp_unit: table geometry disagrees with edgemoe_cfg_pkg::EXP_ENTRIES/EXP_ENTRY_W");
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

  // Stage 4 reads T[i] and T[i+1], stage 5 holds T[i] and the slope term;
  // interp_acc is acc = T[i] * 2**m + (T[i+1] - T[i]) * r, or 0 for a flushed
  // input (whose result y is then 0).
  logic [LANES*STEP_LOG2-1:0] seg_idx;
  logic [LANES*FracIdxW-1:0]  seg_frac;
  logic [LANES-1:0]           seg_flush;
  logic [LANES*ProdW-1:0]     interp_acc;

  interp_rom #(
    .LANES    (LANES),
    .IDX_W    (STEP_LOG2),
    .FRAC_W   (FracIdxW),
    .ENTRY_W  (EntryW),
    .ROM_FILE (ROM_FILE)
  ) u_interp_rom (
    .clk_i,
    .rd_en_i  (ld[3]),
    .mul_en_i (ld[4]),
    .idx_i    (seg_idx),
    .frac_i   (seg_frac),
    .zero_i   (seg_flush),
    .acc_o    (interp_acc)
  );

  ///////////
  // Lanes //
  ///////////

  for (genvar l = 0; l < LANES; l++) begin : g_lane
    // Stage 0 (combinational): a = -x and the flush decision.
    logic [IN_W-1:0] x0;
    logic [CmpW-1:0] mag0;
    logic            flush0;

    assign x0     = in_data_i[l*IN_W +: IN_W];
    assign mag0   = x0[IN_W-1] ? CmpW'(~x0 + IN_W'(1)) : '0;
    assign flush0 = mag0 > AFlush;

    // Stage 1: a (zero when flushed, so that the multiplier stays AW bits wide).
    logic          flush1_q;
    logic [AW-1:0] a1_q;

    always_ff @(posedge clk_i) begin
      if (ld[0]) begin
        flush1_q <= flush0;
        a1_q     <= flush0 ? '0 : mag0[AW-1:0];
      end
    end

    // Stage 2: u = a * C, exact.
    logic          flush2_q;
    logic [UW-1:0] u2_q;

    always_ff @(posedge clk_i) begin
      if (ld[1]) begin
        flush2_q <= flush1_q;
        u2_q     <= UW'(a1_q) * UW'(LOG2E);
      end
    end

    // Stage 3: t = u rounded to T_FRAC fraction bits, half up.
    logic [UW:0]   u_rnd2;
    logic          flush3_q;
    logic [TW-1:0] t3_q;

    assign u_rnd2 = {1'b0, u2_q} + THalf;

    always_ff @(posedge clk_i) begin
      if (ld[2]) begin
        flush3_q <= flush2_q;
        t3_q     <= u_rnd2[TShift +: TW];
      end
    end

    // Stage 4: k, and the table entries at both ends of f's segment (i = f >> m,
    // r = f mod 2**m, read by interp_rom, which zeroes a flushed input's acc).
    logic [KW-1:0] k4_q;

    assign seg_idx[l*STEP_LOG2 +: STEP_LOG2] = t3_q[T_FRAC-1:FracIdxW];
    assign seg_frac[l*FracIdxW +: FracIdxW]  = t3_q[FracIdxW-1:0];
    assign seg_flush[l]                      = flush3_q;

    always_ff @(posedge clk_i) begin
      if (ld[3]) begin
        k4_q <= t3_q[TW-1:T_FRAC];
      end
    end

    // Stage 5: slope times fraction (T[i+1] <= T[i]: a product <= 0), in interp_rom.
    logic [KW-1:0] k5_q;

    always_ff @(posedge clk_i) begin
      if (ld[4]) begin
        k5_q <= k4_q;
      end
    end

    // Stage 6: acc = T[i] * 2**m + prod, exact and in [2**(B+m-1), 2**(B+m)]
    // (0 when flushed); the output shift sh = ShiftBase + k (k <= OUT_FRAC + 1;
    // k = 0 when flushed, as a is).
    logic signed [ProdW-1:0] acc5;
    logic [AccW-1:0]         acc6_q;
    logic [SW-1:0]           sh6_q;

    assign acc5 = $signed(interp_acc[l*ProdW +: ProdW]);

    always_ff @(posedge clk_i) begin
      if (ld[5]) begin
        acc6_q <= acc5[AccW-1:0];
        sh6_q  <= SW'(k5_q) + SW'(ShiftBase);
      end
    end

    // Stage 7: y = acc * 2**-sh rounded by exp_out's mode (0 when flushed:
    // acc = 0 and the rounding constant is below 2**sh).
    logic [SumW-1:0]  half6;
    logic [SumW-1:0]  sum6;
    logic [SumW-1:0]  y6;
    logic [OUT_W-1:0] y7_q;

    assign half6 = OUT_RND ? ((SumW'(1) << sh6_q) >> 1) : '0;
    assign sum6  = SumW'(acc6_q) + half6;
    assign y6    = sum6 >> sh6_q;

    always_ff @(posedge clk_i) begin
      if (ld[6]) begin
        y7_q <= y6[OUT_W-1:0];
      end
    end

    assign out_data_o[l*OUT_W +: OUT_W] = y7_q;

    // Bits dropped by design: u's rounded-away bits and its top (zero for
    // a <= AFlush), the accumulator's sign extension, and result bits above
    // exp(0) = 1.
    logic unused_bits;
    assign unused_bits = ^{u_rnd2, acc5, y6};
  end

endmodule
