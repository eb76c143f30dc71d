#include "sim/config/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "models/compute/cost.hpp"
#include "sim/core/suggest.hpp"
#include "sim/exec/collective_lowering.hpp"
#include "sim/exec/executor.hpp"
#include "sim/horizon/bubble_filling.hpp"

namespace orrery::config {

namespace {

// The workloads' view of the cluster's device: models::CostModel over the
// device and its calibration table, and the host tier's figures.
class CostModelView final : public workload::DeviceModel {
 public:
  explicit CostModelView(const exec::ClusterSpec& spec)
      : model_(spec.device, spec.calibration.get()), host_(spec.host.get()) {}
  std::string_view name() const override { return model_.device().name; }
  OperationCost cost(const workload::Operation& op) const override {
    const models::Cost c = model_.cost(op);
    return {c.time, c.calibrated};
  }
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

// Collectives priced on the cluster's routes (exec::lower_collective, as the
// executor lowers them), cached per distinct collective.
class RoutePricer final : public workload::CollectivePricer {
 public:
  RoutePricer(const exec::Cluster& cluster, const models::CollectiveLibrary& library)
      : cluster_(cluster), library_(library) {}

  workload::CollectivePrice price(const workload::CollectiveWork& c) const override {
    const std::uint64_t h = exec::collective_hash(c);
    for (auto [at, end] = cache_.equal_range(h); at != end; ++at) {
      if (exec::same_plan(at->second.first, c)) return at->second.second;
    }
    const exec::LoweredPlan lowered = exec::lower_collective(c, cluster_, library_);
    const workload::CollectivePrice out{lowered.predicted, lowered.plan->total_bytes().count(), lowered.algorithm};
    cache_.emplace(h, std::pair{c, out});
    return out;
  }

