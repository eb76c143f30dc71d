// What a serving run reports: the summary keys (scenarios/README.md lists
// them) and the /requests and /iterations tables.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/core/error.hpp"
#include "workloads/calibration_coverage.hpp"
#include "workloads/distribution.hpp"
#include "workloads/serving/serving.hpp"

namespace orrery::workload::serving {

namespace {

void set_distribution(Summary& out, const std::string& name, std::vector<double> values) {
  workload::set_distribution(out, name, std::move(values), {50, 90, 99});
}

}  // namespace

void ServingRun::summarize(const TaskTimes& /*times*/, Summary& out) const {
  std::int64_t finished = 0;
  std::int64_t rejected = 0;
  std::int64_t output_tokens = 0;
  std::int64_t input_tokens = 0;
  std::int64_t met = 0;
  std::int64_t preemptions = 0;
  Time first = Time::zero() + Duration::max();
  Time last = Time::zero();
  std::vector<double> ttft;
  std::vector<double> tpot;
  std::vector<double> e2e;
  for (const RequestState& r : state_) {
    first = std::min(first, r.request.arrival);
    if (r.phase == Phase::kRejected) {
      ++rejected;
      continue;
    }
    if (r.phase != Phase::kDone) {
      throw InfeasibleError(fmt::format("request {} (arrived at {} s) never finished: the scheduler stalled",
                                        &r - state_.data(), (r.request.arrival - Time::zero()).seconds()));
    }
    ++finished;
    preemptions += r.preemptions;
    output_tokens += r.request.output;
    input_tokens += r.request.prompt;
    last = std::max(last, r.finish);
    const double t1 = (r.first_token - r.request.arrival).seconds();
    const double total = (r.finish - r.request.arrival).seconds();
    const double per_token =
        r.request.output > 1 ? (r.finish - r.first_token).seconds() / (r.request.output - 1) : 0.0;
    ttft.push_back(t1);
    e2e.push_back(total);
    if (r.request.output > 1) tpot.push_back(per_token);
    const bool ok = (p_.slo.ttft == Duration{} || t1 <= p_.slo.ttft.seconds()) &&
                    (p_.slo.tpot == Duration{} || per_token <= p_.slo.tpot.seconds()) &&
                    (p_.slo.e2e == Duration{} || total <= p_.slo.e2e.seconds());
    if (ok) ++met;
  }
  const double span = finished > 0 ? (last - first).seconds() : 0.0;
  const auto rate = [&](double n) { return span > 0 ? n / span : 0.0; };
  out.set("requests", static_cast<std::int64_t>(state_.size()));
  out.set("requests_finished", finished);
  out.set("requests_rejected", rejected);
  out.set("serving_time_s", span);
  out.set("throughput_rps", rate(static_cast<double>(finished)));
  out.set("tokens_per_s", rate(static_cast<double>(output_tokens)));
  out.set("input_tokens_per_s", rate(static_cast<double>(input_tokens)));
  out.set("total_tokens_per_s", rate(static_cast<double>(input_tokens + output_tokens)));
  // NanoFlow's optimal throughput (Zhu et al. 2024, §3): serving at large
  // batch is compute-bound, so no system processes more than the devices'
  // dense peak over 2 FLOPs per active parameter per token (prompt and output
  // tokens alike; attention's FLOPs left out, as there).
  const auto& m = p_.model;
  const double active = m.active_parameters();
  const double devices = static_cast<double>(replicas_.size()) * p_.tp * p_.pp;
  const double optimal = devices * peak_flops_ / (2 * active);
  out.set("optimal_tokens_per_s", optimal);
  out.set("optimal_fraction", optimal > 0 ? rate(static_cast<double>(input_tokens + output_tokens)) / optimal : 0.0);
  set_distribution(out, "ttft", std::move(ttft));
  set_distribution(out, "tpot", std::move(tpot));
  set_distribution(out, "e2e", std::move(e2e));
  out.set("slo_attainment", finished > 0 ? static_cast<double>(met) / static_cast<double>(finished) : 0.0);
  out.set("goodput_rps", rate(static_cast<double>(met)));
  // Little's law's L: requests in the system (queued or running), averaged over [first arrival, last finish].
  out.set("requests_in_system_mean", span > 0 ? in_system_area_ / span : 0.0);
  double busy = 0;
  double kv_area = 0;
  double kv_peak = 0;
  double batch = 0;
  for (const IterationRow& row : rows_) {
    const double d = (row.end - row.start).seconds();
    const double use = static_cast<double>(row.blocks_used) / static_cast<double>(facts_.memory.blocks);
    busy += d;
    kv_area += use * d;
    kv_peak = std::max(kv_peak, use);
    batch += row.sequences;
  }
  const double n = static_cast<double>(rows_.size());
  out.set("iterations", static_cast<std::int64_t>(rows_.size()));
  out.set("batch_size_mean", n > 0 ? batch / n : 0.0);
  out.set("kv_blocks", facts_.memory.blocks);
  out.set("kv_cache_bytes", static_cast<std::int64_t>(static_cast<double>(facts_.memory.blocks) *
                                                      facts_.memory.block_bytes));
  out.set("weights_bytes", static_cast<std::int64_t>(facts_.memory.weights));
  // A time average cannot exceed the peak; rounding of the sum could (by an ulp, at a constant use).
  out.set("kv_utilization_mean", busy > 0 ? std::min(kv_area / busy, kv_peak) : 0.0);
  out.set("kv_utilization_peak", kv_peak);
  out.set("preemptions", preemptions);
  out.set("uncalibrated_time_fraction", cost_->uncalibrated_fraction());
  out.set("far_calibration_time_fraction", cost_->far_fraction());
  std::int64_t swaps = 0;
  for (const ReplicaScheduler& r : replicas_) swaps += r.swaps();
  out.set("swaps", swaps);
  if (prefill_pool_ > 0) out.set("kv_transfer_bytes", kv_bytes_sent_);
}

std::vector<std::string> ServingRun::warnings() const {
  std::vector<std::string> out;
  if (auto w = thin_calibration_warning(device_, cost_->uncalibrated_fraction(), cost_->far_fraction())) {
    out.push_back(std::move(*w));
  }
  // Rejected requests count in requests_rejected alone: say so, with the
  // bounds they broke, since every latency and rate leaves them out.
  std::int64_t rejected = 0;
  std::int64_t longest = 0;
  for (const RequestState& r : state_) {
    if (r.phase != Phase::kRejected) continue;
    ++rejected;
    longest = std::max(longest, std::int64_t{r.request.prompt} + r.request.output);
  }
  if (rejected > 0 && !replicas_.empty()) {
    const ReplicaScheduler& any = replicas_.front();
    out.push_back(fmt::format(
        "{} of {} requests were rejected, as no replica can ever hold them (the longest: {} prompt + output "
        "tokens), and are left out of every latency and rate: a request may be at most kv_cache.max_seq_len "
        "= {} "
        "tokens, and a replica's KV cache gives one at most {} tokens ({} blocks of {}{}); raise "
        "kv_cache.blocks "
        "or kv_cache.memory_fraction, or shorten the requests",
        rejected, state_.size(), longest, any.max_seq_len(), any.cache_tokens(), any.total_blocks(),
        p_.kv.block_size,
        p_.kv.allocation == Allocation::kReserveMax ? ", each request reserving max_seq_len tokens" : ""));
  }
  return out;
}

std::vector<ResultTable> ServingRun::tables() const {
  ResultTable requests{"requests",
                       {"arrival_s", "first_token_s", "finish_s", "prompt_tokens", "output_tokens", "preemptions",
                        "replica", "priority", "rejected", "prefill_replica"},
                       {},
                       {}};
  requests.values.reserve(state_.size() * requests.columns.size());
  for (const RequestState& r : state_) {
    const bool rejected = r.phase == Phase::kRejected;
    for (const double v : {(r.request.arrival - Time::zero()).seconds(),
                           rejected ? std::nan("") : (r.first_token - Time::zero()).seconds(),
                           rejected ? std::nan("") : (r.finish - Time::zero()).seconds(),
                           static_cast<double>(r.request.prompt), static_cast<double>(r.request.output),
                           static_cast<double>(r.preemptions), static_cast<double>(r.replica),
                           static_cast<double>(r.request.priority), rejected ? 1.0 : 0.0,
                           static_cast<double>(r.prefill_replica)}) {
      requests.values.push_back(v);
    }
  }
  ResultTable iterations{"iterations",
                         {"start_s", "end_s", "replica", "sequences", "prefill_tokens", "decode_tokens",
                          "kv_blocks_used", "swapped_blocks"},
                         {},
                         {}};
  iterations.values.reserve(rows_.size() * iterations.columns.size());
  for (const IterationRow& row : rows_) {
    for (const double v : {(row.start - Time::zero()).seconds(), (row.end - Time::zero()).seconds(),
                           static_cast<double>(row.replica), static_cast<double>(row.sequences),
                           static_cast<double>(row.prefill_tokens), static_cast<double>(row.decode_tokens),
                           static_cast<double>(row.blocks_used), static_cast<double>(row.swapped_blocks)}) {
      iterations.values.push_back(v);
    }
  }
  std::vector<ResultTable> out;
  out.push_back(std::move(requests));
  out.push_back(std::move(iterations));
  return out;
}

}  // namespace orrery::workload::serving
