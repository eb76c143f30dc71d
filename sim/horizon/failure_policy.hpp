// What a failure kind (`policies.failures.kind`) decides: the failure classes
// of the job on a given cluster (each with its component count), and how many
// nodes a switch failure takes. One kind = one file (failure_classes,
// failure_llama3) and one line in policies.cpp's register_builtin.
#pragma once

#include <memory>
#include <vector>

#include "models/failure/failure_model.hpp"
#include "sim/config/registry.hpp"

namespace orrery::horizon {

// Detection and repair defaults (ours, stated: the sources give no per-failure times).
inline constexpr Duration kFailureDetection = Duration::s(600);  // a collective timeout or health check fires
inline constexpr Duration kFailureRepair =
    Duration::s(4 * 3600);  // a node swapped or fixed and back in the pool

class FailurePolicy {
 public:
  virtual ~FailurePolicy() = default;
  [[nodiscard]] virtual int nodes_per_switch() const = 0;
  // The classes with their components counted on the cluster.
  [[nodiscard]] virtual std::vector<models::FailureClass> classes(
      const models::ClusterCounts& counts) const = 0;
};
using FailureRegistry = config::Registry<std::shared_ptr<const FailurePolicy>>;

}  // namespace orrery::horizon
