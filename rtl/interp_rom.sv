// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Interpolated ROM: the table read and linear interpolation stages that
// gelu_unit (delta(|x|)), exp_unit (2**-f) and nr_core (the Newton-Raphson
// seed) share.
//
// The table T holds ENTRIES unsigned entries of ENTRY_W bits (2**IDX_W + 1 by
// default: one more than the segments), loaded from ROM_FILE ($readmemh), one
// ROM for all LANES lanes; the caller keeps i + 1 below ENTRIES. Per lane, with
// i = idx_i (IDX_W bits), r = frac_i (FRAC_W = m bits) and z = zero_i:
//   read stage    (rd_en_i):  lo = T[i], hi = T[i+1], r and z registered
//   product stage (mul_en_i): base = z ? 0 : lo, prod = z ? 0 : (hi - lo) * r
//   acc_o         = base * 2**m + prod                            (exact, signed)
// acc_o is combinational from the product stage registers, AccW = ENTRY_W + m + 2
// bits (two's complement) per lane; its value is exact whatever the table's
// slope sign. rd_en_i and mul_en_i are the load enables of the two stages in
// the parent's pipeline (two consecutive stages of lockstep_pipe_ctrl); the
// registers have no reset.
module interp_rom #(
  parameter int unsigned LANES    = 1,
  parameter int unsigned IDX_W    = 4,
  parameter int unsigned FRAC_W   = 4,
  parameter int unsigned ENTRY_W  = 16,
  parameter int unsigned ENTRIES  = (2 ** IDX_W) + 1,
  parameter string       ROM_FILE = ""
) (
  input  logic                                  clk_i,

  input  logic                                  rd_en_i,
  input  logic                                  mul_en_i,

  input  logic [LANES*IDX_W-1:0]                idx_i,
  input  logic [LANES*FRAC_W-1:0]               frac_i,
  input  logic [LANES-1:0]                      zero_i,

  output logic [LANES*(ENTRY_W+FRAC_W+2)-1:0]   acc_o
);

  localparam int unsigned AddrW   = $clog2(ENTRIES);
  // Signed table difference times the unsigned fraction.
  localparam int unsigned DiffW   = ENTRY_W + 1;
  localparam int unsigned AccW    = ENTRY_W + FRAC_W + 2;

  if (FRAC_W < 1) begin : gen_err_frac
    $error("interp_rom: FRAC_W must be at least 1");
  end
  if (ENTRIES < 2 || ENTRIES > (2 ** IDX_W) + 1) begin : gen_err_entries
    $error("interp_rom: ENTRIES must lie in 2..2**IDX_W+1");
  end

  /////////
  // ROM //
  /////////

  logic [ENTRY_W-1:0] rom [ENTRIES];

  initial begin
    $readmemh(ROM_FILE, rom);
  end

  ///////////
  // Lanes //
  ///////////

  for (genvar l = 0; l < LANES; l++) begin : g_lane
    // Read stage: the table entries at both ends of the segment.
    logic [AddrW-1:0]   addr_lo, addr_hi;
    logic [ENTRY_W-1:0] lo_q, hi_q;
    logic [FRAC_W-1:0]  frac_q;
    logic               zero_q;

    assign addr_lo = AddrW'(idx_i[l*IDX_W +: IDX_W]);
    assign addr_hi = addr_lo + AddrW'(1);

    always_ff @(posedge clk_i) begin
      if (rd_en_i) begin
        lo_q   <= rom[addr_lo];
        hi_q   <= rom[addr_hi];
        frac_q <= frac_i[l*FRAC_W +: FRAC_W];
        zero_q <= zero_i[l];
      end
    end

    // Product stage: slope times fraction.
    logic signed [DiffW-1:0] diff;
    logic signed [AccW-1:0]  prod;
    logic [ENTRY_W-1:0]      base_q;
    logic signed [AccW-1:0]  prod_q;

    assign diff = $signed({1'b0, hi_q}) - $signed({1'b0, lo_q});
    assign prod = AccW'(diff * $signed({1'b0, frac_q}));

    always_ff @(posedge clk_i) begin
      if (mul_en_i) begin
        base_q <= zero_q ? '0 : lo_q;
        prod_q <= zero_q ? '0 : prod;
      end
    end

    // acc = base * 2**m + prod, exact.
    logic signed [AccW-1:0] acc;

    assign acc = $signed({2'b00, base_q, {FRAC_W{1'b0}}}) + prod_q;

    assign acc_o[l*AccW +: AccW] = acc;
  end

endmodule
