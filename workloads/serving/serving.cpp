#include "workloads/serving/serving.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/core/error.hpp"

namespace orrery::workload::serving {

namespace {

int replica_count(const ServingParams& p, const ClusterShape& cluster) {
  const int per = p.tp * p.pp;
  const int fit = cluster.devices / per;
  if (fit < 1) {
    throw ConfigError(p.at, "workload.placement",
                      fmt::format("a replica of tp = {} × pp = {} needs {} devices; the cluster has {}", p.tp, p.pp,
                                  per, cluster.devices));
  }
  if (p.replicas > fit) {
    throw ConfigError(p.at, "workload.placement.replicas",
                      fmt::format("{} replicas of {} devices need {}; the cluster has {}", p.replicas, per,
                                  static_cast<std::int64_t>(p.replicas) * per, cluster.devices));
  }
  const int n = p.replicas > 0 ? p.replicas : fit;
  if (p.prefill_replicas > 0 && p.prefill_replicas >= n) {
    throw ConfigError(p.at, "workload.placement.prefill_replicas",
                      fmt::format("{} prefill replicas leave none of the {} to decode", p.prefill_replicas, n));
  }
  return n;
}

}  // namespace

Lowered ServingWorkload::lower(const ClusterShape& cluster) const {
  if (!cluster.device) {
    throw ConfigError(p_.at, "workload", "serving needs a device that runs operations (cluster.node.device)");
  }
  ServingFacts facts;
  facts.replicas = replica_count(p_, cluster);
  facts.memory = plan_memory(p_, *cluster.device);
  facts.requests = p_.requests.arrival == Arrival::kTrace ? read_request_trace(p_.requests, "workload.requests.file")
                                                          : generate_requests(p_.requests, cluster.seed);
  if (facts.requests.requests.empty()) {
    throw ConfigError(p_.requests.at, "workload.requests",
                      "no request arrives: raise `count` or `duration` (the first arrival falls after the end)");
  }
  Lowered out;
  // What each device holds from the start, as vLLM allocates it at start-up:
  // its weights, the activations of the largest iteration, and the KV cache.
  // (The bounding stage's figures stand for every stage.)
  const MemoryPlan& m = facts.memory;
  const auto kv = static_cast<std::int64_t>(static_cast<double>(m.blocks) * m.block_bytes);
  for (int d = 0; d < facts.replicas * p_.tp * p_.pp; ++d) {
    out.graph.initial_memory({DeviceId(d), MemoryCategory::kParameters, Bytes(static_cast<std::int64_t>(m.weights))});
    out.graph.initial_memory(
        {DeviceId(d), MemoryCategory::kActivations, Bytes(static_cast<std::int64_t>(m.activations))});
    out.graph.initial_memory({DeviceId(d), MemoryCategory::kBuffers, Bytes(kv)});
  }
  out.facts = std::move(facts);
  out.price_at = p_.dtype_at;
  out.price_key = "workload.dtype";
  return out;
}

std::vector<std::string> ServingWorkload::warnings(const Lowered& lowered) const {
  const auto& f = std::any_cast<const ServingFacts&>(lowered.facts);
  std::vector<std::string> out;
  if (f.requests.skipped > 0) {
    out.push_back(fmt::format("the trace has {} rows with zero output tokens (failed requests); they are skipped",
                              f.requests.skipped));
  }
  return out;
}

std::unique_ptr<RunningWorkload> ServingWorkload::start(const ClusterShape& /*cluster*/, const Lowered& lowered,
                                                        const RuntimePricing& pricing) const {
  const auto& f = std::any_cast<const ServingFacts&>(lowered.facts);
  if (!pricing.device || !pricing.collectives) {
    throw ConfigError(p_.at, "workload", "serving needs a device model to price its iterations");
  }
  auto run = std::make_unique<ServingRun>(p_, f, pricing);
  return run;
}

std::vector<DeviceId> ServingWorkload::replica_devices(const ClusterShape& /*cluster*/) const {
  std::vector<DeviceId> out;
  for (int d = 0; d < p_.tp * p_.pp; ++d) out.emplace_back(d);
  return out;
}

ServingRun::ServingRun(const ServingParams& p, const ServingFacts& facts, const RuntimePricing& pricing)
    : p_(p), facts_(facts) {
  const int per = p.tp * p.pp;
  for (int r = 0; r < facts.replicas; ++r) {
    auto& stages = groups_.emplace_back();
    for (int s = 0; s < p.pp; ++s) {
      auto& g = stages.emplace_back();
      for (int t = 0; t < p.tp; ++t) g.emplace_back(r * per + s * p.tp + t);
    }
  }
  cost_ = std::make_unique<IterationCost>(p, pricing, groups_.front());
  device_ = std::string(pricing.device->name());
  // Probe the price of the smallest iteration, so that a device without a
  // peak for the dtype is a configuration error before the run.
  try {
    BatchShape probe;
    probe.tokens = 1;
    probe.samples = 1;
    probe.chunks.emplace_back(1, 1);
    IterationCost once(p, pricing, groups_.front());  // its own, so that the run's accounting starts empty
    for (int s = 0; s < p.pp; ++s) (void)once.stage_time(s, probe);
  } catch (const ValueError& e) {
    throw ConfigError(p.dtype_at, "workload.dtype", e.what());
  }
  peak_flops_ = pricing.device->peak(p.dtype).per_s();
  if (p.scheduler.preemption == Preemption::kSwap) {
    const double pcie = pricing.device->pcie_bandwidth().bytes_per_s();
    if (pcie <= 0) {
      throw ConfigError(p.at, "workload.scheduler.preemption",
                        "swap needs the device's PCIe bandwidth (the device file or cluster.host)");
    }
    // Each tp rank moves its own shard of a block over its own PCIe link at once.
    swap_seconds_per_block_ = facts.memory.block_bytes / pcie;
  }
  state_.reserve(facts.requests.requests.size());
  for (const Request& r : facts.requests.requests) {
    RequestState st;
    st.request = r;
    state_.push_back(st);
  }
  const auto swap_blocks = static_cast<std::int64_t>(static_cast<double>(p.kv.host_swap.count()) * p.tp /
                                                     std::max(1.0, facts.memory.block_bytes * p.tp));
  prefill_pool_ = p.prefill_replicas;
  for (int r = 0; r < facts.replicas; ++r)
    replicas_.emplace_back(p, facts.memory.blocks, swap_blocks, state_, r < prefill_pool_);
}

void ServingRun::begin(TaskSink& sink) {
  last_change_ = Time::zero();
  const Time first = state_.front().request.arrival;
  sink.wake_at(first, [this, &sink] { arrive(sink, 0); });
}

void ServingRun::count_in_system(Time now, int delta) {
  in_system_area_ += static_cast<double>(in_system_) * (now - last_change_).seconds();
  last_change_ = now;
  in_system_ += delta;
  if (delta < 0 && progress_ && (++ended_ & 1023) == 0) {
    progress_("serving", static_cast<double>(ended_) / static_cast<double>(state_.size()));
  }
}

void ServingRun::arrive(TaskSink& sink, std::size_t i) {
  // Every request that arrives now, then a wake-up for the next.
  const Time now = sink.now();
  std::vector<int> touched;
  while (i < state_.size() && state_[i].request.arrival <= now) {
    const auto id = static_cast<std::int32_t>(i);
    const int r = route(0, prefill_pool_ > 0 ? prefill_pool_ : static_cast<int>(replicas_.size()));
    state_[i].replica = r;
    if (replicas_[static_cast<std::size_t>(r)].enqueue(id)) {
      count_in_system(now, +1);
      if (std::find(touched.begin(), touched.end(), r) == touched.end()) touched.push_back(r);
    } else {
      state_[i].finish = now;
    }
    ++i;
  }
  for (const int r : touched) launch(sink, r);
  if (i < state_.size()) sink.wake_at(state_[i].request.arrival, [this, &sink, i] { arrive(sink, i); });
}

int ServingRun::route(int first, int last) {
  switch (p_.router) {
    case Router::kRoundRobin: {
      int& next = next_replica_[first == 0 ? 0 : 1];
      const int r = first + next;
      next = (next + 1) % (last - first);
      return r;
    }
    case Router::kLeastTokens: {
      int best = first;
      for (int r = first + 1; r < last; ++r) {
        if (replicas_[static_cast<std::size_t>(r)].outstanding_tokens() <
            replicas_[static_cast<std::size_t>(best)].outstanding_tokens())
          best = r;
      }
      return best;
    }
    case Router::kKvAware: {
      int best = first;
      for (int r = first + 1; r < last; ++r) {
        if (replicas_[static_cast<std::size_t>(r)].kv_headroom() > replicas_[static_cast<std::size_t>(best)].kv_headroom())
          best = r;
      }
      return best;
    }
  }
  return first;
}

void ServingRun::hand_off(TaskSink& sink, std::int32_t id) {
  RequestState& r = state_[static_cast<std::size_t>(id)];
  const int from = r.prefill_replica;
  const int to = route(prefill_pool_, static_cast<int>(replicas_.size()));
  r.replica = to;
  int sends = 0;
  for (int s = 0; s < p_.pp; ++s) {
    const auto bytes = static_cast<std::int64_t>(static_cast<double>(r.cached) * cost_->kv_bytes_per_token(s));
    for (int t = 0; t < p_.tp; ++t) {
      const TransferWork w{groups_[static_cast<std::size_t>(from)][static_cast<std::size_t>(s)][static_cast<std::size_t>(t)],
                           groups_[static_cast<std::size_t>(to)][static_cast<std::size_t>(s)][static_cast<std::size_t>(t)],
                           Bytes(bytes)};
      const TaskId task = sink.submit(w, TaskKind::kSend, "kv_cache", {}, {}, -1, s);
      kv_sends_.emplace(task.value(), id);
      kv_bytes_sent_ += bytes;
      ++sends;
    }
  }
  kv_left_[id] = sends;
}

void ServingRun::launch(TaskSink& sink, int replica) {
  ReplicaScheduler& sched = replicas_[static_cast<std::size_t>(replica)];
  IterationCost& cost = *cost_;
  const auto& stages = groups_[static_cast<std::size_t>(replica)];
  while (auto it = sched.next()) {
    const bool prefill = it->prefill_tokens > 0;
    const bool decode = it->shape.decodes > 0;
    const char* name = prefill && decode ? "mixed" : prefill ? "prefill" : "decode";
    const Duration swap = Duration::from_seconds(swap_seconds_per_block_ *
                                                 static_cast<double>(it->swap_in_blocks + it->swap_out_blocks));
    TaskId previous;
    TaskId first;
    const auto activation_bytes = static_cast<std::int64_t>(cost.hidden_bytes(it->shape.tokens));
    for (int s = 0; s < p_.pp; ++s) {
      const DeviceId lead = stages[static_cast<std::size_t>(s)].front();
      TaskId sent;  // stage s > 0 waits for the previous stage's activations
      if (s > 0) {
        const TransferWork send{stages[static_cast<std::size_t>(s - 1)].front(), lead, Bytes(activation_bytes)};
        sent = sink.submit(send, TaskKind::kSend, "send", std::span<const TaskId>(&previous, 1), {}, -1, s);
      }
      Duration t = cost.stage_time(s, it->shape);
      if (s == 0) t = t + swap;
      previous = sink.submit(ComputeWork(lead, t), TaskKind::kForward, name,
                             std::span<const TaskId>(&sent, s > 0 ? 1 : 0), {}, -1, s);
      if (s == 0) first = previous;
    }
    pending_.emplace(previous.value(), Pending{replica, std::move(*it), first});
  }
}

void ServingRun::finished(TaskSink& sink, TaskId task) {
  if (const auto kv = kv_sends_.find(task.value()); kv != kv_sends_.end()) {
    const std::int32_t id = kv->second;
    kv_sends_.erase(kv);
    if (--kv_left_[id] > 0) return;
    kv_left_.erase(id);
    RequestState& r = state_[static_cast<std::size_t>(id)];
    replicas_[static_cast<std::size_t>(r.prefill_replica)].release(id);
    if (replicas_[static_cast<std::size_t>(r.replica)].enqueue_prefilled(id)) {
      launch(sink, r.replica);
    } else {
      r.finish = sink.now();
      count_in_system(sink.now(), -1);
    }
    launch(sink, r.prefill_replica);
    return;
  }
  const auto found = pending_.find(task.value());
  if (found == pending_.end()) return;
  Pending done = std::move(found->second);
  pending_.erase(found);
  ReplicaScheduler& sched = replicas_[static_cast<std::size_t>(done.replica)];
  std::vector<std::int32_t> finished;
  std::vector<std::int32_t> handoff;
  sched.complete(done.iteration, sink.now(), finished, &handoff);
  for (const std::int32_t id : handoff) hand_off(sink, id);
  for (std::size_t k = 0; k < finished.size(); ++k) count_in_system(sink.now(), -1);
  IterationRow row;
  row.start = sink.start_of(done.first);
  row.end = sink.now();
  row.replica = done.replica;
  row.sequences = static_cast<std::int32_t>(done.iteration.steps.size());
  row.prefill_tokens = done.iteration.prefill_tokens;
  row.decode_tokens = done.iteration.shape.decodes;
  row.blocks_used = done.iteration.blocks_used;
  row.swapped_blocks = done.iteration.swap_in_blocks + done.iteration.swap_out_blocks;
  rows_.push_back(row);
  launch(sink, done.replica);
}

}  // namespace orrery::workload::serving
