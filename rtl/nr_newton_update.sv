// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The update half of one Newton-Raphson step of nr_core
// (ROOT = 1, y -> 1/m; ROOT = 2, y -> 1/sqrt(m)): given the
// product P = m * y**ROOT (2M fraction bits; M = MANT_BITS), both units
// correct y the same way, so that logic lives here once
// (golden/approx/reciprocal.py, golden/approx/rsqrt.py; G = 10 guard bits,
// golden.approx.reciprocal.NEWTON_GUARD_BITS):
//   d   = (2**(2M) - P + 2**(M-G-1)) >>> (M-G)                  (M+G fraction bits)
//   y   = y + ((y*d + 2**(M+G+ROOT-2)) >>> (M+G+ROOT-1))        (y * d / ROOT)
// Intermediate widths follow from PROD_W (P < 2**PROD_W) and y < 2**(M+1)
// alone, so the datapath is exact for every input; the result keeps M + 1
// bits, as the units' mantissas.
//
// Timing: three register stages, loaded by ld_i[0] (residual d), ld_i[1]
// (y * d) and ld_i[2] (updated y, y_o, a register). prod_i and y_i are the
// same beat's values, both held by the caller's stage before.
module nr_newton_update #(
  parameter int unsigned MANT_BITS = 16,
  parameter int unsigned PROD_W    = 34,
  parameter int unsigned ROOT      = 1,
  // Derived: do not override.
  localparam int unsigned Y_W      = MANT_BITS + 1
) (
  input  logic              clk_i,
  input  logic [2:0]        ld_i,
  input  logic [PROD_W-1:0] prod_i,
  input  logic [Y_W-1:0]    y_i,
  output logic [Y_W-1:0]    y_o
);

  localparam int unsigned M      = MANT_BITS;
  localparam int unsigned Guard  = 10;  // golden.approx.reciprocal.NEWTON_GUARD_BITS
  // The residual 2**(2M) - P is signed.
  localparam int unsigned ResW   = PROD_W + 1;
  localparam int unsigned DSh    = M - Guard;
  localparam int unsigned DW     = ResW - DSh;
  localparam int unsigned YdW    = Y_W + 1 + DW;
  localparam int unsigned CorrSh = M + Guard + ROOT - 1;  // y * d / ROOT
  localparam int unsigned CorrW  = YdW - CorrSh;

  localparam logic [ResW-1:0] ResOne   = ResW'(1) << (2 * M);
  localparam logic [ResW-1:0] DHalf    = ResW'(1) << (DSh - 1);
  localparam logic [YdW-1:0]  CorrHalf = YdW'(1) << (CorrSh - 1);

  // Elaboration-time checks of the geometry.
  if (ROOT != 1 && ROOT != 2) begin : gen_err_root
    $error("nr_newton_update: ROOT must be 1 (reciprocal) or 2 (reciprocal square root)");
  end
  if (M <= Guard) begin : gen_err_mant
    $error("nr_newton_update: MANT_BITS must exceed the 10 Newton guard bits");
  end
  if (PROD_W < 2 * M + 1) begin : gen_err_prod
    $error("nr_newton_update: PROD_W must hold 2**(2*MANT_BITS)");
  end

  // Stage 1: residual 1 - P rounded half up to M + G fraction bits.
  logic signed [ResW-1:0] res_r;
  logic signed [DW-1:0]   d1_q;
  logic [Y_W-1:0]         y1_q;

  assign res_r = $signed(ResOne) - $signed({1'b0, prod_i}) + $signed(DHalf);

  logic unused_res;
  assign unused_res = ^res_r[DSh-1:0];

  always_ff @(posedge clk_i) begin
    if (ld_i[0]) begin
      d1_q <= res_r[ResW-1:DSh];
      y1_q <= y_i;
    end
  end

  // Stage 2: y * d.
  logic signed [YdW-1:0] yd2_q;
  logic [Y_W-1:0]        y2_q;

  always_ff @(posedge clk_i) begin
    if (ld_i[1]) begin
      yd2_q <= $signed(YdW'(y1_q)) * $signed({{(YdW-DW){d1_q[DW-1]}}, d1_q});
      y2_q  <= y1_q;
    end
  end

  // Stage 3: y += y*d/ROOT rounded half up to M fraction bits.
  logic [YdW-1:0]   yd_r;
  logic [CorrW-1:0] y_new;

  assign yd_r  = $unsigned(yd2_q) + CorrHalf;
  assign y_new = CorrW'(y2_q) + yd_r[YdW-1:CorrSh];

  logic unused_newton;
  assign unused_newton = ^{yd_r[CorrSh-1:0], y_new[CorrW-1:Y_W]};

  always_ff @(posedge clk_i) begin
    if (ld_i[2]) begin
      y_o <= y_new[Y_W-1:0];
    end
  end

endmodule
