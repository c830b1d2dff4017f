// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// s_axi_control: the AXI4-Lite control slave of the kernel, with the
// ap_ctrl_hs register layout and semantics Vitis HLS 2023.x generates
// (<kernel>_control_s_axi.v), so a driver written for an HLS kernel runs this
// one. The address map comes from hls/registers.py through edgemoe_cfg_pkg:
//
//   0x00 control  bit 0 ap_start     R/W, cleared on the ap_ready handshake
//                                    (stays set with auto_restart)
//                 bit 1 ap_done      R, clear-on-read (set on ap_done; with
//                                    auto_restart: when the kernel goes idle)
//                 bit 2 ap_idle      R (ap_idle_i, one register stage)
//                 bit 3 ap_ready     R, clear-on-read (not set with auto_restart)
//                 bit 7 auto_restart R/W
//                 bit 9 interrupt    R
//   0x04 GIE      bit 0
//   0x08 IER      bit 0 ap_done, bit 1 ap_ready
//   0x0C ISR      bit 0 ap_done, bit 1 ap_ready: set by the event when enabled
//                 in IER (the set wins over a write), toggle-on-write
//   0x10..        arguments: 64-bit pointers (low, high, reserved), 32-bit
//                 scalars (data, reserved), then the read-only status and
//                 cycles registers driven by the kernel.
//
// Writes to control bits, GIE, IER and ISR need WSTRB[0]; argument words are
// merged byte by byte under WSTRB. Reserved and unmapped words read 0 and
// ignore writes; every response is OKAY. The write address drops its two low
// bits (a sub-word write comes with an unaligned AWADDR and its WSTRB), as
// Vitis HLS 2024.1 generates it (2023.1 compared the whole address and so
// ignored such writes; full-word writes behave the same in both). A read
// address compares whole: an unaligned read returns 0, as in both versions.
//
// Channels: one write in flight (AW, then W, then B: AWREADY in idle, WREADY
// after the address, BVALID after the data) and one read in flight (ARREADY
// in idle, RVALID the cycle after the address). Clear-on-read happens on the
// AR handshake. Reads and writes proceed independently.
module ctrl_regs
  import edgemoe_cfg_pkg::*;
