#include "workloads/pipeline_profiled.hpp"

#include <fmt/format.h>

#include "workloads/pipeline_graph.hpp"
#include "workloads/stage_bubbles.hpp"

namespace orrery::workload {

PipelineParams PipelineParams::read(config::Reader& r, const ScheduleRegistry& schedules) {
  PipelineParams p;
  p.stages = r.required<int>("stages", "pipeline stages, one per device");
  p.stages_at = r.where("stages");
  p.micro_batches = r.required<int>("micro_batches", "micro-batches per iteration");
  p.micro_batches_at = r.where("micro_batches");
  p.schedule = schedules.lookup(r, "schedule", "1f1b", "pipeline schedule (see `orrery list`)").read(r);
  p.chunks = r.optional<int>("chunks", 1, "model chunks per stage (interleaved and V-shaped schedules)");
  p.activation_size = r.optional<Bytes>(
      "activation_size", Bytes(0), "activation (and gradient) bytes sent between stages per micro-batch");
  p.activation_memory = r.optional<Bytes>(
      "activation_memory", Bytes(0),
      "activation memory a stage holds per micro-batch and chunk, from its forward until its backward "
      "(until its W when the schedule splits the backward)");
  p.post_validation = read_post_validation(r, *p.schedule);
  r.section("compute", "how long each operation takes", true, [&](config::Reader& c) {
    const std::vector<std::string> models{"profiled"};
    c.choice("model", models, std::nullopt, "compute model: `profiled` takes measured times per stage");
    using Times = config::OneOrList<Duration>;
    p.forward =
        c.required<Times>("forward",
                          "forward time of one micro-batch on a stage: one duration, or a list per stage")
            .values;
    p.backward = c.required<Times>("backward",
                                   "backward time of one micro-batch on a stage: one duration, or a list per "
                                   "stage; the input gradient B alone when the schedule splits the backward")
                     .values;
    p.weight =
        c.optional<Times>("weight", Times{{Duration{}}},
                          "weight-gradient time W of one micro-batch on a stage: one duration, or a list "
                          "per stage; its own pass after B under zb_h1, zb_h2, zb_v and v_half, added to "
                          "the backward under the others")
            .values;
    for (const auto& [key, list] : {std::pair{"forward", &p.forward}, std::pair{"backward", &p.backward},
                                    std::pair{"weight", &p.weight}}) {
      for (Duration d : *list) c.check(d >= Duration{}, key, "times must not be negative");
      c.check(
          list->size() == 1 || static_cast<int>(list->size()) == p.stages, key,
          fmt::format("gives {} times for {} stages; give one, or one per stage", list->size(), p.stages));
    }
  });
  r.check(p.stages >= 1, "stages", "must be at least 1");
  r.check(p.micro_batches >= 1, "micro_batches", "must be at least 1");
  r.check(p.chunks >= 1, "chunks", "must be at least 1");
  r.check(p.activation_size >= Bytes(0), "activation_size", "must not be negative");
  r.check(p.activation_memory >= Bytes(0), "activation_memory", "must not be negative");
  if (!r.describing()) {
    const std::string chunks_why = p.schedule->check_chunks(p.chunks, "chunks");
    r.check(chunks_why.empty(), "chunks", chunks_why);
    const std::string why = p.schedule->check(PipelineShape{p.stages, p.micro_batches, p.chunks});
    r.check(why.empty(), "micro_batches", why);
  }
  return p;
}

Duration PipelineWorkload::op_time(PipeOpType type, int stage) const {
  const auto at = [stage](const std::vector<Duration>& list) {
    return list.size() == 1 ? list.front() : list[static_cast<std::size_t>(stage)];
  };
  Duration whole = at(p_.forward);
  if (type == PipeOpType::kBackward) {
    whole = at(p_.backward);
    if (!p_.schedule->splits_backward()) whole = whole + at(p_.weight);
  } else if (type == PipeOpType::kWeight) {
    whole = at(p_.weight);
  }
  return Duration::ns(whole.count() / p_.chunks);
}

namespace {

// Stage s runs on device s; each operation takes its profiled time; sends go
// over the cluster network.
class ProfiledOps final : public PipelineTaskMaker {
 public:
  ProfiledOps(const PipelineWorkload& w, const PipelineParams& p) : w_(w), p_(p) {}
  ComputeWork compute(TaskGraph& /*g*/, const PlacedOp& o) override {
    return ComputeWork{DeviceId(o.stage), w_.op_time(o.op.type, o.stage)};
  }
  [[nodiscard]] Bytes activations(int /*virtual_stage*/) const override { return p_.activation_memory; }
  [[nodiscard]] Work send(const PipelineSend& s) const override {
    return TransferWork{DeviceId(s.from_stage), DeviceId(s.to_stage), p_.activation_size};
  }

 private:
  const PipelineWorkload& w_;
  const PipelineParams& p_;
};

}  // namespace

Lowered PipelineWorkload::lower(const ClusterShape& cluster) const {
  if (cluster.devices != p_.stages) {
    throw ConfigError(p_.stages_at, "workload.stages",
                      fmt::format("{} stages need {} devices, one per stage, but the cluster has {}",
                                  p_.stages, p_.stages, cluster.devices));
  }
  const PipelineShape shape{p_.stages, p_.micro_batches, p_.chunks};
  PipelineGraph pipeline(*p_.schedule, shape, p_.schedule->order(shape));
  Lowered out;
  ProfiledOps maker(*this, p_);
  pipeline.build(out.graph, maker);
  return out;
}

namespace {

StageBubbles stage_bubbles(int stages, const TaskGraph& graph, const TaskTimes& times) {
  StageBubbles bubbles(stages);
  for (std::size_t i = 0; i < graph.size(); ++i) {
    if (const auto* c = std::get_if<ComputeWork>(&graph.tasks()[i].work)) {
      bubbles.busy(c->device.value(), (times.start[i] - Time::zero()).count(), (times.end[i] - Time::zero()).count());
    }
  }
  return bubbles;
}

}  // namespace

Duration PipelineWorkload::iteration_period(const Lowered& lowered, const TaskTimes& times) const {
  if (!p_.post_validation) return times.makespan - Time::zero();
  return Duration::ns(stage_bubbles(p_.stages, lowered.graph, times).longest_span());
}

// Bubbles as StageBubbles counts them (workloads/stage_bubbles.hpp), over the
// iteration period (the makespan, or the longest stage span under post-validation).
void PipelineWorkload::summarize(const Lowered& lowered, const TaskTimes& times, Summary& out) const {
  const TaskGraph& graph = lowered.graph;
  const StageBubbles bubbles = stage_bubbles(p_.stages, graph, times);
  std::int64_t comm = 0;
  for (const Task& t : graph.tasks()) {
    if (const auto* x = std::get_if<TransferWork>(&t.work)) comm += x->bytes.count();
  }
  const std::int64_t makespan = (times.makespan - Time::zero()).count();
  const std::int64_t T = p_.post_validation ? bubbles.longest_span() : makespan;
  out.set("iteration_time_s", static_cast<double>(T) * 1e-9);
  out.set("isolated_iteration_time_s", static_cast<double>(makespan) * 1e-9);
  out.set("optimizer_step", std::string(p_.post_validation ? "post_validation" : "synchronized"));
  bubbles.summarize(T, out);
  out.set("comm_bytes", comm);
  out.set("schedule", std::string(p_.schedule->name()));
}

}  // namespace orrery::workload
