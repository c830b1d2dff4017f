// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Row statistics of layernorm_unit: from a row's exact sums S1 = sum(x) and
// Q = sum(x*x) to its mean, the rsqrt mantissa r and the normalisation shift,
// one row at a time (N = ROW_LEN, F = DATA_FRAC, Fm = MEAN_FRAC, Fv = VAR_FRAC,
// Fn = XHAT_FRAC, M = MANT_BITS; see layernorm_unit for the whole arithmetic):
//   mean = floor((S1 * 2**(Fm-F+1) + N) / (2N))                round half up
//   var  = floor((2*num + den) / (2*den)), num = (N*Q - S1^2) * 2**max(0, Fv-2F),
//          den = N^2 * 2**max(0, 2F-Fv)                        round half up
//   v    = min(min(var, VMAX) + EPS_RAW, VMAX)                 eps rounded once
//   (r, k) = nr_core(v), ROOT 2: 1/sqrt(v) = r * 2**(k - M)
//   shift = Fm + M - k - Fn
// The two divisions (by the constants 2N and 2*den) run side by side in a
// restoring divider, DIV_UNROLL quotient bits per cycle.
//
// Protocol: start_i (only while idle_o) samples s1_i and q_i; done_o pulses
// when the results are on mean_o, mant_o and shift_o (valid in that cycle
// only). Latency: 4 + ceil(DivBits / DIV_UNROLL) cycles plus nr_core's.
module layernorm_row_stats #(
  parameter int unsigned     ROW_LEN    = 64,
  parameter int unsigned     DIV_UNROLL = 8,
  parameter int unsigned     DATA_FRAC  = 16,
  parameter int unsigned     MEAN_W     = 40,
  parameter int unsigned     MEAN_FRAC  = 24,
  parameter int unsigned     VAR_W      = 48,
  parameter int unsigned     VAR_FRAC   = 32,
  parameter int unsigned     XHAT_FRAC  = 16,
  parameter int unsigned     MANT_BITS  = 16,
  parameter longint unsigned EPS_RAW    = 1,
  // Widths of the row sums (layernorm_unit's geometry).
  parameter int unsigned     S1_W       = 40,
  parameter int unsigned     Q_W        = 72,
  parameter int unsigned     SHIFT_W    = 8,
  localparam int unsigned    RW         = MANT_BITS + 1
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,

  input  logic                     start_i,
  output logic                     idle_o,
  input  logic signed [S1_W-1:0]   s1_i,
  input  logic        [Q_W-1:0]    q_i,

  output logic                     done_o,
  output logic [MEAN_W-1:0]        mean_o,
  output logic [RW-1:0]            mant_o,
  output logic [SHIFT_W-1:0]       shift_o
);

  //////////////////////
  // Derived geometry //
  //////////////////////

  localparam int unsigned NLog    = $clog2(ROW_LEN + 1);
  // N^2 var = N*Q - S1^2 >= 0.
  localparam int unsigned NumW    = Q_W + NLog;

  // Mean: a = S1 * 2**MeanUp + N, divided by 2N (|a| via its magnitude).
  localparam int unsigned MeanUp  = MEAN_FRAC - DATA_FRAC + 1;
  localparam int unsigned MeanDW  = S1_W + MeanUp;
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
  localparam int unsigned KW      = 8;
  localparam int          ShiftBase = int'(MEAN_FRAC) + int'(MANT_BITS) - int'(XHAT_FRAC);

  if ((longint'(ROW_LEN) >> MeanUp) != 0) begin : gen_err_row_len
    $error("layernorm_row_stats: ROW_LEN must be below 2**(MEAN_FRAC - DATA_FRAC + 1)");
  end
  if (ShiftBase < 1 || ShiftBase > 100) begin : gen_err_shift
    $error("layernorm_row_stats: normalisation shift base out of range");
  end
  if (VarDn > 20 || ROW_LEN > (1 << 20)) begin : gen_err_var_div
    $error("layernorm_row_stats: variance divisor exceeds 63 bits");
  end

  typedef enum logic [2:0] {
    StIdle, StPrep, StDiv, StFin, StRsqReq, StRsqWait
  } st_e;

  st_e                    st_q;
  logic [DivCntW-1:0]     div_cnt_q;
  logic signed [S1_W-1:0] st_s1_q;
  logic        [Q_W-1:0]  st_q_q;
  logic                   st_neg_q;
  logic [VAR_W-1:0]       st_v_q;
  logic [MEAN_W-1:0]      st_mean_q;

  logic [DivW-1:0] div_sh_q  [2];
  logic [RemW-1:0] div_rem_q [2];
  logic [DivW-1:0] div_sh_d  [2];
  logic [RemW-1:0] div_rem_d [2];

  assign idle_o = (st_q == StIdle);

  // Dividends: |S1 * 2**MeanUp + N| and 2*num*2**VarUp + den.
  logic        [S1_W-1:0]   s1_mag;
  logic        [MeanDW-1:0] mean_dividend;
  logic        [NumW-1:0]   s1_sq;
  logic        [NumW-1:0]   var_num;
  logic        [VarDW-1:0]  var_dividend;

  assign s1_mag        = st_s1_q[S1_W-1] ? S1_W'(-st_s1_q) : S1_W'(st_s1_q);
  assign mean_dividend = st_s1_q[S1_W-1] ? ((MeanDW'(s1_mag) << MeanUp) - MeanDW'(ROW_LEN))
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
  logic signed [KW-1:0]        rsq_scale;

  assign rsq_in_valid  = (st_q == StRsqReq);
  assign rsq_out_ready = (st_q == StRsqWait);
  assign rsq_scale     = $signed(rsq_out[KW+RW-1:RW]);
  assign done_o        = (st_q == StRsqWait) & rsq_out_valid;
  assign mean_o        = st_mean_q;
  assign mant_o        = rsq_out[RW-1:0];
  assign shift_o       = SHIFT_W'(SHIFT_W'(ShiftBase) - SHIFT_W'(rsq_scale));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_q      <= StIdle;
      div_cnt_q <= '0;
    end else begin
      unique case (st_q)
        StIdle:    if (start_i) st_q <= StPrep;
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
    if (start_i) begin
      st_s1_q <= s1_i;
      st_q_q  <= q_i;
    end
    if (st_q == StPrep) begin
      st_neg_q     <= st_s1_q[S1_W-1];
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

  nr_core #(
    .ROOT      (2),
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

endmodule
