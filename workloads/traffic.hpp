// `traffic`: raw network traffic for network studies — flows in a pattern, and
// collectives — with no compute. Patterns (each a list entry under `flows:`,
// every flow `bytes` long, starting at `start_time`):
//
//  * permutation: every device sends to one other, a random derangement drawn
//    from the named stream "traffic.permutation" (index: the entry's position)
//    of the scenario seed, by rejection of uniform shuffles (so every
//    derangement is equally likely);
//  * all_to_all: every ordered pair of distinct devices;
//  * ring: device i to i+1 (mod n);
//  * incast: `senders` devices (default: all others, the lowest ids first) to `target`;
//  * hot_spot: every device sends one flow, to `target` with probability
//    `fraction`, else to a uniformly drawn other device (stream "traffic.hot_spot");
//  * file: the flows of a CSV file (traffic_csv.hpp), path relative to the scenario.
//
// Collectives (`collectives:` list): op, group (device ids or `all`), bytes (S,
// as NCCL counts it), algorithm (`auto` or a registered name), root, density,
// dims, start_time. All flows and collectives are independent; each starts at
// its start time.
//
// Summary: completion_time_s (the last end), flows, flow_bandwidth_{mean,min,max}
// (bytes/s: each flow's bytes over its duration), per collective in the order
// listed collective_time_s, collective_algbw (S/t) and collective_busbw (NCCL's
// bus bandwidth: algbw × 2(p−1)/p for all-reduce and sparse all-reduce (dense
// equivalent), × (p−1)/p for reduce-scatter, all-gather and all-to-all, × 1 for
// broadcast and reduce), collective_algorithms ("op:algorithm,..." in the
// order listed), and comm_bytes (bytes sent: flows plus collectives' transfers).
#pragma once

#include <string>
#include <vector>

#include "sim/config/reader.hpp"
#include "workloads/traffic_csv.hpp"
#include "workloads/workload.hpp"

namespace orrery::workload {


struct FlowPattern {
  std::string pattern;
  Bytes bytes;
  Duration start_time;
  std::optional<int> target;
  std::optional<int> senders;
  double fraction = 0.5;
  std::vector<CsvFlow> csv;
  std::string key;  // e.g. workload.flows[0], for errors found at lowering
  SourceLocation target_at, senders_at, pattern_at;
};

struct TrafficCollective {
  CollectiveWork work;  // group filled at lowering when `all`
  bool all_devices = false;
  std::vector<int> ids;
  Duration start_time;
  std::string key;
  SourceLocation group_at, root_at, dims_at, algorithm_at;
};

struct TrafficParams {
  std::vector<FlowPattern> flows;
  std::vector<TrafficCollective> collectives;
  // The most point-to-point transfers the scenario may ask for (a flow
  // pattern's flows, a collective's p² transfers): its limits.tasks.
  double max_transfers = config::Limits{}.tasks;
  // The registered algorithms (the catalog's, which outlives the workload):
  // lowering asks whether a named one can run each collective on the cluster.
  const CollectiveNames* names = nullptr;
  static TrafficParams read(config::Reader& r, const CollectiveNames& names);
};

class TrafficWorkload final : public Workload {
 public:
  explicit TrafficWorkload(TrafficParams p) : p_(std::move(p)) {}
  [[nodiscard]] Lowered lower(const ClusterShape& cluster) const override;
  void summarize(const Lowered& lowered, const TaskTimes& times, Summary& out) const override;
  // The summary keys above, of any graph of transfers and collectives (the `chakra` workload's too).
  static void summarize_graph(const TaskGraph& graph, const TaskTimes& times, Summary& out);

  // NCCL's bus-bandwidth factor for `op` on p ranks (nccl-tests PERFORMANCE.md).
  [[nodiscard]] static double busbw_factor(CollectiveOp op, int p);
  // The (src, dst) of each flow of a pattern other than `file` on this cluster.
  [[nodiscard]] std::vector<std::pair<int, int>> pairs_of(const FlowPattern& f, std::size_t index,
                                                          const ClusterShape& cluster) const;

 private:
  void add_flows(TaskGraph& g, const FlowPattern& f, std::size_t index, const ClusterShape& cluster) const;

  TrafficParams p_;
};

}  // namespace orrery::workload
