// What a training run reports: iteration and pipeline time, throughput, MFU
// and HFU from the FLOPs lowering counted (TrainingFacts), bubbles on data-
// parallel replica 0's stage leads, communication by kind; and the memory
// check after the run.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <any>
#include <limits>

#include "sim/core/error.hpp"
#include "workloads/stage_bubbles.hpp"
#include "workloads/training/training.hpp"

namespace orrery::workload::training {

namespace {

// The longest device span: from the start of the first task a device runs or
// joins (its compute, its host-side work, a collective of its group) to the
// end of its last. Sends are left out: a stage may start the next iteration
// while its last send is on the wire, and a receiver's span starts with the
// operation that waits for it. Under post-validation each device starts its
// next iteration when its own work of this one, its optimizer step included,
// has ended, so iterations repeat every longest span.
std::int64_t longest_device_span(const TaskGraph& graph, const TaskTimes& times, int devices) {
  const auto n = static_cast<std::size_t>(devices);
  std::vector<std::int64_t> first(n, std::numeric_limits<std::int64_t>::max()), last(n, 0);
  const auto touch = [&](DeviceId d, std::size_t i) {
    const auto k = static_cast<std::size_t>(d.value());
    first[k] = std::min(first[k], (times.start[i] - Time::zero()).count());
    last[k] = std::max(last[k], (times.end[i] - Time::zero()).count());
  };
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const Task& t = graph.tasks()[i];
    if (const auto* c = std::get_if<ComputeWork>(&t.work)) {
      touch(c->device, i);
    } else if (const auto* w = std::get_if<DelayWork>(&t.work)) {
      if (t.kind != TaskKind::kSend) touch(w->device, i);
    } else if (const auto* x = std::get_if<CollectiveWork>(&t.work)) {
      for (const DeviceId d : x->group) touch(d, i);
    }
  }
  std::int64_t longest = 0;
  for (std::size_t k = 0; k < n; ++k)
    if (first[k] <= last[k]) longest = std::max(longest, last[k] - first[k]);
  return longest;
}

}  // namespace

Duration TrainingWorkload::iteration_period(const Lowered& lowered, const TaskTimes& times) const {
  if (!p_.post_validation) return times.makespan - Time::zero();
  return Duration::ns(longest_device_span(lowered.graph, times, p_.plan.devices()));
}

