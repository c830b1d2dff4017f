// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// GELU unit: y = ReLU(x) - delta(|x|), delta(t) = t * Phi(-t) read from a
// linearly interpolated ROM (Edge-MoE idea 3). Bit-exact with golden.gelu.
//
// Arithmetic (F = FRAC_W, s = STEP_LOG2, m = F - s, N = 2**(RANGE_LOG2+s)):
//   t   = |x| as an unsigned DATA_W-bit number
//   idx = t >> m, f = t[m-1:0]
//   idx >= N : delta = 0
//   else     : acc   = T[idx] * 2**m + (T[idx+1] - T[idx]) * f      (exact, >= 0)
//              delta = (acc + 2**(sh-1)) >> sh, sh = TABLE_W - s     (round half up)
//   y   = max(x, 0) - delta
//
// LANES independent lanes share one valid/ready handshake. Four pipeline
// stages (ROM read, multiply, round, output) advance together under a global
// enable; the pipeline stalls only when its last stage holds a result the sink
// does not take, so in_ready_o = !(out_valid_o && !out_ready_i). One beat per
// cycle at full throughput, no loss or duplication under backpressure.
module gelu_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned LANES      = 1,
  parameter int unsigned DATA_W     = FEATURE_W,
  parameter int unsigned FRAC_W     = FEATURE_FRAC,
  parameter int unsigned STEP_LOG2  = GELU_STEP_LOG2,
  parameter int unsigned RANGE_LOG2 = GELU_RANGE_LOG2,
  parameter int unsigned TABLE_W    = GELU_ENTRY_W,
  parameter string       ROM_FILE   = GELU_ROM_FILE
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,

  input  logic                    in_valid_i,
  output logic                    in_ready_o,
  input  logic [LANES*DATA_W-1:0] in_data_i,

  output logic                    out_valid_o,
  input  logic                    out_ready_i,
  output logic [LANES*DATA_W-1:0] out_data_o
);

  //////////////////////
  // Derived geometry //
  //////////////////////

  // Bits of |x| below one table step (the interpolation fraction).
  localparam int unsigned FracIdxW = FRAC_W - STEP_LOG2;
  // log2 of the number of table segments N.
  localparam int unsigned SegLog2  = RANGE_LOG2 + STEP_LOG2;
  localparam int unsigned Entries  = (2 ** SegLog2) + 1;
  localparam int unsigned AddrW    = SegLog2 + 1;
  // |x| zero-extended so that the segment index and the bits above it exist.
  localparam int unsigned AbsW     = (DATA_W > FracIdxW + SegLog2) ? DATA_W
                                                                   : FracIdxW + SegLog2 + 1;
  // Interpolation: signed table difference times the unsigned fraction.
  localparam int unsigned DiffW    = TABLE_W + 1;
  localparam int unsigned AccW     = TABLE_W + FracIdxW + 2;
  localparam int unsigned Shift    = TABLE_W - STEP_LOG2;
  localparam int unsigned DeltaW   = AccW - Shift;
  localparam logic [AccW-1:0] RoundHalf = AccW'(1) << (Shift - 1);

  localparam int unsigned NumStages = 4;

  // Elaboration-time checks of the geometry.
  if (STEP_LOG2 >= FRAC_W) begin : gen_err_step
    $error("gelu_unit: STEP_LOG2 must be smaller than FRAC_W");
  end
  if (TABLE_W <= STEP_LOG2) begin : gen_err_table_w
    $error("gelu_unit: TABLE_W must exceed STEP_LOG2 (rounding shift >= 1)");
  end
  if (DeltaW > DATA_W) begin : gen_err_delta_w
    $error("gelu_unit: delta does not fit in DATA_W");
  end
  if (STEP_LOG2 == GELU_STEP_LOG2 && RANGE_LOG2 == GELU_RANGE_LOG2 &&
      Entries != GELU_ENTRIES) begin : gen_err_entries
    $error("gelu_unit: table geometry disagrees with edgemoe_cfg_pkg::GELU_ENTRIES");
  end

  ///////////////////////////
  // Handshake and enables //
  ///////////////////////////

  logic [NumStages-1:0] valid_q;
  logic                 pipe_en;

  assign pipe_en     = ~(valid_q[NumStages-1] & ~out_ready_i);
  assign in_ready_o  = pipe_en;
  assign out_valid_o = valid_q[NumStages-1];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else if (pipe_en) begin
      valid_q <= {valid_q[NumStages-2:0], in_valid_i};
    end
  end

  // Per-stage load enables: a stage register loads when the pipe moves and
  // the stage feeding it holds a valid beat.
  logic ld1, ld2, ld3, ld4;
  assign ld1 = pipe_en & in_valid_i;
  assign ld2 = pipe_en & valid_q[0];
  assign ld3 = pipe_en & valid_q[1];
  assign ld4 = pipe_en & valid_q[2];

  /////////
  // ROM //
  /////////

  logic [TABLE_W-1:0] rom [Entries];

  initial begin
    $readmemh(ROM_FILE, rom);
  end

  ///////////
  // Lanes //
  ///////////

  for (genvar l = 0; l < LANES; l++) begin : g_lane
    // Stage 0 (combinational): |x|, segment index and fraction.
    logic signed [DATA_W-1:0]   x0;
    logic        [DATA_W-1:0]   abs0;
    logic        [AbsW-1:0]     abs0_ext;
    logic                       beyond0;
    logic        [AddrW-1:0]    addr_lo0, addr_hi0;

    assign x0       = $signed(in_data_i[l*DATA_W +: DATA_W]);
    assign abs0     = x0[DATA_W-1] ? (~x0 + DATA_W'(1)) : x0;
    assign abs0_ext = AbsW'(abs0);
    assign beyond0  = |abs0_ext[AbsW-1:FracIdxW+SegLog2];
    assign addr_lo0 = {1'b0, abs0_ext[FracIdxW+SegLog2-1:FracIdxW]};
    assign addr_hi0 = addr_lo0 + AddrW'(1);

    // Stage 1: table entries at both ends of the segment.
    logic signed [DATA_W-1:0]   x1_q;
    logic        [FracIdxW-1:0] frac1_q;
    logic                       beyond1_q;
    logic        [TABLE_W-1:0]  lo1_q, hi1_q;

    always_ff @(posedge clk_i) begin
      if (ld1) begin
        x1_q      <= x0;
        frac1_q   <= abs0_ext[FracIdxW-1:0];
        beyond1_q <= beyond0;
        lo1_q     <= rom[addr_lo0];
        hi1_q     <= rom[addr_hi0];
      end
    end

    // Stage 2: slope times fraction (zero beyond the table).
    logic signed [DiffW-1:0]    diff1;
    logic signed [AccW-1:0]     prod1;

    assign diff1 = $signed({1'b0, hi1_q}) - $signed({1'b0, lo1_q});
    assign prod1 = AccW'(diff1 * $signed({1'b0, frac1_q}));

    logic signed [DATA_W-1:0]   x2_q;
    logic        [TABLE_W-1:0]  lo2_q;
    logic signed [AccW-1:0]     prod2_q;

    always_ff @(posedge clk_i) begin
      if (ld2) begin
        x2_q    <= x1_q;
        lo2_q   <= beyond1_q ? '0 : lo1_q;
        prod2_q <= beyond1_q ? '0 : prod1;
      end
    end

    // Stage 3: exact accumulation, round half up, drop the shifted-out bits.
    logic signed [AccW-1:0]     acc2;
    logic        [AccW-1:0]     rounded2;

    assign acc2     = $signed({2'b00, lo2_q, {FracIdxW{1'b0}}}) + prod2_q;
    assign rounded2 = $unsigned(acc2) + RoundHalf;

    // The bits below the rounding point are dropped by design.
    logic                       unused_round_bits;
    assign unused_round_bits = ^rounded2[Shift-1:0];

    logic signed [DATA_W-1:0]   x3_q;
    logic        [DeltaW-1:0]   delta3_q;

    always_ff @(posedge clk_i) begin
      if (ld3) begin
        x3_q     <= x2_q;
        delta3_q <= rounded2[AccW-1:Shift];
      end
    end

    // Stage 4: y = ReLU(x) - delta.
    logic signed [DATA_W-1:0]   relu3;
    logic signed [DATA_W-1:0]   y4_q;

    assign relu3 = x3_q[DATA_W-1] ? '0 : x3_q;

    always_ff @(posedge clk_i) begin
      if (ld4) begin
        y4_q <= relu3 - $signed(DATA_W'(delta3_q));
      end
    end

    assign out_data_o[l*DATA_W +: DATA_W] = y4_q;
  end

endmodule