 private:
  const exec::Cluster& cluster_;
  const models::CollectiveLibrary& library_;
  mutable std::unordered_multimap<std::uint64_t, std::pair<workload::CollectiveWork, workload::CollectivePrice>> cache_;
};

// Bubble filling on the simulated iteration: K-FAC work from the workload,
// or the scenario's filler tasks on every device that computed.
void fill_bubbles(const Scenario& scenario, const workload::ClusterShape& shape, const workload::TaskGraph& graph,
                  const workload::TaskTimes& times, trace::Recorder& rec) {
  const horizon::BubbleFillingSpec& spec = *scenario.policies.bubble_filling;
  std::map<int, horizon::DeviceFill> devices;
  if (spec.kind == "kfac") {
    for (auto& [device, work] : scenario.workload->kfac_work(shape)) {
      auto& d = devices[device.value()];
      d.device = device.value();
      for (const auto& w : work) d.fillers.push_back({w.name, w.duration, w.refresh});
    }
    if (devices.empty()) {
      throw ConfigError(scenario.policies.at, "policies.bubble_filling",
                        "kfac needs a training workload priced by a device model (K-FAC's work is per layer)");
    }
  }
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const auto* c = std::get_if<workload::ComputeWork>(&graph.tasks()[i].work);
    if (!c) continue;
    if (spec.kind == "kfac" && !devices.contains(c->device.value())) continue;
    auto& d = devices[c->device.value()];
    if (d.fillers.empty() && spec.kind == "tasks") {
      d.device = c->device.value();
      for (const auto& t : spec.tasks)
        for (int k = 0; k < t.count; ++k) d.fillers.push_back({t.name, t.duration, false});
    }
    d.busy.push_back({times.start[i], times.end[i]});
  }
  std::vector<horizon::DeviceFill> list;
  for (auto& [id, d] : devices) list.push_back(std::move(d));
  const horizon::FillResult r = horizon::fill_bubbles(list, times.makespan);
  horizon::record(r, list, rec);
}

}  // namespace

std::unique_ptr<workload::CollectivePricer> collective_pricer(const exec::Cluster& cluster,
                                                             const models::CollectiveLibrary& library) {
  return std::make_unique<RoutePricer>(cluster, library);
}

std::unique_ptr<workload::DeviceModel> device_model(const exec::ClusterSpec& cluster) {
  if (!cluster.device || cluster.device->kind != models::DeviceKind::kGpu) return nullptr;
  return std::make_unique<CostModelView>(cluster);
}

namespace {

// A link's class from its name "n3.gpu0->n3.nvswitch" or "leaf2->spine0.1":
// the two ends without node prefixes and indices, "gpu_to_nvswitch".
std::string link_class(const std::string& name) {
  const auto end_kind = [](std::string_view e) {
    if (const auto dot = e.find('.'); dot != std::string_view::npos && dot > 1 && e[0] == 'n' &&
                                      std::all_of(e.begin() + 1, e.begin() + static_cast<std::ptrdiff_t>(dot),
                                                  [](char c) { return c >= '0' && c <= '9'; })) {
      e.remove_prefix(dot + 1);  // the node prefix "n3."
    }
    std::string out;
    for (char c : e) {
      if ((c >= '0' && c <= '9') || c == '.') continue;
      out += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? c : '_';
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    return out.empty() ? std::string("link") : out;
  };
  const auto arrow = name.find("->");
  if (arrow == std::string::npos) return end_kind(name);
  return end_kind(std::string_view(name).substr(0, arrow)) + "_to_" + end_kind(std::string_view(name).substr(arrow + 2));
}

std::vector<std::string> kind_names() {
  std::vector<std::string> out;
  for (int k = 0; k < workload::kTaskKindCount; ++k) out.emplace_back(workload::name_of(static_cast<workload::TaskKind>(k)));
  return out;
}
}  // namespace

RunOutput simulate(const Scenario& scenario, bool timeline) {
  const exec::Cluster cluster(scenario.cluster);
  workload::ClusterShape shape = cluster.shape();
  shape.seed = scenario.seed;
  const auto device = device_model(scenario.cluster);
  shape.device = device.get();
  const auto pricer = collective_pricer(cluster, *scenario.collectives);
  shape.collectives = pricer.get();
  const workload::Lowered lowered = scenario.workload->lower(shape);
  const workload::TaskGraph& graph = lowered.graph;

  RunOutput out;
  out.recorder = std::make_unique<trace::Recorder>(kind_names());
  trace::Recorder& rec = *out.recorder;
  sim::Engine engine;
  const auto network = scenario.network->make(engine, cluster);
  if (timeline) rec.reserve_spans(graph.size() + graph.size() / 2);
  exec::Executor executor(engine, cluster, *network, graph, timeline ? &rec : nullptr, scenario.collectives.get());
  const workload::TaskTimes times = executor.run();
  out.events = engine.events_processed();

  const topo::Topology& net = cluster.network();
  const auto& usage = network->link_usage();
  std::map<std::string, std::int64_t> by_class;
  for (std::size_t i = 0; i < net.links().size(); ++i) {
    const LinkId id(static_cast<std::int32_t>(i));
    const auto& l = net.link(id);
    const std::string name = net.link_name(id);
    rec.link(trace::LinkRow{id.value(), l.src.value(), l.dst.value(), rec.intern(name),
                            usage[i].busy.count(), usage[i].bytes.count()});
    if (usage[i].bytes.count() > 0) by_class[link_class(name)] += usage[i].bytes.count();
  }
  std::int64_t peak = 0;
  std::vector<exec::DeviceMemory> memory = executor.memory();
  for (const auto& [member, lead] : scenario.workload->memory_mirrors(shape)) {
    memory[static_cast<std::size_t>(member.value())] = memory[static_cast<std::size_t>(lead.value())];
  }
  std::vector<workload::MemoryPeak> peaks;
  for (std::size_t d = 0; d < memory.size(); ++d) {
    rec.memory(trace::MemoryRow{static_cast<std::int32_t>(d), memory[d].peak, memory[d].at_peak});
    peak = std::max(peak, memory[d].peak);
    if (memory[d].peak > 0) peaks.push_back({static_cast<int>(d), memory[d].peak, memory[d].at_peak});
  }
  scenario.workload->check_memory(shape, peaks);

  Summary& s = rec.summary();
  scenario.workload->summarize(lowered, times, s);
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
  if (scenario.policies.bubble_filling) fill_bubbles(scenario, shape, graph, times, rec);
  s.set("peak_memory_bytes", peak);
  s.set("events", static_cast<std::int64_t>(out.events));
  network->summarize(s);
  // Traffic by link class: the bytes that crossed each kind of link (e.g.
  // traffic_bytes_gpu_to_nvswitch, traffic_bytes_leaf_to_spine).
  for (const auto& [cls, bytes] : by_class) s.set("traffic_bytes_" + cls, bytes);
  return out;
}

}  // namespace orrery::config
