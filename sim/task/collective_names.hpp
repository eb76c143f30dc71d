// The collective algorithms a workload may name under `algorithm:`, as the
// models register them. Workloads check a named algorithm against this while
// reading their spec, so that a misspelt name fails at its line, without
// depending on the models (which sit above workloads in the layering).
#pragma once

#include <string>
#include <vector>

#include "sim/task/task_graph.hpp"

namespace orrery::task {

class CollectiveNames {
 public:
  virtual ~CollectiveNames() = default;
  // Every registered algorithm, sorted.
  [[nodiscard]] virtual std::vector<std::string> algorithms() const = 0;
  // The algorithms that can run `op`, sorted.
  [[nodiscard]] virtual std::vector<std::string> algorithms_for(CollectiveOp op) const = 0;
  // Empty when the algorithm `work` names (not `auto`) can run it on a
  // cluster of `devices_per_node` devices per node; else why not (dim_rings
  // without a grid, hierarchical without nodes of two ranks or more), so that
  // a workload can say so at the key that named it once the cluster is known.
  [[nodiscard]] virtual std::string why_not(const CollectiveWork& work, int devices_per_node) const {
    (void)work;
    (void)devices_per_node;
    return {};
  }
};

}  // namespace orrery::task
