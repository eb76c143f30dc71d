#include "workloads/vector_search/vector_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"

namespace orrery::workload::vector_search {

namespace {

// A query travels as D fp32 values; a shard answers each query with k
// (int32 id, fp32 distance) pairs (FANNS's result packets: 8 bytes a pair).
constexpr std::int64_t kQueryElementBytes = 4;
constexpr std::int64_t kResultBytes = 8;

int shard_count(const VectorSearchParams& p, const ClusterShape& cluster) {
  if (p.shards > cluster.devices) {
    throw ConfigError(p.at, "workload.shards",
                      fmt::format("{} shards need {} devices; the cluster has {}", p.shards, p.shards, cluster.devices));
  }
  return p.shards > 0 ? p.shards : cluster.devices;
}

}  // namespace

task::IvfPqSearch shard_search(const VectorSearchParams& p, int shards, std::int64_t queries) {
  task::IvfPqSearch s;
  s.batch = queries;
  s.dim = p.index.dim;
  // Equal shards; the first vectors % shards shards hold one more, and the largest sets the pace.
  s.vectors = (p.index.vectors + shards - 1) / shards;
  s.nlist = p.index.nlist;
  s.nprobe = p.search.nprobe;
  s.m = p.index.m;
  s.k = p.search.k;
  s.opq = p.index.opq;
  s.opq_unroll = p.design.opq_unroll;
  s.ivf_pes = p.design.ivf_pes;
  s.cell_queues = p.design.cell_queues;
  s.lut_pes = p.design.lut_pes;
  s.scan_channels = p.design.scan_channels;
  s.scan_pes = p.design.scan_pes;
  s.utilization = p.design.utilization;
  return s;
}

std::vector<Time> query_arrivals(const QueriesSpec& spec, std::uint64_t seed) {
  std::vector<Time> out;
  out.reserve(static_cast<std::size_t>(spec.count));
  Rng gaps = RngStreams(seed).stream("vector_search.arrivals");
  double t = 0;  // seconds, summed in double so that rounding does not drift
  for (std::int64_t i = 0; i < spec.count; ++i) {
    switch (spec.arrival) {
      case Arrival::kPoisson:
        t += gaps.exponential(1.0 / spec.rate);
        break;
      case Arrival::kFixed:
        t = static_cast<double>(i) / spec.rate;
        break;
      case Arrival::kAllAtOnce:
        break;
      case Arrival::kClosed:
        return out;  // the run issues them as earlier ones are answered
    }
    if (t > 1e9) break;  // 31 years: far inside the int64 ns clock
    out.push_back(Time::zero() + Duration::from_seconds(t));
  }
  return out;
}

Lowered VectorSearchWorkload::lower(const ClusterShape& cluster) const {
  if (!cluster.device) {
    throw ConfigError(p_.at, "workload",
                      "vector_search needs a device that runs operations (cluster.device: an FPGA, GPU or CPU)");
  }
  VectorSearchFacts facts;
  facts.shards = shard_count(p_, cluster);
  facts.nprobe = p_.search.nprobe;
  facts.arrivals = query_arrivals(p_.queries, cluster.seed);
  const task::IvfPqSearch one = shard_search(p_, facts.shards, 1);
  const double index_bytes = static_cast<double>(one.vectors) * static_cast<double>(one.m + 4);
  if (index_bytes > static_cast<double>(cluster.device->memory_capacity().count())) {
    throw InfeasibleError(fmt::format(
        "a shard of {} vectors holds {:.3g} GB of PQ codes and ids; {} has {:.3g} GB of memory: use more shards",
        one.vectors, index_bytes / 1e9, cluster.device->name(),
        static_cast<double>(cluster.device->memory_capacity().count()) / 1e9));
  }
  Lowered out;
  out.facts = std::move(facts);
  out.price_at = p_.index_at;
  out.price_key = "workload.index";
  return out;
}

std::unique_ptr<RunningWorkload> VectorSearchWorkload::start(const ClusterShape& /*cluster*/, const Lowered& lowered,
                                                             const RuntimePricing& pricing) const {
  const auto& f = std::any_cast<const VectorSearchFacts&>(lowered.facts);
  if (!pricing.device) throw ConfigError(p_.at, "workload", "vector_search needs a device model to price its searches");
  auto run = std::make_unique<VectorSearchRun>(p_, f, pricing);
  // Price the largest batch before the run, so that a device that cannot run
  // the search is a configuration error (and an FPGA design over its budget
  // infeasible) before anything is simulated.
  try {
    (void)run->price(p_.batch);
  } catch (const ValueError& e) {
    // The FPGA model names a bad design parameter "design: KEY ..."; anything else is the index's.
    if (std::string_view(e.what()).starts_with("design: ")) {
      throw ConfigError(p_.design.at, "workload.design", std::string(e.what()).substr(8));
    }
    throw ConfigError(p_.index_at, "workload.index", e.what());
  }
  return run;
}

VectorSearchRun::VectorSearchRun(const VectorSearchParams& p, const VectorSearchFacts& facts,
                                 const RuntimePricing& pricing)
    : p_(p), facts_(facts), pricing_(pricing), arrivals_(facts.arrivals) {
  prices_.resize(static_cast<std::size_t>(p.batch) + 1);
  if (p.queries.arrival == Arrival::kClosed) {
    arrivals_.reserve(static_cast<std::size_t>(p.queries.count));
    arrivals_.assign(static_cast<std::size_t>(std::min(p.queries.in_flight, p.queries.count)), Time::zero());
  }
  finish_.resize(static_cast<std::size_t>(p.queries.arrival == Arrival::kClosed ? p.queries.count
                                                                                  : static_cast<std::int64_t>(arrivals_.size())));
}

VectorSearchRun::Price VectorSearchRun::price(std::int64_t n) {
  Price& memo = prices_[static_cast<std::size_t>(n)];
  if (memo.issue > Duration{}) return memo;
  const task::DeviceModel::OperationCost c = pricing_.device->cost(shard_search(p_, facts_.shards, n));
  // A dataflow device frees after `issue`; the rest is its pipeline's depth.
  const Duration issue = c.issue > Duration{} ? std::min(c.issue, c.time) : c.time;
  memo = Price{std::max(issue, Duration::ns(1)), c.time - issue};
  return memo;
}

void VectorSearchRun::begin(TaskSink& sink) {
  last_change_ = Time::zero();
  if (arrivals_.empty()) return;
  sink.wake_at(arrivals_.front(), [this, &sink] { arrive(sink); });
}

void VectorSearchRun::count_in_system(Time now, std::int64_t delta) {
  in_system_area_ += static_cast<double>(in_system_) * (now - last_change_).seconds();
  last_change_ = now;
  in_system_ += delta;
}

void VectorSearchRun::arrive(TaskSink& sink) {
  const Time now = sink.now();
  const auto& arrivals = arrivals_;
  const std::size_t before = next_arrival_;
  while (next_arrival_ < arrivals.size() && arrivals[next_arrival_] <= now) ++next_arrival_;
  count_in_system(now, static_cast<std::int64_t>(next_arrival_ - before));
  // Full batches leave at once; a partial one when its oldest query's timeout expires.
  while (static_cast<std::int64_t>(next_arrival_ - next_waiting_) >= p_.batch) dispatch(sink, p_.batch);
  if (next_waiting_ < next_arrival_) {
    const Time due = arrivals[next_waiting_] + p_.batch_timeout;
    if (due <= now) {
      dispatch(sink, static_cast<std::int64_t>(next_arrival_ - next_waiting_));
    } else if (timer_for_ != static_cast<std::int64_t>(next_waiting_)) {
      timer_for_ = static_cast<std::int64_t>(next_waiting_);
      sink.wake_at(due, [this, &sink] { arrive(sink); });
    }
  }
  if (next_arrival_ < arrivals.size() && next_arrival_ > before) {
    sink.wake_at(arrivals[next_arrival_], [this, &sink] { arrive(sink); });
  }
}

void VectorSearchRun::dispatch(TaskSink& sink, std::int64_t n) {
  const Price cost = price(n);
  const DeviceId coordinator(0);
  const Bytes query_bytes(n * p_.index.dim * kQueryElementBytes);
  const Bytes result_bytes(n * p_.search.k * kResultBytes);
  std::vector<TaskId> results;
  results.reserve(static_cast<std::size_t>(facts_.shards));
  for (int s = 0; s < facts_.shards; ++s) {
    const DeviceId d(s);
    TaskId sent;
    if (s > 0) sent = sink.submit(TransferWork{coordinator, d, query_bytes}, TaskKind::kSend, "queries", {}, {}, -1, s);
    TaskId done = sink.submit(ComputeWork(d, cost.issue), TaskKind::kCompute, "search",
                              std::span<const TaskId>(&sent, s > 0 ? 1 : 0), {}, -1, s);
    if (cost.drain > Duration{}) {
      DelayWork drain;
      drain.device = d;
      drain.duration = cost.drain;
      done = sink.submit(drain, TaskKind::kOther, "pipeline", std::span<const TaskId>(&done, 1), {}, -1, s);
    }
    if (s > 0) {
      done = sink.submit(TransferWork{d, coordinator, result_bytes}, TaskKind::kSend, "results",
                         std::span<const TaskId>(&done, 1), {}, -1, s);
    }
    results.push_back(done);
  }
  DelayWork merge;
  merge.device = coordinator;
  // At most 1 s × 2^20 queries × 2^20 shards: in double, then whole nanoseconds.
  merge.duration = Duration::from_seconds(p_.merge_per_result.seconds() * static_cast<double>(n) * facts_.shards);
  const TaskId merged = sink.submit(merge, TaskKind::kOther, "merge", results, {}, -1, 0);
  merges_.emplace(merged.value(), batches_.size());
  batches_.push_back(BatchRow{sink.now(), Time{}, static_cast<std::int64_t>(next_waiting_), n});
  next_waiting_ += static_cast<std::size_t>(n);
}

void VectorSearchRun::finished(TaskSink& sink, TaskId task) {
  const auto found = merges_.find(task.value());
  if (found == merges_.end()) return;
  const std::size_t index = found->second;
  merges_.erase(found);
  BatchRow& b = batches_[index];
  b.end = sink.now();
  for (std::int64_t q = b.first; q < b.first + b.size; ++q) finish_[static_cast<std::size_t>(q)] = b.end;
  const std::int64_t size = b.size;  // `b` dangles once a new batch is dispatched below
  count_in_system(sink.now(), -size);
  const std::int64_t before = done_;
  done_ += size;
  if (progress_ && (before >> 10) != (done_ >> 10)) {
    progress_("vector search", static_cast<double>(done_) / static_cast<double>(finish_.size()));
  }
  if (p_.queries.arrival == Arrival::kClosed) {
    // The client sends a new query for each one answered.
    const auto more = std::min<std::size_t>(static_cast<std::size_t>(size), finish_.size() - arrivals_.size());
    arrivals_.insert(arrivals_.end(), more, sink.now());
    if (more > 0) arrive(sink);
  }
}

}  // namespace orrery::workload::vector_search
