// The lowering of `training` (see training.hpp): the checks that need the
// cluster, the costs of the virtual stages, the facts summarize() reports,
// then each concern of training_lowering.hpp in turn adds its part of the
// task graph.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/core/error.hpp"
#include "workloads/training/training_lowering.hpp"

namespace orrery::workload::training {

void TrainingWorkload::check_cluster(const ClusterShape& cluster) const {
  const ParallelPlan& plan = p_.plan;
  if (cluster.devices != plan.devices()) {
    throw ConfigError(p_.plan_at, "workload.parallel",
                      fmt::format("dp {} × tp {} × pp {} × cp {} = {} devices, but the cluster has {}",
                                  plan.dp, plan.tp, plan.pp, plan.cp, plan.devices(), cluster.devices));
  }
  if (!p_.profiled && !cluster.device) {
    throw ConfigError(
        p_.device_at, "workload.compute.model",
        "`device` prices every operation with cluster.device, but the cluster names no GPU; name one, "
        "or use `model: profiled` with measured times");
  }
  if ((p_.offload != Offload::kNone || p_.offload_params != Offload::kNone) &&
      (!cluster.device || cluster.device->host_memory_bandwidth().bytes_per_s() <= 0 ||
       cluster.device->pcie_bandwidth().bytes_per_s() <= 0)) {
    throw ConfigError(p_.at.at("training.offload"), "workload.training.offload",
                      "offload needs the host tier: name it in cluster.host (e.g. DGX-A100-host)");
  }
  const bool nvme = p_.offload == Offload::kNvme || p_.offload_params == Offload::kNvme;
  if (nvme && (cluster.device->nvme_read_bandwidth().bytes_per_s() <= 0 ||
               cluster.device->nvme_write_bandwidth().bytes_per_s() <= 0)) {
    throw ConfigError(p_.at.at("training.offload"), "workload.training.offload",
                      "nvme offload needs the host's nvme_read_bandwidth and nvme_write_bandwidth");
  }
}

namespace {

// grad_reduce overlap: one piece of the last micro-batch's backward, a
// layer's share of it (its terms and in-group collectives over the layers;
// profiled, its measured time over them). With one micro-batch, autograd's
// accumulation adds nothing: the pieces split that first micro-batch's cost.
void add_backward_pieces(const TrainingParams& p, std::vector<VirtualStageCost>& costs) {
  if (!p.overlaps_reduce()) return;
  for (VirtualStageCost& c : costs) {
    const OpCost& whole = p.micro_batches() == 1 && !c.first_micro_batch.terms.empty() ? c.first_micro_batch : c.backward;
    const double k = c.layers;
    c.backward_piece = whole;
    for (CostTerm& term : c.backward_piece.terms) term.multiplier /= k;
    for (CommCall& call : c.backward_piece.comm) call.count = static_cast<int>(std::lround(call.count / k));
    c.backward_piece.measured = Duration::ns(whole.measured.count() / c.layers);
    c.backward_piece.model_flops = whole.model_flops / k;
    c.backward_piece.flops_no_recompute = whole.flops_no_recompute / k;
  }
}

}  // namespace

// The stages' operations for the pricing pass, or profiled: a stage's
// measured time split over its chunks, the in-group communication included.
std::vector<VirtualStageCost> TrainingWorkload::lowered_costs() const {
  std::vector<VirtualStageCost> costs = stage_costs();
  if (!p_.profiled) {
    add_backward_pieces(p_, costs);
    return costs;
  }
  const int p = p_.plan.pp;
  const int v = p_.plan.vpp;
  const bool split = p_.schedule->splits_backward();
  const auto at = [](const std::vector<Duration>& l, int s) {
    return l.size() == 1 ? l.front() : l[static_cast<std::size_t>(s)];
  };
  for (int vs = 0; vs < p * v; ++vs) {
    const int s = p_.schedule->device_of(vs / p, vs % p, p);
    VirtualStageCost& k = costs[static_cast<std::size_t>(vs)];
    k.forward.measured = Duration::ns(at(p_.forward, s).count() / v);
    Duration b = at(p_.backward, s);
    if (!split) b = b + at(p_.weight, s);
    k.backward.measured = Duration::ns(b.count() / v);
    k.weight.measured = Duration::ns(at(p_.weight, s).count() / v);
    k.first_micro_batch = OpCost{};  // measured times hold whatever accumulation the framework ran
    for (OpCost* c : {&k.forward, &k.backward, &k.weight}) {
      c->terms.clear();
      c->comm.clear();
    }
  }
  add_backward_pieces(p_, costs);
  return costs;
}

CalibrationCoverage coverage(const TrainingFacts& f, const Prices& prices) {
  CalibrationCoverage out;
  for (const auto& [entry, times] : f.per_micro_batch) {
    const PricedCompute& c = prices.compute.at(static_cast<std::size_t>(entry));
    out.uncalibrated_ops += c.uncalibrated * times;
    out.priced_ns += c.time.count() * times;
    out.uncalibrated_ns += c.uncalibrated_time.count() * times;
    out.far_ns += c.far_time.count() * times;
  }
  return out;
}

double CalibrationCoverage::uncalibrated_fraction() const {
  return priced_ns > 0 ? static_cast<double>(uncalibrated_ns) / static_cast<double>(priced_ns) : 0.0;
}

double CalibrationCoverage::far_fraction() const {
  return priced_ns > 0 ? static_cast<double>(far_ns) / static_cast<double>(priced_ns) : 0.0;
}

namespace {

double ranks_per_stage(const TrainingParams& p) {
  const ParallelPlan& plan = p.plan;
  return static_cast<double>(plan.tp) * plan.cp * plan.dp * static_cast<double>(p.micro_batches());
}

// Each stage's operations become entries of the graph's cost table (priced
// once, shared by every replica and micro-batch); profiled stages have none.
void add_entries(TaskGraph& g, std::vector<VirtualStageCost>& costs) {
  for (auto& c : costs) {
    c.entry = {g.add_cost(ComputeCost{c.forward.terms}), g.add_cost(ComputeCost{c.backward.terms}),
               g.add_cost(ComputeCost{c.weight.terms})};
    if (!c.first_micro_batch.terms.empty()) c.first_entry = g.add_cost(ComputeCost{c.first_micro_batch.terms});
    if (!c.backward_piece.terms.empty()) c.piece_entry = g.add_cost(ComputeCost{c.backward_piece.terms});
  }
}

// Megatron's FLOP count over every rank (each stage's per-rank count, times
// the tp × cp × dp ranks that run it, times the micro-batches).
TrainingFacts count_facts(const TrainingParams& p, const std::vector<VirtualStageCost>& costs,
                          const DeviceFacts* device) {
  TrainingFacts f;
  for (const auto& c : costs) {
    f.model_flops += c.forward.model_flops + c.backward.model_flops + c.weight.model_flops;
    f.model_flops_no_recompute +=
        c.forward.flops_no_recompute + c.backward.flops_no_recompute + c.weight.flops_no_recompute;
    for (const std::int32_t e : c.entry)
      if (e >= 0) f.per_micro_batch.emplace_back(e, 1);
  }
  f.model_flops *= ranks_per_stage(p);
  f.model_flops_no_recompute *= ranks_per_stage(p);
  f.peak_flops = device ? device->peak(p.precision).per_s() : 0.0;
  f.device = device ? std::string(device->name()) : std::string();
  return f;
}

// The vocabulary passes S and T run on every stage (the input layer's shard counts no model FLOPs).
void count_vocab_facts(const TrainingParams& p, const VocabCosts& vc, TrainingFacts& f) {
  const double per_stage = (vc.s.model_flops + vc.t.model_flops) * p.plan.pp;
  f.model_flops += per_stage * ranks_per_stage(p);
  f.model_flops_no_recompute += per_stage * ranks_per_stage(p);
  for (int i = 0; i < 2; ++i)
    if (vc.entry[static_cast<std::size_t>(i)] >= 0) f.per_micro_batch.emplace_back(vc.entry[static_cast<std::size_t>(i)], p.plan.pp);
}

// Room for the tasks and edges of the graph, estimated from its largest parts.
void reserve(TaskGraph& g, const TrainingParams& p, const std::vector<VirtualStageCost>& costs, std::size_t replicas) {
  const auto vstages = static_cast<std::size_t>(p.plan.pp * p.plan.vpp);
  std::size_t comm_tasks = 0;
  for (const auto& c : costs)
    comm_tasks += c.forward.comm.size() + c.backward.comm.size() + c.weight.comm.size();
  const std::size_t per_mb = vstages * (p.schedule->splits_backward() ? 3 : 2) + comm_tasks + 8 * vstages;
  const std::size_t estimate =
      replicas * static_cast<std::size_t>(p.micro_batches()) * per_mb;
  // Each forward allocates its activations and the backward (or W) frees them.
  const std::size_t effects = replicas * static_cast<std::size_t>(p.micro_batches()) * vstages * 2;
  g.reserve(estimate, 2 * estimate, effects);
}

}  // namespace

// The replica reduction (sim/task/replica_mirror.hpp): replica r's device
// (tp, cp, r, s) plays replica 0's (tp, cp, 0, s). Not offered with expert
// parallelism, whose all-to-all ties ep replicas together inside each
// operation.
ReplicaMaps TrainingWorkload::replica_maps(const ClusterShape& /*cluster*/) const {
  const ParallelPlan& plan = p_.plan;
  if (plan.dp <= 1 || plan.ep > 1) return {};
  ReplicaMaps maps;
  maps.plays.resize(static_cast<std::size_t>(plan.dp));
  for (int s = 0; s < plan.pp; ++s) {
    for (int cp = 0; cp < plan.cp; ++cp) {
      for (int tp = 0; tp < plan.tp; ++tp) {
        for (int r = 0; r < plan.dp; ++r)
          maps.plays[static_cast<std::size_t>(r)].push_back(plan.device(Coord{tp, cp, r, s}).value());
      }
    }
  }
  return maps;
}

Lowered TrainingWorkload::lower(const ClusterShape& cluster) const {
  std::vector<int> all(static_cast<std::size_t>(p_.plan.dp));
  for (int d = 0; d < p_.plan.dp; ++d) all[static_cast<std::size_t>(d)] = d;
  return lower_replicas(cluster, all);
}

Lowered TrainingWorkload::lower_replicas(const ClusterShape& cluster, const std::vector<int>& replicas) const {
  check_cluster(cluster);
  const DeviceFacts* device = p_.profiled ? nullptr : cluster.device;
  Lowered out;
  out.price_at = p_.at.at("training.precision");
  out.price_key = "workload.training.precision";
  std::vector<VirtualStageCost> costs = lowered_costs();
  if (!p_.profiled) add_entries(out.graph, costs);
  TrainingFacts facts;
  try {
    facts = count_facts(p_, costs, device);
  } catch (const ValueError& e) {  // the device has no peak for the precision
    throw ConfigError(out.price_at, out.price_key, e.what());
  }

  const PipelineShape shape{p_.plan.pp, static_cast<int>(p_.micro_batches()), p_.plan.vpp};
  auto order = p_.schedule->order(shape);
  const bool vocab = p_.vocab_parallel && shape.stages > 1;
  // With several chunks per stage (interleaved, V-shaped) the orders are kept:
  // the vocabulary passes then only fill the bubbles they find.
  if (vocab && shape.chunks == 1 && static_cast<int>(order.size()) == shape.stages) {
    for (auto& ops : order) ops = delay_backwards(ops, shape.micro_batches);
  }
  PipelineGraph pipeline(*p_.schedule, shape, std::move(order), replicas);

  reserve(out.graph, p_, costs, replicas.size());
  TrainingLowering l{
      .p = p_,
      .workload = *this,
      .cluster = cluster,
      .device = device,
      .costs = costs,
      .pipeline = pipeline,
      .g = out.graph,
      .vocab_last = std::vector<std::vector<TaskId>>(static_cast<std::size_t>(p_.plan.dp * p_.plan.pp)),
      .replicas = replicas};
  add_pipeline(l);
  if (vocab) {
    VocabCosts vc = vocab_costs();
    if (!p_.profiled) {
      vc.entry = {out.graph.add_cost(ComputeCost{vc.s.terms}), out.graph.add_cost(ComputeCost{vc.t.terms}),
                  out.graph.add_cost(ComputeCost{vc.input_f.terms}), out.graph.add_cost(ComputeCost{vc.input_b.terms})};
    }
    add_vocab_parallel(l, vc);
    count_vocab_facts(p_, vc, facts);
  }
  if (p_.zero_stage >= 3) add_zero3_gathers(l);
  const auto stage_reduced = add_gradient_sync(l);
  add_model_states(l);
  add_optimizer_steps(l, stage_reduced);
  out.facts = facts;
  return out;
}

}  // namespace orrery::workload::training
