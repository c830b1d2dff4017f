// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Seed of one lane of the Newton-Raphson units (recip_unit, rsqrt_unit): the
// linear interpolation of a table T between breakpoints 2**-S apart
// (S = STEP_LOG2), rounded to M = MANT_BITS fraction bits. Both units
// interpolate their table the same way (golden/approx/reciprocal.py,
// golden/approx/rsqrt.py); they differ only in which breakpoint a mantissa
// falls after, so the unit computes the segment index and this module does
// the rest, once.
//
// Input : idx_i = i, the segment (the ROM entries T[i], T[i+1] bound it),
//         frac_i = r, the M - S mantissa bits below the breakpoint.
// Output: seed_o = y = (T[i]*2**(M-S) + (T[i+1]-T[i])*r + 2**(sh-1)) >> sh,
//         sh = TABLE_BITS - S, M + 1 bits (y in [2**(M-1), 2**M] for the
//         units' tables). The sum is exact; only the final shift rounds.
// ROM   : ENTRIES words of TABLE_BITS + 1 bits from ROM_FILE ($readmemh),
//         read at i and i + 1 each beat (one dual-read ROM per lane).
//
// Timing: three register stages, loaded by ld_i[0] (ROM read of both ends of
// the segment), ld_i[1] (slope times fraction), ld_i[2] (rounded sum, seed_o,
// a register).
module nr_seed #(
  parameter int unsigned MANT_BITS  = 16,
  parameter int unsigned STEP_LOG2  = 6,
  parameter int unsigned TABLE_BITS = 16,
  parameter int unsigned ENTRIES    = 65,
  parameter int unsigned ADDR_W     = 7,
  parameter string       ROM_FILE   = "",
  // Derived: do not override.
  localparam int unsigned LOW_W     = MANT_BITS - STEP_LOG2,
  localparam int unsigned Y_W       = MANT_BITS + 1
) (
  input  logic              clk_i,
  input  logic [2:0]        ld_i,
  input  logic [ADDR_W-1:0] idx_i,
  input  logic [LOW_W-1:0]  frac_i,
  output logic [Y_W-1:0]    seed_o
);

  localparam int unsigned EntryW = TABLE_BITS + 1;
  // Signed difference times unsigned fraction, exact.
  localparam int unsigned AccW   = EntryW + LOW_W + 2;
  localparam int unsigned SeedSh = TABLE_BITS - STEP_LOG2;

  localparam logic [AccW-1:0] SeedHalf = AccW'(1) << (SeedSh - 1);

  // Elaboration-time checks of the geometry.
  if (STEP_LOG2 < 1 || STEP_LOG2 >= MANT_BITS) begin : gen_err_step
    $error("nr_seed: STEP_LOG2 must lie in 1..MANT_BITS-1");
  end
  if (TABLE_BITS < MANT_BITS) begin : gen_err_table
    $error("nr_seed: TABLE_BITS must be at least MANT_BITS");
  end
  if (ENTRIES < 2 || ENTRIES > 2 ** ADDR_W) begin : gen_err_entries
    $error("nr_seed: ENTRIES must lie in 2..2**ADDR_W");
  end

  /////////
  // ROM //
  /////////

  logic [EntryW-1:0] rom [ENTRIES];

  initial begin
    $readmemh(ROM_FILE, rom);
  end

  // Stage 1: ROM read of both ends of the segment.
  logic [ADDR_W-1:0] addr_lo, addr_hi;
  logic [EntryW-1:0] lo1_q, hi1_q;
  logic [LOW_W-1:0]  r1_q;

  assign addr_lo = idx_i;
  assign addr_hi = addr_lo + ADDR_W'(1);

  always_ff @(posedge clk_i) begin
    if (ld_i[0]) begin
      lo1_q <= rom[addr_lo];
      hi1_q <= rom[addr_hi];
      r1_q  <= frac_i;
    end
  end

  // Stage 2: slope times fraction.
  logic signed [AccW-1:0] diff1, prod1;
  logic [EntryW-1:0]      lo2_q;
  logic signed [AccW-1:0] prod2_q;

  assign diff1 = $signed(AccW'(hi1_q)) - $signed(AccW'(lo1_q));
  assign prod1 = diff1 * $signed(AccW'(r1_q));

  always_ff @(posedge clk_i) begin
    if (ld_i[1]) begin
      lo2_q   <= lo1_q;
      prod2_q <= prod1;
    end
  end

  // Stage 3: exact sum (>= 0), round half up to M fraction bits: the seed.
  logic [AccW-1:0] acc2, seed2;

  assign acc2  = $unsigned($signed({2'b00, lo2_q, {LOW_W{1'b0}}}) + prod2_q);
  assign seed2 = acc2 + SeedHalf;

  logic unused_seed;
  assign unused_seed = ^{seed2[AccW-1:SeedSh+Y_W], seed2[SeedSh-1:0]};

  always_ff @(posedge clk_i) begin
    if (ld_i[2]) begin
      seed_o <= seed2[SeedSh +: Y_W];
    end
  end

endmodule
