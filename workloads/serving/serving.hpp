// `serving`: LLM inference on replicas behind a router, simulated iteration by
// iteration. Requests arrive (Poisson, Gamma, or a trace); the router sends
// each to a replica; each replica's scheduler (replica.hpp) forms iterations
// by continuous batching over a paged KV cache; an iteration runs as one task
// per pipeline stage on the stage's lead device, priced when it is formed
// (iteration_cost.hpp), with the activations sent lead to lead between stages
// through the network. The workload is a task source: what runs next depends
// on what has finished.
//
// Granularity (as for training): a stage's tp ranks run in lockstep, so their
// compute is one task on the lead; tensor parallelism's all-reduces are priced
// on the stage's own routes.
//
// Results: summary `throughput_rps`, `tokens_per_s`, TTFT / TPOT / end-to-end
// percentiles, SLO attainment and goodput, KV-cache use and batch size;
// /requests (one row per request) and /iterations (one row per iteration).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "workloads/serving/iteration_cost.hpp"
#include "workloads/serving/replica.hpp"
#include "workloads/serving/requests.hpp"
#include "workloads/serving/serving_spec.hpp"
#include "workloads/workload.hpp"

namespace orrery::workload::serving {

// What lowering found: the replicas' memory and the requests.
struct ServingFacts {
  MemoryPlan memory;
  int replicas = 0;
  RequestList requests;
};

class ServingWorkload final : public Workload {
 public:
  explicit ServingWorkload(ServingParams p) : p_(std::move(p)) {}
  [[nodiscard]] Lowered lower(const ClusterShape& cluster) const override;
  void summarize(const Lowered& /*lowered*/, const TaskTimes& /*times*/, Summary& /*out*/) const override {}
  [[nodiscard]] std::vector<std::string> warnings(const Lowered& lowered) const override;
  [[nodiscard]] std::unique_ptr<RunningWorkload> start(const ClusterShape& cluster, const Lowered& lowered,
                                                       const RuntimePricing& pricing) const override;
  [[nodiscard]] std::vector<DeviceId> replica_devices(const ClusterShape& cluster) const override;
  [[nodiscard]] const ServingParams& params() const { return p_; }

 private:
  ServingParams p_;
};

// The run: arrivals, the router, every replica's scheduler and iterations.
class ServingRun final : public RunningWorkload {
 public:
  ServingRun(const ServingParams& p, const ServingFacts& facts, const RuntimePricing& pricing);
  void begin(TaskSink& sink) override;
  void finished(TaskSink& sink, TaskId task) override;
  void summarize(const TaskTimes& times, Summary& out) const override;
  [[nodiscard]] std::vector<ResultTable> tables() const override;
  // Thin calibration (calibration_coverage.hpp) of the iterations' operations.
  [[nodiscard]] std::vector<std::string> warnings() const override;
  void report_progress(ProgressFn progress) override { progress_ = std::move(progress); }

  // What the run saw (tests read them).
  [[nodiscard]] const std::vector<RequestState>& requests() const { return state_; }
  // One row per iteration: when it started (first stage) and ended (last stage), its replica and work.
  struct IterationRow {
    Time start;
    Time end;
    std::int32_t replica = 0;
    std::int32_t sequences = 0;
    std::int64_t prefill_tokens = 0;
    std::int64_t decode_tokens = 0;
    std::int64_t blocks_used = 0;
    std::int64_t swapped_blocks = 0;  // in plus out
  };
  [[nodiscard]] const std::vector<IterationRow>& iterations() const { return rows_; }

 private:
  struct Pending {
    std::int32_t replica = 0;
    Iteration iteration;
    TaskId first;
  };
  void arrive(TaskSink& sink, std::size_t i);
  // A replica of [first, last) for a request, by the router's rule.
  [[nodiscard]] int route(int first, int last);
  // Disaggregation: send a prefilled request's KV cache to a decode replica.
  void hand_off(TaskSink& sink, std::int32_t id);
  void launch(TaskSink& sink, int replica);
  void count_in_system(Time now, int delta);

  const ServingParams& p_;
  const ServingFacts& facts_;
  std::vector<std::vector<std::vector<DeviceId>>> groups_;  // replica -> stage -> tp devices
  // One price list for every replica: replicas hold the same shards on the
  // same kind of devices and links, so an iteration costs the same on each
  // (priced on the first replica's routes).
  std::unique_ptr<IterationCost> cost_;
  std::vector<ReplicaScheduler> replicas_;
  std::vector<RequestState> state_;
  std::unordered_map<std::int32_t, Pending> pending_;  // last-stage task -> its iteration
  int prefill_pool_ = 0;                                // replicas [0, prefill_pool_) only prefill
  std::unordered_map<std::int32_t, std::int32_t> kv_sends_;  // KV-cache transfer task -> request
  std::unordered_map<std::int32_t, int> kv_left_;             // request -> its transfers not yet ended
  std::int64_t kv_bytes_sent_ = 0;
  std::vector<IterationRow> rows_;
  double swap_seconds_per_block_ = 0;
  double peak_flops_ = 0;  // the device's dense peak for the dtype, per device
  std::string device_;     // the device model's name, for warnings
  std::vector<int> next_replica_{0, 0};  // round robin, per pool
  // The number of requests in the system, integrated over time (Little's law).
  Time last_change_;
  std::int64_t in_system_ = 0;
  ProgressFn progress_;
  std::int64_t ended_ = 0;  // requests finished or rejected
  double in_system_area_ = 0;  // request-seconds
};

}  // namespace orrery::workload::serving
