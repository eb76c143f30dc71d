// An independent evaluation of a pipeline schedule, for tests that check the
// executor's event-by-event run against it: a few lines of straight-line code
// that share nothing with the lowering or the executor.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "workloads/schedules/schedule.hpp"

namespace orrery::test {

// An independent evaluation of a split-backward schedule with per-boundary
// cost c: sweep the devices, starting an op when its device is free and its
// inputs are there — F after F of the previous virtual stage, B after F of its
// own and B of the next virtual stage, W after its B — adding c when the
// input comes from another device, until every op is placed. Returns the
// makespan; `longest_span`, when given, gets the longest device span (first
// start to last end), the period of post-validated iterations.
inline std::int64_t recurrence(const workload::Schedule& s, int p, int m, int v, std::int64_t tf, std::int64_t tb,
                               std::int64_t tw, std::int64_t c, std::int64_t* longest_span = nullptr) {
  const auto order = s.order({p, m, v});
  std::map<std::pair<int, int>, int> position;  // (chunk, device) → position
  for (int ch = 0; ch < v; ++ch) {
    for (int i = 0; i < p; ++i) position[{ch, s.device_of(ch, i, p)}] = i;
  }
  const auto device = [&](int vs) { return s.device_of(vs / p, vs % p, p); };
  const int last = p * v - 1;
  std::map<std::tuple<int, int, int>, std::int64_t> end;  // (type, mb, virtual stage) → end time
  std::vector<std::size_t> next(static_cast<std::size_t>(p), 0);
  std::vector<std::int64_t> free_at(static_cast<std::size_t>(p), 0);
  std::vector<std::int64_t> first(static_cast<std::size_t>(p), -1);
  std::int64_t makespan = 0;
  for (bool progress = true; progress;) {
    progress = false;
    for (int d = 0; d < p; ++d) {
      const auto& ops = order[static_cast<std::size_t>(d)];
      for (auto& k = next[static_cast<std::size_t>(d)]; k < ops.size(); ++k) {
        const auto& o = ops[k];
        const int vs = o.chunk * p + position[{o.chunk, d}];
        std::vector<std::tuple<int, int, int>> inputs;
        if (o.type == workload::PipeOpType::kForward && vs > 0) inputs.emplace_back(0, o.micro_batch, vs - 1);
        if (o.type == workload::PipeOpType::kBackward) {
          inputs.emplace_back(0, o.micro_batch, vs);
          if (vs < last) inputs.emplace_back(1, o.micro_batch, vs + 1);
        }
        if (o.type == workload::PipeOpType::kWeight) inputs.emplace_back(1, o.micro_batch, vs);
        std::int64_t ready = free_at[static_cast<std::size_t>(d)];
        bool waiting = false;
        for (const auto& in : inputs) {
          const auto it = end.find(in);
          if (it == end.end()) {
            waiting = true;
            break;
          }
          ready = std::max(ready, it->second + (device(std::get<2>(in)) == d ? 0 : c));
        }
        if (waiting) break;
        const std::int64_t e = ready + (o.type == workload::PipeOpType::kForward    ? tf
                                        : o.type == workload::PipeOpType::kBackward ? tb
                                                                          : tw);
        if (k == 0) first[static_cast<std::size_t>(d)] = ready;
        end[{static_cast<int>(o.type), o.micro_batch, vs}] = e;
        free_at[static_cast<std::size_t>(d)] = e;
        makespan = std::max(makespan, e);
        progress = true;
      }
    }
  }
  if (longest_span != nullptr) {
    *longest_span = 0;
    for (int d = 0; d < p; ++d) {
      const auto i = static_cast<std::size_t>(d);
      if (first[i] >= 0) *longest_span = std::max(*longest_span, free_at[i] - first[i]);
    }
  }
  return makespan;
}

}  // namespace orrery::test
