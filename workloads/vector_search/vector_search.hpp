// `vector_search`: approximate nearest-neighbour search (IVF-PQ) served by
// the cluster's devices, as FANNS scales it out (Jiang et al., SC'23): the
// index partitioned into equal shards, one per device; each batch of queries
// sent from the coordinator (device 0) to every shard, searched there (one
// task::IvfPqSearch, priced by the device's model: FANNS's dataflow pipeline
// on an FPGA, the Faiss-GPU kernel sequence on a GPU), each shard's k best
// (id, distance) pairs sent back and merged on the coordinator.
//
// Queries arrive (Poisson, fixed rate, or all at once); the dispatcher sends
// a batch as soon as `batch` queries wait, or when the oldest has waited
// `batch_timeout`. A device searches its batches in order; a dataflow device
// takes the next batch once this one has entered its pipeline (the price's
// `issue` part) and finishes it a pipeline's depth later, so batches overlap
// there as FANNS's queries do. Latency = arrival → merged result of its batch.
// The engine sees tasks per batch, not per query and stage.
//
// Results: `qps`, `latency_*` (mean, p50, p95, p99), `queries_in_system_mean`
// (Little's L), batches and their mean size, nprobe; /queries and /batches.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "sim/task/operation.hpp"
#include "workloads/vector_search/vector_search_spec.hpp"
#include "workloads/workload.hpp"

namespace orrery::workload::vector_search {

// What lowering found: the arrivals, nprobe and the shards.
struct VectorSearchFacts {
  std::vector<Time> arrivals;  // in order
  std::int64_t nprobe = 0;
  int shards = 0;
};

// The search of `queries` queries on one shard of `p`'s index.
[[nodiscard]] task::IvfPqSearch shard_search(const VectorSearchParams& p, int shards, std::int64_t queries);

// The arrival times of `spec` (a named RNG stream of the seed for Poisson).
[[nodiscard]] std::vector<Time> query_arrivals(const QueriesSpec& spec, std::uint64_t seed);

class VectorSearchWorkload final : public Workload {
 public:
  explicit VectorSearchWorkload(VectorSearchParams p) : p_(std::move(p)) {}
  [[nodiscard]] Lowered lower(const ClusterShape& cluster) const override;
  void summarize(const Lowered& /*lowered*/, const TaskTimes& /*times*/, Summary& /*out*/) const override {}
  [[nodiscard]] std::unique_ptr<RunningWorkload> start(const ClusterShape& cluster, const Lowered& lowered,
                                                       const RuntimePricing& pricing) const override;
  [[nodiscard]] const VectorSearchParams& params() const { return p_; }

 private:
  VectorSearchParams p_;
};

class VectorSearchRun final : public RunningWorkload {
 public:
  VectorSearchRun(const VectorSearchParams& p, const VectorSearchFacts& facts, const RuntimePricing& pricing);
  void begin(TaskSink& sink) override;
  void finished(TaskSink& sink, TaskId task) override;
  void summarize(const TaskTimes& times, Summary& out) const override;
  [[nodiscard]] std::vector<ResultTable> tables() const override;
  void report_progress(ProgressFn progress) override { progress_ = std::move(progress); }

  struct BatchRow {
    Time start;  // dispatched
    Time end;    // merged
    std::int64_t first = 0;  // its queries are [first, first + size) in arrival order
    std::int64_t size = 0;
  };
  [[nodiscard]] const std::vector<BatchRow>& batches() const { return batches_; }
  [[nodiscard]] const std::vector<Time>& finish_times() const { return finish_; }
  [[nodiscard]] const std::vector<Time>& arrivals() const { return arrivals_; }
  // The shard search's price for a batch of n queries: what holds the device, and the rest.
  struct Price {
    Duration issue;
    Duration drain;
  };
  [[nodiscard]] Price price(std::int64_t n);

 private:
  void arrive(TaskSink& sink);
  void dispatch(TaskSink& sink, std::int64_t n);
  void count_in_system(Time now, std::int64_t delta);

  const VectorSearchParams& p_;
  const VectorSearchFacts& facts_;
  RuntimePricing pricing_;
  std::vector<Price> prices_;  // by batch size (issue 0: not priced yet)
  std::vector<Time> arrivals_;  // so far, in order (a closed loop adds them as queries are answered)
  std::vector<Time> finish_;
  std::vector<BatchRow> batches_;
  std::unordered_map<std::int32_t, std::size_t> merges_;  // merge task -> batch
  std::size_t next_arrival_ = 0;  // first query not yet arrived
  std::size_t next_waiting_ = 0;  // first query not yet dispatched
  std::int64_t timer_for_ = -1;   // the query whose batch_timeout a wake-up is set for
  Time last_change_;
  std::int64_t in_system_ = 0;
  double in_system_area_ = 0;  // query-seconds
  std::int64_t done_ = 0;
  ProgressFn progress_;
};

}  // namespace orrery::workload::vector_search
