// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Round and saturate: the narrowing of golden.fixed.quantize into a signed
// integer format, combinational.
//
//   out = sat(round(in * 2**-SHIFT)) in OUT_W signed bits
//
// in and out are two's complement raw values. ROUND = 1 rounds half up
// (AP_RND: floor(in * 2**-SHIFT + 1/2)), ROUND = 0 truncates (AP_TRN: floor);
// the result is then clamped to [-2**(OUT_W-1), 2**(OUT_W-1) - 1] (AP_SAT).
// The rounding is exact: the sum is formed in IN_W + 1 bits, so it never
// wraps. SHIFT = 0 only saturates; when OUT_W exceeds the rounded width
// IN_W + 1 - SHIFT no value can overflow and the result is sign-extended.
module round_sat #(
  parameter int unsigned IN_W  = 8,
  parameter int unsigned OUT_W = 8,
  parameter int unsigned SHIFT = 0,
  parameter bit          ROUND = 1'b1
) (
  input  logic [IN_W-1:0]  in_i,
  output logic [OUT_W-1:0] out_o
);

  // The rounded value: IN_W + 1 bits shifted right by SHIFT.
  localparam int unsigned SumW = IN_W + 1;
  localparam int unsigned QW   = SumW - SHIFT;

  if (SHIFT > IN_W) begin : gen_err_shift
    $error("round_sat: SHIFT must not exceed IN_W");
  end

  logic signed [SumW-1:0] sum;
  logic signed [QW-1:0]   rounded;

  if (ROUND && SHIFT > 0) begin : gen_round
    assign sum = $signed({in_i[IN_W-1], in_i}) + (SumW'(1) << (SHIFT - 1));
  end else begin : gen_truncate
    assign sum = $signed({in_i[IN_W-1], in_i});
  end
  assign rounded = sum[SumW-1:SHIFT];

  if (SHIFT > 0) begin : gen_dropped
    // The bits below the rounding point are dropped by design.
    logic unused_dropped;
    assign unused_dropped = ^sum[SHIFT-1:0];
  end

  if (OUT_W >= QW) begin : gen_extend
    assign out_o = OUT_W'(rounded);
  end else begin : gen_saturate
    localparam logic signed [QW-1:0] OutMax = {{(QW - OUT_W + 1){1'b0}}, {(OUT_W - 1){1'b1}}};
    localparam logic signed [QW-1:0] OutMin = ~OutMax;

    assign out_o = (rounded > OutMax) ? OutMax[OUT_W-1:0] :
                   (rounded < OutMin) ? OutMin[OUT_W-1:0] : rounded[OUT_W-1:0];
  end

endmodule
