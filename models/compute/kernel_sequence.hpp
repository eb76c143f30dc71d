// The cost of an operation a device runs as several kernels one after another
// (an IVF-PQ search as Faiss's kernels, sim/task/ivfpq_kernels.hpp): each
// kernel priced on its own, launch overhead included; times, FLOPs and bytes
// summed; the bound and efficiency of the longest kernel; calibrated only when
// every kernel is.
#pragma once

#include <cstddef>
#include <functional>
#include <span>

#include "models/compute/cost_types.hpp"
#include "sim/task/operation.hpp"

namespace orrery::models {

// `price(i, op)` prices the i-th kernel.
[[nodiscard]] Cost kernel_sequence_cost(std::span<const task::Operation> kernels,
                                        const std::function<Cost(std::size_t, const task::Operation&)>& price);

}  // namespace orrery::models
