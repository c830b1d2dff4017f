// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// A beat's lanes narrowed one by one: LANES round_sat cells, lane e reading
// the IN_W bits at e * IN_STRIDE of in_i (IN_STRIDE > IN_W when a lane of the
// beat is wider than the value it holds) and giving out_o[e]. SHIFT, ROUND
// and the rounding are round_sat's. Combinational.
module round_sat_lanes #(
  parameter int unsigned LANES     = 1,
  parameter int unsigned IN_W      = 8,
  parameter int unsigned IN_STRIDE = IN_W,
  parameter int unsigned OUT_W     = 8,
  parameter int unsigned SHIFT     = 0,
  parameter bit          ROUND     = 1'b1
) (
  input  logic [LANES*IN_STRIDE-1:0] in_i,
  output logic [OUT_W-1:0]           out_o [LANES]
);

  if (IN_STRIDE < IN_W) begin : gen_err_stride
    $error("round_sat_lanes: IN_STRIDE must hold IN_W bits");
  end

  // Only the low IN_W bits of each lane are read (the rest when IN_STRIDE > IN_W).
  logic unused_in;
  assign unused_in = ^in_i;

  for (genvar e = 0; e < LANES; e++) begin : g_lane
    round_sat #(
      .IN_W  (IN_W),
      .OUT_W (OUT_W),
      .SHIFT (SHIFT),
      .ROUND (ROUND)
    ) u_round (
      .in_i  (in_i[e*IN_STRIDE +: IN_W]),
      .out_o (out_o[e])
    );
  end

endmodule
