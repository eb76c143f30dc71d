// The FANNS stage options and the co-design search (fpga_ivfpq.hpp has the
// formulas and their sources). Resource figures per component are the FANNS
// artifact's (WenqiJiang/SC-ANN-FPGA, FPGA_local/performance_model/): the
// FIFOs of constants.py, the queues and sorting networks of
// queue_and_sorting.py ("Vivado measured"), the PEs of stages.py.
#include "models/compute/fpga_ivfpq.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/devices/device.hpp"
#include "sim/core/error.hpp"

namespace orrery::models {

std::string_view name_of(FpgaResource r) {
  static constexpr std::array<std::string_view, kFpgaResourceCount> kNames{"LUT", "FF", "BRAM_18K", "URAM", "DSP",
                                                                          "HBM channels"};
  return kNames[static_cast<std::size_t>(r)];
}

FpgaResources& FpgaResources::add(const FpgaResources& o, double times) {
  for (std::size_t i = 0; i < amount.size(); ++i) amount[i] += o.amount[i] * times;
  return *this;
}

double FpgaBudget::limit(FpgaResource r) const {
  if (r == FpgaResource::kHbmChannels) return static_cast<double>(max_hbm_channels);
  return total[r] * utilization;
}

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
  const double bytes = d(x.vectors) * 64.0 / d(l) * kCodePadding;
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
      const double scanned = d(x.nprobe) * ratio * d(x.vectors) / d(x.nlist) * 64.0 / d(l);
      const double hbm_qps = c * b.channel_bandwidth.bytes_per_s() / scanned;
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

bool fits(const FpgaResources& used, const FpgaBudget& b) {
  // get_best_hardware.py / utils.py fit_resource_constraints: LUT and URAM strictly below.
  for (int i = 0; i < kFpgaResourceCount; ++i) {
    const auto r = static_cast<R>(i);
    const bool strict = r == R::kLut || r == R::kUram;
    if (strict ? used[r] >= b.limit(r) : used[r] > b.limit(r)) return false;
  }
  return true;
}

bool dominates(const FpgaResources& a, const FpgaResources& b) {
  for (std::size_t i = 0; i < a.amount.size(); ++i)
    if (a.amount[i] > b.amount[i]) return false;
  return true;
}

// Options at or above `floor`, without those another such option dominates.
std::vector<const IvfPqOption*> frontier(const std::vector<IvfPqOption>& options, double floor) {
  std::vector<const IvfPqOption*> out;
  for (const IvfPqOption& o : options) {
    if (o.qps < floor) continue;
    bool dominated = false;
    for (const IvfPqOption* p : out) dominated = dominated || dominates(p->used, o.used);
    if (dominated) continue;
    std::erase_if(out, [&](const IvfPqOption* p) { return dominates(o.used, p->used); });
    out.push_back(&o);
  }
  return out;
}

struct Search {
  const std::array<std::vector<IvfPqOption>, 5>& options;
  const FpgaBudget& budget;
  std::array<std::vector<const IvfPqOption*>, 5> fronts;
  std::array<const IvfPqOption*, 5> pick{};
  std::array<const IvfPqOption*, 5> best{};
  double best_qps = -1;
  double best_lut = 0;
  double best_hbm = 0;
  std::int64_t tried = 0;

