// `chakra`: a Chakra execution trace (MLCommons Chakra, the format ASTRA-sim
// replays) as the workload: one file per rank, PREFIX.RANK.et (or orrery's
// text form, PREFIX.RANK.et.txt), rank i on device i. The trace is read and
// its ranks merged when the scenario is read (chakra_graph.hpp says how nodes
// become tasks), so a bad file fails at once, located in it. Lowering:
//
//  * a COMP_NODE runs on its rank's device for its measured time (orrery's
//    orrery_duration_ns when the node has it, else duration_micros); without
//    one, it is priced by the device model from Chakra's num_ops (FLOPs) and
//    tensor_size (bytes), as a memory-bound kernel of tensor_size bytes
//    carrying num_ops FLOPs (an `elementwise` operation, at the device's
//    vector rate): the roofline ASTRA-sim applies to the same two numbers, on
//    orrery's calibrated device;
//  * a CPU op (is_cpu_op), MEM_LOAD_NODE, MEM_STORE_NODE: a wait of its
//    measured time that holds no device;
//  * a send/receive pair: a transfer over the network; a collective: the
//    orrery collective on its group (algorithm: the node's orrery_algorithm,
//    else the `algorithm` key).
//
// Summary: the traffic workload's keys (completion_time_s, flows and their
// bandwidths, collective_time_s, collective_algbw/busbw, collective_algorithms,
// comm_bytes; traffic.hpp) and chakra_nodes (the nodes read, every rank).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sim/config/reader.hpp"
#include "workloads/chakra/chakra_graph.hpp"
#include "workloads/workload.hpp"

namespace orrery::workload::chakra {

struct ChakraParams {
  std::string prefix;  // the trace's files, PREFIX.RANK.et
  std::shared_ptr<const ImportedTrace> trace;
  SourceLocation trace_at;
  std::string key;  // workload.trace
  // The registered algorithms (the catalog's, which outlives the workload):
  // lowering asks whether a named one can run each collective on the cluster.
  const CollectiveNames* names = nullptr;
  std::string algorithm_key;  // workload.algorithm
  SourceLocation algorithm_at;
  static ChakraParams read(config::Reader& r, const CollectiveNames& names);
};

class ChakraWorkload final : public Workload {
 public:
  explicit ChakraWorkload(ChakraParams p) : p_(std::move(p)) {}
  [[nodiscard]] Lowered lower(const ClusterShape& cluster) const override;
  void summarize(const Lowered& lowered, const TaskTimes& times, Summary& out) const override;

 private:
  void check_algorithm(const ImportedTask& t, const ClusterShape& cluster) const;

  ChakraParams p_;
};

}  // namespace orrery::workload::chakra
