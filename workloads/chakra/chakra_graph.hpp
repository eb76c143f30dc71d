// A Chakra trace's ranks merged into one task graph's worth of tasks, before
// any cluster is known (chakra_workload.hpp lowers it). Each rank's nodes are
// its own: node ids and dependencies are per rank; what crosses ranks is
// communication, which is matched here:
//
//  * COMP_NODE: a compute task on the rank's device (with is_cpu_op: a wait
//    that holds no device, like MEM_LOAD_NODE and MEM_STORE_NODE);
//    METADATA_NODE and INVALID_NODE do no work (ASTRA-sim skips them) and only
//    pass their dependencies on;
//  * COMM_SEND_NODE on rank s with comm_dst d and COMM_RECV_NODE on rank d
//    with comm_src s and the same comm_tag: one transfer s → d of comm_size
//    bytes; several with the same (s, d, tag) pair up in file order;
//  * COMM_COLL_NODE: the k-th collective node of a communicator group in the
//    file of each of its ranks (file order) is one collective over the group:
//    every rank when pg_name is empty or "0" (ASTRA-sim's default group),
//    otherwise the ranks the communicator group file lists for pg_name, in its
//    order (rank i of the collective = the i-th). Its ranks must agree on
//    comm_type and comm_size.
//
// A task waits for every task one of its nodes names in data_deps or
// ctrl_deps. Tasks are ordered by their least (node id, rank), so that an
// exported graph (whose node ids are the task indices) comes back in its own
// order. Errors are ConfigErrors at the node (chakra_trace.hpp), including a
// dependency cycle, which names the nodes around it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/task/collective_names.hpp"
#include "workloads/chakra/chakra_trace.hpp"

namespace orrery::workload::chakra {

struct ImportedTask {
  enum class Kind : std::uint8_t { kCompute, kDelay, kTransfer, kCollective };
  Kind kind = Kind::kCompute;
  int device = 0;  // compute, delay: its rank; transfer: the source
  int dst = 0;     // transfer
  std::int64_t duration_ns = 0;
  // A compute node without a duration, priced by the device model from its
  // num_ops (FLOPs) and tensor_size (bytes) (chakra_workload.hpp).
  bool priced = false;
  bool named_algorithm = false;  // a collective whose node names its algorithm (orrery_algorithm)
  std::int64_t num_ops = 0;
  std::int64_t tensor_size = 0;
  std::int64_t bytes = 0;  // transfer; delay: tensor_size, for the traffic counts
  task::CollectiveWork collective;
  std::int64_t not_before_ns = 0;
  std::string name;
  SourceLocation at;       // its first node
  std::uint64_t node = 0;  // its first node's id, for errors found at lowering
};

struct ImportedTrace {
  int ranks = 0;
  std::int64_t nodes = 0;
  std::vector<ImportedTask> tasks;
  std::vector<std::vector<std::int32_t>> preds;  // per task, increasing
};

struct MergeOptions {
  std::string key;                      // the key path errors start with (workload.trace)
  const CommGroups* groups = nullptr;   // null: no communicator group file
  std::string groups_file;              // for messages
  std::string algorithm = "auto";       // for collectives without orrery_algorithm
  // Where `algorithm` was given (the scenario's workload.algorithm): a node that names
  // none and whose op that algorithm cannot run is an error there, naming the node.
  std::string algorithm_key;
  SourceLocation algorithm_at;
  const task::CollectiveNames* names = nullptr;  // to check orrery_algorithm (null: not checked)
  double max_transfers = 2e7;  // the scenario's limits.tasks: a collective's p² transfers at most
};

[[nodiscard]] ImportedTrace merge_ranks(const std::vector<RankTrace>& ranks, const MergeOptions& options);

}  // namespace orrery::workload::chakra
