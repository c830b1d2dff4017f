// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Reciprocal unit: 1/x for x > 0 as a normalised mantissa and a scale,
// bit-exact with golden.approx.reciprocal.reciprocal_parts.
//
// Input : x, an unsigned IN_W-bit raw value of a fixed-point format with
//         IN_FRAC fraction bits (real value x * 2**-IN_FRAC); the softmax
//         engine feeds formats.softmax_sum (the package defaults).
// Output: per lane one OUT_W-bit word {scale, mant}:
//           mant  = out[MANT_W-1:0]        unsigned, M = MANT_BITS fraction bits,
//                                          in [2**(M-1), 2**M] for every x > 0
//                                          (every mantissa checked, package parameters)
//           scale = out[OUT_W-1:MANT_W]    two's complement, SCALE_W bits
//         with 1/x = mant * 2**(scale - M).
//         x = 0 is outside the domain (the golden model raises): the unit
//         returns the all-zero word (mant = 0 never occurs for x > 0).
//
// Arithmetic and timing: nr_core with ROOT = 1 (LATENCY = 5 + 4 *
// NEWTON_STEPS register stages, 9 with the package defaults; one beat per
// cycle; stalls only when the sink does not take the last stage's result). This
// top chooses the root and its format's defaults; nr_core takes the root's
// table geometry and Newton steps from the package.
module recip_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned LANES        = 1,
  parameter int unsigned IN_W         = SOFTMAX_SUM_W,
  parameter int          IN_FRAC      = SOFTMAX_SUM_FRAC,
  parameter int unsigned MANT_BITS    = RECIP_MANT_BITS,
  parameter int unsigned SCALE_W      = RECIP_SCALE_W,
  // Derived: do not override.
  localparam int unsigned MANT_W      = MANT_BITS + 1,
  localparam int unsigned OUT_W       = SCALE_W + MANT_W
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

  nr_core #(
    .ROOT         (1),
    .LANES        (LANES),
    .IN_W         (IN_W),
    .IN_FRAC      (IN_FRAC),
    .MANT_BITS    (MANT_BITS),
    .SCALE_W      (SCALE_W)
  ) u_core (
    .clk_i,
    .rst_ni,
    .in_valid_i,
    .in_ready_o,
    .in_data_i,
    .out_valid_o,
    .out_ready_i,
    .out_data_o
  );

endmodule
