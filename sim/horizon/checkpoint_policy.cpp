// The pieces every checkpoint kind shares: restore-source names, the shared
// storage write, and the periodic kinds' interval and storage keys.
#include "sim/horizon/checkpoint_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "models/failure/checkpoint_interval.hpp"
#include "sim/core/error.hpp"

namespace orrery::horizon {

namespace {

// Each source's label in the /failures table and its name in summary keys,
// in the order of RestoreSource.
struct SourceNames {
  std::string_view label, key;
};
constexpr std::array<SourceNames, kRestoreSources.size()> kSourceNames{{{"start", "start"},
                                                                         {"storage", "storage"},
                                                                         {"host copy", "host_copy"},
                                                                         {"in-memory", "in_memory"},
                                                                         {"(while down)", "while_down"}}};

}  // namespace

std::string_view name_of(RestoreSource s) { return kSourceNames[static_cast<std::size_t>(s)].label; }

std::string_view key_of(RestoreSource s) { return kSourceNames[static_cast<std::size_t>(s)].key; }

double shared_write_time(std::vector<double> bytes, double egress, double storage) {
  std::sort(bytes.begin(), bytes.end());
  double t = 0, done = 0;  // bytes each still-active node has written
  std::size_t active = bytes.size();
  for (double b : bytes) {
    const double rate = std::min(egress, storage / static_cast<double>(active));
    if (b > done) {
      t += (b - done) / rate;
      done = b;
    }
    --active;
  }
  return t;
}

Duration ceil_duration(double seconds) {
  return Duration::ceil_ns(seconds * 1e9);
}

PeriodicParams PeriodicParams::read(config::Reader& r) {
  PeriodicParams c;
  c.interval_at = r.where("interval");
  const auto text = r.optional<std::string>(
      "interval", "daly",
      "time between checkpoints: a duration, or young / daly (the optimum from the job's MTBF "
      "and the simulated checkpoint cost)");
  if (!r.describing()) {
    if (text == "young") {
      c.rule = IntervalRule::kYoung;
    } else if (text == "daly") {
      c.rule = IntervalRule::kDaly;
    } else {
      c.rule = IntervalRule::kFixed;
      try {
        c.interval = parse_duration(text);
      } catch (const ValueError& e) {
        r.fail("interval", fmt::format("'{}' is neither young, daly nor a duration: {}", text, e.what()));
      }
      r.check(c.interval > Duration{}, "interval", fmt::format("must be positive, got {}", text));
    }
  }
  c.storage_bandwidth =
      r.optional<Bandwidth>("storage_bandwidth", Bandwidth::bytes_per_s(100e9),
                            "aggregate bandwidth of the storage tier, shared by every node's writes "
                            "(and reads on restore)");
  c.cost = r.maybe<Duration>(
      "cost", "checkpoint write time, given instead of computed from the bytes and bandwidths");
  r.check(c.storage_bandwidth.bytes_per_s() > 0, "storage_bandwidth", "must be positive");
  if (c.cost) r.check(*c.cost > Duration{}, "cost", "must be positive");
  return c;
}

Duration PeriodicParams::interval_for(Duration pause, Duration mtbf) const {
  switch (rule) {
    case IntervalRule::kFixed:
      return interval;
    case IntervalRule::kYoung:
      return models::young_interval(std::max(pause, Duration::ns(1)), mtbf);
    case IntervalRule::kDaly:
      return models::daly_interval(std::max(pause, Duration::ns(1)), mtbf);
  }
  return interval;
}

double PeriodicParams::write_s(const ClusterFigures& c) const {
  if (cost) return cost->seconds();
  if (c.node_bytes.empty()) {
    throw ConfigError(interval_at, "policies.checkpoint",
                      "this workload has no model states to checkpoint; give checkpoint.cost");
  }
  return shared_write_time(c.node_bytes, c.egress, storage_bandwidth.bytes_per_s());
}

double PeriodicParams::snapshot_s(const ClusterFigures& c) const {
  if (cost) return cost->seconds();
  if (c.pcie <= 0) {
    throw ConfigError(
        interval_at, "policies.checkpoint",
        "a snapshot to host memory needs a PCIe bandwidth: cluster.host or the device's pcie_bandwidth");
  }
  return c.device_max_bytes / c.pcie;
}

}  // namespace orrery::horizon
