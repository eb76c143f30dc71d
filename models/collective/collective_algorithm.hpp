// A collective algorithm: lowers a collective (op, group size, bytes, root,
// ...) to a plan of point-to-point transfers, and predicts its time from the
// group's routes with an alpha-beta model. Algorithms are pure and const; each
// is one file, registered by name in collective_register.cpp, and the
// `collective` registry (`orrery list collective`) lists them. The executor
// looks them up in a CollectiveLibrary, which also answers workloads'
// questions about valid names.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/collective/collective_plan.hpp"
#include "sim/config/registry.hpp"
#include "sim/task/collective_names.hpp"

namespace orrery::models {

class GroupRoutes;

class CollectiveAlgorithm {
 public:
  virtual ~CollectiveAlgorithm() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual std::string_view description() const = 0;
  [[nodiscard]] virtual bool supports(CollectiveOp op) const = 0;
  // Empty when the algorithm can run `call`, else why not (e.g. no grid shape given).
  [[nodiscard]] virtual std::string check(const CollectiveCall& call) const;
  // The transfers; `call` must pass check_call() and check().
  [[nodiscard]] virtual CollectivePlan lower(const CollectiveCall& call) const = 0;
  // True when lower()'s DAG (transfers, chunks, dependencies) does not depend
  // on call.bytes and each transfer carries its chunks' even share of it:
  // plans that differ in S alone then share one DAG (PlanCache, with_size).
  [[nodiscard]] virtual bool same_dag_for_every_size() const { return false; }
  // Predicted time on the group's routes. By default: the step-wise
  // alpha-beta cost of the lowered plan (collective_cost.hpp).
  [[nodiscard]] virtual Duration predict(const CollectiveCall& call, GroupRoutes& routes) const;
};

// A collective task as the algorithms see it, on a cluster of `devices_per_node`
// devices per node, numbered node by node (device d on node d / devices_per_node).
[[nodiscard]] CollectiveCall call_of(const task::CollectiveWork& work, int devices_per_node);

// Checks what every algorithm needs of a call (at least one rank, bytes >= 0,
// root in range, density in (0, 1]); empty when fine, else the reason.
[[nodiscard]] std::string check_call(const CollectiveCall& call);

// The algorithms by name.
class CollectiveLibrary final : public task::CollectiveNames {
 public:
  void add(std::shared_ptr<const CollectiveAlgorithm> algorithm);
  [[nodiscard]] const CollectiveAlgorithm* find(std::string_view name) const;
  [[nodiscard]] const std::vector<std::shared_ptr<const CollectiveAlgorithm>>& all() const { return all_; }
  [[nodiscard]] std::vector<std::string> algorithms() const override;
  [[nodiscard]] std::vector<std::string> algorithms_for(CollectiveOp op) const override;
  [[nodiscard]] std::string why_not(const task::CollectiveWork& work, int devices_per_node) const override;

 private:
  std::vector<std::shared_ptr<const CollectiveAlgorithm>> all_;  // sorted by name
};

using CollectiveRegistry = config::Registry<std::shared_ptr<const CollectiveAlgorithm>>;

// Adds every built-in algorithm to the library, and an entry for each to the registry.
void register_builtin(CollectiveRegistry& registry, CollectiveLibrary& library);

}  // namespace orrery::models
