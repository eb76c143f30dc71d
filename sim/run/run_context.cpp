#include "sim/run/run_context.hpp"

#include <stdexcept>

#include "models/collective/measured_collectives.hpp"
#include "models/compute/operation_model.hpp"
#include "models/devices/device_kind.hpp"
#include "sim/core/error.hpp"
#include "sim/exec/pricing.hpp"

namespace orrery::run {

namespace {

// The pricing pass's view of the cluster's device: the operation model its
// kind makes (for a GPU, models::CostModel over the device and its
// calibration table), and the host tier's figures.
class KindModelView final : public task::DeviceModel {
 public:
  explicit KindModelView(const exec::ClusterSpec& spec)
      : device_(spec.device),
        model_(spec.device->kind->operation_model(spec.device, spec.calibration.get())),
        host_(spec.host.get()) {
    if (!model_) throw std::logic_error("device kind runs operations but makes no operation model");
  }
  std::string_view name() const override { return device_->name; }
  OperationCost cost(const task::Operation& op) const override {
    const models::Cost c = model_->cost(op);
    return {c.time, c.calibrated, c.issue, c.distance};
  }
  // A device beside a host GPU (an NGPC) has the host's peaks and memory.
  FlopRate peak(task::DType t) const override { return datasheet().peak_or_throw(t); }
  Bytes memory_capacity() const override { return datasheet().memory_capacity.value; }
  bool neural_engines() const override { return device_->kind->neural_engines(); }
  Bandwidth pcie_bandwidth() const override {
    return host_ && host_->pcie_bandwidth.present ? host_->pcie_bandwidth.value : device_->pcie_bandwidth.value;
  }
  Bandwidth host_memory_bandwidth() const override { return host_ ? host_->host_memory_bandwidth.value : Bandwidth{}; }
  Bandwidth nvme_read_bandwidth() const override { return host_ ? host_->nvme_read_bandwidth.value : Bandwidth{}; }
  Bandwidth nvme_write_bandwidth() const override { return host_ ? host_->nvme_write_bandwidth.value : Bandwidth{}; }
  Bytes host_memory_capacity() const override { return host_ ? host_->host_memory_capacity.value : Bytes{}; }
  Bytes nvme_capacity() const override { return host_ ? host_->nvme_capacity.value : Bytes{}; }

 private:
  const models::Device& datasheet() const { return device_->host ? *device_->host : *device_; }

  std::shared_ptr<const models::Device> device_;
  std::unique_ptr<models::OperationModel> model_;
  const models::Device* host_;
};

// Collectives priced on the cluster's routes from the run's plan cache, the
// one the executor runs plans from; inside one node, from the measured rows
// of that node kind where there are any (the plan still gives the bytes).
class RoutePricer final : public task::CollectivePricer {
 public:
  RoutePricer(exec::CollectivePlans& plans, const exec::Cluster& cluster,
              const std::vector<models::CollectiveRow>* rows)
      : plans_(plans),
        measured_(rows ? models::MeasuredCollectives(*rows) : models::MeasuredCollectives()),
        cluster_(cluster),
        fabric_(cluster.graph().fabric().kind()) {}

  task::CollectivePrice price(const task::CollectiveWork& c) const override {
    const exec::LoweredPlan& lowered = plans_.get(c);
    if (const auto t = measured(c)) return {*t, lowered.bytes.count(), "measured"};
    return {lowered.predicted, lowered.bytes.count(), lowered.algorithm};
  }

 private:
  [[nodiscard]] std::optional<Duration> measured(const task::CollectiveWork& c) const {
    if (measured_.empty() || c.algorithm != "auto" || c.group.size() < 2) return std::nullopt;
    const int node = cluster_.node_of(c.group.front());
    for (DeviceId d : c.group) {
      if (cluster_.node_of(d) != node) return std::nullopt;
    }
    return measured_.time(c.op, static_cast<int>(c.group.size()), fabric_, c.bytes);
  }

  exec::CollectivePlans& plans_;
  models::MeasuredCollectives measured_;
  const exec::Cluster& cluster_;
  std::string fabric_;
};

}  // namespace

// The in-node collective rows of the device's table; where it has none, its
// calibration sibling's, if the two devices' GPU links run at one rate (NCCL
// inside a node moves its bytes over those links: the H100 and H200 SXM both
// have NVLink 4 at 450 GB/s each way, on the same NVSwitch boards).
const std::vector<models::CollectiveRow>* collective_rows(const exec::ClusterSpec& spec) {
  const models::CalibrationTable* table = spec.calibration.get();
  if (!table) return nullptr;
  const models::Device* sibling = spec.device ? spec.device->sibling.get() : nullptr;
  if (table->collective.empty() && table->sibling && sibling && sibling->link_bandwidth.present &&
      spec.device->link_bandwidth.present &&
      sibling->link_bandwidth.value == spec.device->link_bandwidth.value) {
    return &table->sibling->collective;
  }
  return &table->collective;
}

std::unique_ptr<task::CollectivePricer> collective_pricer(exec::CollectivePlans& plans,
                                                          const exec::Cluster& cluster,
                                                          const exec::ClusterSpec& spec) {
  return std::make_unique<RoutePricer>(plans, cluster, collective_rows(spec));
}

std::unique_ptr<task::DeviceModel> device_model(const exec::ClusterSpec& cluster) {
  if (!cluster.device || !cluster.device->kind->runs_operations()) return nullptr;
  return std::make_unique<KindModelView>(cluster);
}

RunContext::RunContext(const Scenario& scenario)
    : cluster_(scenario.cluster),
      plans_(cluster_, *scenario.collectives),
      device_(device_model(scenario.cluster)),
      pricer_(collective_pricer(plans_, cluster_, scenario.cluster)),
      shape_(cluster_.shape()) {
  shape_.seed = scenario.seed;
  shape_.device = device_.get();
}

namespace {

void price_lowered(workload::Lowered& out, const task::DeviceModel* device, const task::CollectivePricer* pricer) {
  try {
    out.prices = exec::price(out.graph, device, pricer);
  } catch (const ValueError& e) {
    if (out.price_key.empty()) throw;
    throw ConfigError(out.price_at, out.price_key, e.what());
  }
}

}  // namespace

workload::Lowered RunContext::lower(const workload::Workload& w) const {
  workload::Lowered out = w.lower(shape_);
  price_lowered(out, device_.get(), pricer_.get());
  return out;
}

workload::Lowered RunContext::lower_replicas(const workload::Workload& w, const std::vector<int>& replicas) const {
  workload::Lowered out = w.lower_replicas(shape_, replicas);
  price_lowered(out, device_.get(), pricer_.get());
  return out;
}

std::optional<std::vector<std::int64_t>> RunContext::group_signature(const task::TaskGraph& graph,
                                                                     std::span<const std::int32_t> map) const {
  std::vector<std::int64_t> out;
  for (const task::GroupCost& cost : graph.group_costs()) {
    for (const task::GroupCall& call : cost.calls) {
      task::CollectiveWork copy = call.work;
      for (DeviceId& d : copy.group) {
        const std::int32_t m = map[static_cast<std::size_t>(d.value())];
        if (m < 0) return std::nullopt;
        d = DeviceId(m);
      }
      out.push_back(pricer_->price(copy).time.count());
    }
  }
  return out;
}

}  // namespace orrery::run
