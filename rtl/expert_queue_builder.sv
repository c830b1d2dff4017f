// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Expert queue builder (Edge-MoE patch reordering): from each token's top-k
// (expert, score) choices to one queue of (token, score) per expert, in token
// order, expert after expert. Bit-exact with golden.stages.moe.build_queues.
//
// A batch is up to MAX_TOKENS tokens, one per input beat, token index = beat
// number within the batch. The batch ends with a beat whose last flag is set,
// or with token MAX_TOKENS-1 whatever its flag.
//
// Input beat (in_data_i, width 1 + K*(IDX_W+SCORE_W)):
//   bit 0                              last token of the batch
//   [1 + j*PAIR_W +: IDX_W]            expert of choice j (slot j)
//   [1 + j*PAIR_W + IDX_W +: SCORE_W]  score of choice j (format MOE_SCORE, raw)
// Choices with an expert index >= NUM_EXPERTS are dropped (the golden model
// rejects them); a token may name an expert more than once (kept, in slot order).
//
// Output: per batch one packet, a header beat then the queue entries:
//   header (bit 0 = 1):
//     [1 +: NUM_EXPERTS]                    active experts (non-empty queues), bit e
//     [1 + NUM_EXPERTS + e*LEN_W +: LEN_W]  queue length of expert e
//   entry (bit 0 = 0), ordered by expert, then token (then slot):
//     bit 1                                 last entry of this expert's queue
//     bit 2                                 last entry of the batch
//     [3 +: IDX_W]                          expert
//     [3 + IDX_W +: TOK_W]                  token
//     [3 + IDX_W + TOK_W +: SLOT_W]         slot (which of the token's K choices)
//     [3 + IDX_W + TOK_W + SLOT_W +: SCORE_W] score
// Empty experts produce no entries; a batch has sum(lengths) entries.
//
// Method: a counting sort in four phases, one batch at a time.
//   IN   (one beat per cycle): token words into the input buffer, lengths counted
//   OFS  (1 cycle): queue offsets = prefix sums of the lengths -> write pointers
//   SCAT (one choice per cycle, T*K cycles): each choice written to the queue
//        memory at its expert's write pointer, which then advances
//   HDR, OUT (one beat per cycle): the header, then the queue memory in order
// Cycles per batch of T tokens, without stalls: T + 1 + T*K + 1 + (entries).
// in_ready_o is high only in phase IN. Storage: input buffer MAX_TOKENS words of
// K choices and queue memory MAX_TOKENS*K entries (both plain arrays with one
// write and one asynchronous read port: distributed RAM).
module expert_queue_builder
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned NUM_EXPERTS = EXPERTS,
  parameter int unsigned K           = TOP_K,
  parameter int unsigned MAX_TOKENS  = TOKENS,
  parameter int unsigned SCORE_W     = MOE_SCORE_W,
  // Derived field widths (see the header comment).
  parameter int unsigned IDX_W       = EXPERT_IDX_W,
  parameter int unsigned TOK_W       = TOKEN_IDX_W,
  parameter int unsigned SLOT_W      = TOPK_SLOT_W,
  parameter int unsigned LEN_W       = QUEUE_LEN_W,
  parameter int unsigned PAIR_W      = QUEUE_PAIR_W,
  parameter int unsigned IN_W        = QUEUE_IN_W,
  parameter int unsigned OUT_W       = QUEUE_OUT_W
) (
  input  logic             clk_i,
  input  logic             rst_ni,

  input  logic             in_valid_i,
  output logic             in_ready_o,
  input  logic [IN_W-1:0]  in_data_i,

  output logic             out_valid_o,
  input  logic             out_ready_i,
  output logic [OUT_W-1:0] out_data_o
);

  // Sizes derived once in the package (hls/geometry.py), which hold for the
  // package's own parameters only.
  if (NUM_EXPERTS != EXPERTS || K != TOP_K || MAX_TOKENS != TOKENS ||
      SCORE_W != MOE_SCORE_W) begin : gen_err_pkg_geometry
    $error("expert_queue_builder: parameters differ from edgemoe_cfg_pkg's derived geometry");
  end

  localparam int unsigned Depth  = MAX_TOKENS * K;
  localparam int unsigned PtrW   = LEN_W;  // a pointer reaches Depth (one past the end)
  localparam int unsigned AddrW  = (Depth > 1) ? $clog2(Depth) : 1;
  localparam int unsigned CntW   = $clog2(K + 1);
  localparam int unsigned EntW   = IDX_W + TOK_W + SLOT_W + SCORE_W;
  localparam bit          AllIdx = (2 ** IDX_W) == NUM_EXPERTS;  // every index is an expert

  if (K < 1 || NUM_EXPERTS < 1 || MAX_TOKENS < 1) begin : gen_err_size
    $error("expert_queue_builder: K, NUM_EXPERTS and MAX_TOKENS must be positive");
  end

  typedef enum logic [2:0] {
    StIn   = 3'd0,
    StOfs  = 3'd1,
    StScat = 3'd2,
    StHdr  = 3'd3,
    StOut  = 3'd4
  } state_e;

  state_e            state_q, state_d;
  logic [TOK_W-1:0]  tok_q;       // IN: next token; SCAT: token being scattered
  logic [TOK_W-1:0]  last_tok_q;  // last token index of the batch
  logic [SLOT_W-1:0] slot_q;      // SCAT: slot being scattered
  logic [PtrW-1:0]   rd_ptr_q;    // OUT: queue memory address of the beat offered
  logic [PtrW-1:0]   total_q;     // entries of the batch
  logic [LEN_W-1:0]  len_q    [NUM_EXPERTS];
  logic [PtrW-1:0]   wr_ptr_q [NUM_EXPERTS];  // after SCAT: end of each queue

  logic in_hs, out_hs;
  assign in_hs  = in_valid_i & in_ready_o;
  assign out_hs = out_valid_o & out_ready_i;

  assign in_ready_o  = state_q == StIn;
  assign out_valid_o = (state_q == StHdr) | (state_q == StOut);

  //////////////////
  // Input buffer //
  //////////////////

  logic [K*PAIR_W-1:0] in_buf [MAX_TOKENS];

  always_ff @(posedge clk_i) begin
    if (in_hs) begin
      in_buf[tok_q] <= in_data_i[IN_W-1:1];
    end
  end

  logic in_last;
  assign in_last = in_data_i[0] | (tok_q == TOK_W'(MAX_TOKENS - 1));

  // Choices of the incoming token per expert (K of them at most).
  logic [IDX_W-1:0] in_exp [K];
  logic [CntW-1:0]  in_cnt [NUM_EXPERTS];

  for (genvar j = 0; j < K; j++) begin : g_in_exp
    assign in_exp[j] = in_data_i[1 + j*PAIR_W +: IDX_W];
  end

  always_comb begin
    for (int unsigned e = 0; e < NUM_EXPERTS; e++) begin
      in_cnt[e] = '0;
      for (int unsigned j = 0; j < K; j++) begin
        in_cnt[e] = in_cnt[e] + CntW'(in_exp[j] == IDX_W'(e));
      end
    end
  end

  ///////////////////////////////////
  // Lengths, offsets and pointers //
  ///////////////////////////////////

  // Queue offsets: prefix sums of the lengths; ofs[NUM_EXPERTS] is the total.
  logic [PtrW-1:0] ofs [NUM_EXPERTS+1];

  always_comb begin
    ofs[0] = '0;
    for (int unsigned e = 0; e < NUM_EXPERTS; e++) begin
      ofs[e+1] = ofs[e] + PtrW'(len_q[e]);
    end
  end

  // The choice being scattered.
  logic [PAIR_W-1:0]  sc_pair;
  logic [IDX_W-1:0]   sc_exp;
  logic [SCORE_W-1:0] sc_score;
  logic               sc_valid;
  logic [K*PAIR_W-1:0] sc_word;

  assign sc_word  = in_buf[tok_q];
  assign sc_pair  = sc_word[slot_q * PAIR_W +: PAIR_W];
  assign sc_exp   = sc_pair[IDX_W-1:0];
  assign sc_score = sc_pair[PAIR_W-1:IDX_W];
  if (AllIdx) begin : g_all_idx
    assign sc_valid = 1'b1;
  end else begin : g_some_idx
    assign sc_valid = {1'b0, sc_exp} < (IDX_W+1)'(NUM_EXPERTS);
  end

  logic sc_end;
  assign sc_end = (slot_q == SLOT_W'(K - 1)) & (tok_q == last_tok_q);

  for (genvar e = 0; e < NUM_EXPERTS; e++) begin : g_expert
    logic first_tok;
    assign first_tok = tok_q == '0;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        len_q[e]    <= '0;
        wr_ptr_q[e] <= '0;
      end else begin
        if (state_q == StIn && in_hs) begin
          // The first token of a batch restarts the count.
          len_q[e] <= (first_tok ? LEN_W'(0) : len_q[e]) + LEN_W'(in_cnt[e]);
        end
        if (state_q == StOfs) begin
          wr_ptr_q[e] <= ofs[e];
        end else if (state_q == StScat && sc_valid && sc_exp == IDX_W'(e)) begin
          wr_ptr_q[e] <= wr_ptr_q[e] + PtrW'(1);
        end
      end
    end
  end

  //////////////////
  // Queue memory //
  //////////////////

  logic [EntW-1:0] q_mem [Depth];

  logic [PtrW-1:0] sc_addr;
  assign sc_addr = wr_ptr_q[sc_exp];

  always_ff @(posedge clk_i) begin
    if (state_q == StScat && sc_valid) begin
      q_mem[sc_addr[AddrW-1:0]] <= {sc_score, slot_q, tok_q, sc_exp};
    end
  end

  ////////////
  // Output //
  ////////////

  logic [EntW-1:0]  rd_ent;
  logic [IDX_W-1:0] rd_exp;
  logic [PtrW-1:0]  rd_next;
  logic             rd_last_q, rd_last;

  assign rd_ent    = q_mem[rd_ptr_q[AddrW-1:0]];
  assign rd_exp    = rd_ent[IDX_W-1:0];
  assign rd_next   = rd_ptr_q + PtrW'(1);
  assign rd_last_q = rd_next == wr_ptr_q[rd_exp];
  assign rd_last   = rd_next == total_q;

  logic [QUEUE_HDR_W-1:0]   hdr;
  logic [QUEUE_ENTRY_W-1:0] ent;

  always_comb begin
    hdr    = '0;
    hdr[0] = 1'b1;
    for (int unsigned e = 0; e < NUM_EXPERTS; e++) begin
      hdr[1 + e]                       = |len_q[e];
      hdr[1 + NUM_EXPERTS + e*LEN_W +: LEN_W] = len_q[e];
    end
  end

  assign ent = {rd_ent, rd_last, rd_last_q, 1'b0};

  assign out_data_o = (state_q == StHdr) ? OUT_W'(hdr) : OUT_W'(ent);

  ///////////////////
  // Control (FSM) //
  ///////////////////

  always_comb begin
    state_d = state_q;
    unique case (state_q)
      StIn:    if (in_hs && in_last) state_d = StOfs;
      StOfs:   state_d = StScat;
      StScat:  if (sc_end) state_d = StHdr;
      StHdr:   if (out_hs) state_d = (total_q == '0) ? StIn : StOut;
      StOut:   if (out_hs && rd_last) state_d = StIn;
      default: state_d = StIn;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q    <= StIn;
      tok_q      <= '0;
      last_tok_q <= '0;
      slot_q     <= '0;
      rd_ptr_q   <= '0;
      total_q    <= '0;
    end else begin
      state_q <= state_d;
      unique case (state_q)
        StIn: begin
          if (in_hs) begin
            if (in_last) begin
              last_tok_q <= tok_q;
              tok_q      <= '0;
            end else begin
              tok_q <= tok_q + TOK_W'(1);
            end
          end
          slot_q <= '0;
        end
        StOfs: begin
          total_q <= ofs[NUM_EXPERTS];
        end
        StScat: begin
          if (slot_q == SLOT_W'(K - 1)) begin
            slot_q <= '0;
            tok_q  <= sc_end ? '0 : tok_q + TOK_W'(1);
          end else begin
            slot_q <= slot_q + SLOT_W'(1);
          end
          rd_ptr_q <= '0;
        end
        StOut: begin
          if (out_hs) begin
            rd_ptr_q <= rd_next;
          end
        end
        default: ;
      endcase
    end
  end

endmodule