  // Depth-first over the groups; `used` includes the shell.
  void walk(std::size_t g, const FpgaResources& used) {
    if (g == fronts.size()) {
      ++tried;
      double qps = std::numeric_limits<double>::infinity();
      for (const IvfPqOption* o : pick)
        if (o) qps = std::min(qps, o->qps);
      // FANNS's tie-break: the fewest LUTs, then the fewest HBM channels.
      const bool better = qps > best_qps || (qps == best_qps && (used[R::kLut] < best_lut ||
                                                                 (used[R::kLut] == best_lut && used[R::kHbmChannels] < best_hbm)));
      if (better) {
        best_qps = qps;
        best_lut = used[R::kLut];
        best_hbm = used[R::kHbmChannels];
        best = pick;
      }
      return;
    }
    if (options[g].empty()) {
      pick[g] = nullptr;
      walk(g + 1, used);
      return;
    }
    for (const IvfPqOption* o : fronts[g]) {
      FpgaResources next = used;
      next.add(o->used);
      if (!fits(next, budget)) continue;
      pick[g] = o;
      walk(g + 1, next);
    }
  }
  bool feasible(double floor) {
    for (std::size_t g = 0; g < fronts.size(); ++g) {
      fronts[g] = frontier(options[g], floor);
      if (!options[g].empty() && fronts[g].empty()) return false;
    }
    best_qps = -1;
    walk(0, budget.shell);
    return best_qps >= 0;
  }
};

// The resource that keeps the leanest design (every group's option with the
// least worst share of its limit) from fitting, with its numbers.
[[noreturn]] void over_budget(const std::array<std::vector<IvfPqOption>, 5>& options, const FpgaBudget& b,
                              std::string_view what) {
  FpgaResources used = b.shell;
  for (const auto& group : options) {
    const IvfPqOption* lean = nullptr;
    double lean_share = std::numeric_limits<double>::infinity();
    for (const IvfPqOption& o : group) {
      double share = 0;
      for (int i = 0; i < kFpgaResourceCount; ++i)
        share = std::max(share, o.used[static_cast<R>(i)] / std::max(1e-9, b.limit(static_cast<R>(i))));
      if (share < lean_share) {
        lean_share = share;
        lean = &o;
      }
    }
    if (lean) used.add(lean->used);
  }
  R worst = R::kLut;
  for (int i = 0; i < kFpgaResourceCount; ++i) {
    const auto r = static_cast<R>(i);
    if (used[r] / b.limit(r) > used[worst] / b.limit(worst)) worst = r;
  }
  const bool hbm = worst == R::kHbmChannels;
  throw InfeasibleError(fmt::format(
      "{} {:.0f} {}{}; the budget allows {:.0f} ({})", what, used[worst],
      name_of(worst), hbm ? "" : " with the shell", b.limit(worst),
      hbm ? fmt::format("FANNS's cap of {} channels for a routable design", b.max_hbm_channels)
          : fmt::format("{:.0f}% of the card's {:.0f}", b.utilization * 100, b.total[worst])));
}

}  // namespace

FpgaBudget fpga_budget(const Device& device, double utilization) {
  const auto need = [&](const auto& field, std::string_view key) {
    if (!field.present) {
      throw ValueError(fmt::format("device {} has no {}: an FPGA design's budget needs it", device.name, key));
    }
    return field.value;
  };
  const auto shell = [](const Sourced<std::int64_t>& f) { return f.present ? static_cast<double>(f.value) : 0.0; };
  FpgaBudget b;
  b.total[R::kLut] = static_cast<double>(need(device.luts, "luts"));
  b.total[R::kFf] = static_cast<double>(need(device.flip_flops, "flip_flops"));
  b.total[R::kBram18k] = static_cast<double>(need(device.bram_18k, "bram_18k"));
  b.total[R::kUram] = static_cast<double>(need(device.uram_blocks, "uram_blocks"));
  b.total[R::kDsp] = static_cast<double>(need(device.dsp_slices, "dsp_slices"));
  b.shell[R::kLut] = shell(device.shell_luts);
  b.shell[R::kFf] = shell(device.shell_flip_flops);
  b.shell[R::kBram18k] = shell(device.shell_bram_18k);
  b.shell[R::kDsp] = shell(device.shell_dsp_slices);
  b.utilization = utilization;
  const std::int64_t channels = need(device.hbm_channels, "hbm_channels");
  b.max_hbm_channels = static_cast<int>(std::min<std::int64_t>(kFannsMaxHbmChannels, channels));
  b.total[R::kHbmChannels] = static_cast<double>(channels);
  b.channel_capacity = Bytes(need(device.memory_capacity, "memory_capacity").count() / channels);
  b.channel_bandwidth = need(device.hbm_channel_bandwidth, "hbm_channel_bandwidth");
  b.clock = need(device.clock, "clock");
  if (!(utilization > 0 && utilization <= 1)) throw ValueError("utilization must be in (0, 1]");
  return b;
}

std::array<std::vector<IvfPqOption>, 5> ivfpq_options(const task::IvfPqSearch& x, const FpgaBudget& b) {
  check_fixed(x);
  return {opq_options(x, b), ivf_options(x, b), cell_options(x, b), lut_options(x, b), scan_options(x, b)};
}

