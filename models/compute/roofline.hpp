// The roofline of an operation on a device, before any efficiency: the time
// its FLOPs take at the device's peak for the unit that runs them, and the
// time its bytes take at the memory bandwidth. Which unit runs what:
//
//   gemm, vocab_projection, attention, spmm, sddmm   tensor peak of the dtype
//   mlp (fully fused, fp16)                          fp16 tensor peak
//   elementwise, norm, softmax, optimizer_step,
//   hashgrid, dequantization                         fp32 vector peak
//   embedding                                        no FLOPs
//   neural_field                                     its encoding's and MLPs' kernels, summed
//
// hashgrid with per-level table sizes: the levels whose tables the device's
// on-chip cache (on_chip_memory) holds, smallest first, read no DRAM.
//
// quant_gemm: a layer whose weights have the activations' type runs at that
// type's peak; otherwise the weights are dequantized on the fly (weight-only
// quantization, as in W4A16 kernels): the MMA runs at the activations' peak
// and every 128-row tile of the activations converts and scales the layer's
// n·k weights once, 2 vector FLOPs each: 2·n·k·ceil(m/128) more FLOPs.
#pragma once

#include <array>

#include "models/devices/device.hpp"
#include "sim/task/operation.hpp"

namespace orrery::models {

// A device's rates as plain numbers, for the hot path. A rate the device does
// not have is 0; `roofline` throws ValueError when an operation needs it.
struct Rates {
  explicit Rates(const Device& device);
  std::array<double, task::kDTypeCount> peak{};  // FLOP/s per dtype
  double bandwidth = 0;                              // B/s
  double on_chip = 0;                                // bytes of last-level cache (on_chip_memory)
  double l1 = 0;                                     // bytes of first-level cache per compute unit (l1_memory)
  const Device* device = nullptr;                    // for messages
};

// Times in seconds (doubles: this is the cost model's hot path).
struct Roofline {
  double compute_time = 0;  // FLOPs at peak
  double memory_time = 0;   // bytes at the memory bandwidth
  double flops = 0;
  double bytes = 0;
};

[[nodiscard]] Roofline roofline(const task::Operation& op, const Rates& rates);

// The element type whose peak runs the operation's main FLOPs.
[[nodiscard]] task::DType compute_dtype(const task::Operation& op);

}  // namespace orrery::models
