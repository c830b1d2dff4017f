// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Top-k expert selection of the MoE gate: for one token, the K best of
// NUM_EXPERTS gate logits, best first. Bit-exact with golden.stages.moe.top_k.
//
// Tie rule (the golden stable sort on the negated logits): a larger logit
// ranks first; of two equal logits the lower expert index ranks first.
//
// Method: every expert e gets a rank, the number of experts j that beat it,
//   j beats e  <=>  logit[j] > logit[e]  or  (logit[j] == logit[e] and j < e)
// This is a strict total order, so the ranks are a permutation of
// 0..NUM_EXPERTS-1; output slot s is the expert of rank s. Costs
// NUM_EXPERTS*(NUM_EXPERTS-1) comparators (240 for 16 experts) and is
// independent of K.
//
// Interface (one token per beat, valid/ready on both sides):
//   in_data_i  : NUM_EXPERTS packed logits, expert e in bits [e*DATA_W +: DATA_W]
//                (format FEATURE: signed when SIGNED, else unsigned)
//   out_data_o : K expert indices then K logits, best first:
//                index of slot s  in [s*IDX_W +: IDX_W]
//                logit of slot s  in [K*IDX_W + s*DATA_W +: DATA_W]
//                (the chosen logits feed the gate-score softmax)
// Latency 2 cycles (rank, select), throughput one token per cycle. The two
// stages advance together under one enable; the pipe stalls only when its
// output holds a beat the sink does not take: in_ready_o = !(out_valid_o &&
// !out_ready_i).
module topk_select
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned NUM_EXPERTS = EXPERTS,
  parameter int unsigned K           = TOP_K,
  parameter int unsigned DATA_W      = FEATURE_W,
  parameter bit          SIGNED      = FEATURE_SIGNED != 0,
  // Derived: bits of an expert index.
  parameter int unsigned IDX_W       = EXPERT_IDX_W
) (
  input  logic                          clk_i,
  input  logic                          rst_ni,

  input  logic                          in_valid_i,
  output logic                          in_ready_o,
  input  logic [NUM_EXPERTS*DATA_W-1:0] in_data_i,

  output logic                          out_valid_o,
  input  logic                          out_ready_i,
  output logic [K*(IDX_W+DATA_W)-1:0]   out_data_o
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (NUM_EXPERTS != EXPERTS) begin : gen_err_pkg_geometry
    $error("topk_select: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  if (K < 1 || K > NUM_EXPERTS) begin : gen_err_k
    $error("topk_select: K must be in 1..NUM_EXPERTS");
  end
  if (DATA_W < 2) begin : gen_err_data_w
    $error("topk_select: DATA_W must be at least 2");
  end

  ///////////////////////////
  // Handshake and enables //
  ///////////////////////////

  logic [1:0] valid_q;
  logic       pipe_en;

  assign pipe_en     = ~(valid_q[1] & ~out_ready_i);
  assign in_ready_o  = pipe_en;
  assign out_valid_o = valid_q[1];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else if (pipe_en) begin
      valid_q <= {valid_q[0], in_valid_i};
    end
  end

  logic ld1, ld2;
  assign ld1 = pipe_en & in_valid_i;
  assign ld2 = pipe_en & valid_q[0];

  ////////////////////////////
  // Stage 1: pairwise ranks //
  ////////////////////////////

  // Order keys: the sign bit flipped turns a signed order into an unsigned one.
  logic [DATA_W-1:0] logit0 [NUM_EXPERTS];
  logic [DATA_W-1:0] key0   [NUM_EXPERTS];
  logic [IDX_W-1:0]  rank0  [NUM_EXPERTS];

  for (genvar e = 0; e < NUM_EXPERTS; e++) begin : g_key
    assign logit0[e] = in_data_i[e*DATA_W +: DATA_W];
    assign key0[e]   = {logit0[e][DATA_W-1] ^ SIGNED, logit0[e][DATA_W-2:0]};
  end

  if (NUM_EXPERTS == 1) begin : g_one_expert
    // A single expert needs no comparison.
    logic unused_key;
    assign unused_key = ^key0[0];
  end

  for (genvar e = 0; e < NUM_EXPERTS; e++) begin : g_rank
    // beaten[j]: expert j ranks before expert e.
    logic [NUM_EXPERTS-1:0] beaten;
    for (genvar j = 0; j < NUM_EXPERTS; j++) begin : g_vs
      if (j == e) begin : g_self
        assign beaten[j] = 1'b0;
      end else begin : g_other
        assign beaten[j] = (key0[j] > key0[e]) | ((key0[j] == key0[e]) & (j < e));
      end
    end
    always_comb begin
      rank0[e] = '0;
      for (int unsigned j = 0; j < NUM_EXPERTS; j++) begin
        rank0[e] = rank0[e] + IDX_W'(beaten[j]);
      end
    end
  end

  logic [DATA_W-1:0] logit1_q [NUM_EXPERTS];
  logic [IDX_W-1:0]  rank1_q  [NUM_EXPERTS];

  always_ff @(posedge clk_i) begin
    if (ld1) begin
      logit1_q <= logit0;
      rank1_q  <= rank0;
    end
  end

  /////////////////////////////////////
  // Stage 2: slot s <- expert of rank s //
  /////////////////////////////////////

  logic [IDX_W-1:0]  sel_idx1   [K];
  logic [DATA_W-1:0] sel_logit1 [K];
  logic [IDX_W-1:0]  idx2_q     [K];
  logic [DATA_W-1:0] logit2_q   [K];

  for (genvar s = 0; s < K; s++) begin : g_slot
    always_comb begin
      sel_idx1[s]   = '0;
      sel_logit1[s] = '0;
      for (int unsigned e = 0; e < NUM_EXPERTS; e++) begin
        if (rank1_q[e] == IDX_W'(s)) begin
          sel_idx1[s]   = IDX_W'(e);
          sel_logit1[s] = logit1_q[e];
        end
      end
    end

    always_ff @(posedge clk_i) begin
      if (ld2) begin
        idx2_q[s]   <= sel_idx1[s];
        logit2_q[s] <= sel_logit1[s];
      end
    end

    assign out_data_o[s*IDX_W +: IDX_W]             = idx2_q[s];
    assign out_data_o[K*IDX_W + s*DATA_W +: DATA_W] = logit2_q[s];
  end

endmodule
