// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Reciprocal square-root unit: 1/sqrt(x) for x > 0 as a normalised mantissa
// and a scale, bit-exact with golden.approx.rsqrt.rsqrt_parts.
//
// Input : x, an unsigned IN_W-bit raw value of a fixed-point format with
//         IN_FRAC fraction bits (real value x * 2**-IN_FRAC); the LayerNorm
//         unit feeds formats.ln_var (var + eps; the package defaults).
// Output: per lane one OUT_W-bit word {scale, mant}:
//           mant  = out[MANT_W-1:0]        unsigned, M = MANT_BITS fraction bits,
//                                          in [2**(M-1), 2**M] for every x > 0
//                                          (every mantissa checked, package parameters)
//           scale = out[OUT_W-1:MANT_W]    two's complement, SCALE_W bits
//         with 1/sqrt(x) = mant * 2**(scale - M).
//         x = 0 is outside the domain (the golden model raises): the unit
//         returns the all-zero word (mant = 0 never occurs for x > 0).
//
// Arithmetic (golden/approx/rsqrt.py; F = IN_FRAC, S = STEP_LOG2, G = 10):
//   p     = leading-one position of x;  e = floor((p - F) / 2);  scale = -e
//   m     = floor(x * 2**M / 2**(F + 2e))           (even shift) m in [2**M, 2**(M+2))
//   i     = (m >> (M-S)) - 2**S, r = m[M-S-1:0]      (ROM of 3 * 2**S + 1 entries)
//   y     = (T[i]*2**(M-S) + (T[i+1]-T[i])*r + 2**(sh-1)) >> sh,  sh = TABLE_BITS - S
//   NEWTON_STEPS times:
//     y2  = (y*y + 2**(M-1)) >> M
//     d   = (2**(2M) - m*y2 + 2**(M-G-1)) >>> (M-G)       (M+G fraction bits)
//     y   = y + ((y*d + 2**(M+G)) >>> (M+G+1))            (y * d / 2)
//   Intermediate widths follow from m < 2**(M+2) and y < 2**(M+1) alone, so
//   the datapath is exact for every input; given the seed accuracy
//   (|1 - m*y*y| < 2**-9) synthesis could narrow d to M+2 bits.
//
// Timing: LATENCY = 5 + 5 * NEWTON_STEPS register stages (10 with the package
// defaults): a beat accepted on clock edge k is presented on out_data_o after
// edge k + LATENCY. One beat per cycle. All stages advance together under a
// global enable; the pipeline stalls only when its last stage holds a result
// the sink does not take (in_ready_o = !(out_valid_o && !out_ready_i), a
// combinational path from out_ready_i). No loss or duplication under
// backpressure. LANES independent lanes share one handshake.
module rsqrt_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned LANES        = 1,
  parameter int unsigned IN_W         = LN_VAR_W,
  parameter int          IN_FRAC      = LN_VAR_FRAC,
  parameter int unsigned MANT_BITS    = RSQRT_MANT_BITS,
  parameter int unsigned STEP_LOG2    = RSQRT_STEP_LOG2,
  parameter int unsigned TABLE_BITS   = RSQRT_TABLE_BITS,
  parameter int unsigned NEWTON_STEPS = RSQRT_NEWTON_STEPS,
  parameter int unsigned SCALE_W      = 8,
  parameter string       ROM_FILE     = RSQRT_ROM_FILE,
  // Derived: do not override.
  localparam int unsigned MANT_W      = MANT_BITS + 1,
  localparam int unsigned OUT_W       = SCALE_W + MANT_W,
  localparam int unsigned LATENCY     = 5 + 5 * NEWTON_STEPS
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

  localparam int unsigned M        = MANT_BITS;
  localparam int unsigned Guard    = 10;  // golden.approx.reciprocal.NEWTON_GUARD_BITS
  localparam int unsigned LowW     = M - STEP_LOG2;       // interpolation fraction bits
  localparam int unsigned Entries  = 3 * (2 ** STEP_LOG2) + 1;
  localparam int unsigned AddrW    = STEP_LOG2 + 2;
  localparam int unsigned EntryW   = TABLE_BITS + 1;
  localparam int unsigned PosW     = (IN_W > 1) ? $clog2(IN_W) : 1;
  localparam int unsigned MW       = M + 2;               // m in [2**M, 2**(M+2))
  localparam int unsigned YW       = M + 1;               // y in [2**(M-1), 2**M]
  localparam int unsigned ShiftW   = IN_W + M + 1;        // x * 2**(M+1) before the shift
  localparam int unsigned ShAmtW   = $clog2(IN_W + 1);    // shift amounts 0..IN_W
  // Seed interpolation: signed difference times unsigned fraction, exact.
  localparam int unsigned AccW     = EntryW + LowW + 2;
  localparam int unsigned SeedSh   = TABLE_BITS - STEP_LOG2;
  // Newton: y*y < 2**(2M+2), y2 < 2**(M+3), m*y2 < 2**(2M+5); the residual
  // 2**(2M) - m*y2 is signed.
  localparam int unsigned YyW      = 2 * YW + 1;
  localparam int unsigned Y2W      = YyW - M;
  localparam int unsigned My2W     = MW + Y2W;
  localparam int unsigned ResW     = My2W + 1;
  localparam int unsigned DSh      = M - Guard;
  localparam int unsigned DW       = ResW - DSh;
  localparam int unsigned YdW      = YW + 1 + DW;
  localparam int unsigned CorrSh   = M + Guard + 1;       // y * d / 2
  localparam int unsigned CorrW    = YdW - CorrSh;
  localparam int unsigned NumStages = LATENCY;

  localparam logic [AccW-1:0] SeedHalf = AccW'(1) << (SeedSh - 1);
  localparam logic [YyW-1:0]  Y2Half   = YyW'(1) << (M - 1);
  localparam logic [ResW-1:0] ResOne   = ResW'(1) << (2 * M);
  localparam logic [ResW-1:0] DHalf    = ResW'(1) << (DSh - 1);
  localparam logic [YdW-1:0]  CorrHalf = YdW'(1) << (CorrSh - 1);
  // Range of scale = -floor((p - F) / 2), p in 0..IN_W-1.
  localparam int ScaleMax = -((0 - IN_FRAC) >>> 1);
  localparam int ScaleMin = -((int'(IN_W) - 1 - IN_FRAC) >>> 1);

  // Elaboration-time checks of the geometry.
  if (IN_W < 1 || IN_W > 62) begin : gen_err_in_w
    $error("rsqrt_unit: IN_W must lie in 1..62 (golden.approx limit)");
  end
  if (STEP_LOG2 < 1 || STEP_LOG2 >= M) begin : gen_err_step
    $error("rsqrt_unit: STEP_LOG2 must lie in 1..MANT_BITS-1");
  end
  if (M <= Guard) begin : gen_err_mant
    $error("rsqrt_unit: MANT_BITS must exceed the 10 Newton guard bits");
  end
  if (TABLE_BITS < M) begin : gen_err_table
    $error("rsqrt_unit: TABLE_BITS must be at least MANT_BITS");
  end
  if (SCALE_W < 2 || SCALE_W > 31 || ScaleMax >= 2 ** (SCALE_W - 1) ||
      ScaleMin < -(2 ** (SCALE_W - 1))) begin : gen_err_scale
    $error("rsqrt_unit: scale = -floor((p - IN_FRAC) / 2) does not fit SCALE_W bits");
  end
  if (STEP_LOG2 == RSQRT_STEP_LOG2 && Entries != RSQRT_ENTRIES) begin : gen_err_entries
    $error("rsqrt_unit: table geometry disagrees with edgemoe_cfg_pkg::RSQRT_ENTRIES");
  end

  ///////////////////////////
  // Handshake and enables //
  ///////////////////////////

  logic [NumStages-1:0] valid_q;
  logic [NumStages-1:0] ld;  // ld[n-1]: the registers of stage n load
  logic                 pipe_en;

  assign pipe_en     = ~(valid_q[NumStages-1] & ~out_ready_i);
  assign in_ready_o  = pipe_en;
  assign out_valid_o = valid_q[NumStages-1];
  assign ld          = {NumStages{pipe_en}} & {valid_q[NumStages-2:0], in_valid_i};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else if (pipe_en) begin
      valid_q <= {valid_q[NumStages-2:0], in_valid_i};
    end
  end

  /////////
  // ROM //
  /////////

  logic [EntryW-1:0] rom [Entries];

  initial begin
    $readmemh(ROM_FILE, rom);
  end

  // Leading-one position (0 for 0).
  function automatic logic [PosW-1:0] lead_one(logic [IN_W-1:0] v);
    logic [PosW-1:0] pos;
    pos = '0;
    for (int unsigned k = 0; k < IN_W; k++) begin
      if (v[k]) begin
        pos = PosW'(k);
      end
    end
    return pos;
  endfunction

  ///////////
  // Lanes //
  ///////////

  // What travels alongside the arithmetic from stage 1 on.
  typedef struct packed {
    logic [MW-1:0]      m;
    logic [SCALE_W-1:0] scale;
    logic               zero;
  } side_t;

  for (genvar l = 0; l < LANES; l++) begin : g_lane
    // Registers are named after their stage n (1-based); ld[n-1] loads stage n.
    // Stage 1: leading-one detection. x = 0 is computed as x = 1 and flagged.
    logic [IN_W-1:0] x0;
    logic            zero0;
    logic [IN_W-1:0] x1_q;
    logic [PosW-1:0] p1_q;
    logic            zero1_q;

    assign x0    = in_data_i[l*IN_W +: IN_W];
    assign zero0 = ~|x0;

    always_ff @(posedge clk_i) begin
      if (ld[0]) begin
        x1_q    <= {x0[IN_W-1:1], x0[0] | zero0};
        p1_q    <= lead_one({x0[IN_W-1:1], x0[0] | zero0});
        zero1_q <= zero0;
      end
    end

    // Stage 2: normalise by an even shift, m = floor(x * 2**M / 2**(F + 2e)) with
    // F + 2e = p - ((p - F) mod 2) >= -1: computed as (x * 2**(M+1)) >> (F + 2e + 1)
    // (exact left shifts, AP_TRN right).
    // side_q[n-2] holds the side band of stage n (loaded by ld[n-1]).
    side_t              side_q [NumStages-1];
    int                 t1, e1;
    logic [ShAmtW-1:0]  sh1;
    logic [ShiftW-1:0]  shifted1;

    assign t1       = int'(p1_q) - IN_FRAC;
    assign e1       = t1 >>> 1;
    assign sh1      = ShAmtW'(int'(p1_q) + 1 - (t1 & 1));
    assign shifted1 = {x1_q, {(M+1){1'b0}}} >> sh1;

    logic unused_shifted;
    assign unused_shifted = ^shifted1[ShiftW-1:MW];

    always_ff @(posedge clk_i) begin
      if (ld[1]) begin
        side_q[0].m     <= shifted1[MW-1:0];
        side_q[0].scale <= SCALE_W'(-e1);
        side_q[0].zero  <= zero1_q;
      end
    end

    for (genvar j = 2; j < NumStages; j++) begin : g_side
      always_ff @(posedge clk_i) begin
        if (ld[j]) begin
          side_q[j-1] <= side_q[j-2];
        end
      end
    end

    // Stage 3: ROM read of both ends of the segment.
    logic [AddrW-1:0]  addr_lo2, addr_hi2;
    logic [EntryW-1:0] lo3_q, hi3_q;
    logic [LowW-1:0]   r3_q;

    assign addr_lo2 = side_q[0].m[M+1:LowW] - AddrW'(2 ** STEP_LOG2);
    assign addr_hi2 = addr_lo2 + AddrW'(1);

    always_ff @(posedge clk_i) begin
      if (ld[2]) begin
        lo3_q <= rom[addr_lo2];
        hi3_q <= rom[addr_hi2];
        r3_q  <= side_q[0].m[LowW-1:0];
      end
    end

    // Stage 4: slope times fraction.
    logic signed [AccW-1:0] diff3, prod3;
    logic [EntryW-1:0]      lo4_q;
    logic signed [AccW-1:0] prod4_q;

    assign diff3 = $signed(AccW'(hi3_q)) - $signed(AccW'(lo3_q));
    assign prod3 = diff3 * $signed(AccW'(r3_q));

    always_ff @(posedge clk_i) begin
      if (ld[3]) begin
        lo4_q   <= lo3_q;
        prod4_q <= prod3;
      end
    end

    // Stage 5: exact sum (>= 0), round half up to M fraction bits: the seed.
    logic [AccW-1:0] acc4, seed4;
    logic [YW-1:0]   y_q [NEWTON_STEPS+1];  // y_q[k]: the iterate after k Newton steps

    assign acc4  = $unsigned($signed({2'b00, lo4_q, {LowW{1'b0}}}) + prod4_q);
    assign seed4 = acc4 + SeedHalf;

    logic unused_seed;
    assign unused_seed = ^{seed4[AccW-1:SeedSh+YW], seed4[SeedSh-1:0]};

    always_ff @(posedge clk_i) begin
      if (ld[4]) begin
        y_q[0] <= seed4[SeedSh +: YW];
      end
    end

    // Newton-Raphson steps, five stages each: step k occupies stages b+1..b+5
    // (b = 5 + 5k), loaded by ld[B..B+4].
    for (genvar k = 0; k < NEWTON_STEPS; k++) begin : g_newton
      localparam int unsigned B = 5 + 5 * k;

      // Stage b+1: y * y.
      logic [YyW-1:0] yy_q;
      logic [YW-1:0]  ya_q;

      always_ff @(posedge clk_i) begin
        if (ld[B]) begin
          yy_q <= YyW'(y_q[k]) * YyW'(y_q[k]);
          ya_q <= y_q[k];
        end
      end

      // Stage b+2: y2 = y*y rounded half up to M fraction bits, times m.
      logic [YyW-1:0]  yy_r;
      logic [My2W-1:0] my2_q;
      logic [YW-1:0]   yb_q;

      assign yy_r = yy_q + Y2Half;

      logic unused_yy;
      assign unused_yy = ^yy_r[M-1:0];

      always_ff @(posedge clk_i) begin
        if (ld[B+1]) begin
          my2_q <= My2W'(side_q[B-1].m) * My2W'(yy_r[YyW-1:M]);
          yb_q  <= ya_q;
        end
      end

      // Stage b+3: residual 1 - m*y2 rounded half up to M + G fraction bits.
      logic signed [ResW-1:0] res_r;
      logic signed [DW-1:0]   d_q;
      logic [YW-1:0]          yc_q;

      assign res_r = $signed(ResOne) - $signed({1'b0, my2_q}) + $signed(DHalf);

      logic unused_res;
      assign unused_res = ^res_r[DSh-1:0];

      always_ff @(posedge clk_i) begin
        if (ld[B+2]) begin
          d_q  <= res_r[ResW-1:DSh];
          yc_q <= yb_q;
        end
      end

      // Stage b+4: y * d.
      logic signed [YdW-1:0] yd_q;
      logic [YW-1:0]         yd_y_q;

      always_ff @(posedge clk_i) begin
        if (ld[B+3]) begin
          yd_q   <= $signed(YdW'(yc_q)) * $signed({{(YdW-DW){d_q[DW-1]}}, d_q});
          yd_y_q <= yc_q;
        end
      end

      // Stage b+5: y += y*d/2 rounded half up to M fraction bits.
      logic [YdW-1:0]   yd_r;
      logic [CorrW-1:0] y_new;

      assign yd_r  = $unsigned(yd_q) + CorrHalf;
      assign y_new = CorrW'(yd_y_q) + yd_r[YdW-1:CorrSh];

      logic unused_newton;
      assign unused_newton = ^{yd_r[CorrSh-1:0], y_new[CorrW-1:YW]};

      always_ff @(posedge clk_i) begin
        if (ld[B+4]) begin
          y_q[k+1] <= y_new[YW-1:0];
        end
      end
    end

    // Output: {scale, mant}, all zero for x = 0.
    side_t side_out;
    assign side_out = side_q[NumStages-2];

    logic unused_side;
    assign unused_side = ^side_out.m;

    assign out_data_o[l*OUT_W +: OUT_W] = side_out.zero ? '0 : {side_out.scale, y_q[NEWTON_STEPS]};
  end

endmodule
