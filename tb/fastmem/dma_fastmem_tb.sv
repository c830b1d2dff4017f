// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// Bench top of the fast memory path (tb/fastmem/): rtl/axi_dma with its read
// data stream looped into its write data stream, so one copy command (N beats
// from SRC to DST: a read command and a write command, taken together) copies
// memory with no Python per beat; counters (cycles since reset, W beats written, AR and AW
// handshakes) let cocotb and the bare C++ harness (tb/fastmem/bare_main.cpp)
// measure speed. Every build runs this same copy RTL and the same traffic, so
// the speeds of its memories and clocks compare directly; the parameters only
// choose what surrounds the copy:
//
// - the memory behind its AXI4 port (axi_req_t / axi_rsp_t):
//   AXIRAM = 0: axi_dpi_mem, a DPI-C buffer that Python sees as a NumPy array,
//     with pauses (PAUSE_PCT, SEED); fault_o its sticky protocol/range faults.
//   AXIRAM = 1: the bench adapter gen_axiram.u_gmem (axi_gmem_tb_port, written
//     by tb/components/axi/tb_port.py: m_axi_gmem_* for cocotbext-axi's AxiRam,
//     the reference the fast path replaces); fault_o is 0 (AxiRam checks the
//     protocol).
// - the clock:
//   HDL_CLOCK = 0: clk_i, cocotb's GPI clock (or the bare harness's).
//   HDL_CLOCK = 1: made here (needs --timing), clk_i unused: Python is woken
//     only by its own Timers, so long runs go at close to Verilator's own
//     speed. Not with AxiRam: an HDL clock made cocotbext-axi's drivers miss
//     handshakes (DESIGN.md section 7).
//
// Simulation only.
module dma_fastmem_tb
  import edgemoe_cfg_pkg::*;
#(
  parameter int unsigned MAX_OUTSTANDING = 4,
  parameter bit          AXIRAM          = 1'b0,
  parameter bit          HDL_CLOCK       = 1'b0,
  parameter int unsigned PAUSE_PCT       = 0,
  parameter int unsigned SEED            = 1
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  // Copy command: copy_beats_i beats from copy_src_i to copy_dst_i.
  input  logic        copy_valid_i,
  output logic        copy_ready_o,   // both DMA masters take a command
  input  logic [63:0] copy_src_i,
  input  logic [63:0] copy_dst_i,
  input  logic [31:0] copy_beats_i,
  output logic        idle_o,         // both DMA masters idle

  output logic [1:0]  rd_err_o,       // the masters' sticky error codes
  output logic [1:0]  wr_err_o,
  input  logic        err_clear_i,
  output logic [3:0]  fault_o,        // the memory's faults (see AXIRAM)
  output logic [63:0] cycles_o,       // clock cycles since reset
  output logic [63:0] beats_o,        // W beats accepted since reset
  output logic [63:0] rd_bursts_o,    // AR handshakes since reset
  output logic [63:0] wr_bursts_o     // AW handshakes since reset
);

  ///////////
  // Clock //
  ///////////

  logic clk;  // the clock of everything below (Python waits on it with HDL_CLOCK)

  if (HDL_CLOCK) begin : gen_hdl_clock
    if (AXIRAM) begin : gen_err_axiram_hdl_clock
      $error("dma_fastmem_tb: HDL_CLOCK with AXIRAM (cocotbext-axi needs the GPI clock)");
    end
    initial clk = 1'b0;
    always #5ns clk = ~clk;

    logic unused_clk;
    assign unused_clk = clk_i;
  end else begin : gen_port_clock
    assign clk = clk_i;
  end

  //////////
  // Copy //
  //////////

  // Split for Verilator: as one variable each, a request field depending on a
  // response field (through the copy loop) and back (in axi_dpi_mem) would look
  // like a combinational loop (UNOPTFLAT) and slow the model down.
  axi_req_t        gmem_req /* verilator split_var */;
  axi_rsp_t        gmem_rsp /* verilator split_var */;
  engine_mem_req_t mem_req;
  engine_mem_rsp_t mem_rsp;
  logic            rd_last, rd_idle, wr_idle;

  // A copy is a read command and a write command of the same beats, taken
  // together: each master sees the command only while the other one can take
  // it too. The read beats are the write beats.
  assign mem_req = '{
    rd_cmd_valid: copy_valid_i && mem_rsp.wr_cmd_ready,
    rd_cmd_addr:  copy_src_i,
    rd_cmd_beats: copy_beats_i,
    rd_ready:     mem_rsp.wr_ready,
    wr_cmd_valid: copy_valid_i && mem_rsp.rd_cmd_ready,
    wr_cmd_addr:  copy_dst_i,
    wr_cmd_beats: copy_beats_i,
    wr_valid:     mem_rsp.rd_valid,
    wr_data:      mem_rsp.rd_data
  };
  assign copy_ready_o = mem_rsp.rd_cmd_ready && mem_rsp.wr_cmd_ready;
  assign idle_o       = rd_idle && wr_idle;

  axi_dma #(
    .MAX_OUTSTANDING(MAX_OUTSTANDING)
  ) u_dma (
    .clk_i      (clk),
    .rst_ni,
    .mem_req_i  (mem_req),
    .mem_rsp_o  (mem_rsp),
    .rd_last_o  (rd_last),
    .rd_idle_o  (rd_idle),
    .rd_err_o,
    .wr_idle_o  (wr_idle),
    .wr_err_o,
    .err_clear_i,
    .axi_req_o  (gmem_req),
    .axi_rsp_i  (gmem_rsp)
  );

  logic unused_rd_last;
  assign unused_rd_last = rd_last;

  //////////////
  // Counters //
  //////////////

  // Four scalar registers, not an array updated in a loop: Verilator updates
  // scalars in place, while an array's elements go through delayed-assignment
  // bookkeeping in every cycle (slower).
  always_ff @(posedge clk or negedge rst_ni) begin
    if (!rst_ni) begin
      cycles_o    <= '0;
      beats_o     <= '0;
      rd_bursts_o <= '0;
      wr_bursts_o <= '0;
    end else begin
      cycles_o <= cycles_o + 64'd1;
      if (gmem_req.w_valid && gmem_rsp.w_ready) beats_o <= beats_o + 64'd1;
      if (gmem_req.ar_valid && gmem_rsp.ar_ready) rd_bursts_o <= rd_bursts_o + 64'd1;
      if (gmem_req.aw_valid && gmem_rsp.aw_ready) wr_bursts_o <= wr_bursts_o + 64'd1;
    end
  end

  ////////////
  // Memory //
  ////////////

  if (AXIRAM) begin : gen_axiram
    axi_gmem_tb_port u_gmem (
      .req_i(gmem_req),
      .rsp_o(gmem_rsp)
    );
    assign fault_o = '0;
  end else begin : gen_dpi_mem
    axi_dpi_mem #(
      .PAUSE_PCT(PAUSE_PCT),
      .SEED     (SEED)
    ) u_mem (
      .clk_i  (clk),
      .rst_ni,
      .req_i  (gmem_req),
      .rsp_o  (gmem_rsp),
      .fault_o
    );
  end

endmodule : dma_fastmem_tb