void TrainingWorkload::summarize(const Lowered& lowered, const TaskTimes& times, Summary& out) const {
  const TaskGraph& graph = lowered.graph;
  const auto& facts = std::any_cast<const TrainingFacts&>(lowered.facts);
  const ParallelPlan& plan = p_.plan;
  StageBubbles bubbles(plan.pp);
  std::int64_t comm_pp = 0, comm_net = 0, comm_group = 0;
  std::int64_t pipeline_end = 0;
  // A graph of one replica standing for all: per-replica traffic counts once per replica.
  const ReplicaMirror* mirror = lowered.mirror ? &*lowered.mirror : nullptr;
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const Task& t = graph.tasks()[i];
    if (const auto* c = std::get_if<ComputeWork>(&t.work)) {
      comm_group += (c->head_bytes + c->tail_bytes) * stands_for(mirror, {&c->device, 1});
      if (t.kind != TaskKind::kForward && t.kind != TaskKind::kBackward && t.kind != TaskKind::kWeightGrad) continue;
      const std::int64_t end = (times.end[i] - Time::zero()).count();
      pipeline_end = std::max(pipeline_end, end);
      // Bubbles on data-parallel replica 0's stage leads (replicas run alike).
      if (c->device == plan.device(Coord{0, 0, 0, t.stage})) {
        bubbles.busy(t.stage, (times.start[i] - Time::zero()).count(), end);
      }
    } else if (const auto* x = std::get_if<TransferWork>(&t.work)) {
      const std::array<DeviceId, 2> ends{x->src, x->dst};
      comm_pp += x->bytes.count() * stands_for(mirror, ends);
    } else if (const auto* w = std::get_if<DelayWork>(&t.work)) {
      if (t.kind == TaskKind::kSend && t.micro_batch >= 0) comm_pp += w->bytes.count() * stands_for(mirror, {&w->device, 1});
    } else if (const auto* k = std::get_if<CollectiveWork>(&t.work)) {
      if (const auto it = times.collectives.find(static_cast<std::int32_t>(i)); it != times.collectives.end()) {
        comm_net += it->second.bytes * stands_for(mirror, k->group);
      }
    }
  }
  const std::int64_t makespan = (times.makespan - Time::zero()).count();
  const std::int64_t T_ns = iteration_period(lowered, times).count();
  const double T = static_cast<double>(T_ns) * 1e-9;
  const double devices = plan.devices();
  out.set("iteration_time_s", T);
  out.set("isolated_iteration_time_s", static_cast<double>(makespan) * 1e-9);
  out.set("optimizer_step", std::string(p_.post_validation ? "post_validation" : "synchronized"));
  // The pipeline alone: the end of the last F, B or W (before the last
  // gradient reductions and the optimizer step).
  out.set("pipeline_time_s", static_cast<double>(pipeline_end) * 1e-9);
  out.set("tokens_per_s", T > 0 ? static_cast<double>(p_.global_batch * p_.model.seq_len) / T : 0.0);
  out.set("tflops_per_device", T > 0 ? facts.model_flops / T / devices * 1e-12 : 0.0);
  if (facts.peak_flops > 0 && T > 0) {
    out.set("mfu", facts.model_flops_no_recompute / (T * devices * facts.peak_flops));
    out.set("hfu", facts.model_flops / (T * devices * facts.peak_flops));
  }
  out.set("model_flops", facts.model_flops);
  out.set("parameters", p_.model.parameters());
  out.set("micro_batches", static_cast<std::int64_t>(p_.micro_batches()));
  // Bubbles of the pipeline phase: a stage's idle share up to the end of the
  // last F, B or W. The gradient reduction and the optimizer step after it
  // are not pipeline bubble (a single stage has none). Under post-validation
  // the pipeline phase repeats every longest stage span of it (the paper's
  // §5.3 cost), as in the pipeline workload.
  bubbles.summarize(p_.post_validation ? bubbles.longest_span() : pipeline_end, out);
  out.set("comm_bytes", comm_pp + comm_net + comm_group);
  out.set("comm_bytes_pipeline", comm_pp);
  out.set("comm_bytes_collectives", comm_net);  // data-parallel, ZeRO, embedding and vocabulary collectives
  out.set("comm_bytes_in_group", comm_group);
  out.set("schedule", std::string(p_.schedule->name()));
  if (!p_.profiled) {
    const CalibrationCoverage c = coverage(facts, lowered.prices);
    out.set("uncalibrated_ops", c.uncalibrated_ops);
    out.set("uncalibrated_time_fraction", c.uncalibrated_fraction());
    out.set("far_calibration_time_fraction", c.far_fraction());
  }
}

std::vector<std::string> TrainingWorkload::warnings(const Lowered& lowered) const {
  if (p_.profiled) return {};
  const auto& facts = std::any_cast<const TrainingFacts&>(lowered.facts);
  const CalibrationCoverage c = coverage(facts, lowered.prices);
  if (auto w = thin_calibration_warning(facts.device, c.uncalibrated_fraction(), c.far_fraction())) return {*w};
  return {};
}

void TrainingWorkload::check_memory(const ClusterShape& cluster, const std::vector<MemoryPeak>& peaks) const {
  if (!p_.check_memory || !cluster.device) return;
  const std::int64_t capacity = cluster.device->memory_capacity().count();
  if (capacity <= 0) return;
  const MemoryPeak* worst = nullptr;
  for (const MemoryPeak& pk : peaks) {
    if (pk.peak > capacity && (!worst || pk.peak > worst->peak)) worst = &pk;
  }
  if (!worst) return;
  const auto gib = [](std::int64_t b) { return fmt::format("{:.2f} GiB", static_cast<double>(b) / (1LL << 30)); };
  std::string parts;
  for (int c = 0; c < kMemoryCategoryCount; ++c) {
    parts += fmt::format("{}{} {}", c ? ", " : "", name_of(static_cast<MemoryCategory>(c)),
                         gib(worst->at_peak[static_cast<std::size_t>(c)]));
  }
  throw InfeasibleError(fmt::format(
      "out of memory: device {} ({}) peaks at {}, {} over its capacity of {} ({}); at the peak: {}; set "
      "workload.training.check_memory: false to report only",
      worst->device, cluster.device->name(), gib(worst->peak), gib(worst->peak - capacity), gib(capacity),
      to_string(Bytes(capacity)), parts));
}

}  // namespace orrery::workload::training
