#include "workloads/training/plan.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace orrery::workload::training {

std::string_view name_of(Axis a) {
  switch (a) {
    case Axis::kTp:
      return "tp";
    case Axis::kCp:
      return "cp";
    case Axis::kDp:
      return "dp";
    case Axis::kPp:
      return "pp";
  }
  return "?";
}

int ParallelPlan::size(Axis a) const {
  switch (a) {
    case Axis::kTp:
      return tp;
    case Axis::kCp:
      return cp;
    case Axis::kDp:
      return dp;
    case Axis::kPp:
      return pp;
  }
  return 1;
}

namespace {
int coordinate(const Coord& c, Axis a) {
  switch (a) {
    case Axis::kTp:
      return c.tp;
    case Axis::kCp:
      return c.cp;
    case Axis::kDp:
      return c.dp;
    case Axis::kPp:
      return c.pp;
  }
  return 0;
}
}  // namespace

DeviceId ParallelPlan::device(const Coord& c) const {
  // By axis index (Axis's order), not through the switches above: a lowering
  // asks this for every operation and send, a million times for the 1T GPT.
  const std::array<int, 4> coordinates{c.tp, c.cp, c.dp, c.pp};
  const std::array<int, 4> sizes{tp, cp, dp, pp};
  int rank = 0;
  int stride = 1;
  for (Axis a : order) {
    const auto i = static_cast<std::size_t>(a);
    rank += coordinates[i] * stride;
    stride *= sizes[i];
  }
  return DeviceId(rank);
}

std::vector<DeviceId> ParallelPlan::group(const Coord& c, std::initializer_list<Axis> along) const {
  std::vector<DeviceId> out{device(c)};
  int stride = 1;
  for (Axis a : order) {  // innermost first
    if (std::find(along.begin(), along.end(), a) != along.end()) {
      std::vector<DeviceId> next;
      next.reserve(out.size() * static_cast<std::size_t>(size(a)));
      for (int i = 0; i < size(a); ++i) {
        for (DeviceId d : out) next.emplace_back(d.value() + (i - coordinate(c, a)) * stride);
      }
      out = std::move(next);
    }
    stride *= size(a);
  }
  std::sort(out.begin(), out.end(), [](DeviceId x, DeviceId y) { return x.value() < y.value(); });
  return out;
}

ParallelPlan ParallelPlan::read(config::Reader& r) {
  ParallelPlan p;
  // dp: auto is filled from the cluster when the scenario is read (TrainingWorkload::fit_devices).
  p.dp = r.optional<config::AutoInt>("dp", config::AutoInt{1},
                                     "data-parallel replicas; auto: the cluster's devices / (tp × pp × cp)")
             .value.value_or(0);
  p.tp = r.optional<int>("tp", 1, "tensor-parallel ranks (Megatron's intra-layer split)");
  p.pp = r.optional<int>("pp", 1, "pipeline stages");
  p.vpp = r.optional<int>("vpp", 1, "model chunks per pipeline stage (interleaved and V-shaped schedules)");
  p.cp = r.optional<int>("cp", 1, "context-parallel ranks (each holds s/cp of every sequence; ring exchange of keys and values)");
  p.ep = r.optional<int>("ep", 1, "expert-parallel ranks, taken from the data-parallel ranks; must divide dp and experts");
  p.sequence_parallel = r.optional<bool>(
      "sequence_parallel", false,
      "Megatron's sequence parallelism: norms and dropouts split over tp; all-reduces become reduce-scatter + all-gather");
  const auto order = r.optional<std::string>(
      "order", "tp-cp-dp-pp", "rank-to-device mapping, innermost axis first (tp innermost keeps it inside a node)");
  for (const auto& [key, v] : {std::pair{"dp", p.auto_dp() ? 1 : p.dp}, std::pair{"tp", p.tp}, std::pair{"pp", p.pp},
                                std::pair{"vpp", p.vpp}, std::pair{"cp", p.cp}, std::pair{"ep", p.ep}}) {
    r.check(v >= 1, key, fmt::format("must be at least 1, got {}", v));
  }
  // 2^20 devices is the most a cluster may have (topologies/topology.hpp's kMaxEndpoints).
  const double devices = static_cast<double>(p.dp) * p.tp * p.pp * p.cp;  // in double: the ints may be large
  r.check(devices <= 0x1p20 && p.vpp <= 1 << 16, "dp",
          fmt::format("dp {} × tp {} × pp {} × cp {} = {:.4g} devices (vpp {}) is more than orrery's cap of 2^20 "
                      "devices (and 2^16 chunks)",
                      p.dp, p.tp, p.pp, p.cp, devices, p.vpp));
  r.check(p.auto_dp() || p.dp % p.ep == 0, "ep", fmt::format("ep {} must divide dp {} (expert-parallel ranks are data-parallel ranks)", p.ep, p.dp));
  std::vector<Axis> seen;
  for (std::size_t start = 0; start <= order.size();) {
    const std::size_t dash = order.find('-', start);
    const std::string part = order.substr(start, dash == std::string::npos ? std::string::npos : dash - start);
    std::optional<Axis> a;
    for (Axis x : {Axis::kTp, Axis::kCp, Axis::kDp, Axis::kPp}) {
      if (name_of(x) == part) a = x;
    }
    r.check(a.has_value() && std::find(seen.begin(), seen.end(), *a) == seen.end(), "order",
            fmt::format("'{}' is not a dash-separated permutation of tp, cp, dp, pp", order));
    if (a) seen.push_back(*a);
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  r.check(seen.size() == 4, "order", fmt::format("'{}' must name each of tp, cp, dp, pp once", order));
  if (seen.size() == 4) std::copy(seen.begin(), seen.end(), p.order.begin());
  return p;
}

}  // namespace orrery::workload::training
