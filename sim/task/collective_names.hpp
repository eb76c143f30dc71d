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
};

}  // namespace orrery::task
