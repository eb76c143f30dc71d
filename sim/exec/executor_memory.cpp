// The executor's memory accounting: each task's effects in their order, and
// each device's peak over the orders of the tasks of one instant
// (DeviceMemory, MemoryInstant in executor.hpp).
#include "sim/exec/executor.hpp"

namespace orrery::exec {

void MemoryInstant::settle(DeviceMemory& m) {
  if (!open) return;
  open = false;
  std::int64_t high = best;
  for (std::size_t c = 0; c < start.size(); ++c) high += start[c] + gains[c];
  if (high > m.peak) {
    m.peak = high;
    for (std::size_t c = 0; c < start.size(); ++c) m.at_peak[c] = start[c] + gains[c] + best_at[c];
  }
}

void Executor::apply(const task::MemoryEffect& e) {
  apply(std::span<const task::MemoryEffect>(&e, 1));
}

void Executor::apply(std::span<const task::MemoryEffect> effects) {
  if (effects.empty()) return;
  const Time now = engine_.now();
  // The task's run on each device it touches (effects are few: a short list).
  runs_.clear();
  const auto run_of = [this](std::int32_t device) -> MemoryRun& {
    for (MemoryRun& r : runs_) {
      if (r.device == device) return r;
    }
    return runs_.emplace_back(MemoryRun{device});
  };
  for (const task::MemoryEffect& e : effects) {
    DeviceMemory& m = memory_[static_cast<std::size_t>(e.device.value())];
    MemoryInstant& in = instants_[static_cast<std::size_t>(e.device.value())];
    if (!in.open || now != in.instant) {  // the instant before is over: this one starts from here
      in.settle(m);
      in.instant = now;
      in.open = true;
      in.start = m.current;
      in.gains = {};
      in.best = 0;
      in.best_at = {};
    }
    const auto c = static_cast<std::size_t>(e.category);
    m.current[c] += e.delta.count();
    MemoryRun& r = run_of(e.device.value());
    r.sum[c] += e.delta.count();
    r.total += e.delta.count();
    if (r.total > r.highest) {
      r.highest = r.total;
      r.high = r.sum;
    }
    std::int64_t total = 0;
    for (auto v : m.current) total += v;
    sink_.counter(
        trace::CounterSample{now.ns(), e.device.value(), memory_counter_, static_cast<double>(total)});
  }
  for (const MemoryRun& r : runs_) {
    MemoryInstant& m = instants_[static_cast<std::size_t>(r.device)];
    DeviceMemory::Categories at = r.high;
    std::int64_t value = r.highest;
    if (r.total > 0) {
      value -= r.total;
      for (std::size_t c = 0; c < at.size(); ++c) {
        at[c] -= r.sum[c];
        m.gains[c] += r.sum[c];
      }
    }
    // Equal values: the greater breakdown, so that the order of the tasks never shows.
    if (value > m.best || (value == m.best && at > m.best_at)) {
      m.best = value;
      m.best_at = at;
    }
  }
}

}  // namespace orrery::exec
