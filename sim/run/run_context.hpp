// What one run builds once and every step of it uses: the cluster (graph and
// route table), the run's collective plan cache, and the workloads' view of
// the cluster (the device's cost model, the collective pricer, the shape).
// `orrery run`, `orrery check`, the simulated iteration and the long-horizon
// set-up share one instead of building the cluster each.
#pragma once

#include <memory>

#include "sim/exec/cluster.hpp"
#include "sim/exec/collective_lowering.hpp"
#include "sim/run/scenario.hpp"
#include "workloads/workload.hpp"

namespace orrery::run {

class RunContext {
 public:
  // Throws ConfigError at cluster.node / cluster.scale_out when the cluster
  // cannot be built.
  explicit RunContext(const Scenario& scenario);
  RunContext(const RunContext&) = delete;
  RunContext& operator=(const RunContext&) = delete;

  [[nodiscard]] const exec::Cluster& cluster() const { return cluster_; }
  [[nodiscard]] const workload::ClusterShape& shape() const { return shape_; }
  // The plan cache grows as collectives are lowered.
  [[nodiscard]] exec::CollectivePlans& plans() { return plans_; }

 private:
  exec::Cluster cluster_;
  exec::CollectivePlans plans_;
  std::unique_ptr<workload::DeviceModel> device_;
  std::unique_ptr<workload::CollectivePricer> pricer_;
  workload::ClusterShape shape_;
};

// The workloads' view of the cluster's device (cost model over its calibration
// table, host tier); null when the cluster names no GPU.
std::unique_ptr<workload::DeviceModel> device_model(const exec::ClusterSpec& cluster);

// Collectives a group runs alone, priced on the cluster's routes from the
// run's plan cache (for lowering).
std::unique_ptr<workload::CollectivePricer> collective_pricer(exec::CollectivePlans& plans);

}  // namespace orrery::run
