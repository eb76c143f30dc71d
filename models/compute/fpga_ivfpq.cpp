// The co-design search over FANNS's stage options (fpga_ivfpq_stages.cpp) and
// the budget a card offers (fpga_ivfpq.hpp has the model and its sources).
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


namespace {

using Options = std::array<std::vector<IvfPqOption>, 5>;

// A shape or budget no search can answer.
void check_shape(const task::IvfPqSearch& x, const FpgaBudget& b) {
  if (x.dim < 1 || x.vectors < 1 || x.nlist < 1 || x.nprobe < 1 || x.nprobe > x.nlist || x.m < 1 || x.k < 1) {
    throw ValueError("an IVF-PQ index needs dim, vectors, nlist, m and k >= 1 and 1 <= nprobe <= nlist");
  }
  if (!(b.clock.hz() > 0) || b.channel_capacity.count() <= 0 || !(b.channel_bandwidth.bytes_per_s() > 0)) {
    throw ValueError("the FPGA budget needs a clock and the HBM channels' capacity and bandwidth");
  }
}

// Codes that need more HBM channels than a design may take; a fixed parameter that leaves a stage no option.
void check_searchable(const task::IvfPqSearch& x, const FpgaBudget& b, const Options& options) {
  if (options[4].empty()) {
    const double bytes = ivfpq_code_bytes(x);
    throw InfeasibleError(fmt::format(
        "no design fits the FPGA: the {} PQ codes ({:.3g} GB with ids and padding) need {:.0f} HBM channels of {}, "
        "more than the {} a design may use{}",
        x.vectors, bytes / 1e9, std::ceil(bytes / real(b.channel_capacity.count())), to_string(b.channel_capacity),
        b.max_hbm_channels,
        x.scan_channels || x.scan_pes ? " (or the given scan_channels / scan_pes are not an option)" : ""));
  }
  for (std::size_t g = 1; g < options.size(); ++g) {
    if (options[g].empty()) {
      throw ValueError(
          fmt::format("design: lut_pes leaves stage group {} without an option (FANNS's build_lut needs more "
                      "cycles than forwarding the tables: lower lut_pes)",
                      g));
    }
  }
}

// How an over-budget error begins: a fully given design, a partly given one, or none.
std::string over_budget_subject(const task::IvfPqSearch& x) {
  const bool all = x.ivf_pes && x.cell_queues && x.lut_pes && x.scan_channels && x.scan_pes && (x.opq_unroll || !x.opq);
  const bool any = x.opq_unroll || x.ivf_pes || x.cell_queues || x.lut_pes || x.scan_channels || x.scan_pes;
  return all   ? "the given design does not fit the FPGA: it needs"
         : any ? "no design with the given parameters fits the FPGA: the leanest needs"
               : "no design fits the FPGA: the leanest needs";
}

// The plan of one option per group: its parameters, stages, resources and bottleneck.
IvfPqPlan plan_of(const std::array<const IvfPqOption*, 5>& picks, double qps, const task::IvfPqSearch& x,
                  const FpgaBudget& b) {
  IvfPqPlan plan;
  plan.used = b.shell;
  for (const IvfPqOption* o : picks) {
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
  plan.qps = qps;
  plan.scan_bytes_per_query = ivfpq_scan_bytes_per_query(x);
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

}  // namespace

IvfPqPlan codesign(const task::IvfPqSearch& x, const FpgaBudget& b) {
  check_shape(x, b);
  const Options options = ivfpq_options(x, b);
  check_searchable(x, b, options);
  std::vector<double> floors;
  for (const auto& group : options)
    for (const IvfPqOption& o : group) floors.push_back(o.qps);
  std::sort(floors.begin(), floors.end());
  floors.erase(std::unique(floors.begin(), floors.end()), floors.end());
  Search s{options, b, {}, {}, {}, -1, 0, 0, 0};
  if (!s.feasible(floors.front())) over_budget(options, b, over_budget_subject(x));
  // Binary search for the highest floor with a fitting design.
  std::size_t lo = 0;
  std::size_t hi = floors.size();
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
  IvfPqPlan plan = plan_of(s.best, s.best_qps, x, b);
  plan.designs_tried = tried;
  return plan;
}

Duration batch_time(const IvfPqPlan& plan, const FpgaBudget& b, std::int64_t queries) {
  double fill = 0;
  for (const IvfPqStage& s : plan.stages) fill += s.cycles;
  const double seconds = fill / b.clock.hz() + real(std::max<std::int64_t>(queries - 1, 0)) / plan.qps;
  return Duration::ceil_ns(seconds * 1e9 - 1e-6);
}

}  // namespace orrery::models
