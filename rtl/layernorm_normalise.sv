// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Normalise pipeline of layernorm_unit (pass 2): one beat of LANES features of
// a row, with the row's statistics (mean, rsqrt mantissa r, shift) and the
// beat's gamma/beta, to LANES normalised features (F = DATA_FRAC, Fm =
// MEAN_FRAC, Fn = XHAT_FRAC, Fg = GB_FRAC):
//   dev  = x * 2**(Fm-F) - mean                                exact
//   xhat = sat(round(dev * r * 2**-shift))                     XHAT_RND: half up
//   y    = sat(round((xhat * gamma + beta * 2**Fn) * 2**-(Fn + Fg - F)))  OUT_RND
// Six stages (operands; dev; dev * r; xhat; xhat * gamma + beta; y) under one
// enable: in_ready_o is low only while the last stage holds a beat the sink
// does not take. Latency 6 cycles, one beat per cycle.
module layernorm_normalise #(
  parameter int unsigned LANES     = 1,
  parameter int unsigned DATA_W    = 32,
  parameter int unsigned DATA_FRAC = 16,
  parameter int unsigned GB_W      = 16,
  parameter int unsigned GB_FRAC   = 8,
  parameter int unsigned MEAN_W    = 40,
  parameter int unsigned MEAN_FRAC = 24,
  parameter int unsigned XHAT_W    = 32,
  parameter int unsigned XHAT_FRAC = 16,
  parameter int unsigned MANT_BITS = 16,
  parameter int unsigned SHIFT_W   = 8,
  // Quantisation modes: 1 = AP_RND (round half up), 0 = AP_TRN.
  parameter bit          XHAT_RND  = 1'b1,
  parameter bit          OUT_RND   = 1'b1,
  localparam int unsigned RW       = MANT_BITS + 1
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,

  input  logic                      in_valid_i,
  output logic                      in_ready_o,
  input  logic [LANES*DATA_W-1:0]   in_x_i,
  input  logic [2*LANES*GB_W-1:0]   in_gb_i,     // {beta[LANES-1..0], gamma[LANES-1..0]}
  input  logic [MEAN_W-1:0]         in_mean_i,
  input  logic [RW-1:0]             in_mant_i,
  input  logic [SHIFT_W-1:0]        in_shift_i,

  output logic                      out_valid_o,
  input  logic                      out_ready_i,
  output logic [LANES*DATA_W-1:0]   out_data_o
);

  localparam int unsigned XUp     = MEAN_FRAC - DATA_FRAC;
  localparam int unsigned DevW    = ((DATA_W + XUp > MEAN_W) ? DATA_W + XUp : MEAN_W) + 1;
  localparam int unsigned ProdW   = DevW + RW + 1;
  localparam int unsigned AccW    = ((XHAT_W > XHAT_FRAC + 1) ? XHAT_W : XHAT_FRAC + 1) + GB_W + 1;
  localparam int unsigned OutShift = XHAT_FRAC + GB_FRAC - DATA_FRAC;
  localparam logic signed [ProdW:0] XhatMin = -((ProdW + 1)'(1) << (XHAT_W - 1));
  localparam logic signed [ProdW:0] XhatMax = ~XhatMin;

  localparam int unsigned NumStages = 6;

  if (OutShift < 1 || XHAT_FRAC < 1) begin : gen_err_out_shift
    $error("layernorm_normalise: XHAT_FRAC + GB_FRAC must exceed DATA_FRAC");
  end

  logic [NumStages-1:0] ld;
  logic                 ld1, ld2, ld3, ld4, ld5, ld6;

  lockstep_pipe_ctrl #(
    .STAGES (NumStages)
  ) u_pipe_ctrl (
    .clk_i,
    .rst_ni,
    .in_valid_i,
    .in_ready_o,
    .out_valid_o,
    .out_ready_i,
    .ld_o        (ld)
  );

  assign {ld6, ld5, ld4, ld3, ld2, ld1} = ld;

  // Stage 1: the row beat, gamma/beta and the row's statistics.
  logic [LANES*DATA_W-1:0] x1_q;
  logic [2*LANES*GB_W-1:0] gb1_q, gb2_q, gb3_q, gb4_q;
  logic [MEAN_W-1:0]       mean1_q;
  logic [RW-1:0]           r1_q, r2_q;
  logic [SHIFT_W-1:0]      sh1_q, sh2_q, sh3_q;

  always_ff @(posedge clk_i) begin
    if (ld1) begin
      x1_q    <= in_x_i;
      gb1_q   <= in_gb_i;
      mean1_q <= in_mean_i;
      r1_q    <= in_mant_i;
      sh1_q   <= in_shift_i;
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

    // Stage 4: xhat = sat(round(prod * 2**-shift)) in XHAT_W bits (the row's
    // shift is a run-time value: round_sat takes constant shifts only).
    logic signed [ProdW:0]   bias3, sum3, shifted3;
    logic signed [XHAT_W-1:0] xhat3;
    logic signed [XHAT_W-1:0] xhat4_q;

    assign bias3    = XHAT_RND ? $signed((ProdW + 1)'(1) << (sh3_q - SHIFT_W'(1))) : '0;
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
    logic [DATA_W-1:0] y5;
    logic [DATA_W-1:0] y6_q;

    round_sat #(
      .IN_W  (AccW),
      .OUT_W (DATA_W),
      .SHIFT (OutShift),
      .ROUND (OUT_RND)
    ) u_round_out (
      .in_i  (acc5_q),
      .out_o (y5)
    );

    always_ff @(posedge clk_i) begin
      if (ld6) begin
        y6_q <= y5;
      end
    end

    assign out_data_o[l*DATA_W +: DATA_W] = y6_q;
  end

endmodule
