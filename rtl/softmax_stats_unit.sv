// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Single-pass (online) softmax statistics (Edge-MoE idea 2), bit-exact with
// golden.softmax.online_softmax_stats: for P query rows at once, a stream of
// keys (one beat = the P scores of one key) updates per row the running max m
// and the running sum s of exp(x - m); the beat flagged `last` closes the rows
// and one result beat (P maxima, P sums) comes out.
//
// Arithmetic per lane (F = feature format, E = EXP_FRAC, ONE = 2**SUM_FRAC):
//   first key of a row:  m = x, s = ONE
//   further key x:       d = x - m (exact, DATA_W + 1 bits)
//                        e = exp(-|d|)                      (exp_unit, golden exp_neg)
//     d <= 0:            s = s + (e << (SUM_FRAC - E))
//     d >  0 (new max):  s = ((s * e + 2**(E-1)) >> E) + ONE, m = x   (round half up)
//
// Micro-architecture. The max recurrence needs no exp: m_new = max(m, x) and
// d are formed combinationally when a beat is accepted (front), so the only
// loop-carried state behind the exp pipeline is the sum (back), a one-cycle
// multiply-round-add. Each key needs exactly one exp per lane, exp(-|d|)
// (exp(x - m_new) and exp(m_old - m_new) are never both different from 1),
// so a P-lane exp_unit serves the stream at one key beat per cycle and its
// pipeline stays full. exp_side_unit's side FIFO carries each beat's flags
// (first, last, grow per lane) and the new maxima alongside the exp pipeline;
// it gates the exp input, so no exp result is ever without its side data
// whatever the exp unit's latency. Full rate needs SIDE_DEPTH > the exp
// unit's latency (7 cycles; default 8); a shallower FIFO stays correct at
// SIDE_DEPTH beats per (latency + 1) cycles.
//
// Rows and heads: rows are processed one after another; heads are simply
// separate rows of the stream (a group of P queries streams its keys for
// head 0, closes the row with `last`, then streams the keys for head 1, ...).
//
// Interface (lowRISC valid/ready; lane 0 in the least significant bits):
//   in_data_i  = {last, x[P-1], ..., x[0]}           x: feature raw, signed DATA_W
//   out_data_o = {s[P-1], ..., s[0], m[P-1], ..., m[0]}
//                m: feature raw (DATA_W), s: softmax_sum raw (unsigned SUM_W)
// Throughput: one key beat (P scores) per cycle, with no bubbles between rows
// or heads, one-key rows included; latency from the last key of a row to its
// result: exp latency + 1 = 8 cycles. Backpressure: a result the sink does not
// take stalls the back, the exp pipeline, then in_ready_o (a combinational
// path from out_ready_i, as in exp_unit); the critical path is the back's
// one-cycle SUM_W x EXP_W multiply-round-add.
// The sum never exceeds the row length, so rows must have fewer than
// 2**(SUM_W - SUM_FRAC) keys (golden checks the same bound).
module softmax_stats_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned P          = ATTN_P,
  parameter int unsigned DATA_W     = FEATURE_W,
  parameter int unsigned EXP_W      = EXP_OUT_W,
  parameter int unsigned EXP_FRAC   = EXP_OUT_FRAC,
  parameter int unsigned SUM_W      = SOFTMAX_SUM_W,
  parameter int unsigned SUM_FRAC   = SOFTMAX_SUM_FRAC,
  parameter int unsigned SIDE_DEPTH = 8   // sync_fifo: a power of two >= 2
) (
  input  logic                           clk_i,
  input  logic                           rst_ni,

  input  logic                           in_valid_i,
  output logic                           in_ready_o,
  input  logic [P*DATA_W:0]              in_data_i,

  output logic                           out_valid_o,
  input  logic                           out_ready_i,
  output logic [P*(DATA_W+SUM_W)-1:0]    out_data_o
);

  //////////////////////
  // Derived geometry //
  //////////////////////

  // exp_neg's input: -|d| for d the difference of two features.
  localparam int unsigned DiffW  = DATA_W + 1;
  // exp_out raw -> softmax_sum raw: an exact left shift.
  localparam int unsigned UpShift = SUM_FRAC - EXP_FRAC;
  localparam int unsigned ProdW  = SUM_W + EXP_W;
  localparam logic [SUM_W-1:0] SumOne    = SUM_W'(1) << SUM_FRAC;
  localparam logic [ProdW-1:0] RoundHalf = ProdW'(1) << (EXP_FRAC - 1);
  // Side data of one beat: {first, last, grow[P], m_new[P]}.
  localparam int unsigned SideW  = 2 + P + P * DATA_W;

  if (SUM_FRAC < EXP_FRAC) begin : gen_err_sum_frac
    $error("softmax_stats_unit: SUM_FRAC must be >= EXP_FRAC (exact sums of exps)");
  end
  if (EXP_FRAC < 1) begin : gen_err_exp_frac
    $error("softmax_stats_unit: EXP_FRAC must be >= 1");
  end
  if (EXP_W + UpShift > SUM_W) begin : gen_err_sum_w
    $error("softmax_stats_unit: an exp value does not fit the sum format");
  end

  ///////////
  // Front //
  ///////////

  // Running maxima (the front's view: every accepted beat updates them) and
  // whether the next beat opens a row.
  logic [P*DATA_W-1:0] max_q;
  logic                first_q;

  logic                in_last;
  logic [P*DATA_W-1:0] max_new;
  logic [P-1:0]        grow;
  logic [P*DiffW-1:0]  exp_arg;

  assign in_last = in_data_i[P*DATA_W];

  for (genvar l = 0; l < P; l++) begin : g_front
    logic signed [DATA_W-1:0] x, m_old;
    logic signed [DiffW-1:0]  d, neg_abs_d;

    assign x     = $signed(in_data_i[l*DATA_W +: DATA_W]);
    assign m_old = $signed(max_q[l*DATA_W +: DATA_W]);
    assign d     = DiffW'(x) - DiffW'(m_old);
    // A new maximum only strictly above the old one (ties keep s += exp(0)).
    assign grow[l] = ~first_q & (d > 0);
    // exp argument -|d| (0 for the first key: its exp is not used).
    assign neg_abs_d = first_q ? '0 : (grow[l] ? -d : d);

    assign max_new[l*DATA_W +: DATA_W] = (first_q | grow[l]) ? x : m_old;
    assign exp_arg[l*DiffW +: DiffW]   = neg_abs_d;
  end

  /////////////////////////////////////////
  // exp(-|d|) with the side data beside //
  /////////////////////////////////////////

  // exp_side_unit carries each beat's side data, {first, last, grow[P],
  // m_new[P]}, through a side FIFO alongside the exp pipeline; a beat enters
  // only with room for its side data.
  logic               in_taken;
  logic               exp_out_valid, exp_out_ready;
  logic [P*EXP_W-1:0] exp_val;
  logic [SideW-1:0]   side_head;

  exp_side_unit #(
    .LANES      (P),
    .IN_W       (DiffW),
    .OUT_W      (EXP_W),
    .OUT_FRAC   (EXP_FRAC),
    .SIDE_W     (SideW),
    .SIDE_DEPTH (SIDE_DEPTH)
  ) u_exp_side (
    .clk_i,
    .rst_ni,
    .in_valid_i,
    .in_ready_o,
    .in_data_i   (exp_arg),
    .in_side_i   ({first_q, in_last, grow, max_new}),
    .out_valid_o (exp_out_valid),
    .out_ready_i (exp_out_ready),
    .out_data_o  (exp_val),
    .out_side_o  (side_head)
  );

  assign in_taken = in_valid_i & in_ready_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      max_q   <= '0;
      first_q <= 1'b1;
    end else if (in_taken) begin
      max_q   <= max_new;
      first_q <= in_last;
    end
  end

  //////////
  // Back //
  //////////

  logic                head_first, head_last;
  logic [P-1:0]        head_grow;
  logic [P*DATA_W-1:0] head_max;

  assign {head_first, head_last, head_grow, head_max} = side_head;

  // Result register: free when empty or being taken this cycle.
  logic                        out_valid_q;
  logic [P*(DATA_W+SUM_W)-1:0] out_data_q;
  logic                        out_free;

  assign out_free = ~out_valid_q | out_ready_i;

  // An exp result (offered with its side data) is taken unless it closes a
  // row and the result register is not free.
  logic exp_taken;

  assign exp_out_ready = ~head_last | out_free;
  assign exp_taken     = exp_out_valid & exp_out_ready;

  logic [P*SUM_W-1:0] sum_q, sum_new;

  for (genvar l = 0; l < P; l++) begin : g_back
    logic [EXP_W-1:0] e;
    logic [SUM_W-1:0] s_old, s_add, s_rescaled;
    logic [ProdW-1:0] prod;

    assign e     = exp_val[l*EXP_W +: EXP_W];
    assign s_old = sum_q[l*SUM_W +: SUM_W];
    // d <= 0: s + e, exact.
    assign s_add = s_old + (SUM_W'(e) << UpShift);
    // d > 0: s * e rounded half up to the sum's fraction bits, plus exp(0) = 1.
    // s * e <= s, so the bits above SUM_W are zero.
    assign prod       = (ProdW'(s_old) * ProdW'(e)) + RoundHalf;
    assign s_rescaled = prod[EXP_FRAC +: SUM_W] + SumOne;

    assign sum_new[l*SUM_W +: SUM_W] = head_first   ? SumOne     :
                                       head_grow[l] ? s_rescaled : s_add;

    // Bits of the product below the rounding point, and above the sum (zero).
    logic unused_prod;
    assign unused_prod = ^{prod[EXP_FRAC-1:0], prod[ProdW-1:EXP_FRAC+SUM_W]};
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sum_q <= '0;
    end else if (exp_taken) begin
      sum_q <= sum_new;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      out_valid_q <= 1'b0;
    end else if (exp_taken && head_last) begin
      out_valid_q <= 1'b1;
    end else if (out_ready_i) begin
      out_valid_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (exp_taken && head_last) begin
      out_data_q <= {sum_new, head_max};
    end
  end

  assign out_valid_o = out_valid_q;
  assign out_data_o  = out_data_q;

endmodule
