#include "workloads/vector_search/vector_search_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace orrery::workload::vector_search {

std::int64_t least_nprobe(const RecallCurve& curve, double target) {
  std::int64_t best = 0;
  double reached = 0;
  for (std::size_t i = 0; i < curve.nprobe.size(); ++i) {
    reached = std::max(reached, curve.recall[i]);
    if (curve.recall[i] >= target && (best == 0 || curve.nprobe[i] < best)) best = curve.nprobe[i];
  }
  if (best == 0) {
    throw ValueError(fmt::format("the recall curve reaches {} at most; the target {} needs a curve that reaches it",
                                 reached, target));
  }
  return best;
}

std::int64_t VectorSearchParams::nprobe() const {
  return search.nprobe;
}

namespace {

IndexSpec read_index(config::Reader& r) {
  IndexSpec x;
  const bool d = r.describing();
  x.dim = r.optional<std::int64_t>("dim", 128, "vector dimension (SIFT: 128, Deep: 96)");
  x.vectors = r.required<std::int64_t>("vectors", "vectors in the index, all shards together");
  x.nlist = r.optional<std::int64_t>("nlist", 8192, "IVF cells (coarse centroids)");
  x.m = r.optional<std::int64_t>("m", 16, "bytes per PQ code (PQ16: 16 sub-quantizers of 256 centroids)");
  x.opq = r.optional<bool>("opq", true, "an OPQ rotation before the search (FANNS's stage 1)");
  if (d) return x;
  r.check(x.dim >= 1 && x.dim <= 65536, "dim", "must be in [1, 65536]");
  r.check(x.vectors >= 1 && x.vectors <= (std::int64_t{1} << 40), "vectors", "must be in [1, 2^40]");
  r.check(x.nlist >= 1 && x.nlist <= (std::int64_t{1} << 24), "nlist", "must be in [1, 2^24]");
  r.check(x.m >= 1 && x.m <= x.dim, "m", fmt::format("must be in [1, dim = {}]", x.dim));
  return x;
}

SearchSpec read_search(config::Reader& r) {
  SearchSpec s;
  const bool d = r.describing();
  s.k = r.optional<std::int64_t>("k", 10, "results per query (top-k)");
  s.nprobe = r.optional<std::int64_t>("nprobe", 0, "cells probed per query; 0: the least that meets `recall` on `recall_curve`");
  s.recall_at = r.where("recall");
  s.recall = r.optional<double>("recall", 0.0, "the recall@k target, in (0, 1]; needs `recall_curve` (absent: give nprobe)");
  r.section("recall_curve", "recall@k against nprobe for this index, as published (the source says where)", false,
            [&](config::Reader& c) {
              s.curve.nprobe = c.optional<std::vector<std::int64_t>>("nprobe", {}, "nprobe values, increasing");
              s.curve.recall = c.optional<std::vector<double>>("recall", {}, "the recall@k measured at each nprobe");
              s.curve.source = c.optional<std::string>("source", "", "where the measurements come from");
              if (c.describing()) return;
              c.check(s.curve.nprobe.size() == s.curve.recall.size(), "recall",
                      fmt::format("has {} values for {} nprobe values", s.curve.recall.size(), s.curve.nprobe.size()));
              for (const double v : s.curve.recall) c.check(v >= 0 && v <= 1, "recall", "values must be in [0, 1]");
              for (const std::int64_t v : s.curve.nprobe) c.check(v >= 1, "nprobe", "values must be at least 1");
              c.check(s.curve.nprobe.empty() || !s.curve.source.empty(), "source",
                      "a recall curve needs its source (paper and figure, or the measurement)");
            });
  if (d) return s;
  r.check(s.k >= 1 && s.k <= 1024, "k", "must be in [1, 1024]");
  r.check(s.nprobe >= 0, "nprobe", "must not be negative");
  r.check(r.has("recall") || s.nprobe > 0, "nprobe", "give nprobe, or a recall target with a recall_curve");
  r.check(!(r.has("recall") && r.has("nprobe")), "recall", "give nprobe or a recall target, not both");
  s.nprobe_at = r.where(r.has("recall") ? "recall" : "nprobe");
  if (r.has("recall")) {
    r.check(s.recall > 0 && s.recall <= 1, "recall", fmt::format("must be in (0, 1], got {}", s.recall));
    r.check(!s.curve.nprobe.empty(), "recall_curve", "a recall target needs a recall_curve to find nprobe on");
    try {
      s.nprobe = least_nprobe(s.curve, s.recall);
    } catch (const ValueError& e) {
      r.fail("recall", e.what());
    }
  }
  return s;
}

}  // namespace

