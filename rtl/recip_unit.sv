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
// top chooses the root and the package parameters of its format.
module recip_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned LANES        = 1,
  parameter int unsigned IN_W         = SOFTMAX_SUM_W,
  parameter int          IN_FRAC      = SOFTMAX_SUM_FRAC,
  parameter int unsigned MANT_BITS    = RECIP_MANT_BITS,
  parameter int unsigned STEP_LOG2    = RECIP_STEP_LOG2,
  parameter int unsigned TABLE_BITS   = RECIP_TABLE_BITS,
  parameter int unsigned NEWTON_STEPS = RECIP_NEWTON_STEPS,
  parameter int unsigned SCALE_W      = 8,
  parameter string       ROM_FILE     = RECIP_ROM_FILE,
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

  // The ROM the package generated has the entries of its own table geometry.
  localparam int unsigned Entries = (2 ** STEP_LOG2) + 1;
  if (STEP_LOG2 == RECIP_STEP_LOG2 && Entries != RECIP_ENTRIES) begin : gen_err_entries
    $error("recip_unit: table geometry disagrees with edgemoe_cfg_pkg::RECIP_ENTRIES");
  end

  nr_core #(
    .ROOT         (1),
    .LANES        (LANES),
    .IN_W         (IN_W),
    .IN_FRAC      (IN_FRAC),
    .MANT_BITS    (MANT_BITS),
    .STEP_LOG2    (STEP_LOG2),
    .TABLE_BITS   (TABLE_BITS),
    .NEWTON_STEPS (NEWTON_STEPS),
    .SCALE_W      (SCALE_W),
    .ROM_FILE     (ROM_FILE)
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
