// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// LayerNorm unit: y = (x - mean) / sqrt(var + eps) * gamma + beta over rows of
// ROW_LEN features, bit-exact with golden.layernorm.layernorm (and its
// layernorm_stats): exact mean and variance, one rsqrt (nr_core), no
// cancellation whatever the row's mean.
//
// Arithmetic per row (N = ROW_LEN, F = DATA_FRAC, Fm = MEAN_FRAC, Fv = VAR_FRAC,
// Fn = XHAT_FRAC, Fg = GB_FRAC, M = MANT_BITS; all integers are raw values):
//   S1   = sum(x), Q = sum(x*x)                                exact (one pass)
//   mean = floor((S1 * 2**(Fm-F+1) + N) / (2N))                round half up
//   N^2 var = N*Q - S1^2                                       exact; equal to the
//          golden's N*sum((x-c)^2) - (S1-N*c)^2 for every integer c, so no
//          second pass over the row and no cancellation: integers, not floats
//   var  = floor((2*num + den) / (2*den)), num = (N*Q - S1^2) * 2**max(0, Fv-2F),
//          den = N^2 * 2**max(0, 2F-Fv)                        round half up
//   v    = min(min(var, VMAX) + EPS_RAW, VMAX)                 eps rounded once
//   (r, k) = nr_core(v), ROOT 2: 1/sqrt(v) = r * 2**(k - M)
//   per element:
//   dev  = x * 2**(Fm-F) - mean                                exact
//   xhat = sat(round(dev * r * 2**-(Fm + M - k - Fn)))          XHAT_RND: half up
//   y    = sat(round((xhat * gamma + beta * 2**Fn) * 2**-(Fn + Fg - F)))  OUT_RND
//   The two divisions (by the constants 2N and 2*den) run in a restoring
//   divider, DIV_UNROLL quotient bits per cycle.
//
// Interfaces (lowRISC valid/ready; lane l in bits [l*W +: W]):
//   in_*  : one beat = LANES consecutive features of a row (feature raw,
//           signed DATA_W); a row is ROW_LEN / LANES beats, rows back to back,
//           no framing signal (beats are counted).
//   out_* : the normalised features, same packing and order.
//   prm_* : gamma/beta, ROW_LEN / LANES beats per load, one beat =
//           {beta[LANES-1..0], gamma[LANES-1..0]} (norm raw, signed GB_W):
//           gamma of lane l at [l*GB_W +: GB_W], beta at [(LANES+l)*GB_W +: GB_W].
//           Held on chip (no reset) until the next load; rows use the values
//           loaded last. A load is taken only when the unit is empty: a
//           pending load (prm_valid_i high at a row boundary, or a load begun)
//           holds off new rows, the rows in flight finish with the old values,
//           then the load is accepted.
//
// Micro-architecture: ROW_BUFS row buffers in a ring (on-chip RAM of
// ROW_BUFS * ROW_LEN features). A row streams into a free buffer while S1 and
// Q accumulate (pass 1); the statistics engine (one row at a time: products,
// divider, eps, rsqrt) turns the sums into (mean, r, shift) stored with the
// buffer; then the normalise pipeline reads the buffer back (pass 2) and
// streams the result out. Filling, statistics and draining of different rows
// overlap, so with ROW_BUFS >= 3 a row takes max(ROW_LEN/LANES beats, stats
// latency) cycles. Stats latency: 4 + ceil(DivBits / DIV_UNROLL) cycles plus
// the rsqrt unit's latency; output latency after a row's statistics: 7
// cycles. The normalise pipeline has 6 stages under one enable; it stalls
// only when its last stage holds a beat the sink does not take.
//
// Modules: this one holds the buffer ring, the row and gamma/beta RAMs and
// pass 1; layernorm_row_stats the statistics engine (divider, eps, rsqrt);
// layernorm_normalise the normalise pipeline.
module layernorm_unit
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned LANES      = 1,
  parameter int unsigned ROW_LEN    = DIM,
  parameter int unsigned ROW_BUFS   = 3,
  parameter int unsigned DIV_UNROLL = 8,
  parameter int unsigned DATA_W     = FEATURE_W,
  parameter int unsigned DATA_FRAC  = FEATURE_FRAC,
  parameter int unsigned GB_W       = NORM_W,
  parameter int unsigned GB_FRAC    = NORM_FRAC,
  parameter int unsigned MEAN_W     = LN_MEAN_W,
  parameter int unsigned MEAN_FRAC  = LN_MEAN_FRAC,
  parameter int unsigned VAR_W      = LN_VAR_W,
  parameter int unsigned VAR_FRAC   = LN_VAR_FRAC,
  parameter int unsigned XHAT_W     = LN_NORM_W,
  parameter int unsigned XHAT_FRAC  = LN_NORM_FRAC,
  parameter int unsigned MANT_BITS  = RSQRT_MANT_BITS,
  // Quantisation modes: 1 = AP_RND (round half up), 0 = AP_TRN.
  // XHAT_RND: formats.ln_norm; OUT_RND: formats.feature.
  parameter bit          XHAT_RND   = LN_NORM_RND != 0,
  parameter bit          OUT_RND    = FEATURE_RND != 0,
  // eps in ln_var raw units, rounded to nearest once (golden.layernorm.eps_raw).
  parameter longint unsigned EPS_RAW = LN_EPS_RAW
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,

  input  logic                      in_valid_i,
  output logic                      in_ready_o,
  input  logic [LANES*DATA_W-1:0]   in_data_i,

  input  logic                      prm_valid_i,
  output logic                      prm_ready_o,
  input  logic [2*LANES*GB_W-1:0]   prm_data_i,

  output logic                      out_valid_o,
  input  logic                      out_ready_i,
  output logic [LANES*DATA_W-1:0]   out_data_o
);

  //////////////////////
  // Derived geometry //
  //////////////////////

  localparam int unsigned Beats   = ROW_LEN / LANES;
  localparam int unsigned BeatW   = (Beats > 1) ? $clog2(Beats) : 1;
  localparam int unsigned SlotW   = (ROW_BUFS > 1) ? $clog2(ROW_BUFS) : 1;
  localparam int unsigned Depth   = ROW_BUFS * Beats;
  localparam int unsigned AddrW   = (Depth > 1) ? $clog2(Depth) : 1;

  // Row sums: |S1| <= N * 2**(DATA_W-1); Q <= N * 2**(2*DATA_W-2).
  localparam int unsigned S1W     = DATA_W + $clog2(ROW_LEN) + 1;
  localparam int unsigned QW      = 2 * DATA_W - 1 + $clog2(ROW_LEN);
  localparam int unsigned LaneSW  = DATA_W + $clog2(LANES) + 1;
  localparam int unsigned LaneQW  = 2 * DATA_W + $clog2(LANES);

  // rsqrt mantissa r (MANT_BITS + 1 bits) and the normalisation shift.
  localparam int unsigned RW      = MANT_BITS + 1;
  localparam int unsigned ShW     = 8;

  // Elaboration-time checks.
  if (ROW_LEN % LANES != 0) begin : gen_err_lanes
    $error("layernorm_unit: ROW_LEN must be a multiple of LANES");
  end
  if (MEAN_FRAC < DATA_FRAC || VAR_FRAC > 62 || VAR_W > 62 || XHAT_W > 62) begin : gen_err_fmt
    $error("layernorm_unit: formats outside the golden model's validated ranges");
  end

  //////////////////
  // Buffer state //
  //////////////////

  typedef enum logic [1:0] {
    SlotFree   = 2'd0,  // empty, or being filled
    SlotFilled = 2'd1,  // all beats in, sums (about to be) stored
    SlotReady  = 2'd2   // statistics stored, ready to be read out
  } slot_e;

  slot_e            slot_q [ROW_BUFS];
  logic [SlotW-1:0] wr_slot_q, st_slot_q, rd_slot_q;
  logic [BeatW-1:0] wr_beat_q, rd_beat_q, prm_beat_q;

  logic in_hs, prm_hs, wr_row_done, st_done, rd_issue, rd_row_done;
  logic all_free;

  always_comb begin
    all_free = 1'b1;
    for (int s = 0; s < ROW_BUFS; s++) begin
      all_free &= (slot_q[s] == SlotFree);
    end
  end

  function automatic logic [SlotW-1:0] next_slot(logic [SlotW-1:0] s);
    return (s == SlotW'(ROW_BUFS - 1)) ? '0 : s + SlotW'(1);
  endfunction

  // Parameters load only into an empty unit; a pending load holds off new rows.
  assign prm_ready_o = all_free & (wr_beat_q == '0);
  assign in_ready_o  = (slot_q[wr_slot_q] == SlotFree) & (prm_beat_q == '0) &
                       ~(prm_valid_i & (wr_beat_q == '0));
  assign in_hs       = in_valid_i & in_ready_o;
  assign prm_hs      = prm_valid_i & prm_ready_o;
  assign wr_row_done = in_hs & (wr_beat_q == BeatW'(Beats - 1));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int s = 0; s < ROW_BUFS; s++) begin
        slot_q[s] <= SlotFree;
      end
      wr_slot_q  <= '0;
      st_slot_q  <= '0;
      rd_slot_q  <= '0;
      wr_beat_q  <= '0;
      rd_beat_q  <= '0;
      prm_beat_q <= '0;
    end else begin
      if (in_hs) begin
        wr_beat_q <= wr_row_done ? '0 : wr_beat_q + BeatW'(1);
      end
      if (wr_row_done) begin
        slot_q[wr_slot_q] <= SlotFilled;
        wr_slot_q         <= next_slot(wr_slot_q);
      end
      if (st_done) begin
        slot_q[st_slot_q] <= SlotReady;
        st_slot_q         <= next_slot(st_slot_q);
      end
      if (rd_issue) begin
        rd_beat_q <= rd_row_done ? '0 : rd_beat_q + BeatW'(1);
      end
      if (rd_row_done) begin
        slot_q[rd_slot_q] <= SlotFree;
        rd_slot_q         <= next_slot(rd_slot_q);
      end
      if (prm_hs) begin
        prm_beat_q <= (prm_beat_q == BeatW'(Beats - 1)) ? '0 : prm_beat_q + BeatW'(1);
      end
    end
  end

  ////////////////////////////
  // Row and gamma/beta RAM //
  ////////////////////////////

  logic [LANES*DATA_W-1:0] row_mem [Depth];
  logic [2*LANES*GB_W-1:0] gb_mem [Beats];

  logic [AddrW-1:0] wr_addr, rd_addr;
  assign wr_addr = AddrW'(wr_slot_q) * AddrW'(Beats) + AddrW'(wr_beat_q);
  assign rd_addr = AddrW'(rd_slot_q) * AddrW'(Beats) + AddrW'(rd_beat_q);

  always_ff @(posedge clk_i) begin
    if (in_hs) begin
      row_mem[wr_addr] <= in_data_i;
    end
    if (prm_hs) begin
      gb_mem[prm_beat_q] <= prm_data_i;
    end
  end

  ///////////////////////////////
  // Pass 1: S1 and Q per row  //
  ///////////////////////////////

  // One register stage (the accepted beat), then squares and the sums.
  logic                    acc_valid_q, acc_first_q, acc_last_q;
  logic [SlotW-1:0]        acc_slot_q;
  logic [LANES*DATA_W-1:0] acc_x_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_valid_q <= 1'b0;
    end else begin
      acc_valid_q <= in_hs;
    end
  end

  always_ff @(posedge clk_i) begin
    if (in_hs) begin
      acc_x_q     <= in_data_i;
      acc_first_q <= (wr_beat_q == '0);
      acc_last_q  <= wr_row_done;
      acc_slot_q  <= wr_slot_q;
    end
  end

  logic signed [LaneSW-1:0] beat_s1;
  logic        [LaneQW-1:0] beat_q;

  always_comb begin
    beat_s1 = '0;
    beat_q  = '0;
    for (int l = 0; l < LANES; l++) begin
      logic signed [DATA_W-1:0]   x;
      logic signed [2*DATA_W-1:0] sq;
      x       = $signed(acc_x_q[l*DATA_W +: DATA_W]);
      sq      = x * x;
      beat_s1 = beat_s1 + LaneSW'(x);
      beat_q  = beat_q + LaneQW'($unsigned(sq));
    end
  end

  logic signed [S1W-1:0] run_s1_q, run_s1;
  logic        [QW-1:0]  run_q_q, run_q;
  logic signed [S1W-1:0] row_s1_q [ROW_BUFS];
  logic        [QW-1:0]  row_q_q  [ROW_BUFS];

  assign run_s1 = (acc_first_q ? '0 : run_s1_q) + S1W'(beat_s1);
  assign run_q  = (acc_first_q ? '0 : run_q_q) + QW'(beat_q);

  always_ff @(posedge clk_i) begin
    if (acc_valid_q) begin
      run_s1_q <= run_s1;
      run_q_q  <= run_q;
      if (acc_last_q) begin
        row_s1_q[acc_slot_q] <= run_s1;
        row_q_q[acc_slot_q]  <= run_q;
      end
    end
  end

  //////////////////////////////////////
  // Statistics (layernorm_row_stats) //
  //////////////////////////////////////

  logic              st_idle, st_start;
  logic [MEAN_W-1:0] st_mean;
  logic [RW-1:0]     st_mant;
  logic [ShW-1:0]    st_shift;

  // Start on the next filled row once its sums are stored.
  assign st_start = st_idle & (slot_q[st_slot_q] == SlotFilled) &
                    ~(acc_valid_q & acc_last_q & (acc_slot_q == st_slot_q));

  layernorm_row_stats #(
    .ROW_LEN    (ROW_LEN),
    .DIV_UNROLL (DIV_UNROLL),
    .DATA_FRAC  (DATA_FRAC),
    .MEAN_W     (MEAN_W),
    .MEAN_FRAC  (MEAN_FRAC),
    .VAR_W      (VAR_W),
    .VAR_FRAC   (VAR_FRAC),
    .XHAT_FRAC  (XHAT_FRAC),
    .MANT_BITS  (MANT_BITS),
    .EPS_RAW    (EPS_RAW),
    .S1_W       (S1W),
    .Q_W        (QW),
    .SHIFT_W    (ShW)
  ) u_row_stats (
    .clk_i,
    .rst_ni,
    .start_i (st_start),
    .idle_o  (st_idle),
    .s1_i    (row_s1_q[st_slot_q]),
    .q_i     (row_q_q[st_slot_q]),
    .done_o  (st_done),
    .mean_o  (st_mean),
    .mant_o  (st_mant),
    .shift_o (st_shift)
  );

  // Per-buffer statistics: mean, r and the normalisation shift Fm + M - k - Fn.
  logic [MEAN_W-1:0] row_mean_q  [ROW_BUFS];
  logic [RW-1:0]     row_r_q     [ROW_BUFS];
  logic [ShW-1:0]    row_shift_q [ROW_BUFS];

  always_ff @(posedge clk_i) begin
    if (st_done) begin
      row_mean_q[st_slot_q]  <= st_mean;
      row_r_q[st_slot_q]     <= st_mant;
      row_shift_q[st_slot_q] <= st_shift;
    end
  end

  //////////////////////////////////////////////////////
  // Pass 2: normalise pipeline (layernorm_normalise) //
  //////////////////////////////////////////////////////

  logic norm_ready;

  assign rd_issue    = norm_ready & (slot_q[rd_slot_q] == SlotReady);
  assign rd_row_done = rd_issue & (rd_beat_q == BeatW'(Beats - 1));

  layernorm_normalise #(
    .LANES     (LANES),
    .DATA_W    (DATA_W),
    .DATA_FRAC (DATA_FRAC),
    .GB_W      (GB_W),
    .GB_FRAC   (GB_FRAC),
    .MEAN_W    (MEAN_W),
    .MEAN_FRAC (MEAN_FRAC),
    .XHAT_W    (XHAT_W),
    .XHAT_FRAC (XHAT_FRAC),
    .MANT_BITS (MANT_BITS),
    .SHIFT_W   (ShW),
    .XHAT_RND  (XHAT_RND),
    .OUT_RND   (OUT_RND)
  ) u_normalise (
    .clk_i,
    .rst_ni,
    .in_valid_i  (slot_q[rd_slot_q] == SlotReady),
    .in_ready_o  (norm_ready),
    .in_x_i      (row_mem[rd_addr]),
    .in_gb_i     (gb_mem[rd_beat_q]),
    .in_mean_i   (row_mean_q[rd_slot_q]),
    .in_mant_i   (row_r_q[rd_slot_q]),
    .in_shift_i  (row_shift_q[rd_slot_q]),
    .out_valid_o,
    .out_ready_i,
    .out_data_o
  );

endmodule