VectorSearchParams VectorSearchParams::read(config::Reader& r) {
  VectorSearchParams p;
  p.at = r.where("shards");
  const bool d = r.describing();
  p.index_at = r.where("index");
  r.section("index", "the IVF-PQ index, partitioned over the devices", true,
            [&](config::Reader& x) { p.index = read_index(x); });
  r.section("search", "k, and nprobe or the recall target", true, [&](config::Reader& s) { p.search = read_search(s); });
  p.design.at = r.where("design");
  r.section("design", "the FPGA design's stage parallelism (FANNS); 0: the device's model co-designs it", false,
            [&](config::Reader& g) {
              DesignSpec& s = p.design;
              s.opq_unroll = g.optional<int>("opq_unroll", 0, "OPQ stage unroll, 4 or 8");
              s.ivf_pes = g.optional<int>("ivf_pes", 0, "IVFDist PEs, 1-16");
              s.cell_queues = g.optional<int>("cell_queues", 0, "SelCells level-1 priority queues (1, or 2-16 even)");
              s.lut_pes = g.optional<int>("lut_pes", 0, "BuildLUT PEs, 1-nprobe");
              s.scan_channels = g.optional<int>("scan_channels", 0, "HBM channels holding the PQ codes");
              s.scan_pes = g.optional<int>("scan_pes", 0, "PQDist PEs (3 per channel, or channels / j)");
              s.utilization = g.optional<double>(
                  "utilization", 0.6,
                  "share of each FPGA resource the design and the shell may use (FANNS's max_utilization_rate; its "
                  "designs use 0.4-0.7, 0.6 for the standalone ones: SC-ANN-FPGA config_outputs)");
              if (g.describing()) return;
              for (const char* k : {"opq_unroll", "ivf_pes", "cell_queues", "lut_pes", "scan_channels", "scan_pes"}) {
                const int v = std::string_view(k) == "opq_unroll"      ? s.opq_unroll
                              : std::string_view(k) == "ivf_pes"       ? s.ivf_pes
                              : std::string_view(k) == "cell_queues"   ? s.cell_queues
                              : std::string_view(k) == "lut_pes"       ? s.lut_pes
                              : std::string_view(k) == "scan_channels" ? s.scan_channels
                                                                       : s.scan_pes;
                g.check(v >= 0 && v <= 4096, k, "must be in [0, 4096]");
              }
              g.check(s.utilization > 0 && s.utilization <= 1, "utilization", "must be in (0, 1]");
            });
  r.section("queries", "how queries arrive", true, [&](config::Reader& q) {
    const std::vector<std::string> arrivals{"all_at_once", "closed", "fixed", "poisson"};
    const std::string a = q.choice("arrival", arrivals, "poisson",
                                   "poisson (at `rate`), fixed (one every 1/rate), all_at_once (every query at time "
                                   "0) or closed (`in_flight` queries outstanding: a new one when one is answered, "
                                   "as FANNS's client sends them)");
    p.queries.arrival = a == "fixed"         ? Arrival::kFixed
                        : a == "all_at_once" ? Arrival::kAllAtOnce
                        : a == "closed"      ? Arrival::kClosed
                                             : Arrival::kPoisson;
    const bool rated = p.queries.arrival == Arrival::kPoisson || p.queries.arrival == Arrival::kFixed;
    const bool closed = p.queries.arrival == Arrival::kClosed;
    q.check(!q.has("rate") || rated, "rate", "is only used by poisson and fixed arrivals");
    q.check(!q.has("in_flight") || closed, "in_flight", "is only used by closed arrivals");
    if (rated || q.describing()) p.queries.rate = q.required<double>("rate", "queries per second");
    p.queries.count = q.required<std::int64_t>("count", "queries to simulate");
    p.queries.in_flight = q.optional<std::int64_t>("in_flight", 1, "closed: queries outstanding at once");
    if (q.describing()) return;
    q.check(p.queries.in_flight >= 1 && p.queries.in_flight <= kMaxQueries, "in_flight", "must be in [1, 2^24]");
    q.check(!rated || (p.queries.rate > 0 && std::isfinite(p.queries.rate)), "rate", "must be a positive number");
    q.check(p.queries.count >= 1 && p.queries.count <= kMaxQueries, "count",
            fmt::format("must be in [1, 2^24 = {}]", kMaxQueries));
  });
  p.batch = r.optional<std::int64_t>("batch", 1, "queries per batch, at most: the dispatcher sends a batch when it is full or its oldest query has waited batch_timeout");
  p.batch_timeout = r.optional<Duration>("batch_timeout", Duration{},
                                         "the longest the oldest waiting query waits for a full batch (0: batches "
                                         "leave with what has arrived)");
  p.shards = r.optional<int>("shards", 0, "devices holding an equal part of the index (0: every device); device 0 also coordinates");
  p.merge_per_result = r.optional<Duration>(
      "merge_per_result", Duration::ns(10),
      "the coordinator's time per shard result of a query when merging the shards' top-k lists (ASSUMPTION: 10 ns, "
      "a heap merge of k-entry lists on a host core; FANNS's client does no merge)");
  if (d) return p;
  r.check(p.batch >= 1 && p.batch <= (1 << 20), "batch", "must be in [1, 2^20]");
  r.check(p.batch_timeout >= Duration{} && p.batch_timeout <= Duration::s(3600), "batch_timeout", "must be in [0, 1 h]");
  r.check(p.shards >= 0, "shards", "must not be negative");
  r.check(p.merge_per_result >= Duration{} && p.merge_per_result <= Duration::s(1), "merge_per_result",
          "must be in [0, 1 s]");
  if (p.search.nprobe > p.index.nlist) {  // at nprobe, or at the recall target that asked for it
    const bool derived = p.search.recall > 0;
    throw ConfigError(
        p.search.nprobe_at, r.key_path(derived ? "search.recall" : "search.nprobe"),
        derived ? fmt::format("the recall target needs nprobe = {} (its recall_curve), more than the "
                              "index's nlist = {}",
                              p.search.nprobe, p.index.nlist)
                : fmt::format("nprobe = {} exceeds the index's nlist = {}", p.search.nprobe, p.index.nlist));
  }
  // A batch's codes (batch × nprobe × vectors ÷ nlist, all shards together) stay below 2^50, so
  // that every byte and nanosecond count derived from them fits in 64 bits.
  const double codes = static_cast<double>(p.batch) * static_cast<double>(p.search.nprobe) *
                       static_cast<double>(p.index.vectors) / static_cast<double>(p.index.nlist);
  r.check(codes <= std::ldexp(1.0, 50), "batch",
          fmt::format("a batch would scan {:.3g} PQ codes (batch × nprobe × vectors ÷ nlist), more than 2^50: lower "
                      "the batch or nprobe",
                      codes));
  return p;
}

}  // namespace orrery::workload::vector_search
