#include "models/calibration/leave_one_out.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "models/collective/measured_collectives.hpp"
#include "models/compute/calibrated_efficiency.hpp"
#include "models/compute/cost.hpp"
#include "sim/core/error.hpp"
#include "sim/task/pricing.hpp"

namespace orrery::models {

namespace {

// One family's rows left out in turn: `op(row)` is the operation the model
// prices for a row, `shape(row)` its name. The rest of the family is the whole
// table (no other family's rows, nor the memory fallback, stand in for the
// missing one), so a row the rest cannot price — alone in its group (dtype,
// kernel, ...), or of a type the device has no peak for — is counted apart.
template <class Row, class Op, class Shape>
void check_family(const std::string& family, const std::vector<Row>& rows, std::vector<Row> CalibrationTable::*member,
                  const CalibrationTable& base, const std::shared_ptr<const Device>& device, Op op, Shape shape,
                  LeaveOneOut& out) {
  const double launch = device->launch_overhead.present ? device->launch_overhead.value.seconds() : 0.0;
  int alone = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CalibrationTable t;
    t.device = base.device;
    t.provenance = base.provenance;
    t.*member = rows;
    (t.*member).erase((t.*member).begin() + static_cast<std::ptrdiff_t>(i));
    const CostModel model(device, &t);
    Cost c;
    try {
      c = model.cost(op(rows[i]));
    } catch (const ValueError&) {  // no peak for the row's type
      c.calibrated = false;
    }
    if (!c.calibrated) {
      ++alone;
      continue;
    }
    out.rows.push_back({family, shape(rows[i]), rows[i].time.seconds(), c.time.seconds() - launch, c.distance});
  }
  if (alone > 0) out.alone.emplace_back(family, alone);
}

std::string dtype(task::DType t) { return std::string(task::name_of(t)); }

// The collective rows, each left out and priced by the rest of the table's
// collective rows (models/collective/measured_collectives.hpp), at the log2
// distance of its size from the nearest remaining row that prices it.
void check_collectives(const std::vector<CollectiveRow>& rows, LeaveOneOut& out) {
  int alone = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::vector<CollectiveRow> rest = rows;
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
    const CollectiveRow& r = rows[i];
    const MeasuredCollectives m(rest);
    const auto t = m.time(r.op, r.ranks, r.fabric, r.bytes);
    const auto distance = m.distance(r.op, r.ranks, r.fabric, r.bytes);
    if (!t || !distance) {
      ++alone;
      continue;
    }
    out.rows.push_back({"collective " + std::string(task::name_of(r.op)),
                        fmt::format("ranks={} fabric={} bytes={}", r.ranks, r.fabric, r.bytes.count()),
                        r.time.seconds(), t->seconds(), *distance});
  }
  if (alone > 0) out.alone.emplace_back("collective", alone);
}

}  // namespace

