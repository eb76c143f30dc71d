// What one run builds once and every step of it uses: the cluster (graph and
// route table), the run's collective plan cache, the workloads' view of the
// cluster (its shape, the device's figures), and what the pricing pass prices
// with (the device's cost model, the collective pricer over the plan cache).
// `orrery run`, `orrery check`, the simulated iteration and the long-horizon
// set-up share one instead of building the cluster each.
#pragma once

#include <memory>
#include <optional>
#include <span>

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
  // The device's cost model; null when the cluster names no device that runs operations.
  [[nodiscard]] const task::DeviceModel* device() const { return device_.get(); }
  // What a workload's task source prices with while the run goes.
  [[nodiscard]] workload::RuntimePricing pricing() const { return {device_.get(), pricer_.get()}; }
  // `w` lowered onto the cluster and priced (exec::price): the graph is ready
  // to run. An operation the device cannot price is a ConfigError at the
  // lowering's price_at.
  [[nodiscard]] workload::Lowered lower(const workload::Workload& w) const;
  // Workload::lower_replicas, priced.
  [[nodiscard]] workload::Lowered lower_replicas(const workload::Workload& w, const std::vector<int>& replicas) const;
  // For a graph of replica 0's work: what each in-group collective (priced
  // into a compute task's head or tail) costs on the devices `map` gives
  // (map[d]: the device playing replica-0 device d's part); nothing when a
  // group reaches beyond replica 0.
  [[nodiscard]] std::optional<std::vector<std::int64_t>> group_signature(const task::TaskGraph& graph,
                                                                         std::span<const std::int32_t> map) const;

 private:
  exec::Cluster cluster_;
  exec::CollectivePlans plans_;
  std::unique_ptr<task::DeviceModel> device_;
  std::unique_ptr<task::CollectivePricer> pricer_;
  workload::ClusterShape shape_;
};

// The workloads' view of the cluster's device (cost model over its calibration
// table, host tier); null when the cluster names no GPU.
std::unique_ptr<task::DeviceModel> device_model(const exec::ClusterSpec& cluster);

// Collectives a group runs alone, for the pricing pass: a group inside one
// node whose op, size and node kind the calibration table's `collective` rows
// cover at that time (models/collective/measured_collectives.hpp), any other
// the alpha-beta prediction on the cluster's routes from the run's plan cache.
// A table with no collective rows takes its calibration sibling's where the
// sibling's GPU links run at the device's rate (the same NVLink generation).
std::unique_ptr<task::CollectivePricer> collective_pricer(exec::CollectivePlans& plans,
                                                          const exec::Cluster& cluster,
                                                          const exec::ClusterSpec& spec);

}  // namespace orrery::run