IvfPqPlan codesign(const task::IvfPqSearch& x, const FpgaBudget& b) {
  const task::IvfPqSearch& fixed = x;
  if (x.dim < 1 || x.vectors < 1 || x.nlist < 1 || x.nprobe < 1 || x.nprobe > x.nlist || x.m < 1 || x.k < 1) {
    throw ValueError("an IVF-PQ index needs dim, vectors, nlist, m and k >= 1 and 1 <= nprobe <= nlist");
  }
  if (!(b.clock.hz() > 0) || b.channel_capacity.count() <= 0 || !(b.channel_bandwidth.bytes_per_s() > 0)) {
    throw ValueError("the FPGA budget needs a clock and the HBM channels' capacity and bandwidth");
  }
  const auto options = ivfpq_options(x, b);
  const bool fixed_all = fixed.ivf_pes && fixed.cell_queues && fixed.lut_pes && fixed.scan_channels && fixed.scan_pes &&
                         (fixed.opq_unroll || !x.opq);
  const bool fixed_any = fixed.opq_unroll || fixed.ivf_pes || fixed.cell_queues || fixed.lut_pes ||
                         fixed.scan_channels || fixed.scan_pes;
  const std::string what = fixed_all   ? std::string("the given design does not fit the FPGA: it needs")
                           : fixed_any ? std::string("no design with the given parameters fits the FPGA: the leanest needs")
                                       : std::string("no design fits the FPGA: the leanest needs");
  if (options[4].empty()) {
    const std::int64_t l = codes_per_word(x);
    const double bytes = d(x.vectors) * 64.0 / d(l) * kCodePadding;
    throw InfeasibleError(fmt::format(
        "no design fits the FPGA: the {} PQ codes ({:.3g} GB with ids and padding) need {:.0f} HBM channels of {}, "
        "more than the {} a design may use{}",
        x.vectors, bytes / 1e9, std::ceil(bytes / d(b.channel_capacity.count())), to_string(b.channel_capacity),
        b.max_hbm_channels,
        fixed.scan_channels || fixed.scan_pes ? " (or the given scan_channels / scan_pes are not an option)" : ""));
  }
  for (std::size_t g = 1; g < options.size(); ++g) {
    if (options[g].empty()) {
      throw ValueError(
          fmt::format("the given design leaves stage group {} without an option (FANNS's build_lut needs more "
                      "cycles than forwarding the tables: lower lut_pes)",
                      g));
    }
  }
  std::vector<double> floors;
  for (const auto& group : options)
    for (const IvfPqOption& o : group) floors.push_back(o.qps);
  std::sort(floors.begin(), floors.end());
  floors.erase(std::unique(floors.begin(), floors.end()), floors.end());
  Search s{options, b, {}, {}, {}, -1, 0, 0, 0};
  // Binary search for the highest floor with a fitting design.
  std::size_t lo = 0;
  std::size_t hi = floors.size();
  if (!s.feasible(floors.front())) over_budget(options, b, what);
  while (hi - lo > 1) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (s.feasible(floors[mid])) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  const std::int64_t tried = s.tried;
  (void)s.feasible(floors[lo]);
  IvfPqPlan plan;
  plan.designs_tried = tried;
  plan.used = b.shell;
  for (const IvfPqOption* o : s.best) {
    if (!o) continue;
    const IvfPqDesign& d1 = o->sets;
    IvfPqDesign& p = plan.design;
    p.opq_unroll = std::max(p.opq_unroll, d1.opq_unroll);
    p.ivf_pes = std::max(p.ivf_pes, d1.ivf_pes);
    p.cell_queues = std::max(p.cell_queues, d1.cell_queues);
    p.lut_pes = std::max(p.lut_pes, d1.lut_pes);
    p.scan_channels = std::max(p.scan_channels, d1.scan_channels);
    p.scan_pes = std::max(p.scan_pes, d1.scan_pes);
    plan.used.add(o->used);
    for (const IvfPqStage& st : o->stages) plan.stages.push_back(st);
  }
  plan.qps = s.best_qps;
  const double ratio = task::ivfpq_scan_ratio(x.nlist, x.opq);
  plan.scan_bytes_per_query = d(x.nprobe) * ratio * d(x.vectors) / d(x.nlist) * 64.0 / d(codes_per_word(x));
  // The bottleneck: the stage of least rate (pq_dist's HBM rate included).
  double least = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < plan.stages.size(); ++i) {
    double rate = b.clock.hz() / plan.stages[i].cycles;
    if (plan.stages[i].name == "pq_dist")
      rate = std::min(rate, plan.design.scan_channels * b.channel_bandwidth.bytes_per_s() / plan.scan_bytes_per_query);
    if (rate < least) {
      least = rate;
      plan.bottleneck = i;
    }
  }
  return plan;
}

Duration batch_time(const IvfPqPlan& plan, const FpgaBudget& b, std::int64_t queries) {
  double fill = 0;
  for (const IvfPqStage& s : plan.stages) fill += s.cycles;
  const double seconds = fill / b.clock.hz() + d(std::max<std::int64_t>(queries - 1, 0)) / plan.qps;
  return Duration::ns(static_cast<std::int64_t>(std::ceil(seconds * 1e9 - 1e-6)));
}

}  // namespace orrery::models
