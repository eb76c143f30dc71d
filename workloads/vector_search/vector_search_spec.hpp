// The `vector_search` workload's spec: an IVF-PQ index partitioned over the
// cluster's devices, the search (k, nprobe or a recall target on a published
// recall-vs-nprobe curve), the FPGA design's stage parallelism (0: the
// device's model co-designs it), query arrivals and the dispatcher's
// batching. vector_search.hpp runs it; vector_search_spec.cpp reads it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/reader.hpp"
#include "sim/core/error.hpp"
#include "sim/core/time.hpp"

namespace orrery::workload::vector_search {

// At most 2^24 queries a run: each keeps ~40 bytes of state and a row of /queries.
inline constexpr std::int64_t kMaxQueries = std::int64_t{1} << 24;

struct IndexSpec {
  std::int64_t dim = 128;
  std::int64_t vectors = 0;  // in all; each of the `shards` devices holds vectors / shards
  std::int64_t nlist = 8192;
  std::int64_t m = 16;       // bytes per PQ code
  bool opq = true;
};

// Recall@k as a function of nprobe, from a published measurement (the
// scenario names its source): the least nprobe whose recall meets the target.
struct RecallCurve {
  std::vector<std::int64_t> nprobe;
  std::vector<double> recall;
  std::string source;
};

struct SearchSpec {
  std::int64_t k = 10;
  std::int64_t nprobe = 0;  // 0: from the recall target and curve
  double recall = 0;        // the target, in (0, 1]; 0: nprobe is given
  RecallCurve curve;
  SourceLocation recall_at;
  SourceLocation nprobe_at;  // where nprobe was given, or the recall target it comes from
};

// The FPGA design (fpga_ivfpq.hpp's IvfPqDesign); 0 leaves a parameter to
// the co-design. Ignored by devices that are not FPGAs.
struct DesignSpec {
  int opq_unroll = 0, ivf_pes = 0, cell_queues = 0, lut_pes = 0, scan_channels = 0, scan_pes = 0;
  double utilization = 0.6;
  SourceLocation at;
};

// Poisson arrivals at `rate`; a fixed rate (one every 1/rate); every query
// at time zero; or a closed loop (FANNS's client): `in_flight` queries at
// time zero, and a new one whenever one is answered.
enum class Arrival : std::uint8_t { kPoisson, kFixed, kAllAtOnce, kClosed };

struct QueriesSpec {
  Arrival arrival = Arrival::kPoisson;
  double rate = 0;  // queries per second
  std::int64_t count = 0;
  std::int64_t in_flight = 1;  // closed
};

struct VectorSearchParams {
  IndexSpec index;
  SearchSpec search;
  DesignSpec design;
  QueriesSpec queries;
  std::int64_t batch = 1;       // queries per batch, at most
  Duration batch_timeout;       // the longest the oldest waiting query waits for a full batch
  int shards = 0;               // devices holding the index (0: every device of the cluster)
  Duration merge_per_result;    // the coordinator's host time per (query, shard) result list entry
  SourceLocation at;            // of the workload
  SourceLocation index_at;      // what the pricing blames

  static VectorSearchParams read(config::Reader& r);
  // nprobe: given, or the least on the curve that meets the recall target.
  [[nodiscard]] std::int64_t nprobe() const;
};

// The least nprobe of `curve` whose recall is at least `target`; throws
// ValueError when the curve never reaches it.
[[nodiscard]] std::int64_t least_nprobe(const RecallCurve& curve, double target);

}  // namespace orrery::workload::vector_search
