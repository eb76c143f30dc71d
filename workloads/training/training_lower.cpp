// The lowering of `training` (see training.hpp): per data-parallel replica and
// pipeline stage, the schedule's operations as compute tasks on the stage
// group's lead device, with their in-group collectives priced as the task's
// head and tail; the pipeline sends; then the gradient reduction, the
// optimizer step and the parameter all-gathers, per tp rank, through the network.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <tuple>
#include <stdexcept>

#include "sim/core/error.hpp"
#include "workloads/stage_bubbles.hpp"
#include "workloads/training/training.hpp"

namespace orrery::workload::training {

namespace {


Duration bytes_over(double bytes, Bandwidth bw) {
  return Duration::ns(static_cast<std::int64_t>(std::ceil(bytes / bw.bytes_per_s() * 1e9)));
}

CollectiveWork collective(CollectiveOp op, std::vector<DeviceId> group, Bytes bytes) {
  CollectiveWork w;
  w.op = op;
  w.group = std::move(group);
  w.bytes = bytes;
  return w;
}

// `ops` with each backward B (and its W) moved after the next forward of the
// same chunk: F0 F1 B0 F2 B1 ... for 1F1B's F0 B0 F1 B1 ...; W stays after its B.
std::vector<PipeOp> delay_backwards(const std::vector<PipeOp>& ops, int micro_batches) {
  std::vector<PipeOp> out;
  std::vector<PipeOp> held_b, held_w;
  std::vector<std::vector<bool>> b_done(2, std::vector<bool>(static_cast<std::size_t>(micro_batches), false));
  const auto emit_b = [&](const PipeOp& b) {
    out.push_back(b);
    b_done[static_cast<std::size_t>(b.chunk % 2)][static_cast<std::size_t>(b.micro_batch)] = true;
    for (auto w = held_w.begin(); w != held_w.end();) {
      if (w->micro_batch == b.micro_batch && w->chunk == b.chunk) {
        out.push_back(*w);
        w = held_w.erase(w);
      } else {
        ++w;
      }
    }
  };
  for (const PipeOp& o : ops) {
    if (o.type == PipeOpType::kBackward) {
      held_b.push_back(o);
    } else if (o.type == PipeOpType::kWeight && !b_done[static_cast<std::size_t>(o.chunk % 2)][static_cast<std::size_t>(o.micro_batch)]) {
      held_w.push_back(o);
    } else {
      out.push_back(o);
      if (o.type == PipeOpType::kForward) {
        for (auto b = held_b.begin(); b != held_b.end();) {
          if (b->chunk == o.chunk && b->micro_batch < o.micro_batch) {
            const PipeOp x = *b;
            b = held_b.erase(b);
            emit_b(x);
          } else {
            ++b;
          }
        }
      }
    }
  }
  for (const PipeOp& b : std::vector<PipeOp>(held_b)) emit_b(b);
  return out;
}


}  // namespace

TaskGraph TrainingWorkload::lower(const ClusterShape& cluster) const {
  const TransformerSpec& model = p_.model;
  const ParallelPlan& plan = p_.plan;
  const int p = plan.pp;
  const int v = plan.vpp;
  const int vstages = p * v;
  const int m = static_cast<int>(p_.micro_batches());
  const bool split = p_.schedule->splits_backward();
  if (cluster.devices != plan.devices()) {
    throw ConfigError(p_.plan_at, "workload.parallel",
                      fmt::format("dp {} × tp {} × pp {} × cp {} = {} devices, but the cluster has {}", plan.dp, plan.tp,
                                  plan.pp, plan.cp, plan.devices(), cluster.devices));
  }
  const DeviceModel* device = p_.profiled ? nullptr : cluster.device;
  if (!p_.profiled && !cluster.device) {
    throw ConfigError(p_.device_at, "workload.compute.model",
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

  std::vector<VirtualStageCost> costs;
  try {
    costs = stage_costs(device);
  } catch (const ValueError& e) {
    throw ConfigError(p_.device_at, "workload.training.precision", e.what());
  }
  if (p_.profiled) {
    const auto at = [](const std::vector<Duration>& l, int s) { return l.size() == 1 ? l.front() : l[static_cast<std::size_t>(s)]; };
    for (int vs = 0; vs < vstages; ++vs) {
      const int c = vs / p;
      const int s = p_.schedule->device_of(c, vs % p, p);
      VirtualStageCost& k = costs[static_cast<std::size_t>(vs)];
      k.forward.time = Duration::ns(at(p_.forward, s).count() / v);
      Duration b = at(p_.backward, s);
      if (!split) b = b + at(p_.weight, s);
      k.backward.time = Duration::ns(b.count() / v);
      k.weight.time = Duration::ns(at(p_.weight, s).count() / v);
      k.forward.comm.clear();  // measured times include the in-group communication
      k.backward.comm.clear();
      k.weight.comm.clear();
    }
  }
  // Constant figures for summarize().
  model_flops_ = 0;
  model_flops_no_recompute_ = 0;
  uncalibrated_ = 0;
  for (const auto& c : costs) {
    model_flops_ += c.forward.model_flops + c.backward.model_flops + c.weight.model_flops;
    model_flops_no_recompute_ += c.forward.flops_no_recompute + c.backward.flops_no_recompute + c.weight.flops_no_recompute;
    uncalibrated_ += c.forward.uncalibrated + c.backward.uncalibrated + c.weight.uncalibrated;
  }
  const double ranks_per_stage = static_cast<double>(plan.tp) * plan.cp * plan.dp * static_cast<double>(m);
  model_flops_ *= ranks_per_stage;
  model_flops_no_recompute_ *= ranks_per_stage;
  peak_flops_ = device ? device->peak(p_.precision).per_s() : 0.0;

  auto order = p_.schedule->order(PipelineShape{p, m, v});
  if (p_.vocab_parallel && p > 1 && v == 1 && static_cast<int>(order.size()) == p) {
    // Every stage's backward of micro-batch i waits, through the last stage,
    // for the vocabulary passes of i on all stages. So that this barrier does
    // not stall the pipeline, every stage runs each backward one forward later
    // than the schedule says — one more micro-batch in flight everywhere, as
    // the vocabulary-parallel schedules do (Yeung et al. 2024, §4–5). With
    // several chunks per stage (interleaved, V-shaped) the orders are kept:
    // the passes then only fill the bubbles they find.
    for (auto& ops : order) ops = delay_backwards(ops, m);
  }

  if (static_cast<int>(order.size()) != p) {
    throw std::logic_error(fmt::format("schedule '{}' gives {} device orders for {} stages", p_.schedule->name(), order.size(), p));
  }
  TaskGraph g;
  {
    std::size_t comm_tasks = 0;
    for (const auto& c : costs) comm_tasks += c.forward.comm.size() + c.backward.comm.size() + c.weight.comm.size();
    const std::size_t per_mb = static_cast<std::size_t>(vstages) * (split ? 3 : 2) + comm_tasks + 8 * static_cast<std::size_t>(vstages);
    const std::size_t estimate = static_cast<std::size_t>(plan.dp) * static_cast<std::size_t>(m) * per_mb;
    g.reserve(estimate, 2 * estimate);
  }
  const auto lead = [&](int dp, int stage) { return plan.device(Coord{0, 0, dp, stage}); };
  // The in-group collectives' groups of each stage group, built once.
  std::vector<std::array<std::vector<DeviceId>, 3>> groups(static_cast<std::size_t>(plan.dp * p));
  for (int d = 0; d < plan.dp; ++d) {
    for (int s = 0; s < p; ++s) {
      auto& gr = groups[static_cast<std::size_t>(d * p + s)];
      gr[0] = plan.group(Coord{0, 0, d, s}, {Axis::kTp});
      gr[1] = plan.group(Coord{0, 0, d, s}, {Axis::kCp});
      const int first = d / plan.ep * plan.ep;  // the expert-parallel group: ep consecutive data-parallel ranks
      for (int i = 0; i < plan.ep; ++i) gr[2].push_back(lead(first + i, s));
    }
  }
  const auto group_of = [&](Axis axis, int dp, int stage) -> const std::vector<DeviceId>& {
    const auto& gr = groups[static_cast<std::size_t>(dp * p + stage)];
    return axis == Axis::kTp ? gr[0] : axis == Axis::kCp ? gr[1] : gr[2];
  };
  const auto vstage_device = [&](int vs) { return p_.schedule->device_of(vs / p, vs % p, p); };
  const double act_bytes_full =
      static_cast<double>(p_.micro_batch * (model.seq_len / plan.cp) * model.hidden) * 2.0;  // b·s·h, 16-bit
  const bool scatter = p_.scatter_gather && plan.tp > 1;
  const Bytes send_bytes(static_cast<std::int64_t>(act_bytes_full / (scatter ? plan.tp : 1)));
  const double grad_bytes = bytes_per_element(p_.gradient_precision);
  const double weight_bytes = 2.0;
  const bool sharded_grads = p_.zero_stage >= 2;
  const bool sharded_optimizer = p_.zero_stage >= 1 || p_.distributed_optimizer;
  const int dp_ranks = plan.dp * plan.cp;

  // ---- Compute, in each stage's schedule order, with the in-group collectives.
  const auto index = [&](PipeOpType t, int mb, int vs) {
    return (static_cast<std::size_t>(t) * static_cast<std::size_t>(m) + static_cast<std::size_t>(mb)) *
               static_cast<std::size_t>(vstages) +
           static_cast<std::size_t>(vs);
  };
  const std::size_t per_replica = 3 * static_cast<std::size_t>(m) * static_cast<std::size_t>(vstages);
  std::vector<TaskId> ops(per_replica * static_cast<std::size_t>(plan.dp));
  std::vector<std::vector<TaskId>> last_backward(static_cast<std::size_t>(plan.dp) * static_cast<std::size_t>(vstages));
  // The in-group collectives of each operation, priced once per stage group,
  // virtual stage and operation type (the pricer asks the cluster's routes).
  struct Priced {
    Duration time;
    std::int64_t bytes = 0;
    std::int32_t name = -1;
  };
  std::map<std::tuple<int, int, int, int>, Priced> tails;
  std::map<std::pair<int, int>, Priced> heads;
  in_group_bytes_ = 0;
  const auto price = [&](const CollectiveWork& w) {
    if (!cluster.collectives) throw std::logic_error("training: lowered without a collective pricer");
    return cluster.collectives->price(w);
  };
  const auto priced_tail = [&](int d, int s, int vs, PipeOpType type, const OpCost& c) -> const Priced& {
    auto [it, fresh] = tails.try_emplace({d, s, vs, static_cast<int>(type)});
    if (!fresh || c.comm.empty()) return it->second;
    std::string name;
    for (const CommCall& call : c.comm) {
      const workload::CollectivePrice x = price(collective(call.op, group_of(call.axis, d, s), call.bytes));
      it->second.time = it->second.time + Duration::ns(x.time.count() * call.count);
      it->second.bytes += x.bytes * call.count;
      name += fmt::format("{}{} {}", name.empty() ? "" : " + ", name_of(call.axis), name_of(call.op));
    }
    it->second.name = g.intern(name);
    return it->second;
  };
  const auto gather_head = [&](int d, int s) -> const Priced& {
    auto [it, fresh] = heads.try_emplace({d, s});
    if (!fresh) return it->second;
    // The receivers' all-gather of the tp shares of a pipeline send (Megatron's scatter/gather).
    const workload::CollectivePrice x =
        price(collective(CollectiveOp::kAllGather, group_of(Axis::kTp, d, s), Bytes(static_cast<std::int64_t>(act_bytes_full))));
    it->second = Priced{x.time, x.bytes, g.intern("tp all_gather (received)")};
    return it->second;
  };
  const PipeOpType frees = split ? PipeOpType::kWeight : PipeOpType::kBackward;

  // ZeRO-3: one all-gather of the chunk's parameters before every F and B,
  // shared by the replicas (a collective over the dp ranks), prefetched one
  // operation ahead: it may start when the operation two before has ended.
  const bool zero3 = p_.zero_stage >= 3;

  for (int d = 0; d < plan.dp; ++d) {
    for (int s = 0; s < p; ++s) {
      const DeviceId dev = lead(d, s);
      TaskId prev;
      for (const PipeOp& o : order[static_cast<std::size_t>(s)]) {
        const bool valid = o.chunk >= 0 && o.chunk < v && o.micro_batch >= 0 && o.micro_batch < m &&
                           (split || o.type != PipeOpType::kWeight);
        if (!valid) {
          throw std::logic_error(fmt::format("schedule '{}' gives stage {} an invalid {} (micro-batch {}, chunk {})",
                                             p_.schedule->name(), s, letter(o.type), o.micro_batch, o.chunk));
        }
        const int vs = o.chunk * p + position_of(o.chunk, s);
        const VirtualStageCost& vc = costs[static_cast<std::size_t>(vs)];
        const OpCost& c = o.type == PipeOpType::kForward ? vc.forward : o.type == PipeOpType::kBackward ? vc.backward : vc.weight;
        const std::string name = v > 1 ? fmt::format("{} c{}", letter(o.type), o.chunk) : std::string(letter(o.type));
        ComputeWork work{dev, c.time};
        const Priced& tail = priced_tail(d, s, vs, o.type, c);
        work.tail = tail.time;
        work.tail_bytes = tail.bytes;
        work.tail_name = tail.name;
        const bool receives = o.type == PipeOpType::kForward    ? vs > 0 && vstage_device(vs - 1) != s
                              : o.type == PipeOpType::kBackward ? vs < vstages - 1 && vstage_device(vs + 1) != s
                                                                : false;
        if (receives && scatter && !p_.profiled) {
          const Priced& head = gather_head(d, s);
          work.head = head.time;
          work.head_bytes = head.bytes;
          work.head_name = head.name;
        }
        const TaskId t = g.add(work, task_kind(o.type), name, o.micro_batch, s);
        const Bytes act(static_cast<std::int64_t>(vc.activation_bytes));
        if (act > Bytes(0) && o.type == PipeOpType::kForward) g.on_end(t, MemoryEffect{dev, MemoryCategory::kActivations, act});
        if (act > Bytes(0) && o.type == frees) g.on_end(t, MemoryEffect{dev, MemoryCategory::kActivations, Bytes(0) - act});
        if (prev.valid()) g.depend(prev, t);
        prev = t;
        auto& slot = ops[static_cast<std::size_t>(d) * per_replica + index(o.type, o.micro_batch, vs)];
        if (slot.valid()) {
          throw std::logic_error(fmt::format("schedule '{}' repeats {} of micro-batch {}, chunk {} on stage {}",
                                             p_.schedule->name(), letter(o.type), o.micro_batch, o.chunk, s));
        }
        slot = t;
        if (o.type == frees) last_backward[static_cast<std::size_t>(d * vstages + vs)].push_back(t);
      }
    }
  }
  const auto op = [&](int d, PipeOpType t, int mb, int vs) -> TaskId {
    const TaskId x = ops[static_cast<std::size_t>(d) * per_replica + index(t, mb, vs)];
    if (!x.valid()) {
      throw std::logic_error(fmt::format("schedule '{}' never runs {} of micro-batch {} on virtual stage {}",
                                         p_.schedule->name(), letter(t), mb, vs));
    }
    return x;
  };

  // ---- Data flow: activations up the virtual stages, gradients down.
  for (int d = 0; d < plan.dp; ++d) {
    for (int mb = 0; mb < m; ++mb) {
      for (int vs = 0; vs < vstages; ++vs) {
        const TaskId f = op(d, PipeOpType::kForward, mb, vs);
        const TaskId b = op(d, PipeOpType::kBackward, mb, vs);
        g.depend(f, b);
        if (split) g.depend(b, op(d, PipeOpType::kWeight, mb, vs));
        if (vs == vstages - 1) continue;
        const int s_here = vstage_device(vs);
        const int s_next = vstage_device(vs + 1);
        const TaskId f_next = op(d, PipeOpType::kForward, mb, vs + 1);
        const TaskId b_next = op(d, PipeOpType::kBackward, mb, vs + 1);
        if (s_here == s_next) {
          g.depend(f, f_next);
          g.depend(b_next, b);
          continue;
        }
        const DeviceId here = lead(d, s_here);
        const DeviceId next = lead(d, s_next);
        const auto send = [&](DeviceId from, DeviceId to, int from_stage, const char* what, TaskId after,
                              TaskId before) {
          TaskId x;
          if (p_.profiled) {
            const auto& l = p_.comm;
            const Duration c = l.size() == 1 ? l.front() : l[static_cast<std::size_t>(from_stage)];
            x = g.add(DelayWork{from, c, send_bytes}, TaskKind::kSend, what, mb, from_stage);
          } else {
            x = g.add(TransferWork{from, to, send_bytes}, TaskKind::kSend, what, mb, from_stage);
          }
          g.depend(after, x);
          g.depend(x, before);
        };
        send(here, next, s_here, "send activations", f, f_next);
        send(next, here, s_next, "send gradients", b_next, b);
      }
    }
  }

  // ---- Vocabulary parallelism: per micro-batch, the last stage's output is
  // broadcast over the pipeline, every stage runs its S pass, the softmax's
  // partial statistics are all-reduced, every stage runs its T pass, and the
  // input gradients are reduced back to the last stage, whose backward waits
  // for them. S and T are not in the schedule's order: each runs when its
  // inputs are there and its device is free, so they fill bubbles where
  // there are some.
  // The input layer is split the same way: every stage looks up its rows,
  // the partial embeddings are reduced to the first stage before its first
  // forward, and the embedding's gradient is broadcast back after its last
  // backward for each stage to accumulate its rows'.
  std::vector<std::vector<TaskId>> vocab_last(static_cast<std::size_t>(plan.dp * p));
  if (p_.vocab_parallel && p > 1) {
    const VocabCosts vc = vocab_costs(device);
    const int last_vs = vstages - 1;
    const int s_last = vstage_device(last_vs);
    const auto bytes = [](double b) { return Bytes(static_cast<std::int64_t>(b)); };
    for (int d = 0; d < plan.dp; ++d) {
      std::vector<DeviceId> pipe;
      for (int s = 0; s < p; ++s) pipe.push_back(lead(d, s));
      std::sort(pipe.begin(), pipe.end(), [](DeviceId x, DeviceId y) { return x.value() < y.value(); });
      const auto rank_of = [&](int s) {
        return static_cast<int>(std::find(pipe.begin(), pipe.end(), lead(d, s)) - pipe.begin());
      };
      for (int mb = 0; mb < m; ++mb) {
        CollectiveWork bw = collective(CollectiveOp::kBroadcast, pipe, bytes(vc.hidden_bytes));
        bw.root = rank_of(s_last);
        const TaskId bcast = g.add(std::move(bw), TaskKind::kCollective, "vocab broadcast", mb, s_last);
        g.depend(op(d, PipeOpType::kForward, mb, last_vs), bcast);
        const TaskId stats = g.add(collective(CollectiveOp::kAllReduce, pipe, bytes(vc.stats_bytes)),
                                   TaskKind::kCollective, "vocab all_reduce", mb, s_last);
        CollectiveWork rw = collective(CollectiveOp::kReduce, pipe, bytes(vc.hidden_bytes));
        rw.root = rank_of(s_last);
        const TaskId reduce = g.add(std::move(rw), TaskKind::kCollective, "vocab reduce", mb, s_last);
        for (int s = 0; s < p; ++s) {
          const DeviceId dev = lead(d, s);
          const TaskId S = g.add(ComputeWork{dev, vc.s.time}, TaskKind::kForward, "S (vocab)", mb, s);
          const TaskId T = g.add(ComputeWork{dev, vc.t.time}, TaskKind::kBackward, "T (vocab)", mb, s);
          g.on_end(S, MemoryEffect{dev, MemoryCategory::kActivations, bytes(vc.logits_bytes)});
          g.on_end(T, MemoryEffect{dev, MemoryCategory::kActivations, Bytes(0) - bytes(vc.logits_bytes)});
          g.depend(bcast, S);
          g.depend(S, stats);
          g.depend(stats, T);
          g.depend(T, reduce);
          if (mb == m - 1) vocab_last[static_cast<std::size_t>(d * p + s)].push_back(T);
        }
        g.depend(reduce, op(d, PipeOpType::kBackward, mb, last_vs));
        // The input layer.
        const int s_first = vstage_device(0);
        CollectiveWork iw = collective(CollectiveOp::kReduce, pipe, bytes(vc.hidden_bytes));
        iw.root = rank_of(s_first);
        const TaskId gather_in = g.add(std::move(iw), TaskKind::kCollective, "vocab input reduce", mb, s_first);
        g.depend(gather_in, op(d, PipeOpType::kForward, mb, 0));
        CollectiveWork gw = collective(CollectiveOp::kBroadcast, pipe, bytes(vc.hidden_bytes));
        gw.root = rank_of(s_first);
        const TaskId grad_in = g.add(std::move(gw), TaskKind::kCollective, "vocab input broadcast", mb, s_first);
        g.depend(op(d, PipeOpType::kBackward, mb, 0), grad_in);
        for (int s = 0; s < p; ++s) {
          const DeviceId dev = lead(d, s);
          const TaskId lookup = g.add(ComputeWork{dev, vc.input_f.time}, TaskKind::kForward, "embedding shard", mb, s);
          g.depend(lookup, gather_in);
          const TaskId accumulate =
              g.add(ComputeWork{dev, vc.input_b.time}, TaskKind::kBackward, "embedding shard gradient", mb, s);
          g.depend(grad_in, accumulate);
          if (mb == m - 1) vocab_last[static_cast<std::size_t>(d * p + s)].push_back(accumulate);
        }
      }
    }
    const double per_stage = (vc.s.model_flops + vc.t.model_flops) * p;
    model_flops_ += per_stage * ranks_per_stage;
    model_flops_no_recompute_ += per_stage * ranks_per_stage;
    uncalibrated_ += (vc.s.uncalibrated + vc.t.uncalibrated) * p;
  }

  // ---- ZeRO-3 parameter gathers (before each F and B) with prefetch.
  if (zero3) {
    for (int s = 0; s < p; ++s) {
      const auto& ord = order[static_cast<std::size_t>(s)];
      for (std::size_t k = 0; k < ord.size(); ++k) {
        const PipeOp& o = ord[k];
        if (o.type == PipeOpType::kWeight) continue;
        const int vs = o.chunk * p + position_of(o.chunk, s);
        const double chunk_params = costs[static_cast<std::size_t>(vs)].parameters;
        // ZeRO-3 gathers module by module, prefetching the next while one
        // computes (DeepSpeed's stage3_prefetch_bucket_size), so the gathered
        // weights alive at once are about two layers: one layer's worth per
        // operation here, the operation running and the one prefetched.
        const double layer_params = std::min(chunk_params, model.layer_parameters() / plan.tp);
        const Bytes live(static_cast<std::int64_t>(layer_params * weight_bytes));
        for (int r = 0; r < plan.tp; ++r) {
          const Bytes gathered(static_cast<std::int64_t>(chunk_params * weight_bytes));
          CollectiveWork w = collective(CollectiveOp::kAllGather, plan.group(Coord{r, 0, 0, s}, {Axis::kDp, Axis::kCp}), gathered);
          const TaskId ag = g.add(std::move(w), TaskKind::kCollective, "zero3 all_gather", o.micro_batch, s);
          for (int d = 0; d < plan.dp; ++d) {
            const TaskId here = op(d, o.type, o.micro_batch, vs);
            if (k >= 2) {
              const PipeOp& before = ord[k - 2];
              const int vb = before.chunk * p + position_of(before.chunk, s);
              g.depend(op(d, before.type, before.micro_batch, vb), ag);
            }
            if (p_.offload_params != Offload::kNone) {  // the shard comes from the host first
              const double shard = chunk_params * weight_bytes / dp_ranks;
              const Bandwidth bw = p_.offload_params == Offload::kNvme
                                       ? Bandwidth::bytes_per_s(cluster.device->nvme_read_bandwidth().bytes_per_s() /
                                                                cluster.devices_per_node)
                                       : cluster.device->pcie_bandwidth();
              const TaskId fetch = g.add(DelayWork{lead(d, s), bytes_over(shard, bw), Bytes(static_cast<std::int64_t>(shard))},
                                         TaskKind::kSend, "fetch parameters", o.micro_batch, s);
              if (k >= 2) {
                const PipeOp& before = ord[k - 2];
                const int vb = before.chunk * p + position_of(before.chunk, s);
                g.depend(op(d, before.type, before.micro_batch, vb), fetch);
              }
              g.depend(fetch, ag);
            }
            g.depend(ag, here);
            if (r == 0) {
              g.on_end(ag, MemoryEffect{lead(d, s), MemoryCategory::kBuffers, live});
              g.on_end(here, MemoryEffect{lead(d, s), MemoryCategory::kBuffers, Bytes(0) - live});
            }
          }
        }
      }
    }
  }

  // ---- Gradient reduction, optimizer step, parameter all-gather, per stage.
  // The optimizer step of a stage group waits for its stage's reductions (all
  // tp ranks) and, on the first and last stages, for the embedding's.
  std::vector<std::vector<TaskId>> stage_reduced(static_cast<std::size_t>(p));
  for (int s = 0; s < p; ++s) {
    std::vector<TaskId>& reduced = stage_reduced[static_cast<std::size_t>(s)];
    for (int c = 0; c < v; ++c) {
      const int vs = c * p + position_of(c, s);
      const double params = costs[static_cast<std::size_t>(vs)].parameters;
      for (int r = 0; r < plan.tp; ++r) {
        const auto group = plan.group(Coord{r, 0, 0, s}, {Axis::kDp, Axis::kCp});
        if (sharded_grads) {
          // ZeRO-2/3: each micro-batch's gradients are reduce-scattered after its backward.
          if (dp_ranks == 1) continue;
          for (int mb = 0; mb < m; ++mb) {
            const TaskId rs = g.add(collective(CollectiveOp::kReduceScatter, group,
                                                   Bytes(static_cast<std::int64_t>(params * grad_bytes))),
                                    TaskKind::kCollective, "dp reduce_scatter", mb, s);
            for (int d = 0; d < plan.dp; ++d) g.depend(op(d, frees, mb, vs), rs);
            reduced.push_back(rs);
          }
          continue;
        }
        if (dp_ranks == 1) continue;
        // Buckets of the chunk's gradients after its last backward, one after another.
        const double total = params * grad_bytes;
        const auto buckets = static_cast<int>(std::ceil(total / static_cast<double>(p_.bucket_size.count())));
        TaskId prev;
        for (int k = 0; k < buckets; ++k) {
          const double bytes = std::min(static_cast<double>(p_.bucket_size.count()), total - k * static_cast<double>(p_.bucket_size.count()));
          const TaskId x = g.add(collective(sharded_optimizer ? CollectiveOp::kReduceScatter : CollectiveOp::kAllReduce,
                                                group, Bytes(static_cast<std::int64_t>(bytes))),
                                 TaskKind::kCollective, sharded_optimizer ? "dp reduce_scatter" : "dp all_reduce", -1, s);
          for (int d = 0; d < plan.dp; ++d) {
            g.depend(last_backward[static_cast<std::size_t>(d * vstages + vs)].back(), x);
            if (c == 0) {
              for (TaskId pass : vocab_last[static_cast<std::size_t>(d * p + s)]) g.depend(pass, x);
            }
          }
          if (prev.valid()) g.depend(prev, x);
          prev = x;
          reduced.push_back(x);
        }
      }
    }
    // The tied word embedding: its gradient is summed between the first and the last stage.
    if (!p_.vocab_parallel && s == vstage_device(0) && vstage_device(0) != vstage_device(vstages - 1)) {
      const int s_last = vstage_device(vstages - 1);
      for (int d = 0; d < plan.dp; ++d) {
        for (int r = 0; r < plan.tp; ++r) {
          const Bytes bytes(static_cast<std::int64_t>(static_cast<double>(model.vocab / plan.tp * model.hidden) * grad_bytes));
          const TaskId x = g.add(collective(CollectiveOp::kAllReduce,
                                                {plan.device(Coord{r, 0, d, s}), plan.device(Coord{r, 0, d, s_last})}, bytes),
                                 TaskKind::kCollective, "embedding all_reduce", -1, s);
          g.depend(last_backward[static_cast<std::size_t>(d * vstages + 0)].back(), x);
          g.depend(last_backward[static_cast<std::size_t>(d * vstages + vstages - 1)].back(), x);
          reduced.push_back(x);
          stage_reduced[static_cast<std::size_t>(s_last)].push_back(x);
        }
      }
    }
  }
  for (int s = 0; s < p; ++s) {
    const ModelStateBytes state = model_state(s);
    double params = 0;
    for (int c = 0; c < v; ++c) params += costs[static_cast<std::size_t>(c * p + position_of(c, s))].parameters;
    const double local = sharded_optimizer ? params / dp_ranks : params;
    std::vector<TaskId> steps;
    for (int d = 0; d < plan.dp; ++d) {
      const DeviceId dev = lead(d, s);
      g.initial_memory(MemoryEffect{dev, MemoryCategory::kParameters, Bytes(static_cast<std::int64_t>(state.weights))});
      g.initial_memory(MemoryEffect{dev, MemoryCategory::kGradients, Bytes(static_cast<std::int64_t>(state.gradients))});
      g.initial_memory(MemoryEffect{dev, MemoryCategory::kOptimizer, Bytes(static_cast<std::int64_t>(state.optimizer))});
      std::vector<TaskId> before = stage_reduced[static_cast<std::size_t>(s)];
      for (int c = 0; c < v; ++c) {
        const int vs = c * p + position_of(c, s);
        before.push_back(last_backward[static_cast<std::size_t>(d * vstages + vs)].back());
      }
      for (TaskId pass : vocab_last[static_cast<std::size_t>(d * p + s)]) before.push_back(pass);
      TaskId step;
      if (p_.offload == Offload::kNone) {
        Duration t;
        if (device) {
          t = device->time(OptimizerStep{static_cast<std::int64_t>(local)});
        } else {
          t = Duration{};
        }
        step = g.add(ComputeWork{dev, t}, TaskKind::kOptimizer, "optimizer step", -1, s);
        for (TaskId b : before) g.depend(b, step);
      } else {
        // ZeRO-Offload: gradients down over PCIe, Adam on the host (memory-bound:
        // fp32 master, momentum, variance and gradient read, three states and the
        // 16-bit weights written, 30 bytes per parameter; the node's GPUs share
        // the host's memory bandwidth), weights back up.
        const double share = static_cast<double>(cluster.devices_per_node);
        const Bandwidth host = Bandwidth::bytes_per_s(cluster.device->host_memory_bandwidth().bytes_per_s() / share);
        const TaskId down = g.add(DelayWork{dev, bytes_over(local * grad_bytes, cluster.device->pcie_bandwidth()),
                                            Bytes(static_cast<std::int64_t>(local * grad_bytes))},
                                  TaskKind::kSend, "gradients to host", -1, s);
        for (TaskId b : before) g.depend(b, down);
        TaskId last = down;
        if (p_.offload == Offload::kNvme) {
          const Bandwidth rd = Bandwidth::bytes_per_s(cluster.device->nvme_read_bandwidth().bytes_per_s() / share);
          const TaskId read = g.add(DelayWork{dev, bytes_over(local * 12, rd), Bytes(static_cast<std::int64_t>(local * 12))},
                                    TaskKind::kSend, "optimizer states from nvme", -1, s);
          g.depend(last, read);
          last = read;
        }
        const TaskId adam = g.add(DelayWork{dev, bytes_over(local * 30, host), Bytes(0)}, TaskKind::kOptimizer,
                                  "optimizer step (host)", -1, s);
        g.depend(last, adam);
        last = adam;
        if (p_.offload == Offload::kNvme) {
          const Bandwidth wr = Bandwidth::bytes_per_s(cluster.device->nvme_write_bandwidth().bytes_per_s() / share);
          const TaskId write = g.add(DelayWork{dev, bytes_over(local * 12, wr), Bytes(static_cast<std::int64_t>(local * 12))},
                                     TaskKind::kSend, "optimizer states to nvme", -1, s);
          g.depend(last, write);
          last = write;
        }
        const TaskId up = g.add(DelayWork{dev, bytes_over(local * weight_bytes, cluster.device->pcie_bandwidth()),
                                          Bytes(static_cast<std::int64_t>(local * weight_bytes))},
                                TaskKind::kSend, "weights to device", -1, s);
        g.depend(last, up);
        step = up;
      }
      steps.push_back(step);
    }
    // Sharded optimizers (ZeRO-1/2, Megatron's distributed optimizer) gather the updated weights.
    if (sharded_optimizer && !zero3 && dp_ranks > 1) {
      const double total = params * weight_bytes;
      const auto buckets = static_cast<int>(std::ceil(total / static_cast<double>(p_.bucket_size.count())));
      for (int r = 0; r < plan.tp; ++r) {
        const auto group = plan.group(Coord{r, 0, 0, s}, {Axis::kDp, Axis::kCp});
        TaskId prev;
        for (int k = 0; k < buckets; ++k) {
          const double bytes = std::min(static_cast<double>(p_.bucket_size.count()), total - k * static_cast<double>(p_.bucket_size.count()));
          const TaskId x = g.add(collective(CollectiveOp::kAllGather, group, Bytes(static_cast<std::int64_t>(bytes))),
                                 TaskKind::kCollective, "dp all_gather", -2, s);
          for (TaskId st : steps) g.depend(st, x);
          if (prev.valid()) g.depend(prev, x);
          prev = x;
        }
      }
    }
  }
  return g;
}

void TrainingWorkload::summarize(const TaskGraph& graph, const TaskTimes& times, Summary& out) const {
  const ParallelPlan& plan = p_.plan;
  StageBubbles bubbles(plan.pp);
  std::int64_t comm_pp = 0, comm_net = 0, comm_group = 0;
  std::int64_t pipeline_end = 0;
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const Task& t = graph.tasks()[i];
    if (const auto* c = std::get_if<ComputeWork>(&t.work)) {
      comm_group += c->head_bytes + c->tail_bytes;
      if (t.kind != TaskKind::kForward && t.kind != TaskKind::kBackward && t.kind != TaskKind::kWeightGrad) continue;
      const std::int64_t end = (times.end[i] - Time::zero()).count();
      pipeline_end = std::max(pipeline_end, end);
      // Bubbles on data-parallel replica 0's stage leads (replicas run alike).
      if (c->device == plan.device(Coord{0, 0, 0, t.stage})) {
        bubbles.busy(t.stage, (times.start[i] - Time::zero()).count(), end);
      }
    } else if (const auto* x = std::get_if<TransferWork>(&t.work)) {
      comm_pp += x->bytes.count();
    } else if (const auto* w = std::get_if<DelayWork>(&t.work)) {
      if (t.kind == TaskKind::kSend && t.micro_batch >= 0) comm_pp += w->bytes.count();
    } else if (std::holds_alternative<CollectiveWork>(t.work)) {
      if (const auto it = times.collectives.find(static_cast<std::int32_t>(i)); it != times.collectives.end()) {
        comm_net += it->second.bytes;
      }
    }
  }
  const std::int64_t T_ns = (times.makespan - Time::zero()).count();
  const double T = static_cast<double>(T_ns) * 1e-9;
  const double devices = plan.devices();
  out.set("iteration_time_s", T);
  // The pipeline alone: the end of the last F, B or W (before the last
  // gradient reductions and the optimizer step).
  out.set("pipeline_time_s", static_cast<double>(pipeline_end) * 1e-9);
  out.set("tokens_per_s", T > 0 ? static_cast<double>(p_.global_batch * p_.model.seq_len) / T : 0.0);
  out.set("tflops_per_device", T > 0 ? model_flops_ / T / devices * 1e-12 : 0.0);
  if (peak_flops_ > 0 && T > 0) {
    out.set("mfu", model_flops_no_recompute_ / (T * devices * peak_flops_));
    out.set("hfu", model_flops_ / (T * devices * peak_flops_));
  }
  out.set("model_flops", model_flops_);
  out.set("parameters", p_.model.parameters());
  out.set("micro_batches", static_cast<std::int64_t>(p_.micro_batches()));
  bubbles.summarize(T_ns, out);
  out.set("comm_bytes", comm_pp + comm_net + comm_group);
  out.set("comm_bytes_pipeline", comm_pp);
  out.set("comm_bytes_collectives", comm_net);  // data-parallel, ZeRO, embedding and vocabulary collectives
  out.set("comm_bytes_in_group", comm_group);
  out.set("schedule", std::string(p_.schedule->name()));
  if (!p_.profiled) out.set("uncalibrated_ops", static_cast<std::int64_t>(uncalibrated_));
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
