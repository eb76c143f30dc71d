// What a vector_search run reports: the summary keys (scenarios/README.md
// lists them) and the /queries and /batches tables.
#include <fmt/format.h>

#include <algorithm>

#include "sim/core/error.hpp"
#include "workloads/distribution.hpp"
#include "workloads/vector_search/vector_search.hpp"

namespace orrery::workload::vector_search {

void VectorSearchRun::summarize(const TaskTimes& /*times*/, Summary& out) const {
  const auto& arrivals = arrivals_;
  if (done_ != static_cast<std::int64_t>(finish_.size()) || arrivals.size() != finish_.size()) {
    throw InfeasibleError(fmt::format("{} of {} queries were never answered: the run stalled",
                                      static_cast<std::int64_t>(finish_.size()) - done_, finish_.size()));
  }
  std::vector<double> latency;
  latency.reserve(arrivals.size());
  Time last = Time::zero();
  for (std::size_t i = 0; i < arrivals.size(); ++i) {
    latency.push_back((finish_[i] - arrivals[i]).seconds());
    last = std::max(last, finish_[i]);
  }
  const double n = static_cast<double>(arrivals.size());
  const double span = arrivals.empty() ? 0.0 : (last - arrivals.front()).seconds();  // arrivals are in order
  out.set("queries", static_cast<std::int64_t>(arrivals.size()));
  out.set("serving_time_s", span);
  out.set("qps", span > 0 ? n / span : 0.0);
  set_distribution(out, "latency", std::move(latency), {50, 95, 99});
  // Little's law's L: queries arrived and not yet answered, averaged over [first arrival, last answer].
  out.set("queries_in_system_mean", span > 0 ? in_system_area_ / span : 0.0);
  out.set("batches", static_cast<std::int64_t>(batches_.size()));
  out.set("batch_size_mean", batches_.empty() ? 0.0 : n / static_cast<double>(batches_.size()));
  out.set("nprobe", facts_.nprobe);
  out.set("shards", static_cast<std::int64_t>(facts_.shards));
  // What one shard's device sustains on full batches: batch ÷ the time a batch holds it.
  const Price full = prices_[static_cast<std::size_t>(p_.batch)];
  out.set("device_qps", full.issue > Duration{} ? static_cast<double>(p_.batch) / full.issue.seconds() : 0.0);
}

std::vector<ResultTable> VectorSearchRun::tables() const {
  ResultTable queries{"queries", {"arrival_s", "finish_s", "batch"}, {}, {}};
  queries.values.reserve(finish_.size() * 3);
  for (std::size_t b = 0; b < batches_.size(); ++b) {
    const BatchRow& row = batches_[b];
    for (std::int64_t q = row.first; q < row.first + row.size; ++q) {
      const auto i = static_cast<std::size_t>(q);
      for (const double v : {(arrivals_[i] - Time::zero()).seconds(), (finish_[i] - Time::zero()).seconds(),
                             static_cast<double>(b)}) {
        queries.values.push_back(v);
      }
    }
  }
  ResultTable batches{"batches", {"start_s", "end_s", "queries"}, {}, {}};
  batches.values.reserve(batches_.size() * 3);
  for (const BatchRow& row : batches_) {
    for (const double v : {(row.start - Time::zero()).seconds(), (row.end - Time::zero()).seconds(),
                           static_cast<double>(row.size)}) {
      batches.values.push_back(v);
    }
  }
  std::vector<ResultTable> out;
  out.push_back(std::move(queries));
  out.push_back(std::move(batches));
  return out;
}

}  // namespace orrery::workload::vector_search
