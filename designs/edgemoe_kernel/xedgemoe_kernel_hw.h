// ==============================================================
// xedgemoe_kernel_hw.h: the s_axi_control register map of edgemoe_kernel, in the
// layout of a Vitis HLS driver header. Generated from hls/registers.py by
// `python -m hls.vitis_header`; do not edit.
// ==============================================================
// control
// 0x00 : Control signals
//        bit 0  - ap_start (Read/Write/COH)
//        bit 1  - ap_done (Read/COR)
//        bit 2  - ap_idle (Read)
//        bit 3  - ap_ready (Read/COR)
//        bit 7  - auto_restart (Read/Write)
//        bit 9  - interrupt (Read)
//        others - reserved
// 0x04 : Global Interrupt Enable Register
//        bit 0  - Global Interrupt Enable (Read/Write)
//        others - reserved
// 0x08 : IP Interrupt Enable Register (Read/Write)
//        bit 0 - enable ap_done interrupt (Read/Write)
//        bit 1 - enable ap_ready interrupt (Read/Write)
//        others - reserved
// 0x0c : IP Interrupt Status Register (Read/TOW)
//        bit 0 - ap_done (Read/TOW)
//        bit 1 - ap_ready (Read/TOW)
//        others - reserved
// 0x10 : Data signal of image
//        bit 31~0 - image[31:0] (Read/Write)
// 0x14 : Data signal of image
//        bit 31~0 - image[63:32] (Read/Write)
// 0x18 : reserved
// 0x1c : Data signal of weights
//        bit 31~0 - weights[31:0] (Read/Write)
// 0x20 : Data signal of weights
//        bit 31~0 - weights[63:32] (Read/Write)
// 0x24 : reserved
// 0x28 : Data signal of scratch
//        bit 31~0 - scratch[31:0] (Read/Write)
// 0x2c : Data signal of scratch
//        bit 31~0 - scratch[63:32] (Read/Write)
// 0x30 : reserved
// 0x34 : Data signal of output
//        bit 31~0 - output[31:0] (Read/Write)
// 0x38 : Data signal of output
//        bit 31~0 - output[63:32] (Read/Write)
// 0x3c : reserved
// 0x40 : Data signal of task_id
//        bit 31~0 - task_id[31:0] (Read/Write)
// 0x44 : reserved
// 0x48 : Data signal of num_images
//        bit 31~0 - num_images[31:0] (Read/Write)
// 0x4c : reserved
// 0x50 : Data signal of stop_after
//        bit 31~0 - stop_after[31:0] (Read/Write)
// 0x54 : reserved
// 0x58 : Data signal of status
//        bit 31~0 - status[31:0] (Read)
// 0x5c : reserved (no ap_vld control word: reads 0)
// 0x60 : Data signal of cycles
//        bit 31~0 - cycles[31:0] (Read)
// 0x64 : reserved (no ap_vld control word: reads 0)
// (SC = Self Clear, COR = Clear on Read, TOW = Toggle on Write, COH = Clear on Handshake)

#define XEDGEMOE_KERNEL_CONTROL_ADDR_AP_CTRL         0x00
#define XEDGEMOE_KERNEL_CONTROL_ADDR_GIE             0x04
#define XEDGEMOE_KERNEL_CONTROL_ADDR_IER             0x08
#define XEDGEMOE_KERNEL_CONTROL_ADDR_ISR             0x0c
#define XEDGEMOE_KERNEL_CONTROL_ADDR_IMAGE_DATA      0x10
#define XEDGEMOE_KERNEL_CONTROL_BITS_IMAGE_DATA      64
#define XEDGEMOE_KERNEL_CONTROL_ADDR_WEIGHTS_DATA    0x1c
#define XEDGEMOE_KERNEL_CONTROL_BITS_WEIGHTS_DATA    64
#define XEDGEMOE_KERNEL_CONTROL_ADDR_SCRATCH_DATA    0x28
#define XEDGEMOE_KERNEL_CONTROL_BITS_SCRATCH_DATA    64
#define XEDGEMOE_KERNEL_CONTROL_ADDR_OUTPUT_DATA     0x34
#define XEDGEMOE_KERNEL_CONTROL_BITS_OUTPUT_DATA     64
#define XEDGEMOE_KERNEL_CONTROL_ADDR_TASK_ID_DATA    0x40
#define XEDGEMOE_KERNEL_CONTROL_BITS_TASK_ID_DATA    32
#define XEDGEMOE_KERNEL_CONTROL_ADDR_NUM_IMAGES_DATA 0x48
#define XEDGEMOE_KERNEL_CONTROL_BITS_NUM_IMAGES_DATA 32
#define XEDGEMOE_KERNEL_CONTROL_ADDR_STOP_AFTER_DATA 0x50
#define XEDGEMOE_KERNEL_CONTROL_BITS_STOP_AFTER_DATA 32
#define XEDGEMOE_KERNEL_CONTROL_ADDR_STATUS_DATA     0x58
#define XEDGEMOE_KERNEL_CONTROL_BITS_STATUS_DATA     32
#define XEDGEMOE_KERNEL_CONTROL_ADDR_CYCLES_DATA     0x60
#define XEDGEMOE_KERNEL_CONTROL_BITS_CYCLES_DATA     32
