// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Argument check of the kernel: on ap_start the sequencer sends the argument
// registers here and gets a status code back (hls/registers.py, Status; the
// codes are CTRL_STATUS_* of edgemoe_cfg_pkg). A nonzero code makes the
// kernel finish at once with ap_done and the code in the status register,
// never start a stage, and so never hang on a bad value.
//
// Checks, in order (the first failing one is reported, i.e. the smallest
// code): for each pointer (image, weights, scratch, output) null, then not a
// multiple of PTR_ALIGN bytes (one AXI data beat); task_id >= TASKS;
// num_images == 0; stop_after >= STAGES unless it is all ones ("run
// everything").
//
// One request in, one status out: a single register stage, latency 1 cycle,
// one check per cycle; in_ready_o = !(out_valid_o && !out_ready_i).
module arg_check
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned NUM_TASKS = TASKS,
  parameter int unsigned STAGES    = CTRL_STAGES,
  parameter int unsigned PTR_ALIGN = CTRL_PTR_ALIGN
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  input  logic        in_valid_i,
  output logic        in_ready_o,
  input  ctrl_args_t  args_i,

  output logic        out_valid_o,
  input  logic        out_ready_i,
  output logic [31:0] status_o
);

  localparam int unsigned AlignLog2 = $clog2(PTR_ALIGN);

  if (PTR_ALIGN < 2 || (1 << AlignLog2) != PTR_ALIGN) begin : gen_err_align
    $error("arg_check: PTR_ALIGN must be a power of two >= 2");
  end

  localparam int unsigned NumPtr = 4;

  logic [63:0] ptr [NumPtr];
  assign ptr = '{args_i.image_ptr, args_i.weights_ptr, args_i.scratch_ptr, args_i.output_ptr};

  // Status codes of pointer i: null = 2i + 1, misaligned = 2i + 2.
  localparam logic [31:0] NullCode [NumPtr] = '{
    32'(CTRL_STATUS_NULL_IMAGE),   32'(CTRL_STATUS_NULL_WEIGHTS),
    32'(CTRL_STATUS_NULL_SCRATCH), 32'(CTRL_STATUS_NULL_OUTPUT)
  };
  localparam logic [31:0] AlignCode [NumPtr] = '{
    32'(CTRL_STATUS_MISALIGNED_IMAGE),   32'(CTRL_STATUS_MISALIGNED_WEIGHTS),
    32'(CTRL_STATUS_MISALIGNED_SCRATCH), 32'(CTRL_STATUS_MISALIGNED_OUTPUT)
  };

  logic [NumPtr-1:0] is_null, is_misaligned;
  for (genvar i = 0; i < NumPtr; i++) begin : g_ptr
    assign is_null[i]       = (ptr[i] == '0);
    assign is_misaligned[i] = |ptr[i][AlignLog2-1:0];
  end

  logic bad_task, zero_images, bad_stop;
  assign bad_task    = args_i.task_id >= 32'(NUM_TASKS);
  assign zero_images = args_i.num_images == '0;
  assign bad_stop    = (args_i.stop_after >= 32'(STAGES)) && (args_i.stop_after != CTRL_STOP_ALL);

  logic [31:0] status_d;
  always_comb begin
    status_d = 32'(CTRL_STATUS_OK);
    if (bad_stop)    status_d = 32'(CTRL_STATUS_BAD_STOP_AFTER);
    if (zero_images) status_d = 32'(CTRL_STATUS_ZERO_IMAGES);
    if (bad_task)    status_d = 32'(CTRL_STATUS_BAD_TASK_ID);
    // Later assignments win: walk the pointers from the last to the first.
    for (int i = NumPtr - 1; i >= 0; i--) begin
      if (is_misaligned[i]) status_d = AlignCode[i];
      if (is_null[i])       status_d = NullCode[i];
    end
  end

  logic        valid_q;
  logic [31:0] status_q;
  logic        en;

  assign en          = ~(valid_q & ~out_ready_i);
  assign in_ready_o  = en;
  assign out_valid_o = valid_q;
  assign status_o    = status_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q  <= 1'b0;
      status_q <= '0;
    end else if (en) begin
      valid_q <= in_valid_i;
      if (in_valid_i) begin
        status_q <= status_d;
      end
    end
  end

endmodule
