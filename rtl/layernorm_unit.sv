// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// LayerNorm unit: y = (x - mean) / sqrt(var + eps) * gamma + beta over rows of
// ROW_LEN features, bit-exact with golden.layernorm.layernorm (and its
// layernorm_stats): exact mean and variance, one rsqrt (rsqrt_unit), no
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
//   (r, k) = rsqrt_unit(v): 1/sqrt(v) = r * 2**(k - M)
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
  localparam int unsigned NLog    = $clog2(ROW_LEN + 1);

  // Row sums: |S1| <= N * 2**(DATA_W-1); Q <= N * 2**(2*DATA_W-2).
  localparam int unsigned S1W     = DATA_W + $clog2(ROW_LEN) + 1;
  localparam int unsigned QW      = 2 * DATA_W - 1 + $clog2(ROW_LEN);
  localparam int unsigned LaneSW  = DATA_W + $clog2(LANES) + 1;
  localparam int unsigned LaneQW  = 2 * DATA_W + $clog2(LANES);
  // N^2 var = N*Q - S1^2 >= 0.
  localparam int unsigned NumW    = QW + NLog;

  // Mean: a = S1 * 2**MeanUp + N, divided by 2N (|a| via its magnitude).
  localparam int unsigned MeanUp  = MEAN_FRAC - DATA_FRAC + 1;
  localparam int unsigned MeanDW  = S1W + MeanUp;
  // Variance: scale Fv - 2F split into a left shift of num or of den.
  localparam int          VarScale = int'(VAR_FRAC) - 2 * int'(DATA_FRAC);
  localparam int unsigned VarUp   = (VarScale > 0) ? VarScale : 0;
  localparam int unsigned VarDn   = (VarScale < 0) ? -VarScale : 0;
  localparam longint unsigned NSq     = longint'(ROW_LEN) * longint'(ROW_LEN);
  localparam longint unsigned VarHalf = NSq << VarDn;        // den
  localparam longint unsigned VarDiv  = VarHalf << 1;        // 2 * den
  localparam longint unsigned MeanDiv = 2 * longint'(ROW_LEN);
  localparam int unsigned VarDW   = NumW + VarUp + 2;
  localparam int unsigned DivMaxW = (MeanDW > VarDW) ? MeanDW : VarDW;
  localparam int unsigned DivSteps = (DivMaxW + DIV_UNROLL - 1) / DIV_UNROLL;
  localparam int unsigned DivW    = DivSteps * DIV_UNROLL;
  localparam int unsigned DivCntW = $clog2(DivSteps + 1);
  localparam int unsigned RemW    = $clog2(VarDiv + 1) + 1;  // VarDiv >= MeanDiv
  localparam logic [RemW-1:0] Divisor [2] = '{RemW'(MeanDiv), RemW'(VarDiv)};

  // rsqrt: 1/sqrt(v) = r * 2**(k - M), r in (2**(M-1), 2**M].
  localparam int unsigned RW      = MANT_BITS + 1;
  localparam int unsigned KW      = 8;
  localparam int unsigned ShW     = 8;
  localparam int          ShiftBase = int'(MEAN_FRAC) + int'(MANT_BITS) - int'(XHAT_FRAC);

  // Normalise datapath.
  localparam int unsigned XUp     = MEAN_FRAC - DATA_FRAC;
  localparam int unsigned DevW    = ((DATA_W + XUp > MEAN_W) ? DATA_W + XUp : MEAN_W) + 1;
  localparam int unsigned ProdW   = DevW + RW + 1;
  localparam int unsigned AccW    = ((XHAT_W > XHAT_FRAC + 1) ? XHAT_W : XHAT_FRAC + 1) + GB_W + 1;
  localparam int unsigned OutShift = XHAT_FRAC + GB_FRAC - DATA_FRAC;
  localparam logic [AccW-1:0] OutHalf = OUT_RND ? (AccW'(1) << (OutShift - 1)) : '0;
  localparam logic signed [ProdW:0] XhatMin = -((ProdW + 1)'(1) << (XHAT_W - 1));
  localparam logic signed [ProdW:0] XhatMax = ~XhatMin;
  localparam logic signed [AccW-1:0] OutMin = -(AccW'(1) << (DATA_W - 1));
  localparam logic signed [AccW-1:0] OutMax = ~OutMin;

  localparam int unsigned NumStages = 6;

  // Elaboration-time checks.
  if (ROW_LEN % LANES != 0) begin : gen_err_lanes
    $error("layernorm_unit: ROW_LEN must be a multiple of LANES");
  end
  if (MEAN_FRAC < DATA_FRAC || VAR_FRAC > 62 || VAR_W > 62 || XHAT_W > 62) begin : gen_err_fmt
    $error("layernorm_unit: formats outside the golden model's validated ranges");
  end
  if ((longint'(ROW_LEN) >> MeanUp) != 0) begin : gen_err_row_len
    $error("layernorm_unit: ROW_LEN must be below 2**(MEAN_FRAC - DATA_FRAC + 1)");
  end
  if (OutShift < 1 || XHAT_FRAC < 1) begin : gen_err_out_shift
    $error("layernorm_unit: XHAT_FRAC + GB_FRAC must exceed DATA_FRAC");
  end
  if (ShiftBase < 1 || ShiftBase > 100) begin : gen_err_shift
    $error("layernorm_unit: normalisation shift base out of range");
  end
  if (VarDn > 20 || ROW_LEN > (1 << 20)) begin : gen_err_var_div
    $error("layernorm_unit: variance divisor exceeds 63 bits");
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

  /////////////////////////
  // Row and gamma/beta RAM //
  /////////////////////////

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

  //////////////////////////
  // Statistics engine    //
  //////////////////////////

  typedef enum logic [2:0] {
    StIdle, StPrep, StDiv, StFin, StRsqReq, StRsqWait
  } st_e;

  st_e                   st_q;
  logic [DivCntW-1:0]    div_cnt_q;
  logic signed [S1W-1:0] st_s1_q;
  logic        [QW-1:0]  st_q_q;
  logic                  st_neg_q;
  logic [VAR_W-1:0]      st_v_q;
  logic [MEAN_W-1:0]     st_mean_q;

  logic [DivW-1:0] div_sh_q  [2];
  logic [RemW-1:0] div_rem_q [2];
  logic [DivW-1:0] div_sh_d  [2];
  logic [RemW-1:0] div_rem_d [2];

  // Start on the next filled row once its sums are stored.
  logic st_start;
  assign st_start = (st_q == StIdle) & (slot_q[st_slot_q] == SlotFilled) &
                    ~(acc_valid_q & acc_last_q & (acc_slot_q == st_slot_q));

  // Dividends: |S1 * 2**MeanUp + N| and 2*num*2**VarUp + den.
  logic        [S1W-1:0]    s1_mag;
  logic        [MeanDW-1:0] mean_dividend;
  logic        [NumW-1:0]   s1_sq;
  logic        [NumW-1:0]   var_num;
  logic        [VarDW-1:0]  var_dividend;

  assign s1_mag        = st_s1_q[S1W-1] ? S1W'(-st_s1_q) : S1W'(st_s1_q);
  assign mean_dividend = st_s1_q[S1W-1] ? ((MeanDW'(s1_mag) << MeanUp) - MeanDW'(ROW_LEN))
                                        : ((MeanDW'(s1_mag) << MeanUp) + MeanDW'(ROW_LEN));
  assign s1_sq         = $unsigned(NumW'(st_s1_q) * NumW'(st_s1_q));
  assign var_num       = NumW'(NLog'(ROW_LEN)) * NumW'(st_q_q) - s1_sq;
  assign var_dividend  = (VarDW'(var_num) << (VarUp + 1)) + VarDW'(VarHalf);

  // Restoring division, DIV_UNROLL quotient bits per cycle: the shift register
  // holds the dividend's remaining bits above the quotient bits found so far.
  always_comb begin
    for (int d = 0; d < 2; d++) begin
      div_sh_d[d]  = div_sh_q[d];
      div_rem_d[d] = div_rem_q[d];
      for (int u = 0; u < int'(DIV_UNROLL); u++) begin
        div_rem_d[d] = {div_rem_d[d][RemW-2:0], div_sh_d[d][DivW-1]};
        div_sh_d[d]  = {div_sh_d[d][DivW-2:0], 1'b0};
        if (div_rem_d[d] >= Divisor[d]) begin
          div_rem_d[d]   = div_rem_d[d] - Divisor[d];
          div_sh_d[d][0] = 1'b1;
        end
      end
    end
  end

  // Results: mean rounded towards -inf for negative dividends; var saturated, + eps.
  logic [DivW-1:0]    mean_mag;
  logic [MEAN_W-1:0]  mean_res;
  logic [VAR_W-1:0]   var_sat;
  logic [VAR_W:0]     v_sum;
  logic [VAR_W-1:0]   v_res;

  assign mean_mag = div_sh_q[0] + DivW'(st_neg_q & (div_rem_q[0] != '0));
  assign mean_res = st_neg_q ? MEAN_W'(-mean_mag) : MEAN_W'(mean_mag);
  assign var_sat  = (div_sh_q[1] > DivW'({VAR_W{1'b1}})) ? {VAR_W{1'b1}} : VAR_W'(div_sh_q[1]);
  assign v_sum    = {1'b0, var_sat} + (VAR_W + 1)'(EPS_RAW);
  assign v_res    = v_sum[VAR_W] ? {VAR_W{1'b1}} : v_sum[VAR_W-1:0];

  // rsqrt of v: one row at a time.
  logic                        rsq_in_valid, rsq_in_ready, rsq_out_valid, rsq_out_ready;
  logic [KW+RW-1:0]            rsq_out;
  logic [RW-1:0]               rsq_mant;
  logic signed [KW-1:0]        rsq_scale;

  assign rsq_in_valid  = (st_q == StRsqReq);
  assign rsq_out_ready = (st_q == StRsqWait);
  assign rsq_mant      = rsq_out[RW-1:0];
  assign rsq_scale     = $signed(rsq_out[KW+RW-1:RW]);
  assign st_done       = (st_q == StRsqWait) & rsq_out_valid;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_q      <= StIdle;
      div_cnt_q <= '0;
    end else begin
      unique case (st_q)
        StIdle:    if (st_start) st_q <= StPrep;
        StPrep: begin
          st_q      <= StDiv;
          div_cnt_q <= DivCntW'(DivSteps);
        end
        StDiv: begin
          div_cnt_q <= div_cnt_q - DivCntW'(1);
          if (div_cnt_q == DivCntW'(1)) st_q <= StFin;
        end
        StFin:     st_q <= StRsqReq;
        StRsqReq:  if (rsq_in_ready) st_q <= StRsqWait;
        StRsqWait: if (rsq_out_valid) st_q <= StIdle;
        default:   st_q <= StIdle;
      endcase
    end
  end

  always_ff @(posedge clk_i) begin
    if (st_start) begin
      st_s1_q <= row_s1_q[st_slot_q];
      st_q_q  <= row_q_q[st_slot_q];
    end
    if (st_q == StPrep) begin
      st_neg_q     <= st_s1_q[S1W-1];
      div_sh_q[0]  <= DivW'(mean_dividend);
      div_sh_q[1]  <= DivW'(var_dividend);
      div_rem_q[0] <= '0;
      div_rem_q[1] <= '0;
    end
    if (st_q == StDiv) begin
      div_sh_q  <= div_sh_d;
      div_rem_q <= div_rem_d;
    end
    if (st_q == StFin) begin
      st_mean_q <= mean_res;
      st_v_q    <= v_res;
    end
  end

  rsqrt_unit #(
    .LANES     (1),
    .IN_W      (VAR_W),
    .IN_FRAC   (VAR_FRAC),
    .MANT_BITS (MANT_BITS),
    .SCALE_W   (KW)
  ) u_rsqrt (
    .clk_i,
    .rst_ni,
    .in_valid_i  (rsq_in_valid),
    .in_ready_o  (rsq_in_ready),
    .in_data_i   (st_v_q),
    .out_valid_o (rsq_out_valid),
    .out_ready_i (rsq_out_ready),
    .out_data_o  (rsq_out)
  );

  // Per-buffer statistics: mean, r and the normalisation shift Fm + M - k - Fn.
  logic [MEAN_W-1:0] row_mean_q  [ROW_BUFS];
  logic [RW-1:0]     row_r_q     [ROW_BUFS];
  logic [ShW-1:0]    row_shift_q [ROW_BUFS];

  always_ff @(posedge clk_i) begin
    if (st_done) begin
      row_mean_q[st_slot_q]  <= st_mean_q;
      row_r_q[st_slot_q]     <= rsq_mant;
      row_shift_q[st_slot_q] <= ShW'(ShW'(ShiftBase) - ShW'(rsq_scale));
    end
  end

  /////////////////////////////////
  // Pass 2: normalise pipeline  //
  /////////////////////////////////

  logic [NumStages-1:0] valid_q;
  logic                 pipe_en;

  assign pipe_en     = ~(valid_q[NumStages-1] & ~out_ready_i);
  assign out_valid_o = valid_q[NumStages-1];
  assign rd_issue    = pipe_en & (slot_q[rd_slot_q] == SlotReady);
  assign rd_row_done = rd_issue & (rd_beat_q == BeatW'(Beats - 1));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else if (pipe_en) begin
      valid_q <= {valid_q[NumStages-2:0], rd_issue};
    end
  end

  logic ld1, ld2, ld3, ld4, ld5, ld6;
  assign ld1 = rd_issue;
  assign ld2 = pipe_en & valid_q[0];
  assign ld3 = pipe_en & valid_q[1];
  assign ld4 = pipe_en & valid_q[2];
  assign ld5 = pipe_en & valid_q[3];
  assign ld6 = pipe_en & valid_q[4];

  // Stage 1: the row beat, gamma/beta and the row's statistics.
  logic [LANES*DATA_W-1:0] x1_q;
  logic [2*LANES*GB_W-1:0] gb1_q, gb2_q, gb3_q, gb4_q;
  logic [MEAN_W-1:0]       mean1_q;
  logic [RW-1:0]           r1_q, r2_q;
  logic [ShW-1:0]          sh1_q, sh2_q, sh3_q;

  always_ff @(posedge clk_i) begin
    if (ld1) begin
      x1_q    <= row_mem[rd_addr];
      gb1_q   <= gb_mem[rd_beat_q];
      mean1_q <= row_mean_q[rd_slot_q];
      r1_q    <= row_r_q[rd_slot_q];
      sh1_q   <= row_shift_q[rd_slot_q];
    end
    if (ld2) begin
      gb2_q <= gb1_q;
      r2_q  <= r1_q;
      sh2_q <= sh1_q;
    end
    if (ld3) begin
      gb3_q <= gb2_q;
      sh3_q <= sh2_q;
    end
    if (ld4) begin
      gb4_q <= gb3_q;
    end
  end

  for (genvar l = 0; l < LANES; l++) begin : g_lane
    // Stage 2: dev = x * 2**XUp - mean (exact).
    logic signed [DevW-1:0] dev1;
    logic signed [DevW-1:0] dev2_q;

    assign dev1 = (DevW'($signed(x1_q[l*DATA_W +: DATA_W])) <<< XUp) -
                  DevW'($signed(mean1_q));

    always_ff @(posedge clk_i) begin
      if (ld2) begin
        dev2_q <= dev1;
      end
    end

    // Stage 3: dev * r (exact).
    logic signed [ProdW-1:0] prod2;
    logic signed [ProdW-1:0] prod3_q;

    assign prod2 = ProdW'(dev2_q) * $signed(ProdW'(r2_q));

    always_ff @(posedge clk_i) begin
      if (ld3) begin
        prod3_q <= prod2;
      end
    end

    // Stage 4: xhat = sat(round(prod * 2**-shift)) in XHAT_W bits.
    logic signed [ProdW:0]   bias3, sum3, shifted3;
    logic signed [XHAT_W-1:0] xhat3;
    logic signed [XHAT_W-1:0] xhat4_q;

    assign bias3    = XHAT_RND ? $signed((ProdW + 1)'(1) << (sh3_q - ShW'(1))) : '0;
    assign sum3     = (ProdW + 1)'(prod3_q) + bias3;
    assign shifted3 = sum3 >>> sh3_q;
    assign xhat3    = (shifted3 > XhatMax) ? XhatMax[XHAT_W-1:0] :
                      (shifted3 < XhatMin) ? XhatMin[XHAT_W-1:0] : shifted3[XHAT_W-1:0];

    always_ff @(posedge clk_i) begin
      if (ld4) begin
        xhat4_q <= xhat3;
      end
    end

    // Stage 5: acc = xhat * gamma + beta * 2**XHAT_FRAC (exact).
    logic signed [GB_W-1:0] gamma4, beta4;
    logic signed [AccW-1:0] acc4;
    logic signed [AccW-1:0] acc5_q;

    assign gamma4 = $signed(gb4_q[l*GB_W +: GB_W]);
    assign beta4  = $signed(gb4_q[(LANES+l)*GB_W +: GB_W]);
    assign acc4   = AccW'(xhat4_q) * AccW'(gamma4) + (AccW'(beta4) <<< XHAT_FRAC);

    always_ff @(posedge clk_i) begin
      if (ld5) begin
        acc5_q <= acc4;
      end
    end

    // Stage 6: y = sat(round(acc * 2**-OutShift)) in DATA_W bits.
    logic signed [AccW-1:0]   y5;
    logic signed [DATA_W-1:0] y6_q;

    assign y5 = (acc5_q + $signed(OutHalf)) >>> OutShift;

    always_ff @(posedge clk_i) begin
      if (ld6) begin
        y6_q <= (y5 > OutMax) ? OutMax[DATA_W-1:0] :
                (y5 < OutMin) ? OutMin[DATA_W-1:0] : y5[DATA_W-1:0];
      end
    end

    assign out_data_o[l*DATA_W +: DATA_W] = y6_q;
  end

endmodule
