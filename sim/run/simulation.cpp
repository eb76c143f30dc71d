#include "sim/run/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

#include "sim/core/suggest.hpp"
#include "sim/exec/collective_lowering.hpp"
#include "sim/exec/executor.hpp"
#include "sim/horizon/bubble_filling.hpp"

namespace orrery::run {

namespace {

// Bubble filling on the simulated iteration: K-FAC work from the workload,
// or the scenario's filler tasks on every device that computed.
void fill_bubbles(const Scenario& scenario, const RunContext& context, const task::TaskGraph& graph,
                  const task::TaskTimes& times, trace::Recorder& rec) {
  const horizon::BubbleFillingSpec& spec = *scenario.policies.bubble_filling;
  std::map<int, horizon::DeviceFill> devices;
  if (spec.kind == "kfac" && context.device()) {
    for (auto& [device, work] : scenario.workload->kfac_work(context.shape())) {
      auto& d = devices[device.value()];
      d.device = device.value();
      for (const auto& w : work) {
        Duration t;  // the filler's operations, priced by the device's cost model
        for (const task::Operation& op : w.ops) t = t + context.device()->time(op);
        d.fillers.push_back({w.name, t, w.refresh});
      }
    }
    if (devices.empty()) {
      throw ConfigError(scenario.policies.at, "policies.bubble_filling",
                        "kfac needs a training workload priced by a device model (K-FAC's work is per layer)");
    }
  }
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const auto* c = std::get_if<task::ComputeWork>(&graph.tasks()[i].work);
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
  for (int k = 0; k < task::kTaskKindCount; ++k) out.emplace_back(task::name_of(static_cast<task::TaskKind>(k)));
  return out;
}
}  // namespace

std::unique_ptr<trace::Recorder> make_recorder() { return std::make_unique<trace::Recorder>(kind_names()); }

namespace {

task::ReplicaMirror mirror_of(const workload::ReplicaMaps& maps, const std::vector<std::vector<int>>& classes,
                              std::size_t devices);

// Transfers' shares of one link, summed, above which the analytic network's
// times are called into doubt (Executor::oversubscription): 5% over, so that
// rounding and a collective's ramp at its ends do not trip it.
constexpr double kOversubscribed = 1.05;

// The graph to run: the whole job, or, where it gives the same results, one
// data-parallel replica per class of replicas the network treats alike,
// standing for the others (Workload::replica_maps, sim/task/replica_mirror.hpp).
// Replicas are alike when their own network work — each send, each own
// collective's plan, each in-group collective priced into a compute task —
// takes the same times on their devices' routes as on each other's
// (Executor::replica_signature, RunContext::group_signature). It is tried
// when the network is contention-free (the analytic model: a transfer's time
// is its route's alone, so the copies cannot slow each other), `--full` is
// not given, no Chakra export or bubble filling needs every device's tasks,
// and a recorded timeline keeps only replica 0's devices (`--record-devices
// representative`); it is used when it leaves out at least one replica.
// Host-side work (offload) needs no check: it is priced per device over its
// node's shared paths, the same on every node.
workload::Lowered lower_for_run(const Scenario& scenario, RunContext& context, sim::Engine& engine,
                                exec::NetworkService& network, const trace::RecordSelection& selection,
                                bool timeline, bool exported) {
  const workload::Workload& w = *scenario.workload;
  const bool may_reduce = network.contention_free() && !scenario.full && !exported &&
                          !scenario.policies.bubble_filling &&
                          (!timeline || selection.devices != trace::RecordSelection::Devices::kAll);
  const workload::ReplicaMaps maps = may_reduce ? w.replica_maps(context.shape()) : workload::ReplicaMaps{};
  if (maps.replicas() < 2) return context.lower(w);
  // One replica's map over the cluster at a time (what the signatures index
  // by device): replica r's devices at replica 0's, -1 elsewhere.
  const auto devices = static_cast<std::size_t>(context.shape().devices);
  std::vector<std::int32_t> map(devices, -1);
  const auto in_first = [&](std::int32_t d) {
    return std::ranges::find(maps.base(), d) != maps.base().end();
  };
  if (timeline && !std::all_of(selection.list.begin(), selection.list.end(), in_first)) return context.lower(w);

  // Replica 0's work, and each replica's signature on it.
  workload::Lowered first = context.lower_replicas(w, {0});
  std::vector<std::vector<int>> classes;
  {
    exec::Executor probe(engine, context.cluster(), network, first.graph, nullptr, scenario.collectives.get(),
                         &context.plans());
    std::map<std::vector<std::int64_t>, std::size_t> index;
    for (std::size_t r = 0; r < maps.replicas(); ++r) {
      for (std::size_t i = 0; i < maps.base().size(); ++i)
        map[static_cast<std::size_t>(maps.base()[i])] = maps.plays[r][i];
      std::vector<std::int64_t> signature = probe.replica_signature(map);
      const auto groups = context.group_signature(first.graph, map);
      if (!groups) return context.lower(w);
      signature.insert(signature.end(), groups->begin(), groups->end());
      const auto [it, added] = index.try_emplace(std::move(signature), classes.size());
      if (added) classes.emplace_back();
      classes[it->second].push_back(static_cast<int>(r));
    }
  }
  if (classes.size() == maps.replicas()) return context.lower(w);

  // One representative per class: its first replica, so replica 0 is one.
  std::vector<int> representatives;
  for (const auto& c : classes) representatives.push_back(c.front());
  std::sort(representatives.begin(), representatives.end());
  workload::Lowered out = std::move(first);
  if (representatives.size() > 1) {
    // Replica 0's graph goes before the representatives' is built, so that the
    // two are not held at once (its large arrays go back to the system: glibc
    // maps and unmaps those over 32 MiB; docs/ARCHITECTURE.md).
    out = workload::Lowered{};
    out = context.lower_replicas(w, representatives);
  }
  out.mirror = mirror_of(maps, classes, devices);
  return out;
}

// Each class's first replica simulated, its other members mapped onto it device by device.
task::ReplicaMirror mirror_of(const workload::ReplicaMaps& maps, const std::vector<std::vector<int>>& classes,
                              std::size_t devices) {
  task::ReplicaMirror m;
  m.part.resize(devices);
  m.replica.assign(devices, -1);
  m.copies.resize(devices);
  for (std::size_t d = 0; d < devices; ++d) m.part[d] = static_cast<std::int32_t>(d);
  for (std::size_t r = 0; r < maps.replicas(); ++r) {
    for (const std::int32_t d : maps.plays[r]) m.replica[static_cast<std::size_t>(d)] = static_cast<std::int32_t>(r);
  }
  for (const auto& c : classes) {
    const auto& lead = maps.plays[static_cast<std::size_t>(c.front())];
    for (std::size_t k = 1; k < c.size(); ++k) {
      const auto& member = maps.plays[static_cast<std::size_t>(c[k])];
      for (std::size_t i = 0; i < lead.size(); ++i) {
        m.part[static_cast<std::size_t>(member[i])] = lead[i];
        m.copies[static_cast<std::size_t>(lead[i])].push_back(member[i]);
      }
    }
  }
  m.simulated_replicas = static_cast<int>(classes.size());
  return m;
}

}  // namespace

RunOutput simulate(const Scenario& scenario, bool timeline) {
  auto recorder = make_recorder();
  if (timeline) recorder->keep_timeline();
  return simulate(scenario, std::move(recorder), trace::RecordSelection{});
}

RunOutput simulate(const Scenario& scenario, std::unique_ptr<trace::Recorder> recorder,
                   const trace::RecordSelection& selection) {
  RunContext context(scenario);
  return simulate(scenario, context, std::move(recorder), selection);
}

RunOutput simulate(const Scenario& scenario, RunContext& context, std::unique_ptr<trace::Recorder> recorder,
                   const trace::RecordSelection& requested, const ProgressFn& progress, const ExecutedFn& executed) {
  const exec::Cluster& cluster = context.cluster();
  const workload::ClusterShape& shape = context.shape();

  RunOutput out;
  out.recorder = std::move(recorder);
  trace::Recorder& rec = *out.recorder;
  trace::RecordSelection selection = requested;
  if (selection.devices == trace::RecordSelection::Devices::kRepresentative) {
    for (const DeviceId d : scenario.workload->replica_devices(shape)) selection.list.push_back(d.value());
  }
  rec.select(selection, cluster.device_count());
  sim::Engine engine;
  const auto network = scenario.network->make(engine, cluster);
  if (selection.link_bin > 0) network->record_link_load(Duration::ns(selection.link_bin));
  const workload::Lowered lowered = lower_for_run(scenario, context, engine, *network, selection,
                                                  rec.records_timeline(), executed != nullptr);
  const task::TaskGraph& graph = lowered.graph;
  out.warnings = scenario.workload->warnings(lowered);
  if (lowered.mirror) out.simulated_replicas = lowered.mirror->simulated_replicas;
  if (rec.records_timeline()) rec.reserve_spans(graph.size() + graph.size() / 2);
  exec::Executor executor(engine, cluster, *network, graph, rec.records_timeline() ? &rec : nullptr,
                          scenario.collectives.get(), &context.plans());
  executor.run_every_transfer(scenario.full);
  if (lowered.mirror) executor.mirror(&*lowered.mirror);
  executor.event_budget(scenario.limits.events);
  const std::unique_ptr<workload::RunningWorkload> running =
      scenario.workload->start(shape, lowered, context.pricing());
  if (running && executed) {
    throw ConfigError(
        "--chakra: this workload submits its work while the run goes (serving, neural_graphics, vector_search), so "
        "there is no whole task graph to export; export one lowered before the run (training, pipeline, traffic, "
        "chakra)");
  }
  if (running) executor.add_source(*running);
  if (progress && running) {
    running->report_progress(progress);
  } else if (progress) {
    executor.report_progress(progress);
  }
  const task::TaskTimes times = executor.run();
  out.events = engine.events_processed();
  if (const auto over = executor.oversubscription();
      network->contention_free() && over.factor > kOversubscribed) {
    out.warnings.push_back(fmt::format(
        "the analytic network ran transfers of different tasks (collectives of different groups, or "
        "point-to-point sends) over one link at once ({}), timing each as if it had the link alone: together "
        "they asked {:.1f} times what the link carries, so those transfers may take up to {:.1f} times their "
        "analytic time (how much of it the run feels depends on what they overlap); network.model=flow "
        "shares the links",
        cluster.network().link_name(LinkId(over.link)), over.factor, over.factor));
  }
  if (executed) executed(graph, times);
  if (scenario.workload->iterates()) out.iteration_time = scenario.workload->iteration_period(lowered, times);

  const topo::Topology& net = cluster.network();
  const auto& usage = network->link_usage();
  std::map<std::string, std::int64_t> by_class;
  // Every link's row goes to the writers (/links); with none, only the links
  // that carried bytes are named, for the summary's traffic by link class.
  const bool rows = rec.has_observers();
  if (rows) rec.reserve_names(net.links().size());
  for (std::size_t i = 0; i < net.links().size(); ++i) {
    if (!rows && usage[i].bytes.count() == 0) continue;
    const LinkId id(static_cast<std::int32_t>(i));
    const auto& l = net.link(id);
    std::string name = net.link_name(id);
    if (usage[i].bytes.count() > 0) by_class[link_class(name)] += usage[i].bytes.count();
    if (rows) {  // a link's name is its own ("src->dst" of distinct vertices): no lookup
      rec.link(trace::LinkRow{id.value(), l.src.value(), l.dst.value(), rec.add_name(std::move(name)),
                              usage[i].busy.count(), usage[i].bytes.count()});
    }
  }
  if (const exec::LinkTimeline* load = network->link_load()) {
    // /link_load: each link's bytes per bin, and its utilisation there (bytes
    // over what the link's bandwidth moves in a bin).
    const double bin_s = load->bin().seconds();
    trace::Table& table = rec.table("link_load", {"link", "start_s", "bytes", "utilisation"});
    const auto cells = load->cells();
    table.reserve_rows(cells.size());
    for (const exec::LinkTimeline::Cell& c : cells) {
      const double bandwidth = net.link(LinkId(c.link)).bandwidth.bytes_per_s();
      table.add({static_cast<double>(c.link), static_cast<double>(c.bin) * bin_s, c.bytes,
                 bandwidth > 0 ? c.bytes / (bandwidth * bin_s) : 0.0});
    }
    table.labels.push_back({"bin_s", {fmt::format("{}", bin_s)}});
  }
  std::int64_t peak = 0;
  std::vector<exec::DeviceMemory> memory = executor.memory();
  if (lowered.mirror) {  // the other replicas' devices hold what their parts in replica 0 hold
    for (std::size_t d = 0; d < memory.size(); ++d) memory[d] = memory[static_cast<std::size_t>(lowered.mirror->part[d])];
  }
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
  if (running) {
    running->summarize(times, s);
    for (std::string& w : running->warnings()) out.warnings.push_back(std::move(w));
    for (workload::ResultTable& t : running->tables()) {
      trace::Table& table = rec.table(t.name, std::move(t.columns));
      table.values = std::move(t.values);
      table.labels = std::move(t.labels);
    }
  }
  if (!times.collectives.empty() && !s.find("collective_algorithms")) {
    // The distinct op:algorithm pairs that ran, in task order.
    std::vector<std::string> picks;
    for (const auto& [task, record] : times.collectives) {
      const auto& c = std::get<task::CollectiveWork>(graph.tasks()[static_cast<std::size_t>(task)].work);
      std::string pick = fmt::format("{}:{}", task::name_of(c.op), record.algorithm);
      if (std::find(picks.begin(), picks.end(), pick) == picks.end()) picks.push_back(std::move(pick));
    }
    s.set("collective_algorithms", join(picks, ","));
  }
  if (scenario.policies.bubble_filling) fill_bubbles(scenario, context, graph, times, rec);
  s.set("peak_memory_bytes", peak);
  s.set("events", static_cast<std::int64_t>(out.events));
  // Whose kernel measurements priced the device, where another's did (models/compute/cost.hpp).
  if (const auto& table = scenario.cluster.calibration; table && table->sibling) {
    s.set("calibration_sibling", table->sibling->device);
  }
  network->summarize(s);
  // Traffic by link class: the bytes that crossed each kind of link (e.g.
  // traffic_bytes_gpu_to_nvswitch, traffic_bytes_leaf_to_spine).
  for (const auto& [cls, bytes] : by_class) s.set("traffic_bytes_" + cls, bytes);
  return out;
}

}  // namespace orrery::run
