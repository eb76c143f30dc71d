#include "workloads/pipeline_profiled.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

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
    const std::string chunks_why = p.schedule->check_chunks(p.chunks);
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

// For each chunk, the position (0..p−1) that each device holds: the inverse of
// Schedule::device_of, which must be one-to-one.
std::vector<std::vector<int>> positions_on_devices(const Schedule& s, int p, int v) {
  std::vector<std::vector<int>> pos(static_cast<std::size_t>(v),
                                    std::vector<int>(static_cast<std::size_t>(p), -1));
  for (int c = 0; c < v; ++c) {
    for (int i = 0; i < p; ++i) {
      const int d = s.device_of(c, i, p);
      if (d < 0 || d >= p || pos[static_cast<std::size_t>(c)][static_cast<std::size_t>(d)] >= 0) {
        throw std::logic_error(
            fmt::format("schedule '{}' maps chunk {} onto devices other than one per position", s.name(), c));
      }
      pos[static_cast<std::size_t>(c)][static_cast<std::size_t>(d)] = i;
    }
  }
  return pos;
}


}  // namespace

// Compute tasks, created in each device's schedule order so that consecutive
// operations of a device are chained.
void PipelineWorkload::add_compute(TaskGraph& g, const std::vector<std::vector<PipeOp>>& order,
                                   OpTasks& op) const {
  const int p = p_.stages;
  const int v = p_.chunks;
  const bool split = p_.schedule->splits_backward();
  const auto pos = positions_on_devices(*p_.schedule, p, v);
  const PipeOpType frees = split ? PipeOpType::kWeight : PipeOpType::kBackward;
  for (int s = 0; s < p; ++s) {
    const DeviceId dev(s);
    TaskId prev;
    for (const PipeOp& o : order[static_cast<std::size_t>(s)]) {
      const bool valid = o.chunk >= 0 && o.chunk < v && o.micro_batch >= 0 &&
                         o.micro_batch < p_.micro_batches && (split || o.type != PipeOpType::kWeight);
      const int vs =
          valid ? o.chunk * p + pos[static_cast<std::size_t>(o.chunk)][static_cast<std::size_t>(s)] : -1;
      if (!valid || op.contains({o.type, o.micro_batch, vs})) {
        throw std::logic_error(
            fmt::format("schedule '{}' gives device {} an invalid or repeated {} of micro-batch {}, chunk {}",
                        p_.schedule->name(), s, letter(o.type), o.micro_batch, o.chunk));
      }
      const std::string name =
          v > 1 ? fmt::format("{} c{}", letter(o.type), o.chunk) : std::string(letter(o.type));
      const TaskId t = g.add(ComputeWork{dev, op_time(o.type, s)}, task_kind(o.type), name, o.micro_batch, s);
      if (p_.activation_memory > Bytes(0) && (o.type == PipeOpType::kForward || o.type == frees)) {
        g.on_end(t, MemoryEffect{dev, MemoryCategory::kActivations,
                                 o.type == PipeOpType::kForward ? p_.activation_memory
                                                                : Bytes(0) - p_.activation_memory});
      }
      op[{o.type, o.micro_batch, vs}] = t;
      if (prev.valid()) g.depend(prev, t);
      prev = t;
    }
  }
  const std::size_t expected =
      static_cast<std::size_t>(p_.micro_batches) * static_cast<std::size_t>(p * v) * (split ? 3 : 2);
  if (op.size() != expected) {
    throw std::logic_error(
        fmt::format("schedule '{}' orders {} operations, not the {} of {} micro-batches on {} virtual stages",
                    p_.schedule->name(), op.size(), expected, p_.micro_batches, p * v));
  }
}

// Data dependencies: activations flow up the virtual stages, gradients down;
// W follows the B of its micro-batch and virtual stage. Consecutive virtual
// stages on different devices exchange activation_size bytes each way.
void PipelineWorkload::add_data_flow(TaskGraph& g, const OpTasks& op) const {
  const int p = p_.stages;
  const int last = p * p_.chunks - 1;
  const bool split = p_.schedule->splits_backward();
  const auto device = [&](int vs) { return DeviceId(p_.schedule->device_of(vs / p, vs % p, p)); };
  for (int mb = 0; mb < p_.micro_batches; ++mb) {
    for (int vs = 0; vs <= last; ++vs) {
      const TaskId f = op.at({PipeOpType::kForward, mb, vs});
      const TaskId b = op.at({PipeOpType::kBackward, mb, vs});
      g.depend(f, b);
      if (split) g.depend(b, op.at({PipeOpType::kWeight, mb, vs}));
      if (vs == last) continue;
      const DeviceId here = device(vs);
      const DeviceId next = device(vs + 1);
      const TaskId f_next = op.at({PipeOpType::kForward, mb, vs + 1});
      const TaskId b_next = op.at({PipeOpType::kBackward, mb, vs + 1});
      if (here == next) {  // same device (the bottom of a V, or p = 1): no transfer
        g.depend(f, f_next);
        g.depend(b_next, b);
        continue;
      }
      const TaskId act = g.add(TransferWork{here, next, p_.activation_size}, TaskKind::kSend,
                               "send activations", mb, here.value());
      g.depend(f, act);
      g.depend(act, f_next);
      const TaskId grad = g.add(TransferWork{next, here, p_.activation_size}, TaskKind::kSend,
                                "send gradients", mb, next.value());
      g.depend(b_next, grad);
      g.depend(grad, b);
    }
  }
}

TaskGraph PipelineWorkload::lower(const ClusterShape& cluster) const {
  if (cluster.devices != p_.stages) {
    throw ConfigError(p_.stages_at, "workload.stages",
                      fmt::format("{} stages need {} devices, one per stage, but the cluster has {}",
                                  p_.stages, p_.stages, cluster.devices));
  }
  const auto order = p_.schedule->order(PipelineShape{p_.stages, p_.micro_batches, p_.chunks});
  if (static_cast<int>(order.size()) != p_.stages) {
    throw std::logic_error(fmt::format("schedule '{}' gives {} device orders for {} stages",
                                       p_.schedule->name(), order.size(), p_.stages));
  }
  TaskGraph g;
  OpTasks op;
  add_compute(g, order, op);
  add_data_flow(g, op);
  return g;
}

// Bubbles as StageBubbles counts them (workloads/stage_bubbles.hpp).
void PipelineWorkload::summarize(const TaskGraph& graph, const TaskTimes& times, Summary& out) const {
  StageBubbles bubbles(p_.stages);
  std::int64_t comm = 0;
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const Task& t = graph.tasks()[i];
    if (const auto* c = std::get_if<ComputeWork>(&t.work)) {
      bubbles.busy(c->device.value(), (times.start[i] - Time::zero()).count(), (times.end[i] - Time::zero()).count());
    }
    if (const auto* x = std::get_if<TransferWork>(&t.work)) comm += x->bytes.count();
  }
  const std::int64_t T = (times.makespan - Time::zero()).count();
  out.set("iteration_time_s", static_cast<double>(T) * 1e-9);
  bubbles.summarize(T, out);
  out.set("comm_bytes", comm);
  out.set("schedule", std::string(p_.schedule->name()));
}

}  // namespace orrery::workload
