// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Linear engine (Edge-MoE idea 4): one linear layer y = [GELU](x @ W.T + b)
// run out of memory on one linear_tile, bit-exact with
// golden.stages.linear.linear; in patch mode the patch embedding, bit-exact
// with golden.stages.patch_embed.patch_embed.
//
// Job. x (N tokens x K features, feature format), W (M rows of K 16-bit
// weights: linear_weight, or patch_weight in patch mode), b (one row of M
// biases: bias, or attn_bias when job_bias_alt_i), y (N x M features). Patch
// mode: x is the image (C, H, W) of pixels (ap_ufixed<8,0>, rows of IMAGE_W),
// pos (TOKENS x M features) the position embedding, K = C*p*p. Every row
// starts on a beat; a row of n elements of e bytes takes ceil(n*e/BB) beats
// (BB = DATA_W/8 bytes per beat). K must be a multiple of COLS and M of ROWS
// (the program generator guarantees it); ROWS features are whole beats.
//
// One datapath for both modes. linear_tile runs with
//   W_FRAC = max(LINEAR_WEIGHT_FRAC, PATCH_WEIGHT_FRAC), W_W wide enough for
//   both weight formats shifted to W_FRAC (linear <16,2> raw << 2 = <18,2>);
//   X_FRAC = FEATURE_FRAC, pixels converted exactly (raw << (FEATURE_FRAC -
//   PIXEL_FRAC), zero-extended).
// Shifting an operand left by s multiplies every product, hence the exact
// accumulator, by 2**s and moves the rounding point by s bits: the tile's one
// rounding, floor((acc * 2**s + 2**(S+s-1)) / 2**(S+s)), equals golden's
// floor((acc + 2**(S-1)) / 2**S), and the bias is aligned by the tile to the
// shifted fraction bits, so the output bits are golden's.
//
// Patch mode. Token 0's output is pos[0] unchanged. Token t >= 1 is patch t-1
// at (py, px) = divmod(t-1, IMAGE_W/PATCH); its K = C*p*p inputs in (c, r, col)
// order are image[c, py*p + r, px*p + col]: the p pixels at byte px*p of
// image row c*IMAGE_H + py*p + r, read with one command per (c, r) (part of
// one beat when p < BB, p/BB whole beats otherwise). Output
//   y[t] = sat(tile[t] + pos[t]),  tile[t] = sat(round(acc[t]))
// equals golden's single rounding sat(round(acc + pos << s)): pos is a whole
// number of output LSBs, so round half up commutes with adding it, and the
// tile's own saturation never acts in patch mode, because
//   |acc| <= C*p*p * max_pixel * max|patch_weight| + max|bias|
//          = 768 * (255/256) * 0.5 + 16 = 398.5 < 2**(FEATURE int bits - 1) = 512
// (checked at elaboration, gen_err_patch_sat, for the configuration's formats).
// Bias format bias and no GELU in patch mode, whatever the job says.
//
// Schedule. For each tile of ROWS outputs (m0 = tile * ROWS): the ROWS weight
// rows and the ROWS biases are read into a staging RAM (row-major, as they
// come), then pushed to the tile block-major (block j: rows 0..ROWS-1);
// then the N tokens' input rows are streamed through the tile (patch mode:
// for each token its pos row, then its C*p pixel segments) and each token's
// ROWS outputs are written as one command at y + t*pitch(M) + m0*4. The
// single read stream is ordered so that the next tile's weights are read
// before the current tile's last T tokens, T chosen so that those tokens'
// reads take at least as long as the staging-to-tile push: the push into the
// tile's free bank overlaps the current tile's tail, and the next tile's
// tokens find their weights loaded. Reads are therefore back to back; the
// engine is read-bandwidth bound (x beats carry DATA_W/32 features, the tile
// takes COLS per cycle).
//
// Reads. A descriptor FIFO (sync_fifo, DESC_DEPTH commands) remembers what
// each issued command returns; data are routed to the staging RAM, the feature
// gearbox (to the tile) or the pos FIFO (sync_fifo, POS_DEPTH beats). Every issued command's data can always be
// taken without another read completing: staging waits only for the push
// (whose bank was freed by tokens read earlier), features wait only for
// weights read earlier and for output writes, pos rows wait only for the
// writes of tokens whose inputs were read before them.
//
// Writes. One command of ROWS*FEATURE lane bytes / BB beats per token, the
// command accepted before its first data beat. done_o pulses in the cycle the
// job's last write beat is accepted; job_ready_o is high when idle (from the
// cycle after done_o). The job handshake, done_o (a count of the job's N * M /
// LX write beats) and the write commands are engine_job_ctrl's. Jobs need
// N >= 1 (patch: N >= 2), K >= COLS, M >= ROWS.
module linear_engine
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned ROWS       = TILE_ROWS,
  parameter int unsigned COLS       = TILE_COLS,
  parameter int unsigned DATA_W     = AXI_DATA_W,
  // Read commands outstanding (issued, data not all taken).
  parameter int unsigned DESC_DEPTH = 16,
  // Position-embedding beats buffered (patch mode).
  parameter int unsigned POS_DEPTH  = 16
) (
  input  logic              clk_i,
  input  logic              rst_ni,

  input  logic              job_valid_i,
  output logic              job_ready_o,
  input  logic [63:0]       job_x_addr_i,
  input  logic [63:0]       job_w_addr_i,
  input  logic [63:0]       job_b_addr_i,
  input  logic [63:0]       job_pos_addr_i,
  input  logic [63:0]       job_y_addr_i,
  input  logic [15:0]       job_tokens_i,
  input  logic [15:0]       job_k_i,
  input  logic [15:0]       job_m_i,
  input  logic              job_gelu_i,
  input  logic              job_bias_alt_i,
  input  logic              job_patch_i,
  output logic              done_o,

  output logic              rd_cmd_valid_o,
  input  logic              rd_cmd_ready_i,
  output logic [63:0]       rd_cmd_addr_o,
  output logic [31:0]       rd_cmd_beats_o,
  input  logic              rd_valid_i,
  output logic              rd_ready_o,
  input  logic [DATA_W-1:0] rd_data_i,

  output logic              wr_cmd_valid_o,
  input  logic              wr_cmd_ready_i,
  output logic [63:0]       wr_cmd_addr_o,
  output logic [31:0]       wr_cmd_beats_o,
  output logic              wr_valid_o,
  input  logic              wr_ready_i,
  output logic [DATA_W-1:0] wr_data_o
);

  //////////////////////
  // Derived geometry //
  //////////////////////

  // Lane bytes of a format of w bits (hls.memory_map.element_bytes).
  function automatic int unsigned elem_bytes(int unsigned w);
    return (w <= 8) ? 1 : (w <= 16) ? 2 : (w <= 32) ? 4 : 8;
  endfunction

  function automatic int unsigned max2(int unsigned a, int unsigned b);
    return (a > b) ? a : b;
  endfunction

  localparam int unsigned BB     = DATA_W / 8;
  localparam int unsigned OffW   = $clog2(BB);
  // Tile operand formats (one datapath for both modes).
  localparam int unsigned XW     = FEATURE_W;
  localparam int unsigned XFrac  = FEATURE_FRAC;
  localparam int unsigned TWFrac = max2(LINEAR_WEIGHT_FRAC, PATCH_WEIGHT_FRAC);
  localparam int unsigned LwSh   = TWFrac - LINEAR_WEIGHT_FRAC;
  localparam int unsigned PwSh   = TWFrac - PATCH_WEIGHT_FRAC;
  localparam int unsigned TWW    = max2(LINEAR_WEIGHT_W + LwSh, PATCH_WEIGHT_W + PwSh);
  localparam int unsigned TBW    = max2(BIAS_W, ATTN_BIAS_W);
  localparam int unsigned PixSh  = FEATURE_FRAC - PIXEL_FRAC;
  // Lane bytes and lanes per beat of each tensor class.
  localparam int unsigned XE     = elem_bytes(FEATURE_W);
  localparam int unsigned WE     = elem_bytes(max2(LINEAR_WEIGHT_W, PATCH_WEIGHT_W));
  localparam int unsigned BE     = elem_bytes(TBW);
  localparam int unsigned PE     = elem_bytes(PIXEL_W);
  localparam int unsigned LX     = BB / XE;
  localparam int unsigned LW     = BB / WE;
  localparam int unsigned LP     = BB / PE;
  // Largest K: the widest linear layer, or the patch embedding.
  localparam int unsigned PatchK = CHANNELS * PATCH * PATCH;
  localparam int unsigned LinK   = max2(DIM, max2(MLP_HIDDEN, EXPERT_HIDDEN));
  localparam int unsigned MaxK   = ((max2(LinK, PatchK) + COLS - 1) / COLS) * COLS;
  // Staging RAM: ROWS rows of SW words of G weights (one beat, or one block).
  localparam int unsigned G      = max2(LW, COLS);
  localparam int unsigned SW     = (MaxK + G - 1) / G;
  localparam int unsigned SDepth = ROWS * SW;
  localparam int unsigned SAW    = (SDepth > 1) ? $clog2(SDepth) : 1;
  localparam int unsigned SubN   = G / COLS;        // blocks per word
  localparam int unsigned SubW   = (SubN > 1) ? $clog2(SubN) : 1;
  localparam int unsigned GathN  = (LW < COLS) ? COLS / LW : 1;  // beats per word
  localparam int unsigned GathW  = (GathN > 1) ? $clog2(GathN) : 1;
  // Bias: the ROWS biases of a tile, at any lane offset: at most NBB beats.
  localparam int unsigned NBB    = (BB - BE + ROWS * BE + BB - 1) / BB;
  localparam int unsigned NBBW   = (NBB > 1) ? $clog2(NBB) : 1;
  // Feature chunks: one read beat gives QL features or QP pixels.
  localparam int unsigned QL     = LX;
  localparam int unsigned QP     = (PATCH < LP) ? PATCH : LP;
  localparam int unsigned PixBeats = (PATCH * PE + BB - 1) / BB;
  localparam int unsigned ImgPitch = ((IMAGE_W * PE + BB - 1) / BB) * BB;
  localparam int unsigned GridW  = IMAGE_W / PATCH;
  // Output: ROWS features per token, OB whole beats.
  localparam int unsigned OB     = ROWS * XE / BB;
  // Tokens read after the next tile's weights: their reads outlast the push
  // of ROWS * K / COLS weight beats into the tile (plus one for latency).
  localparam int unsigned TLin   = (ROWS * LX + COLS - 1) / COLS + 1;
  localparam int unsigned PushP  = ROWS * PatchK / COLS;
  localparam int unsigned TokP   = OB + CHANNELS * PATCH * PixBeats;
  localparam int unsigned TPat   = (PushP + TokP - 1) / TokP + 1;

  // The tile's accumulator never saturates in patch mode (see header): the
  // largest |acc| in the tile's accumulator LSBs, against the saturation
  // threshold 2**(FEATURE_W - 1) output LSBs minus half an LSB.
  localparam int unsigned AccFrac = XFrac + TWFrac;
  function automatic bit patch_can_saturate();
    longint unsigned pix, w, b, acc, lim;
    pix = ((longint'(1) << PIXEL_W) - 1) << PixSh;
    w   = (longint'(1) << (PATCH_WEIGHT_W - 1)) << PwSh;
    b   = (longint'(1) << (BIAS_W - 1)) << (AccFrac - BIAS_FRAC);
    acc = longint'(PatchK) * pix * w + b;
    lim = (longint'(1) << (FEATURE_W - 1 + AccFrac - FEATURE_FRAC))
          - (longint'(1) << (AccFrac - FEATURE_FRAC - 1));
    return acc >= lim;
  endfunction

  if (patch_can_saturate()) begin : gen_err_patch_sat
    $error("linear_engine: the patch accumulator can saturate before pos is added");
  end
  if (PATCH_WEIGHT_SIGNED == 0 || LINEAR_WEIGHT_SIGNED == 0 || PIXEL_SIGNED != 0) begin : gen_err_sign
    $error("linear_engine: signed weights and unsigned pixels expected");
  end
  if (elem_bytes(LINEAR_WEIGHT_W) != elem_bytes(PATCH_WEIGHT_W)) begin : gen_err_we
    $error("linear_engine: linear and patch weights must have the same lane size");
  end
  if (XFrac < PIXEL_FRAC || PIXEL_W + PixSh >= XW) begin : gen_err_pix
    $error("linear_engine: pixels do not convert exactly to the feature format");
  end
  if ((ROWS * XE) % BB != 0 || OB < 1) begin : gen_err_ob
    $error("linear_engine: ROWS features must be whole beats");
  end
  if ((G % COLS) != 0 || (G % LW) != 0) begin : gen_err_g
    $error("linear_engine: weight lanes per beat and COLS must divide one another");
  end
  if ((QL % COLS != 0 && COLS % QL != 0) || (QP % COLS != 0 && COLS % QP != 0)) begin : gen_err_q
    $error("linear_engine: features / pixels per beat and COLS must divide one another");
  end
  if ((PATCH * PE) % BB != 0 && BB % (PATCH * PE) != 0) begin : gen_err_patch_beat
    $error("linear_engine: the patch row and the beat must divide one another");
  end
  if (PatchK % COLS != 0 || IMAGE_W % PATCH != 0) begin : gen_err_patch_geo
    $error("linear_engine: patch geometry");
  end
  if (POS_DEPTH < OB) begin : gen_err_depth
    $error("linear_engine: POS_DEPTH must hold one token (sync_fifo checks powers of two)");
  end

  ////////////////
  // Job fields //
  ////////////////

  logic        busy;
  logic [63:0] x_addr_q;
  logic [15:0] n_q, kb_q, nt_q, tt_q, wins_q;
  logic [15:0] x_beats_q, w_beats_q;
  logic [31:0] x_pitch_q, w_pitch_q, y_pitch_q;
  logic        gelu_q, alt_q, patch_q;
  logic        job_fire;

  // Derived sizes of the accepted job.
  logic [15:0] j_x_beats, j_w_beats, j_y_beats, j_tt, j_wins, j_t;

  assign j_x_beats = 16'((32'(job_k_i) + LX - 1) / LX);
  assign j_w_beats = 16'((32'(job_k_i) + LW - 1) / LW);
  assign j_y_beats = 16'((32'(job_m_i) + LX - 1) / LX);
  assign j_tt      = job_patch_i ? job_tokens_i - 16'd1 : job_tokens_i;
  assign j_t       = job_patch_i ? 16'(TPat) : 16'(TLin);
  assign j_wins    = (job_tokens_i > j_t) ? job_tokens_i - j_t : 16'd0;

  always_ff @(posedge clk_i) begin
    if (job_fire) begin
      x_addr_q   <= job_x_addr_i;
      n_q        <= job_tokens_i;
      kb_q       <= 16'(32'(job_k_i) / COLS);
      nt_q       <= 16'(32'(job_m_i) / ROWS);
      tt_q       <= j_tt;
      wins_q     <= j_wins;
      x_beats_q  <= j_x_beats;
      w_beats_q  <= j_w_beats;
      x_pitch_q  <= 32'(j_x_beats) * BB;
      w_pitch_q  <= 32'(j_w_beats) * BB;
      y_pitch_q  <= 32'(j_y_beats) * BB;
      gelu_q     <= job_gelu_i & ~job_patch_i;
      alt_q      <= job_bias_alt_i & ~job_patch_i;
      patch_q    <= job_patch_i;
    end
  end

  ////////////////////////////////
  // Read commands, in order    //
  ////////////////////////////////

  localparam logic [2:0] KindW = 3'd0, KindB = 3'd1, KindX = 3'd2, KindPix = 3'd3, KindPos = 3'd4;
  typedef enum logic [1:0] {CgIdle, CgW, CgTok} cg_e;

  cg_e          cg_q;
  logic [15:0]  cg_tile_q, cg_tok_q, cg_wrow_q;
  logic         cg_wnext_q;       // the next tile's weights are issued
  logic         cg_pos_done_q;    // patch: this token's pos row is issued
  logic [15:0]  cg_c_q, cg_r_q, cg_px_q, cg_py_q;
  logic [63:0]  w_ptr_q, b_ptr_q, x_ptr_q, pos_ptr_q, pos_base_q;

  logic         cmd_fire, cmd_has, need_w;
  logic [2:0]   cmd_kind;
  logic [63:0]  cmd_addr;
  logic [15:0]  cmd_beats;
  logic [OffW-1:0] cmd_off;
  logic         desc_full;
  logic         tok_end, tile_end;

  // Pixel segment of (c, r) of the current patch.
  logic [31:0]  pix_row;
  logic [31:0]  pix_byte;
  logic [63:0]  pix_addr;
  assign pix_row  = 32'(cg_c_q) * IMAGE_H + 32'(cg_py_q) * PATCH + 32'(cg_r_q);
  assign pix_byte = 32'(cg_px_q) * (PATCH * PE);
  assign pix_addr = x_addr_q + 64'(pix_row) * ImgPitch + 64'({pix_byte[31:OffW], {OffW{1'b0}}});

  // Bias of a tile: ROWS lanes from b_ptr, possibly mid-beat.
  logic [OffW-1:0] b_off;
  assign b_off = b_ptr_q[OffW-1:0];

  assign need_w = (cg_q == CgTok) && !cg_wnext_q && (cg_tok_q == wins_q)
                  && (cg_tile_q + 16'd1 < nt_q);

  always_comb begin
    cmd_has   = 1'b0;
    cmd_kind  = KindX;
    cmd_addr  = x_ptr_q;
    cmd_beats = x_beats_q;
    cmd_off   = '0;
    if (cg_q == CgW) begin
      cmd_has = 1'b1;
      if (cg_wrow_q < 16'(ROWS)) begin
        cmd_kind  = KindW;
        cmd_addr  = w_ptr_q;
        cmd_beats = w_beats_q;
      end else begin
        cmd_kind  = KindB;
        cmd_addr  = {b_ptr_q[63:OffW], {OffW{1'b0}}};
        cmd_beats = 16'((32'(b_off) + ROWS * BE + BB - 1) / BB);
        cmd_off   = b_off;
      end
    end else if (cg_q == CgTok && !need_w) begin
      cmd_has = 1'b1;
      if (!patch_q) begin
        cmd_kind = KindX;
      end else if (!cg_pos_done_q) begin
        cmd_kind  = KindPos;
        cmd_addr  = pos_ptr_q;
        cmd_beats = 16'(OB);
      end else begin
        cmd_kind  = KindPix;
        cmd_addr  = pix_addr;
        cmd_beats = 16'(PixBeats);
        cmd_off   = pix_byte[OffW-1:0];
      end
    end
  end

  assign rd_cmd_valid_o = cmd_has & ~desc_full;
  assign rd_cmd_addr_o  = cmd_addr;
  assign rd_cmd_beats_o = 32'(cmd_beats);
  assign cmd_fire       = rd_cmd_valid_o & rd_cmd_ready_i;

  // The command ending a token / a tile.
  assign tok_end  = !patch_q || (cg_tok_q == 16'd0) ||
                    (cg_pos_done_q && cg_c_q == 16'(CHANNELS - 1) && cg_r_q == 16'(PATCH - 1));
  assign tile_end = tok_end && (cg_tok_q == n_q - 16'd1);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cg_q <= CgIdle;
      {cg_tile_q, cg_tok_q, cg_wrow_q, cg_wnext_q, cg_pos_done_q,
       cg_c_q, cg_r_q, cg_px_q, cg_py_q} <= '0;
      {w_ptr_q, b_ptr_q, x_ptr_q, pos_ptr_q, pos_base_q} <= '0;
    end else if (job_fire) begin
      cg_q <= CgW;
      {cg_tile_q, cg_tok_q, cg_wrow_q, cg_wnext_q, cg_pos_done_q,
       cg_c_q, cg_r_q, cg_px_q, cg_py_q} <= '0;
      w_ptr_q    <= job_w_addr_i;
      b_ptr_q    <= job_b_addr_i;
      x_ptr_q    <= job_x_addr_i;
      pos_ptr_q  <= job_pos_addr_i;
      pos_base_q <= job_pos_addr_i;
    end else if (need_w) begin
      cg_q       <= CgW;
      cg_wnext_q <= 1'b1;
    end else if (cmd_fire) begin
      if (cg_q == CgW) begin
        if (cg_wrow_q < 16'(ROWS)) begin
          cg_wrow_q <= cg_wrow_q + 16'd1;
          w_ptr_q   <= w_ptr_q + 64'(w_pitch_q);
        end else begin
          cg_wrow_q <= '0;
          b_ptr_q   <= b_ptr_q + 64'(ROWS * BE);
          cg_q      <= CgTok;
        end
      end else begin
        // A token command.
        if (patch_q && !cg_pos_done_q && cg_tok_q != 16'd0) begin
          cg_pos_done_q <= 1'b1;
        end else if (patch_q && cg_pos_done_q && !tok_end) begin
          if (cg_r_q == 16'(PATCH - 1)) begin
            cg_r_q <= '0;
            cg_c_q <= cg_c_q + 16'd1;
          end else begin
            cg_r_q <= cg_r_q + 16'd1;
          end
        end
        if (tok_end) begin
          cg_pos_done_q <= 1'b0;
          cg_c_q        <= '0;
          cg_r_q        <= '0;
          if (tile_end) begin
            cg_tok_q   <= '0;
            cg_tile_q  <= cg_tile_q + 16'd1;
            cg_wnext_q <= 1'b0;
            cg_px_q    <= '0;
            cg_py_q    <= '0;
            x_ptr_q    <= x_addr_q;
            pos_ptr_q  <= pos_base_q + 64'(ROWS * XE);
            pos_base_q <= pos_base_q + 64'(ROWS * XE);
            if (cg_tile_q + 16'd1 == nt_q) begin
              cg_q <= CgIdle;
            end
          end else begin
            cg_tok_q  <= cg_tok_q + 16'd1;
            x_ptr_q   <= x_ptr_q + 64'(x_pitch_q);
            pos_ptr_q <= pos_ptr_q + 64'(y_pitch_q);
            // Token 1 is patch (0, 0); later tokens step along the grid.
            if (cg_tok_q != 16'd0) begin
              if (cg_px_q == 16'(GridW - 1)) begin
                cg_px_q <= '0;
                cg_py_q <= cg_py_q + 16'd1;
              end else begin
                cg_px_q <= cg_px_q + 16'd1;
              end
            end
          end
        end
      end
    end
  end

  //////////////////////////////
  // Descriptors and routing  //
  //////////////////////////////

  localparam int unsigned DescW = 3 + 16 + OffW;

  logic              desc_pop, desc_valid;
  logic [2:0]        d_kind;
  logic [15:0]       d_beats;
  logic [OffW-1:0]   d_off;
  logic [15:0]       d_beat_q;        // beat of the head command
  logic              rd_fire, d_last;

  assign d_last   = d_beat_q == d_beats - 16'd1;
  assign desc_pop = rd_fire & d_last;

  sync_fifo #(
    .WIDTH (DescW),
    .DEPTH (DESC_DEPTH)
  ) u_desc (
    .clk_i,
    .rst_ni,
    .push_i  (cmd_fire),
    .data_i  ({cmd_kind, cmd_beats, cmd_off}),
    .pop_i   (desc_pop),
    .full_o  (desc_full),
    .valid_o (desc_valid),
    .data_o  ({d_kind, d_beats, d_off})
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      d_beat_q <= '0;
    end else if (rd_fire) begin
      d_beat_q <= d_last ? '0 : d_beat_q + 16'd1;
    end
  end

  // Targets.
  logic st_fill;          // staging RAM takes weight / bias beats
  logic gear_in_ready;    // feature gearbox takes a chunk
  logic pos_full;
  logic tgt_ready;

  always_comb begin
    unique case (d_kind)
      KindW, KindB:   tgt_ready = st_fill;
      KindX, KindPix: tgt_ready = gear_in_ready;
      default:        tgt_ready = ~pos_full;
    endcase
  end

  assign rd_ready_o = desc_valid & tgt_ready;
  assign rd_fire    = rd_valid_i & rd_ready_o;

  ////////////////////////////////////////
  // Staging RAM and the push to the tile //
  ////////////////////////////////////////

  logic [G*WE*8-1:0]   stage_mem [SDepth];
  logic [15:0]         st_row_q, st_word_q;
  logic [GathW-1:0]    st_gath_q;
  logic [DATA_W-1:0]   bias_beats_q [NBB];
  logic [OffW-1:0]     bias_off_q;
  logic                st_push_q;
  logic                w_beat, b_beat;
  logic                st_we;
  logic [G*WE*8-1:0]   st_wdata;

  assign st_fill = ~st_push_q;
  assign w_beat  = rd_fire && d_kind == KindW;
  assign b_beat  = rd_fire && d_kind == KindB;

  if (LW < COLS) begin : gen_gather
    // COLS / LW beats make one word (one block of one row).
    logic [(GathN-1)*DATA_W-1:0] gath_q;
    if (GathN > 2) begin : gen_shift
      always_ff @(posedge clk_i) begin
        if (w_beat) begin
          gath_q <= {rd_data_i, gath_q[(GathN-1)*DATA_W-1:DATA_W]};
        end
      end
    end else begin : gen_one
      always_ff @(posedge clk_i) begin
        if (w_beat) begin
          gath_q <= rd_data_i;
        end
      end
    end
    assign st_wdata = {rd_data_i, gath_q};
    assign st_we    = w_beat && st_gath_q == GathW'(GathN - 1);
  end else begin : gen_no_gather
    logic unused_gath;
    assign unused_gath = ^st_gath_q;
    assign st_wdata = rd_data_i;
    assign st_we    = w_beat;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_row_q   <= '0;
      st_word_q  <= '0;
      st_gath_q  <= '0;
      bias_off_q <= '0;
    end else if (job_fire) begin
      st_row_q   <= '0;
      st_word_q  <= '0;
      st_gath_q  <= '0;
    end else begin
      if (w_beat) begin
        if (d_last) begin
          st_row_q  <= st_row_q + 16'd1;
          st_word_q <= '0;
          st_gath_q <= '0;
        end else if (st_we) begin
          st_word_q <= st_word_q + 16'd1;
          st_gath_q <= '0;
        end else begin
          st_gath_q <= st_gath_q + GathW'(1);
        end
      end
      if (b_beat && d_last) begin
        st_row_q   <= '0;
        bias_off_q <= d_off;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (st_we) begin
      stage_mem[SAW'(32'(st_row_q) * SW + 32'(st_word_q))] <= st_wdata;
    end
    if (b_beat) begin
      bias_beats_q[d_beat_q[NBBW-1:0]] <= rd_data_i;
    end
  end

  // Push: block j, row r, one beat per cycle into the tile's weight port.
  logic [15:0]       p_blk_q, p_row_q, p_word_q;
  logic [SubW-1:0]   p_sub_q;
  logic              p_issued_q;     // every beat of this tile read from the RAM
  logic              wv_q, w_last_q;
  logic [G*WE*8-1:0] w_raw_q;
  logic [SubW-1:0]   w_sub_q;
  logic              w_adv, p_rd;
  logic              tw_ready, w_fire;

  assign w_adv  = ~wv_q | tw_ready;
  assign p_rd   = st_push_q & ~p_issued_q & w_adv;
  assign w_fire = wv_q & tw_ready;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_push_q  <= 1'b0;
      p_issued_q <= 1'b0;
      p_blk_q    <= '0;
      p_row_q    <= '0;
      p_word_q   <= '0;
      p_sub_q    <= '0;
      wv_q       <= 1'b0;
    end else begin
      if (b_beat && d_last) begin
        st_push_q <= 1'b1;
      end else if (w_fire && w_last_q) begin
        st_push_q  <= 1'b0;
        p_issued_q <= 1'b0;
      end
      if (w_adv) begin
        wv_q <= p_rd;
      end
      if (p_rd) begin
        if (p_row_q == 16'(ROWS - 1)) begin
          p_row_q <= '0;
          if (p_blk_q == kb_q - 16'd1) begin
            p_blk_q    <= '0;
            p_word_q   <= '0;
            p_sub_q    <= '0;
            p_issued_q <= 1'b1;
          end else begin
            p_blk_q <= p_blk_q + 16'd1;
            if (p_sub_q == SubW'(SubN - 1)) begin
              p_sub_q  <= '0;
              p_word_q <= p_word_q + 16'd1;
            end else begin
              p_sub_q <= p_sub_q + SubW'(1);
            end
          end
        end else begin
          p_row_q <= p_row_q + 16'd1;
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (p_rd) begin
      w_raw_q  <= stage_mem[SAW'(32'(p_row_q) * SW + 32'(p_word_q))];
      w_sub_q  <= p_sub_q;
      w_last_q <= (p_row_q == 16'(ROWS - 1)) && (p_blk_q == kb_q - 16'd1);
    end
  end

  // Weight lanes to the tile's format: sign-extend, shift to TWFrac.
  logic [COLS*TWW-1:0] tw_data;
  logic [ROWS*TBW-1:0] tw_bias;
  logic [NBB*DATA_W-1:0] bias_flat;

  for (genvar c = 0; c < COLS; c++) begin : g_wconv
    logic [WE*8-1:0] lane;
    assign lane = w_raw_q[(32'(w_sub_q) * COLS + c) * WE * 8 +: WE * 8];
    assign tw_data[c*TWW +: TWW] = patch_q
        ? TWW'($signed(lane[PATCH_WEIGHT_W-1:0])) << PwSh
        : TWW'($signed(lane[LINEAR_WEIGHT_W-1:0])) << LwSh;
  end

  for (genvar i = 0; i < NBB; i++) begin : g_bias_flat
    assign bias_flat[i*DATA_W +: DATA_W] = bias_beats_q[i];
  end
  for (genvar r = 0; r < ROWS; r++) begin : g_bias
    assign tw_bias[r*TBW +: TBW] = bias_flat[(32'(bias_off_q) + r * BE) * 8 +: TBW];
  end

  //////////////////////////////////
  // Feature gearbox to the tile  //
  //////////////////////////////////

  // Read beats become chunks (QL features or QP pixels), chunks become tile
  // beats of COLS features: split when a chunk holds several blocks (the
  // zero padding after a row's K-th feature is dropped), gathered otherwise.
  logic              ti_valid, ti_ready, ti_last, ti_tile_last;
  logic [COLS*XW-1:0] ti_data;
  logic [15:0]       f_blk_q, f_tok_q;
  logic              ti_fire;
  logic              x_beat;
  logic [1:0]        g_out_valid, g_in_ready;
  logic [COLS*XW-1:0] g_out_data [2];

  assign x_beat  = rd_fire && (d_kind == KindX || d_kind == KindPix);
  assign ti_last = f_blk_q == kb_q - 16'd1;
  assign ti_tile_last = f_tok_q == tt_q - 16'd1;

  for (genvar g = 0; g < 2; g++) begin : g_gear
    localparam int unsigned Q  = g ? QP : QL;
    localparam int unsigned QN = (Q > COLS) ? Q / COLS : 1;
    localparam int unsigned QNW = (QN > 1) ? $clog2(QN) : 1;
    logic [Q*XW-1:0] chunk;
    logic            in_v, out_rdy;

    assign in_v    = x_beat && (patch_q == 1'(g));
    assign out_rdy = ti_ready && (patch_q == 1'(g));

    // Chunk lanes in the feature format.
    if (g == 0) begin : gen_feat
      for (genvar i = 0; i < Q; i++) begin : g_lane
        assign chunk[i*XW +: XW] = rd_data_i[i*XE*8 +: XW];
      end
    end else begin : gen_pix
      logic [Q*PE*8-1:0] seg;
      if (PATCH * PE < BB) begin : gen_part
        assign seg = rd_data_i[32'(d_off) / (Q * PE) * (Q * PE * 8) +: Q * PE * 8];
      end else begin : gen_whole
        assign seg = rd_data_i;
      end
      for (genvar i = 0; i < Q; i++) begin : g_lane
        assign chunk[i*XW +: XW] = XW'(seg[i*PE*8 +: PIXEL_W]) << PixSh;
      end
    end

    if (Q >= COLS) begin : gen_split
      logic [Q*XW-1:0] cq_q;
      logic            cv_q;
      logic [QNW-1:0]  csub_q;
      logic            rel;
      assign rel            = cv_q & out_rdy & (csub_q == QNW'(QN - 1) || ti_last);
      assign g_in_ready[g]  = ~cv_q | rel;
      assign g_out_valid[g] = cv_q;
      assign g_out_data[g]  = cq_q[32'(csub_q) * COLS * XW +: COLS * XW];
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          cv_q   <= 1'b0;
          csub_q <= '0;
        end else if (in_v) begin
          cv_q   <= 1'b1;
          csub_q <= '0;
        end else if (rel) begin
          cv_q   <= 1'b0;
          csub_q <= '0;
        end else if (cv_q && out_rdy) begin
          csub_q <= csub_q + QNW'(1);
        end
      end
      always_ff @(posedge clk_i) begin
        if (in_v) begin
          cq_q <= chunk;
        end
      end
    end else begin : gen_gath
      localparam int unsigned GN  = COLS / Q;
      localparam int unsigned GNW = (GN > 1) ? $clog2(GN) : 1;
      logic [COLS*XW-1:0] acc_q;
      logic               ov_q;
      logic [GNW-1:0]     cnt_q;
      logic               out_fire, full_now;
      assign out_fire       = ov_q & out_rdy;
      assign full_now       = in_v & (cnt_q == GNW'(GN - 1));
      assign g_in_ready[g]  = ~ov_q | out_rdy;
      assign g_out_valid[g] = ov_q;
      assign g_out_data[g]  = acc_q;
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          ov_q  <= 1'b0;
          cnt_q <= '0;
        end else begin
          if (in_v) begin
            cnt_q <= full_now ? '0 : cnt_q + GNW'(1);
          end
          if (full_now) begin
            ov_q <= 1'b1;
          end else if (out_fire) begin
            ov_q <= 1'b0;
          end
        end
      end
      always_ff @(posedge clk_i) begin
        if (in_v) begin
          acc_q <= {chunk, acc_q[COLS*XW-1:Q*XW]};
        end
      end
    end
  end

  assign gear_in_ready = g_in_ready[patch_q];
  assign ti_valid      = g_out_valid[patch_q] & busy;
  assign ti_data       = g_out_data[patch_q];
  assign ti_fire       = ti_valid & ti_ready;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_blk_q <= '0;
      f_tok_q <= '0;
    end else if (job_fire) begin
      f_blk_q <= '0;
      f_tok_q <= '0;
    end else if (ti_fire) begin
      if (ti_last) begin
        f_blk_q <= '0;
        f_tok_q <= ti_tile_last ? '0 : f_tok_q + 16'd1;
      end else begin
        f_blk_q <= f_blk_q + 16'd1;
      end
    end
  end

  ///////////////
  // The tile  //
  ///////////////

  logic               to_valid, to_ready;
  logic [ROWS*XW-1:0] to_data;

  linear_tile #(
    .ROWS       (ROWS),
    .COLS       (COLS),
    .MAX_K      (MaxK),
    .X_W        (XW),
    .X_FRAC     (XFrac),
    .W_W        (TWW),
    .W_FRAC     (TWFrac),
    .B_W        (TBW),
    .B_FRAC     (BIAS_FRAC),
    .B_ALT_FRAC (ATTN_BIAS_FRAC),
    .Y_W        (FEATURE_W),
    .Y_FRAC     (FEATURE_FRAC)
  ) u_tile (
    .clk_i,
    .rst_ni,
    .w_valid_i      (wv_q),
    .w_ready_o      (tw_ready),
    .w_data_i       (tw_data),
    .w_last_i       (w_last_q),
    .w_bias_i       (tw_bias),
    .w_bias_alt_i   (alt_q),
    .w_gelu_i       (gelu_q),
    .in_valid_i     (ti_valid),
    .in_ready_o     (ti_ready),
    .in_data_i      (ti_data),
    .in_last_i      (ti_last),
    .in_tile_last_i (ti_tile_last),
    .out_valid_o    (to_valid),
    .out_ready_i    (to_ready),
    .out_data_o     (to_data)
  );

  ////////////////////////////////
  // Position embedding FIFO    //
  ////////////////////////////////

  logic              pos_push, pos_pop, pos_valid;
  logic [DATA_W-1:0] pos_head;

  assign pos_push = rd_fire && d_kind == KindPos;

  sync_fifo #(
    .WIDTH (DATA_W),
    .DEPTH (POS_DEPTH)
  ) u_pos (
    .clk_i,
    .rst_ni,
    .push_i  (pos_push),
    .data_i  (rd_data_i),
    .pop_i   (pos_pop),
    .full_o  (pos_full),
    .valid_o (pos_valid),
    .data_o  (pos_head)
  );

  ////////////////
  // Writes     //
  ////////////////

  localparam int unsigned OBW = (OB > 1) ? $clog2(OB) : 1;

  logic [ROWS*XW-1:0] wb_q;
  logic               wb_v_q, wb_open;
  logic [OBW-1:0]     wb_beat_q;
  logic [15:0]        o_tok_q;
  logic [63:0]        y_ptr_q, y_base_q;
  logic               wb_load_zero, wb_load;
  logic               wr_fire, wb_last;

  // Patch token 0: no tile result, the beat is pos alone.
  assign wb_load_zero = busy & ~wb_v_q & patch_q & (o_tok_q == 16'd0);
  assign to_ready     = ~wb_v_q & ~(patch_q & (o_tok_q == 16'd0));
  assign wb_load      = wb_load_zero | (to_valid & to_ready);

  assign wr_valid_o     = wb_v_q & wb_open & (~patch_q | pos_valid);
  assign wr_fire        = wr_valid_o & wr_ready_i;
  assign pos_pop        = wr_fire & patch_q;
  assign wb_last        = wb_beat_q == OBW'(OB - 1);

  // Job handshake, done pulse (the job's N * M / LX-th write beat) and one
  // write command of OB beats per buffered token.
  engine_job_ctrl u_job (
    .clk_i,
    .rst_ni,
    .job_valid_i,
    .job_ready_o,
    .job_beats_i    (32'(job_tokens_i) * 32'(j_y_beats)),
    .job_take_o     (job_fire),
    .busy_o         (busy),
    .done_o,
    .wr_req_i       (wb_v_q),
    .wr_req_addr_i  (y_ptr_q),
    .wr_req_beats_i (32'(OB)),
    .wr_cmd_valid_o,
    .wr_cmd_ready_i,
    .wr_cmd_addr_o,
    .wr_cmd_beats_o,
    .wr_open_o      (wb_open),
    .wr_fire_i      (wr_fire),
    .wr_cmd_last_i  (wb_last)
  );

  // Data: ROWS results, OB beats; patch mode adds pos, saturating.
  for (genvar l = 0; l < LX; l++) begin : g_wlane
    logic signed [XW-1:0] yv, pv;
    logic signed [XW:0]   s;
    logic [XW-1:0]        sat;
    assign yv  = $signed(wb_q[(32'(wb_beat_q) * LX + l) * XW +: XW]);
    assign pv  = patch_q ? $signed(pos_head[l*XE*8 +: XW]) : '0;
    assign s   = (XW + 1)'(yv) + (XW + 1)'(pv);
    assign sat = (s[XW:XW-1] == 2'b01) ? {1'b0, {(XW - 1){1'b1}}} :
                 (s[XW:XW-1] == 2'b10) ? {1'b1, {(XW - 1){1'b0}}} : s[XW-1:0];
    assign wr_data_o[l*XE*8 +: XE*8] = (XE * 8)'($signed(sat));
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wb_v_q    <= 1'b0;
      wb_beat_q <= '0;
      o_tok_q   <= '0;
      y_ptr_q   <= '0;
      y_base_q  <= '0;
    end else begin
      if (job_fire) begin
        o_tok_q  <= '0;
        y_ptr_q  <= job_y_addr_i;
        y_base_q <= job_y_addr_i;
      end
      if (wb_load) begin
        wb_v_q <= 1'b1;
      end
      if (wr_fire) begin
        wb_beat_q <= wb_last ? '0 : wb_beat_q + OBW'(1);
        if (wb_last) begin
          wb_v_q   <= 1'b0;
          if (o_tok_q == n_q - 16'd1) begin
            o_tok_q  <= '0;
            y_ptr_q  <= y_base_q + 64'(ROWS * XE);
            y_base_q <= y_base_q + 64'(ROWS * XE);
          end else begin
            o_tok_q <= o_tok_q + 16'd1;
            y_ptr_q <= y_ptr_q + 64'(y_pitch_q);
          end
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (wb_load) begin
      wb_q <= wb_load_zero ? '0 : to_data;
    end
  end

endmodule
