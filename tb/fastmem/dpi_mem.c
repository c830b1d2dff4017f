// Copyright edgemoe-cv contributors
// SPDX-License-Identifier: Apache-2.0
//
// The storage of tb/fastmem/axi_dpi_mem.sv: one malloc'd byte buffer, read and
// written a beat at a time by DPI-C import functions, and exported with
// default visibility so that Python in the same process (cocotb) finds it
// through ctypes.CDLL(None) and wraps it as a zero-copy NumPy array
// (tb/components/dpi_memory.py). The simulator must be linked with -rdynamic.
//
// Simulation only: never part of rtl/.

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svdpi.h"

#define DPI_MEM_EXPORT __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

//: Size used when the simulation touches the memory before anyone sized it.
#define DPI_MEM_DEFAULT_SIZE (16u << 20)

static uint8_t *g_mem;
static uint64_t g_size;
static uint64_t g_reads, g_writes, g_faults;

// (Re)allocates a zeroed buffer of size bytes; returns its base (NULL on failure).
DPI_MEM_EXPORT uint8_t *dpi_mem_init(uint64_t size) {
  free(g_mem);
  g_mem = (uint8_t *)calloc(size ? size : 1, 1);
  g_size = g_mem ? size : 0;
  g_reads = g_writes = g_faults = 0;
  return g_mem;
}

static void ensure(void) {
  if (!g_mem) dpi_mem_init(DPI_MEM_DEFAULT_SIZE);
}

DPI_MEM_EXPORT uint8_t *dpi_mem_base(void) {
  ensure();
  return g_mem;
}

DPI_MEM_EXPORT uint64_t dpi_mem_size(void) {
  ensure();
  return g_size;
}

// Counters: beats read, beats written, out-of-range accesses.
DPI_MEM_EXPORT uint64_t dpi_mem_stat(int which) {
  return which == 0 ? g_reads : which == 1 ? g_writes : g_faults;
}

static int in_range(uint64_t addr, int nbytes) {
  return nbytes > 0 && addr <= g_size && (uint64_t)nbytes <= g_size - addr;
}

// One beat of nbytes bytes at addr into data (byte i = bits 8i+7:8i; the host
// is little endian, as svBitVecVal words are). Returns 0, or 1 when out of
// range (data is then all zero).
DPI_MEM_EXPORT int dpi_mem_read_beat(uint64_t addr, int nbytes, svBitVecVal *data) {
  ensure();
  if (!in_range(addr, nbytes)) {
    memset(data, 0, (size_t)((nbytes + 3) / 4) * 4);
    g_faults++;
    return 1;
  }
  memcpy(data, g_mem + addr, (size_t)nbytes);
  g_reads++;
  return 0;
}

// One beat of nbytes bytes to addr; byte i written when strobe bit i is set.
// Returns 0, or 1 when out of range (nothing written).
DPI_MEM_EXPORT int dpi_mem_write_beat(uint64_t addr, int nbytes, const svBitVecVal *data,
                                      const svBitVecVal *strb) {
  ensure();
  if (!in_range(addr, nbytes)) {
    g_faults++;
    return 1;
  }
  const uint8_t *src = (const uint8_t *)data;
  uint8_t *dst = g_mem + addr;
  int all = 1;
  for (int w = 0; w < nbytes / 32; w++) all &= (strb[w] == 0xffffffffu);
  if (nbytes % 32) all &= ((strb[nbytes / 32] & ((1u << (nbytes % 32)) - 1)) ==
                           ((1u << (nbytes % 32)) - 1));
  if (all) {
    memcpy(dst, src, (size_t)nbytes);
  } else {
    for (int i = 0; i < nbytes; i++)
      if ((strb[i / 32] >> (i % 32)) & 1u) dst[i] = src[i];
  }
  g_writes++;
  return 0;
}

#ifdef __cplusplus
}
#endif