LeaveOneOut leave_one_out(const CalibrationTable& table, const std::shared_ptr<const Device>& device) {
  LeaveOneOut out;
  // GEMMs, one family per dtype (and per accumulating type).
  std::map<std::pair<task::DType, std::optional<task::DType>>, std::vector<GemmRow>> gemms;
  for (const GemmRow& r : table.gemm) gemms[{r.shape.dtype, r.shape.accumulate}].push_back(r);
  for (const auto& [t, rows] : gemms) {
    check_family(
        "gemm " + dtype(t.first) + (t.second ? " += " + dtype(*t.second) : std::string()), rows, &CalibrationTable::gemm, table, device, [](const GemmRow& r) { return task::Operation(r.shape); },
        [](const GemmRow& r) { return fmt::format("m={} n={} k={} batch={}", r.shape.m, r.shape.n, r.shape.k, r.shape.batch); },
        out);
  }
  // Attention by pass, the rows the model prices with.
  for (const KernelPass pass : {KernelPass::kForward, KernelPass::kBackward}) {
    check_family(
        fmt::format("attention {}", name_of(pass)), attention_rows(table.attention, pass), &CalibrationTable::attention,
        table, device,
        [](const AttentionRow& r) {
          task::Attention a = r.shape;
          a.backward = r.pass == KernelPass::kBackward;
          return task::Operation(a);
        },
        [](const AttentionRow& r) {
          return fmt::format("batch={} heads={} seq={} head_dim={} causal={}", r.shape.batch, r.shape.heads, r.shape.seq,
                             r.shape.head_dim, r.shape.causal);
        },
        out);
  }
  check_family(
      "decode_attention", table.decode_attention, &CalibrationTable::decode_attention, table, device,
      [](const DecodeAttentionRow& r) { return task::Operation(r.shape); },
      [](const DecodeAttentionRow& r) {
        return fmt::format("batch={} heads={} kv_heads={} context={}", r.shape.batch, r.shape.heads, r.shape.kv_heads,
                           r.shape.context);
      },
      out);
  check_family(
      "layer", table.layer, &CalibrationTable::layer, table, device,
      [](const LayerRow& r) {
        return task::Operation(task::LayerOp{r.shape.kernel, r.shape.pass == KernelPass::kBackward, r.shape.dtype,
                                             r.shape.tokens, r.shape.width});
      },
      [](const LayerRow& r) {
        return fmt::format("{} {} tokens={} width={}", task::name_of(r.shape.kernel), name_of(r.shape.pass),
                           r.shape.tokens, r.shape.width);
      },
      out);
  check_family(
      "hashgrid", table.hashgrid, &CalibrationTable::hashgrid, table, device,
      [](const HashGridRow& r) { return task::Operation(r.shape); },
      [](const HashGridRow& r) { return fmt::format("points={} log2_table={}", r.shape.points, r.shape.log2_table); },
      out);
  check_family(
      "mlp", table.mlp, &CalibrationTable::mlp, table, device,
      [](const MlpRow& r) { return task::Operation(r.shape); },
      [](const MlpRow& r) {  // depth as the table counts it: weight layers
        return fmt::format("width={} depth={} points={}", r.shape.width, task::weight_layers(r.shape), r.shape.points);
      },
      out);
  check_family(
      "spmm", table.spmm, &CalibrationTable::spmm, table, device,
      [](const SpmmRow& r) { return task::Operation(r.shape); },
      [](const SpmmRow& r) { return fmt::format("rows={} nnz={} n={}", r.shape.rows, r.shape.nnz, r.shape.n); }, out);
  check_collectives(table.collective, out);
  return out;
}

std::vector<LeaveOneOutSummary> summarize(const LeaveOneOut& loo) {
  std::vector<LeaveOneOutSummary> out;
  const auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  };
  std::vector<std::string> families;
  for (const LeaveOneOutRow& r : loo.rows) {
    if (std::find(families.begin(), families.end(), r.family) == families.end()) families.push_back(r.family);
  }
  for (const auto& [family, n] : loo.alone) {
    if (std::find(families.begin(), families.end(), family) == families.end()) families.push_back(family);
  }
  for (const std::string& f : families) {
    LeaveOneOutSummary s;
    s.family = f;
    std::vector<double> all, near, far;
    for (const LeaveOneOutRow& r : loo.rows) {
      if (r.family != f) continue;
      const double e = std::fabs(r.error());
      all.push_back(e);
      (r.distance > task::kFarCalibration ? far : near).push_back(e);
    }
    for (const auto& [family, n] : loo.alone) {
      if (family == f) s.alone = n;
    }
    s.rows = static_cast<int>(all.size());
    s.near_rows = static_cast<int>(near.size());
    s.far_rows = static_cast<int>(far.size());
    s.median = median(all);
    s.near_median = median(near);
    s.far_median = median(far);
    std::sort(all.begin(), all.end());
    if (!all.empty()) {
      s.max = all.back();
      s.p90 = all[std::min(all.size() - 1, static_cast<std::size_t>(std::ceil(0.9 * static_cast<double>(all.size()))) - 1)];
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace orrery::models
