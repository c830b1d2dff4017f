// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Synchronous FIFO of DEPTH words of WIDTH bits (DEPTH a power of two), with a
// first-word-fall-through head: data_o is the oldest word while valid_o.
//
// Protocol: push_i writes data_i (the caller never pushes while full_o, except
// together with a pop), pop_i drops the head (the caller never pops while
// !valid_o); both may happen in the same cycle (the count stays). A pushed word is at the head, if the FIFO
// was empty, from the cycle after the push. The storage has no reset (only the
// pointers and the count do), so it maps to distributed RAM.
module sync_fifo #(
  parameter int unsigned WIDTH = 8,
  parameter int unsigned DEPTH = 16
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             push_i,
  input  logic [WIDTH-1:0] data_i,
  input  logic             pop_i,
  output logic             full_o,
  output logic             valid_o,
  output logic [WIDTH-1:0] data_o
);

  localparam int unsigned AW = (DEPTH > 1) ? $clog2(DEPTH) : 1;

  if ((1 << AW) != DEPTH) begin : gen_err_depth
    $error("sync_fifo: DEPTH must be a power of two >= 2");
  end

  logic [WIDTH-1:0] mem_q [DEPTH];
  logic [AW:0]      cnt_q;
  logic [AW-1:0]    wr_q, rd_q;

  assign full_o  = cnt_q == (AW + 1)'(DEPTH);
  assign valid_o = cnt_q != '0;
  assign data_o  = mem_q[rd_q];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cnt_q <= '0;
      wr_q  <= '0;
      rd_q  <= '0;
    end else begin
      if (push_i) begin
        wr_q <= wr_q + AW'(1);
      end
      if (pop_i) begin
        rd_q <= rd_q + AW'(1);
      end
      if (push_i && !pop_i) begin
        cnt_q <= cnt_q + (AW + 1)'(1);
      end else if (pop_i && !push_i) begin
        cnt_q <= cnt_q - (AW + 1)'(1);
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (push_i) begin
      mem_q[wr_q] <= data_i;
    end
  end

endmodule
