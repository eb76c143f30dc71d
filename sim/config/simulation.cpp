#include "sim/config/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "models/compute/cost.hpp"

#include "sim/core/suggest.hpp"
#include "sim/exec/executor.hpp"

namespace orrery::config {

namespace {

// The workloads' view of the cluster's device: models::CostModel over the
// device and its calibration table, and the host tier's figures.
class CostModelView final : public workload::DeviceModel {
 public:
  explicit CostModelView(const exec::ClusterSpec& spec)
      : model_(spec.device, spec.calibration.get()), host_(spec.host.get()) {}
  std::string_view name() const override { return model_.device().name; }
  Duration time(const workload::Operation& op) const override { return model_.cost(op).time; }
  bool calibrated(const workload::Operation& op) const override { return model_.cost(op).calibrated; }
  FlopRate peak(workload::DType t) const override { return model_.device().peak_or_throw(t); }
  Bytes memory_capacity() const override { return model_.device().memory_capacity.value; }
  Bandwidth pcie_bandwidth() const override {
    return host_ && host_->pcie_bandwidth.present ? host_->pcie_bandwidth.value : model_.device().pcie_bandwidth.value;
  }
  Bandwidth host_memory_bandwidth() const override { return host_ ? host_->host_memory_bandwidth.value : Bandwidth{}; }
  Bandwidth nvme_read_bandwidth() const override { return host_ ? host_->nvme_read_bandwidth.value : Bandwidth{}; }
  Bandwidth nvme_write_bandwidth() const override { return host_ ? host_->nvme_write_bandwidth.value : Bandwidth{}; }
  Bytes host_memory_capacity() const override { return host_ ? host_->host_memory_capacity.value : Bytes{}; }
  Bytes nvme_capacity() const override { return host_ ? host_->nvme_capacity.value : Bytes{}; }

 private:
  models::CostModel model_;
  const models::Device* host_;
};

}  // namespace

std::unique_ptr<workload::DeviceModel> device_model(const exec::ClusterSpec& cluster) {
  if (!cluster.device || cluster.device->kind != models::DeviceKind::kGpu) return nullptr;
  return std::make_unique<CostModelView>(cluster);
}

namespace {

std::vector<std::string> kind_names() {
  std::vector<std::string> out;
  for (int k = 0; k < workload::kTaskKindCount; ++k) out.emplace_back(workload::name_of(static_cast<workload::TaskKind>(k)));
  return out;
}
}  // namespace

RunOutput simulate(const Scenario& scenario) {
  const exec::Cluster cluster(scenario.cluster);
  workload::ClusterShape shape = cluster.shape();
  shape.seed = scenario.seed;
  const auto device = device_model(scenario.cluster);
  shape.device = device.get();
  const workload::TaskGraph graph = scenario.workload->lower(shape);

  RunOutput out;
  out.recorder = std::make_unique<trace::Recorder>(kind_names());
  trace::Recorder& rec = *out.recorder;
  sim::Engine engine;
  const auto network = scenario.network->make(engine, cluster);
  exec::Executor executor(engine, cluster, *network, graph, &rec, scenario.collectives.get());
  const workload::TaskTimes times = executor.run();
  out.events = engine.events_processed();

  const topo::Topology& net = cluster.network();
  const auto& usage = network->link_usage();
  for (std::size_t i = 0; i < net.links().size(); ++i) {
    const LinkId id(static_cast<std::int32_t>(i));
    const auto& l = net.link(id);
    rec.link(trace::LinkRow{id.value(), l.src.value(), l.dst.value(), rec.intern(net.link_name(id)),
                            usage[i].busy.count(), usage[i].bytes.count()});
  }
  std::int64_t peak = 0;
  const auto& memory = executor.memory();
  std::vector<workload::MemoryPeak> peaks;
  for (std::size_t d = 0; d < memory.size(); ++d) {
    rec.memory(trace::MemoryRow{static_cast<std::int32_t>(d), memory[d].peak, memory[d].at_peak});
    peak = std::max(peak, memory[d].peak);
    if (memory[d].peak > 0) peaks.push_back({static_cast<int>(d), memory[d].peak, memory[d].at_peak});
  }
  scenario.workload->check_memory(shape, peaks);

  Summary& s = rec.summary();
  scenario.workload->summarize(graph, times, s);
  if (!times.collectives.empty() && !s.find("collective_algorithms")) {
    // The distinct op:algorithm pairs that ran, in task order.
    std::vector<std::string> picks;
    for (const auto& [task, record] : times.collectives) {
      const auto& c = std::get<workload::CollectiveWork>(graph.tasks()[static_cast<std::size_t>(task)].work);
      std::string pick = fmt::format("{}:{}", workload::name_of(c.op), record.algorithm);
      if (std::find(picks.begin(), picks.end(), pick) == picks.end()) picks.push_back(std::move(pick));
    }
    s.set("collective_algorithms", join(picks, ","));
  }
  s.set("peak_memory_bytes", peak);
  s.set("events", static_cast<std::int64_t>(out.events));
  network->summarize(s);
  return out;
}

}  // namespace orrery::config
