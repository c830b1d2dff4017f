// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Stream gearbox: a valid/ready stream of IN_LANES lanes of LANE_W bits per
// beat becomes one of OUT_LANES lanes per beat, lane order kept (lane 0 of
// the first input beat is lane 0 of the first output beat). One of the two
// lane counts must divide the other.
//
// Narrowing (IN_LANES >= OUT_LANES, split): an input beat is held and sent as
// IN_LANES / OUT_LANES output beats, lowest lanes first. out_last_i marks the
// output beat that ends a row: the held beat is released after it, so the
// lanes above a row's end (its zero padding up to the input beat) are
// dropped. The next input beat is taken in the cycle the held one's last
// output beat goes.
//
// Widening (IN_LANES < OUT_LANES, gather): OUT_LANES / IN_LANES input beats
// are shifted in (the first in the lowest lanes) and sent as one output beat;
// an input beat is taken while the output is empty or is being taken. Rows
// must be whole output beats (out_last_i is not used).
//
// out_valid_o depends only on state; in_ready_o also on out_ready_i (and, when
// narrowing, on out_last_i), combinationally.
module stream_gearbox #(
  parameter int unsigned LANE_W    = 8,
  parameter int unsigned IN_LANES  = 1,
  parameter int unsigned OUT_LANES = 1
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,

  input  logic                        in_valid_i,
  output logic                        in_ready_o,
  input  logic [IN_LANES*LANE_W-1:0]  in_data_i,

  output logic                        out_valid_o,
  input  logic                        out_ready_i,
  output logic [OUT_LANES*LANE_W-1:0] out_data_o,
  input  logic                        out_last_i   // the output beat ends a row
);

  if (IN_LANES % OUT_LANES != 0 && OUT_LANES % IN_LANES != 0) begin : gen_err_lanes
    $error("stream_gearbox: IN_LANES and OUT_LANES must divide one another");
  end

  logic in_fire;

  assign in_fire = in_valid_i & in_ready_o;

  if (IN_LANES >= OUT_LANES) begin : gen_split
    localparam int unsigned Parts = IN_LANES / OUT_LANES;  // output beats per input beat
    localparam int unsigned PartW = (Parts > 1) ? $clog2(Parts) : 1;
    logic [IN_LANES*LANE_W-1:0] held_q;
    logic                       held_valid_q;
    logic [PartW-1:0]           part_q;        // output beat of the held beat
    logic                       held_done;     // the held beat's last output beat goes
    assign held_done   = held_valid_q & out_ready_i & (part_q == PartW'(Parts - 1) || out_last_i);
    assign in_ready_o  = ~held_valid_q | held_done;
    assign out_valid_o = held_valid_q;
    assign out_data_o  = held_q[32'(part_q) * OUT_LANES * LANE_W +: OUT_LANES * LANE_W];
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        held_valid_q <= 1'b0;
        part_q       <= '0;
      end else if (in_fire) begin
        held_valid_q <= 1'b1;
        part_q       <= '0;
      end else if (held_done) begin
        held_valid_q <= 1'b0;
        part_q       <= '0;
      end else if (held_valid_q && out_ready_i) begin
        part_q <= part_q + PartW'(1);
      end
    end
    always_ff @(posedge clk_i) begin
      if (in_fire) begin
        held_q <= in_data_i;
      end
    end
  end else begin : gen_gather
    localparam int unsigned Beats  = OUT_LANES / IN_LANES;  // input beats per output beat
    localparam int unsigned CountW = (Beats > 1) ? $clog2(Beats) : 1;
    logic [OUT_LANES*LANE_W-1:0] gather_q;
    logic                        full_q;       // gather_q is a whole output beat
    logic [CountW-1:0]           count_q;      // input beats gathered
    logic                        out_fire, completes;
    logic                        unused_last;
    assign unused_last = out_last_i;
    assign out_fire    = full_q & out_ready_i;
    assign completes   = in_fire & (count_q == CountW'(Beats - 1));
    assign in_ready_o  = ~full_q | out_ready_i;
    assign out_valid_o = full_q;
    assign out_data_o  = gather_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        full_q  <= 1'b0;
        count_q <= '0;
      end else begin
        if (in_fire) begin
          count_q <= completes ? '0 : count_q + CountW'(1);
        end
        if (completes) begin
          full_q <= 1'b1;
        end else if (out_fire) begin
          full_q <= 1'b0;
        end
      end
    end
    always_ff @(posedge clk_i) begin
      if (in_fire) begin
        gather_q <= {in_data_i, gather_q[OUT_LANES*LANE_W-1:IN_LANES*LANE_W]};
      end
    end
  end

endmodule
