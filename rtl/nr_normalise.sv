// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Normalisation of one lane of the Newton-Raphson unit nr_core (1/x: ROOT = 1,
// 1/sqrt(x): ROOT = 2): an unsigned fixed-point x > 0 becomes a mantissa m
// and a scale such that x**(-1/ROOT) = m**(-1/ROOT) * 2**scale. Both units
// start the same way (leading one, exponent, exact shift); only the exponent
// step ROOT differs, so the logic lives here once (golden/approx/reciprocal.py
// and golden/approx/rsqrt.py).
//
// Input : x, unsigned IN_W bits with IN_FRAC fraction bits (real x * 2**-F).
// Output: m     = floor(x * 2**M / 2**(F + ROOT*e))  in [2**M, 2**(M+ROOT))
//         scale = -e                                  two's complement, SCALE_W bits
//         with p = leading-one position of x, e = floor((p - F) / ROOT)
//         (recip: scale = F - p, m in [1, 2); rsqrt: an even shift, m in [1, 4)),
//         and zero_o for x = 0, which is computed as x = 1 (the units return
//         their all-zero word for it).
// The shift F + ROOT*e = p - ((p - F) mod ROOT) may be -1 (rsqrt, F odd), so
// the datapath shifts x * 2**(M + ROOT - 1) right by F + ROOT*e + ROOT - 1 >= 0
// (exact left shifts, AP_TRN right).
//
// Timing: two register stages, loaded by ld_i[0] (leading one) and ld_i[1]
// (shifted mantissa, scale, zero flag); m_o, scale_o and zero_o are registers.
module nr_normalise #(
  parameter int unsigned IN_W      = 16,
  parameter int          IN_FRAC   = 8,
  parameter int unsigned MANT_BITS = 16,
  parameter int unsigned ROOT      = 1,
  parameter int unsigned SCALE_W   = edgemoe_cfg_pkg::RECIP_SCALE_W,
  // Derived: do not override.
  localparam int unsigned MW       = MANT_BITS + ROOT
) (
  input  logic               clk_i,
  input  logic [1:0]         ld_i,
  input  logic [IN_W-1:0]    x_i,
  output logic [MW-1:0]      m_o,
  output logic [SCALE_W-1:0] scale_o,
  output logic               zero_o
);

  localparam int unsigned M      = MANT_BITS;
  localparam int unsigned PosW   = (IN_W > 1) ? $clog2(IN_W) : 1;
  localparam int unsigned ShiftW = IN_W + M + ROOT - 1;  // x * 2**(M+ROOT-1) before the shift
  // Shift amounts 0..IN_W+ROOT-2.
  localparam int unsigned ShAmtW = (IN_W + ROOT > 2) ? $clog2(IN_W + ROOT - 1) : 1;
  localparam int          ParMask = int'(ROOT) - 1;  // (p - F) mod ROOT = (p - F) & ParMask
  // Range of scale = -floor((p - F) / ROOT), p in 0..IN_W-1.
  localparam int ScaleMax = -((0 - IN_FRAC) >>> (ROOT - 1));
  localparam int ScaleMin = -((int'(IN_W) - 1 - IN_FRAC) >>> (ROOT - 1));

  // Elaboration-time checks of the geometry.
  if (ROOT != 1 && ROOT != 2) begin : gen_err_root
    $error("nr_normalise: ROOT must be 1 (reciprocal) or 2 (reciprocal square root)");
  end
  if (IN_W < 1 || IN_W > 62) begin : gen_err_in_w
    $error("nr_normalise: IN_W must lie in 1..62 (golden.approx limit)");
  end
  if (SCALE_W < 2 || SCALE_W > 31 || ScaleMax >= 2 ** (SCALE_W - 1) ||
      ScaleMin < -(2 ** (SCALE_W - 1))) begin : gen_err_scale
    $error("nr_normalise: scale = -floor((p - IN_FRAC) / ROOT) does not fit SCALE_W bits");
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

  // Stage 1: leading-one detection. x = 0 is computed as x = 1 and flagged.
  logic            zero0;
  logic [IN_W-1:0] x1_q;
  logic [PosW-1:0] p1_q;
  logic            zero1_q;

  assign zero0 = ~|x_i;

  always_ff @(posedge clk_i) begin
    if (ld_i[0]) begin
      x1_q    <= {x_i[IN_W-1:1], x_i[0] | zero0};
      p1_q    <= lead_one({x_i[IN_W-1:1], x_i[0] | zero0});
      zero1_q <= zero0;
    end
  end

  // Stage 2: exponent e = floor((p - F) / ROOT), shift by F + ROOT*e + ROOT - 1.
  int                t1, e1;
  logic [ShAmtW-1:0] sh1;
  logic [ShiftW-1:0] shifted1;

  assign t1       = int'(p1_q) - IN_FRAC;
  assign e1       = t1 >>> (ROOT - 1);
  assign sh1      = ShAmtW'(int'(p1_q) + int'(ROOT) - 1 - (t1 & ParMask));
  assign shifted1 = {x1_q, {(M + ROOT - 1){1'b0}}} >> sh1;

  logic unused_shifted;
  assign unused_shifted = ^shifted1[ShiftW-1:MW];

  always_ff @(posedge clk_i) begin
    if (ld_i[1]) begin
      m_o     <= shifted1[MW-1:0];
      scale_o <= SCALE_W'(-e1);
      zero_o  <= zero1_q;
    end
  end

endmodule
