// FANNS's stage options for an IVF-PQ search on an FPGA (fpga_ivfpq.hpp has
// the formulas and their sources): per stage, every parallelism FANNS's
// performance model offers with its cycles per query and resources. The
// figures per component are the FANNS artifact's (WenqiJiang/SC-ANN-FPGA,
// FPGA_local/performance_model/): the FIFOs of constants.py, the queues and
// sorting networks of queue_and_sorting.py ("Vivado measured"), the PEs of
// stages.py. fpga_ivfpq.cpp searches them.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "models/compute/fpga_ivfpq.hpp"
#include "sim/core/error.hpp"

namespace orrery::models {

namespace {

using R = FpgaResource;

FpgaResources res(double lut, double ff, double bram, double uram, double dsp, double hbm = 0) {
  FpgaResources r;
  r[R::kLut] = lut;
  r[R::kFf] = ff;
  r[R::kBram18k] = bram;
  r[R::kUram] = uram;
  r[R::kDsp] = dsp;
  r[R::kHbmChannels] = hbm;
  return r;
}

// constants.py: FIFOs (depth × width), Vivado measured.
const FpgaResources kFifoD512W32 = res(54, 95, 1, 0, 0);
const FpgaResources kFifoD512W512 = res(16 * 54, 16 * 95, 16, 0, 0);
const FpgaResources kFifoD2W8 = res(20, 6, 0, 0, 0);
const FpgaResources kFifoD2W32 = res(30, 6, 0, 0, 0);
const FpgaResources kFifoD2W512 = res(484, 964, 0, 0, 0);
// queue_and_sorting.py: a priority queue per entry, a 16-wide bitonic sort, a 32-to-16 merge.
FpgaResources queue(double entries) { return res(215.49 * entries, 196.07 * entries, 0, 0, 0); }
const FpgaResources kBitonic16 = res(10223, 15561, 0, 0, 0);
const FpgaResources kMerge32To16 = res(5588, 9374, 0, 0, 0);
double queue_cycles(double entries, double insertions) { return 3 + (5 + 2 * insertions) + (2 + entries); }

constexpr double kPqCentroids = task::kPqCentroids;  // K: 8-bit codes
constexpr int kMaxIvfPes = 16;        // stages.py: "otherwise communication is the bottleneck"
constexpr int kMaxCellQueuePairs = 8;
constexpr int kMaxScanPesTopK = 36;   // get_best_hardware.py: "prevent routing error" (k > 1)
constexpr double kCodePadding = 1.05;  // get_best_hardware.py: padding_factor of the code layout

double d(std::int64_t v) { return static_cast<double>(v); }

// 512-bit words hold l codes of m bytes with their 4-byte ids (m = 16: 3).
std::int64_t codes_per_word(const task::IvfPqSearch& x) { return std::max<std::int64_t>(1, 64 / (x.m + 4)); }

IvfPqStage stage(std::string name, double cycles, FpgaResources used, std::string config) {
  return IvfPqStage{std::move(name), cycles, used, std::move(config)};
}

IvfPqOption single(IvfPqStage s, IvfPqDesign sets, const FpgaBudget& b) {
  IvfPqOption o;
  o.used = s.used;
  o.qps = b.clock.hz() / s.cycles;
  o.stages.push_back(std::move(s));
  o.sets = sets;
  return o;
}

std::vector<IvfPqOption> opq_options(const task::IvfPqSearch& x, const FpgaBudget& b) {
  const task::IvfPqSearch& f = x;
  std::vector<IvfPqOption> out;
  if (!x.opq) return out;
  // stages.py get_options_stage_1_OPQ: load and write D each, L_compute, D²/u MACs at II 1.
  const struct {
    int unroll;
    double latency;
    FpgaResources used;
  } kOpq[] = {{8, 37, res(3660, 5134, 33, 0, 40)}, {4, 21, res(2152, 2659, 37, 0, 20)}};
  for (const auto& o : kOpq) {
    if (f.opq_unroll != 0 && f.opq_unroll != o.unroll) continue;
    IvfPqDesign s;
    s.opq_unroll = o.unroll;
    out.push_back(single(stage("opq", 2 * d(x.dim) + o.latency + d(x.dim * x.dim) / o.unroll, o.used,
                               fmt::format("unroll {}", o.unroll)),
                         s, b));
  }
  return out;
}

std::vector<IvfPqOption> ivf_options(const task::IvfPqSearch& x, const FpgaBudget& b) {
  const task::IvfPqSearch& f = x;
  std::vector<IvfPqOption> out;
  for (int p = 1; p <= kMaxIvfPes; ++p) {
    if (f.ivf_pes != 0 && f.ivf_pes != p) continue;
    // D/16 eight-wide distance steps per centroid at II 2 (D = 128: nlist·8/p).
    const double cycles = d(x.dim) + 10 + 2 * std::ceil(d(x.nlist) * d(x.dim) / 16 / p);
    FpgaResources used = res(8946.0 * p, 11505.0 * p, 0, 0, 58.0 * p);
    used.add(kFifoD512W32).add(kFifoD2W32, 4);
    IvfPqDesign s;
    s.ivf_pes = p;
    // Centroids on chip: 8 URAM per 512 centroids of D = 128 a PE holds.
    const double blocks = std::ceil(std::ceil(d(x.nlist) / p) / 512);
    const double uram = blocks * std::ceil(8.0 * d(x.dim) / 128) * p;
    if (uram < b.limit(R::kUram)) {
      FpgaResources on = used;
      on[R::kUram] = uram;
      out.push_back(single(stage("ivf_dist", cycles, on, fmt::format("{} PEs, centroids on chip", p)), s, b));
    }
    FpgaResources off = used;
    off[R::kHbmChannels] = std::ceil(p / 2.0);
    out.push_back(single(stage("ivf_dist", cycles, off, fmt::format("{} PEs, centroids in HBM", p)), s, b));
  }
  return out;
}

std::vector<IvfPqOption> cell_options(const task::IvfPqSearch& x, const FpgaBudget& b) {
  const task::IvfPqSearch& f = x;
  std::vector<IvfPqOption> out;
  const double np = d(x.nprobe);
  if (f.cell_queues == 0 || f.cell_queues == 1) {
    FpgaResources used = queue(np);
    used.add(kFifoD512W32);
    IvfPqDesign s;
    s.cell_queues = 1;
    out.push_back(single(stage("select_cells", queue_cycles(np, d(x.nlist)), used, "one priority queue"), s, b));
  }
  for (int q = 1; q <= kMaxCellQueuePairs; ++q) {
    const int level_a = 2 * q;
    if (f.cell_queues != 0 && f.cell_queues != level_a) continue;
    const double a = queue_cycles(np, std::floor(d(x.nlist) / level_a));
    const double bb = queue_cycles(np, level_a * np);
    FpgaResources used = queue(np);
    used.add(queue(np), level_a).add(kFifoD512W32, 2.0 * (level_a + 1));
    IvfPqDesign s;
    s.cell_queues = level_a;
    out.push_back(
        single(stage("select_cells", std::max(a, bb), used, fmt::format("{} + 1 priority queues", level_a)), s, b));
  }
  return out;
}

// Quantizer storage on chip (stages.py: 16 URAM at nlist ≤ 1024, doubling
// with nlist up to 512 at 32768; none above), scaled by D/128.
double quantizer_uram(const task::IvfPqSearch& x) {
  if (x.nlist > 32768) return -1;
  double pow2 = 1024;
  while (pow2 < d(x.nlist)) pow2 *= 2;
  return std::ceil(pow2 / 64 * d(x.dim) / 128);
}

std::vector<IvfPqOption> lut_options(const task::IvfPqSearch& x, const FpgaBudget& b) {
  const task::IvfPqSearch& f = x;
  std::vector<IvfPqOption> out;
  // More PEs than probed cells add resources and no speed: the search tries at
  // most nprobe; a given design may have more.
  const int most = f.lut_pes != 0 ? f.lut_pes : static_cast<int>(std::min<std::int64_t>(127, x.nprobe));
  for (int p = 1; p <= most; ++p) {
    const double per_pe = std::ceil(d(x.nprobe) / p);
    const double cycles = d(x.dim) + per_pe * ((d(x.dim) + 4) + 36 + kPqCentroids * d(x.m));
    // stages.py: stop once forwarding the tables (nprobe · K cycles) would bind.
    if (cycles <= d(x.nprobe) * kPqCentroids) break;
    if (f.lut_pes != 0 && f.lut_pes != p) continue;
    FpgaResources used = res(6403.0 * p, 7825.0 * p, 17.0 * p, 8.0 * p, 54.0 * p);
    used.add(kFifoD2W32, p).add(kFifoD512W32, 2.0 * p).add(kFifoD512W512).add(kFifoD512W512, p * std::floor(per_pe / 2));
    IvfPqDesign s;
    s.lut_pes = p;
    if (const double uram = quantizer_uram(x); uram >= 0) {
      FpgaResources on = used;
      on[R::kUram] += uram;
      out.push_back(single(stage("build_lut", cycles, on, fmt::format("{} PEs, quantizers on chip", p)), s, b));
    }
    FpgaResources off = used;
    off[R::kHbmChannels] = 1;
    out.push_back(single(stage("build_lut", cycles, off, fmt::format("{} PEs, quantizers in HBM", p)), s, b));
  }
  return out;
}

// Stage 6 for `streams` inputs of `insertions` each (stages.py get_options_stage6_select_topK).
std::vector<IvfPqStage> topk_options(const task::IvfPqSearch& x, int streams, double insertions) {
  std::vector<IvfPqStage> out;
  const double k = d(x.k);
  // Hierarchical queues: 2 per stream at level A, then as few per level as keep pace.
  const int level_a = 2 * streams;
  const double cycles_a = queue_cycles(k, std::floor(insertions / 2));
  std::vector<int> levels{level_a};
  double upper_cycles = cycles_a;
  int upper = level_a;
  bool ok = true;
  while (upper > 1) {
    int n = 0;
    double c = 0;
    for (int i = 1; i < upper; ++i) {
      c = queue_cycles(k, std::floor(d(upper) * k / i));
      if (c <= upper_cycles) {
        n = i;
        break;
      }
    }
    if (n == 0) {
      ok = false;
      break;
    }
    levels.push_back(n);
    upper = n;
    upper_cycles = c;
  }
  if (ok && (levels.size() == 2 || levels.size() == 3)) {
    double queues = 0;
    for (const int n : levels) queues += n;
    FpgaResources used = queue(k);
    used[R::kLut] *= queues;
    used[R::kFf] *= queues;
    used.add(kFifoD512W32, 2 * queues);
    out.push_back(stage("select_k", cycles_a, used, fmt::format("{} levels of priority queues", levels.size())));
  }
  // A sort-reduction network of 16-stream bitonic groups before 21 queues.
  if (streams > x.k && streams <= 96) {
    const int groups = (streams + 15) / 16;
    FpgaResources used = queue(k);
    used[R::kLut] *= 21;
    used[R::kFf] *= 21;
    used.add(kBitonic16, groups).add(kMerge32To16, groups - 1).add(kFifoD512W32, 2).add(kFifoD2W32, 152 + 64.0 * (groups - 1));
    out.push_back(stage("select_k", insertions, used, fmt::format("{} bitonic sort groups + queues", groups)));
  }
  return out;
}

std::vector<IvfPqOption> scan_options(const task::IvfPqSearch& x, const FpgaBudget& b) {
  const task::IvfPqSearch& f = x;
  std::vector<IvfPqOption> out;
  const std::int64_t l = codes_per_word(x);
  const double bytes = ivfpq_code_bytes(x);
  const int least = static_cast<int>(std::max(1.0, std::ceil(bytes / d(b.channel_capacity.count()))));
  const int most = b.max_hbm_channels;
  const int max_pes = x.k > 1 ? kMaxScanPesTopK : static_cast<int>(l) * most;
  const double ratio = task::ivfpq_scan_ratio(x.nlist, x.opq);
  for (int c = least; c <= most; ++c) {
    if (f.scan_channels != 0 && f.scan_channels != c) continue;
    std::vector<int> pes;
    if (l * c <= max_pes) pes.push_back(static_cast<int>(l * c));
    for (int j = 1; j <= 10; ++j) {
      if (c % j == 0 && c / j <= max_pes && std::find(pes.begin(), pes.end(), c / j) == pes.end()) pes.push_back(c / j);
    }
    for (const int p : pes) {
      if (f.scan_pes != 0 && f.scan_pes != p) continue;
      const double per_cell = std::floor(ratio * d(x.vectors) / d(x.nlist) / p) + 1;
      const double cycles = d(x.nprobe) * ((2 + kPqCentroids + p - 1) + (63 + per_cell));
      const double thirds = p / 3.0;
      FpgaResources used = res(3937.0 * p, 3954.0 * p, 16.0 * p, 0, 30.0 * p, c);
      used.add(kFifoD2W8, 16.0 * p).add(kFifoD2W32, 19.0 * p).add(kFifoD2W512, thirds);
      used.add(res(1159 * thirds, 3117 * thirds, 15 * thirds, 0, 0));  // AXI interfaces
      used.add(res(290 * thirds, 1070 * thirds, 0, 0, 0));             // 512-bit word parsers
      const IvfPqStage scan = stage("pq_dist", cycles, used, fmt::format("{} HBM channels, {} PEs", c, p));
      // HBM: the codes scanned per query, in whole words, over c channels.
      const double hbm_qps = c * b.channel_bandwidth.bytes_per_s() / ivfpq_scan_bytes_per_query(x);
      for (const IvfPqStage& sel : topk_options(x, p, d(x.nprobe) * per_cell)) {
        IvfPqOption o;
        o.stages = {scan, sel};
        o.sets.scan_channels = c;
        o.sets.scan_pes = p;
        o.used = scan.used;
        o.used.add(sel.used);
        o.qps = std::min({b.clock.hz() / scan.cycles, b.clock.hz() / sel.cycles, hbm_qps});
        out.push_back(std::move(o));
      }
    }
  }
  return out;
}

void check_fixed(const task::IvfPqSearch& x) {
  const task::IvfPqSearch& f = x;
  const auto bad = [](bool ok, std::string_view key, std::string msg) {
    if (!ok) throw ValueError(fmt::format("design: {} {}", key, msg));
  };
  bad(f.opq_unroll == 0 || f.opq_unroll == 4 || f.opq_unroll == 8, "opq_unroll", "must be 4 or 8 (FANNS's options)");
  bad(f.opq_unroll == 0 || x.opq, "opq_unroll", "needs opq=true");
  bad(f.ivf_pes >= 0 && f.ivf_pes <= kMaxIvfPes, "ivf_pes", "must be in [1, 16] (FANNS's systolic array)");
  bad(f.cell_queues >= 0 && f.cell_queues <= 2 * kMaxCellQueuePairs && (f.cell_queues <= 1 || f.cell_queues % 2 == 0),
      "cell_queues", "must be 1 (one queue) or an even number up to 16 (two levels)");
  bad(f.lut_pes >= 0 && f.lut_pes <= 127, "lut_pes", "must be in [1, 127] (FANNS's options)");
  bad(f.scan_channels >= 0, "scan_channels", "must not be negative");
  bad(f.scan_pes >= 0, "scan_pes", "must not be negative");
}

}  // namespace

double ivfpq_code_bytes(const task::IvfPqSearch& x) {
  return d(x.vectors) * 64.0 / d(codes_per_word(x)) * kCodePadding;
}

double ivfpq_scan_bytes_per_query(const task::IvfPqSearch& x) {
  return task::ivfpq_codes_per_query(x) * 64.0 / d(codes_per_word(x));
}

std::array<std::vector<IvfPqOption>, 5> ivfpq_options(const task::IvfPqSearch& x, const FpgaBudget& b) {
  check_fixed(x);
  return {opq_options(x, b), ivf_options(x, b), cell_options(x, b), lut_options(x, b), scan_options(x, b)};
}


}  // namespace orrery::models