(
  input  logic        clk_i,
  input  logic        rst_ni,

  // s_axi_control (AXI4-Lite, 32-bit data, CTRL_ADDR_W address bits); the
  // kernel top's axi_control_flat puts it on the flat Vitis names
  input  ctrl_req_t   ctrl_req_i,
  output ctrl_rsp_t   ctrl_rsp_o,
  output logic        interrupt_o,  // the kernel top's `interrupt`

  // Kernel side (ap_ctrl_hs)
  output logic        ap_start_o,
  input  logic        ap_done_i,
  input  logic        ap_idle_i,
  input  logic        ap_ready_i,

  // Arguments
  output ctrl_args_t  args_o,

  // Read-only registers
  input  logic [31:0] status_i,
  input  logic [31:0] cycles_i
);

  ///////////////////
  // Address map   //
  ///////////////////

  typedef logic [CTRL_ADDR_W-1:0] addr_t;

  localparam addr_t AddrApCtrl = addr_t'(CTRL_ADDR_AP_CTRL);
  localparam addr_t AddrGie    = addr_t'(CTRL_ADDR_GIE);
  localparam addr_t AddrIer    = addr_t'(CTRL_ADDR_IER);
  localparam addr_t AddrIsr    = addr_t'(CTRL_ADDR_ISR);

  // Argument words: 64-bit pointers as two words, then 32-bit scalars.
  localparam int unsigned NumPtr = 4;
  localparam int unsigned NumU32 = 3;
  localparam addr_t PtrLoAddr [NumPtr] = '{
    addr_t'(CTRL_ADDR_IMAGE_DATA_0),   addr_t'(CTRL_ADDR_WEIGHTS_DATA_0),
    addr_t'(CTRL_ADDR_SCRATCH_DATA_0), addr_t'(CTRL_ADDR_OUTPUT_DATA_0)
  };
  localparam addr_t PtrHiAddr [NumPtr] = '{
    addr_t'(CTRL_ADDR_IMAGE_DATA_1),   addr_t'(CTRL_ADDR_WEIGHTS_DATA_1),
    addr_t'(CTRL_ADDR_SCRATCH_DATA_1), addr_t'(CTRL_ADDR_OUTPUT_DATA_1)
  };
  localparam addr_t U32Addr [NumU32] = '{
    addr_t'(CTRL_ADDR_TASK_ID_DATA_0),
    addr_t'(CTRL_ADDR_NUM_IMAGES_DATA_0),
    addr_t'(CTRL_ADDR_STOP_AFTER_DATA_0)
  };
  localparam addr_t AddrStatus = addr_t'(CTRL_ADDR_STATUS_DATA_0);
  localparam addr_t AddrCycles = addr_t'(CTRL_ADDR_CYCLES_DATA_0);

  ///////////////////
  // Write channel //
  ///////////////////

  typedef enum logic [1:0] {WrIdle, WrData, WrResp} wr_state_e;
  wr_state_e wr_state_q;
  addr_t     waddr_q;
  logic      aw_hs, w_hs;
  logic [31:0] wmask;

  assign ctrl_rsp_o.aw_ready = (wr_state_q == WrIdle);
  assign ctrl_rsp_o.w_ready  = (wr_state_q == WrData);
  assign ctrl_rsp_o.b_valid  = (wr_state_q == WrResp);
  assign ctrl_rsp_o.b.resp   = 2'b00;
  assign aw_hs = ctrl_req_i.aw_valid & ctrl_rsp_o.aw_ready;
  assign w_hs  = ctrl_req_i.w_valid & ctrl_rsp_o.w_ready;
  assign wmask = {{8{ctrl_req_i.w.strb[3]}}, {8{ctrl_req_i.w.strb[2]}},
                  {8{ctrl_req_i.w.strb[1]}}, {8{ctrl_req_i.w.strb[0]}}};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_state_q <= WrIdle;
      waddr_q    <= '0;
    end else begin
      unique case (wr_state_q)
        WrIdle: if (aw_hs) begin
          wr_state_q <= WrData;
          waddr_q    <= {ctrl_req_i.aw.addr[CTRL_ADDR_W-1:2], 2'b00};
        end
        WrData: if (w_hs) wr_state_q <= WrResp;
        WrResp: if (ctrl_req_i.b_ready) wr_state_q <= WrIdle;
        default: wr_state_q <= WrIdle;
      endcase
    end
  end

  // The byte offset of a write address is carried by WSTRB.
  logic unused_awaddr_lsbs;
  assign unused_awaddr_lsbs = ^ctrl_req_i.aw.addr[1:0];

  // A write of the control word bytes 0 (ap_start, auto_restart, GIE, IER, ISR).
  logic wr_ctrl, wr_gie, wr_ier, wr_isr;
  assign wr_ctrl = w_hs & (waddr_q == AddrApCtrl) & ctrl_req_i.w.strb[0];
  assign wr_gie  = w_hs & (waddr_q == AddrGie)    & ctrl_req_i.w.strb[0];
  assign wr_ier  = w_hs & (waddr_q == AddrIer)    & ctrl_req_i.w.strb[0];
  assign wr_isr  = w_hs & (waddr_q == AddrIsr)    & ctrl_req_i.w.strb[0];

  //////////////////
  // Read channel //
  //////////////////

  logic        rvalid_q;
  logic [31:0] rdata_q, rdata_d;
  logic        ar_hs;
  logic        rd_ctrl;

  assign ctrl_rsp_o.ar_ready = ~rvalid_q;
  assign ctrl_rsp_o.r_valid  = rvalid_q;
  assign ctrl_rsp_o.r.data   = rdata_q;
  assign ctrl_rsp_o.r.resp   = 2'b00;
  assign ar_hs   = ctrl_req_i.ar_valid & ctrl_rsp_o.ar_ready;
  assign rd_ctrl = ar_hs & (ctrl_req_i.ar.addr == AddrApCtrl);

  ///////////////////////
  // ap_ctrl_hs block  //
  ///////////////////////

  logic       ap_start_q, task_done_q, ap_idle_q, task_ready_q, auto_restart_q;
  logic       auto_restart_status_q, gie_q, irq_q;
  logic [1:0] ier_q, isr_q;
  logic       task_done, task_ready, auto_restart_done;

  // With auto_restart the kernel is re-started on every ap_ready: ap_ready is
  // not reported, and ap_done only once the kernel goes idle after
  // auto_restart was cleared.
  assign auto_restart_done = auto_restart_status_q & ap_idle_i & ~ap_idle_q;
  assign task_done  = (ap_done_i & ~auto_restart_status_q) | auto_restart_done;
  assign task_ready = ap_ready_i & ~auto_restart_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ap_start_q            <= 1'b0;
      task_done_q           <= 1'b0;
      ap_idle_q             <= 1'b0;
      task_ready_q          <= 1'b0;
      auto_restart_q        <= 1'b0;
      auto_restart_status_q <= 1'b0;
      gie_q                 <= 1'b0;
      ier_q                 <= 2'b00;
      isr_q                 <= 2'b00;
      irq_q                 <= 1'b0;
    end else begin
      // ap_start: set by software, cleared on the ap_ready handshake.
      if (wr_ctrl && ctrl_req_i.w.data[0]) begin
        ap_start_q <= 1'b1;
      end else if (ap_ready_i) begin
        ap_start_q <= auto_restart_q;
      end
      // ap_done, ap_ready: sticky until the control word is read.
      if (task_done) begin
        task_done_q <= 1'b1;
      end else if (rd_ctrl) begin
        task_done_q <= 1'b0;
      end
      if (task_ready) begin
        task_ready_q <= 1'b1;
      end else if (rd_ctrl) begin
        task_ready_q <= 1'b0;
      end
      ap_idle_q <= ap_idle_i;
      if (wr_ctrl) begin
        auto_restart_q <= ctrl_req_i.w.data[7];
      end
      if (auto_restart_q) begin
        auto_restart_status_q <= 1'b1;
      end else if (ap_idle_i) begin
        auto_restart_status_q <= 1'b0;
      end
      if (wr_gie) begin
        gie_q <= ctrl_req_i.w.data[0];
      end
      if (wr_ier) begin
        ier_q <= ctrl_req_i.w.data[1:0];
      end
      // ISR: the event sets its bit; a write toggles the bits written as 1.
      if (ier_q[0] && ap_done_i) begin
        isr_q[0] <= 1'b1;
      end else if (wr_isr) begin
        isr_q[0] <= isr_q[0] ^ ctrl_req_i.w.data[0];
      end
      if (ier_q[1] && ap_ready_i) begin
        isr_q[1] <= 1'b1;
      end else if (wr_isr) begin
        isr_q[1] <= isr_q[1] ^ ctrl_req_i.w.data[1];
      end
      irq_q <= gie_q & (|isr_q);
    end
  end

  assign ap_start_o = ap_start_q;
  assign interrupt_o = irq_q;

  ///////////////
  // Arguments //
  ///////////////

  logic [63:0] ptr_q [NumPtr];
  logic [31:0] u32_q [NumU32];

  for (genvar i = 0; i < NumPtr; i++) begin : g_ptr
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        ptr_q[i] <= '0;
      end else if (w_hs && waddr_q == PtrLoAddr[i]) begin
        ptr_q[i][31:0] <= (ctrl_req_i.w.data & wmask) | (ptr_q[i][31:0] & ~wmask);
      end else if (w_hs && waddr_q == PtrHiAddr[i]) begin
        ptr_q[i][63:32] <= (ctrl_req_i.w.data & wmask) | (ptr_q[i][63:32] & ~wmask);
      end
    end
  end

  for (genvar i = 0; i < NumU32; i++) begin : g_u32
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        u32_q[i] <= '0;
      end else if (w_hs && waddr_q == U32Addr[i]) begin
        u32_q[i] <= (ctrl_req_i.w.data & wmask) | (u32_q[i] & ~wmask);
      end
    end
  end

  assign args_o = '{
    image_ptr:   ptr_q[0],
    weights_ptr: ptr_q[1],
    scratch_ptr: ptr_q[2],
    output_ptr:  ptr_q[3],
    task_id:     u32_q[0],
    num_images:  u32_q[1],
    stop_after:  u32_q[2]
  };

  ///////////////
  // Read data //
  ///////////////

  always_comb begin
    rdata_d = '0;
    unique case (ctrl_req_i.ar.addr)
      AddrApCtrl: begin
        rdata_d[0] = ap_start_q;
        rdata_d[1] = task_done_q;
        rdata_d[2] = ap_idle_q;
        rdata_d[3] = task_ready_q;
        rdata_d[7] = auto_restart_q;
        rdata_d[9] = irq_q;
      end
      AddrGie:    rdata_d[0]   = gie_q;
      AddrIer:    rdata_d[1:0] = ier_q;
      AddrIsr:    rdata_d[1:0] = isr_q;
      AddrStatus: rdata_d      = status_i;
      AddrCycles: rdata_d      = cycles_i;
      default: begin
        for (int i = 0; i < NumPtr; i++) begin
          if (ctrl_req_i.ar.addr == PtrLoAddr[i]) rdata_d = ptr_q[i][31:0];
          if (ctrl_req_i.ar.addr == PtrHiAddr[i]) rdata_d = ptr_q[i][63:32];
        end
        for (int i = 0; i < NumU32; i++) begin
          if (ctrl_req_i.ar.addr == U32Addr[i]) rdata_d = u32_q[i];
        end
      end
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rvalid_q <= 1'b0;
      rdata_q  <= '0;
    end else if (ar_hs) begin
      rvalid_q <= 1'b1;
      rdata_q  <= rdata_d;
    end else if (ctrl_req_i.r_ready) begin
      rvalid_q <= 1'b0;
    end
  end

endmodule
