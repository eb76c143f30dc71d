#include "workloads/pipeline_profiled.hpp"

#include <fmt/format.h>

#include <map>
#include <tuple>

namespace orrery::workload {

PipelineParams PipelineParams::read(config::Reader& r, const ScheduleRegistry& schedules) {
  PipelineParams p;
  p.stages = r.required<int>("stages", "pipeline stages, one per device");
  p.stages_at = r.where("stages");
  p.micro_batches = r.required<int>("micro_batches", "micro-batches per iteration");
  p.micro_batches_at = r.where("micro_batches");
  p.schedule = schedules.lookup(r, "schedule", "1f1b", "pipeline schedule (see `orrery list`)").read(r);
  p.chunks = r.optional<int>("chunks", 1, "model chunks per stage (interleaved schedules)");
  p.activation_size =
      r.optional<Bytes>("activation_size", Bytes(0), "activation (and gradient) bytes sent between stages per micro-batch");
  p.activation_memory = r.optional<Bytes>("activation_memory", Bytes(0),
                                          "activation memory a stage holds per micro-batch and chunk until its backward");
  r.section("compute", "how long each operation takes", true, [&](config::Reader& c) {
    const std::vector<std::string> models{"profiled"};
    c.choice("model", models, std::nullopt, "compute model: `profiled` takes measured times per stage");
    p.forward = c.required<config::OneOrList<Duration>>("forward", "forward time of one micro-batch on a stage: one duration, or a list per stage").values;
    p.backward = c.required<config::OneOrList<Duration>>("backward", "backward time of one micro-batch on a stage: one duration, or a list per stage").values;
    for (const auto& [key, list] : {std::pair{"forward", &p.forward}, std::pair{"backward", &p.backward}}) {
      for (Duration d : *list) c.check(d >= Duration{}, key, "times must not be negative");
      c.check(list->size() == 1 || static_cast<int>(list->size()) == p.stages, key,
              fmt::format("gives {} times for {} stages; give one, or one per stage", list->size(), p.stages));
    }
  });
  r.check(p.stages >= 1, "stages", "must be at least 1");
  r.check(p.micro_batches >= 1, "micro_batches", "must be at least 1");
  r.check(p.chunks >= 1, "chunks", "must be at least 1");
  r.check(p.activation_size >= Bytes(0), "activation_size", "must not be negative");
  r.check(p.activation_memory >= Bytes(0), "activation_memory", "must not be negative");
  if (!r.describing()) {
    r.check(p.chunks == 1 || p.schedule->interleaved(), "chunks",
            fmt::format("schedule '{}' runs one chunk per stage, but chunks = {}", p.schedule->name(), p.chunks));
    const std::string why = p.schedule->check(PipelineShape{p.stages, p.micro_batches, p.chunks});
    r.check(why.empty(), "micro_batches", why);
  }
  return p;
}

Duration PipelineWorkload::op_time(PipeOpType type, int stage) const {
  const auto& list = type == PipeOpType::kForward ? p_.forward : p_.backward;
  const Duration whole = list.size() == 1 ? list.front() : list[static_cast<std::size_t>(stage)];
  return Duration::ns(whole.count() / p_.chunks);
}

TaskGraph PipelineWorkload::lower(const ClusterShape& cluster) const {
  if (cluster.devices != p_.stages) {
    throw ConfigError(p_.stages_at, "workload.stages",
                      fmt::format("{} stages need {} devices, one per stage, but the cluster has {}", p_.stages,
                                  p_.stages, cluster.devices));
  }
  const int p = p_.stages;
  const int v = p_.chunks;
  const int m = p_.micro_batches;
  const PipelineShape shape{p, m, v};
  const auto order = p_.schedule->order(shape);

  TaskGraph g;
  // Compute tasks, created in each stage's schedule order so that consecutive
  // operations of a stage can be chained.
  std::map<std::tuple<PipeOpType, int, int>, TaskId> op;  // (type, micro-batch, virtual stage)
  for (int s = 0; s < p; ++s) {
    const DeviceId dev(s);
    TaskId prev;
    for (const PipeOp& o : order[static_cast<std::size_t>(s)]) {
      const int vs = o.chunk * p + s;
      const bool fwd = o.type == PipeOpType::kForward;
      const std::string name = v > 1 ? fmt::format("{} c{}", fwd ? "F" : "B", o.chunk) : std::string(fwd ? "F" : "B");
      const TaskId t = g.add(ComputeWork{dev, op_time(o.type, s)}, fwd ? TaskKind::kForward : TaskKind::kBackward,
                             name, o.micro_batch, s);
      if (p_.activation_memory > Bytes(0)) {
        g.on_end(t, MemoryEffect{dev, MemoryCategory::kActivations,
                                 fwd ? p_.activation_memory : Bytes(0) - p_.activation_memory});
      }
      op[{o.type, o.micro_batch, vs}] = t;
      if (prev.valid()) g.depend(prev, t);
      prev = t;
    }
  }
  // Data dependencies: activations flow up the virtual stages, gradients down.
  const int last = p * v - 1;
  for (int mb = 0; mb < m; ++mb) {
    for (int vs = 0; vs <= last; ++vs) {
      const TaskId f = op.at({PipeOpType::kForward, mb, vs});
      const TaskId b = op.at({PipeOpType::kBackward, mb, vs});
      g.depend(f, b);
      if (vs == last) continue;
      const DeviceId here(vs % p);
      const DeviceId next((vs + 1) % p);
      const TaskId f_next = op.at({PipeOpType::kForward, mb, vs + 1});
      const TaskId b_next = op.at({PipeOpType::kBackward, mb, vs + 1});
      if (here == next) {  // p = 1 with chunks: no transfer
        g.depend(f, f_next);
        g.depend(b_next, b);
        continue;
      }
      const TaskId act = g.add(TransferWork{here, next, p_.activation_size}, TaskKind::kSend, "send activations", mb,
                               vs % p);
      g.depend(f, act);
      g.depend(act, f_next);
      const TaskId grad = g.add(TransferWork{next, here, p_.activation_size}, TaskKind::kSend, "send gradients", mb,
                                (vs + 1) % p);
      g.depend(b_next, grad);
      g.depend(grad, b);
    }
  }
  return g;
}

void PipelineWorkload::summarize(const TaskGraph& graph, const TaskTimes& times, Summary& out) const {
  const double T = static_cast<double>((times.makespan - Time::zero()).count());
  std::vector<double> busy(static_cast<std::size_t>(p_.stages), 0.0);
  std::int64_t comm = 0;
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const Task& t = graph.tasks()[i];
    const double d = static_cast<double>((times.end[i] - times.start[i]).count());
    if (const auto* c = std::get_if<ComputeWork>(&t.work)) busy[static_cast<std::size_t>(c->device.value())] += d;
    if (const auto* x = std::get_if<TransferWork>(&t.work)) comm += x->bytes.count();
  }
  std::vector<double> bubble(busy.size());
  double mean = 0;
  for (std::size_t s = 0; s < busy.size(); ++s) {
    bubble[s] = T > 0 ? 1.0 - busy[s] / T : 0.0;
    mean += bubble[s];
  }
  mean /= static_cast<double>(busy.size());
  out.set("iteration_time_s", T * 1e-9);
  out.set("bubble_fraction", mean);
  out.set("bubble_fraction_per_stage", bubble);
  out.set("comm_bytes", comm);
  out.set("schedule", std::string(p_.schedule->name()));
}

}  // namespace orrery::workload
