#include "sim/cli/cost_command.hpp"

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <variant>

#include "models/calibration/leave_one_out.hpp"
#include "models/calibration/table.hpp"
#include "models/compute/operation_model.hpp"
#include "models/devices/device_kind.hpp"
#include "models/data_dir.hpp"
#include "sim/run/catalog.hpp"
#include "sim/task/operation_args.hpp"
#include "sim/task/pricing.hpp"

namespace orrery::cli {

namespace po = boost::program_options;

namespace {

constexpr const char* kCostUsage =
    "usage: orrery cost DEVICE OP key=value... [--calibration FILE | --no-calibration] [--json]\n"
    "       orrery cost DEVICE --leave-one-out [--calibration FILE] [--json]\n"
    "         (each calibration row predicted from the rest of its family, against its measurement)\n"
    "  e.g. orrery cost H100-SXM5-80GB gemm m=8192 n=8192 k=8192 dtype=bf16\n"
    "operations and their keys:\n";

struct CostArgs {
  std::string device;
  std::string op;
  std::vector<std::string> pairs;
  std::optional<std::string> calibration;
  bool no_calibration = false;
  bool json = false;
  bool leave_one_out = false;
};

CostArgs parse_args(const std::vector<std::string>& args) {
  CostArgs a;
  std::vector<std::string> words;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& w = args[i];
    if (w == "--json") {
      a.json = true;
    } else if (w == "--leave-one-out") {
      a.leave_one_out = true;
    } else if (w == "--no-calibration") {
      a.no_calibration = true;
    } else if (w == "--calibration") {
      if (i + 1 >= args.size()) throw po::error("cost: --calibration needs a file");
      a.calibration = args[++i];
    } else if (w.starts_with("--calibration=")) {
      a.calibration = w.substr(14);
    } else if (w.starts_with("-")) {
      throw po::error(fmt::format("cost: unknown option '{}'", w));
    } else {
      words.push_back(w);
    }
  }
  if (a.leave_one_out) {
    if (words.size() != 1) throw po::error("cost: --leave-one-out takes a device and no operation");
    if (a.no_calibration) throw po::error("cost: --leave-one-out checks a calibration table; --no-calibration has none");
    a.device = words[0];
    return a;
  }
  if (words.size() < 2) throw po::error(std::string(kCostUsage) + task::operation_help());
  if (a.calibration && a.no_calibration)
    throw po::error("cost: --calibration and --no-calibration exclude each other");
  a.device = words[0];
  a.op = words[1];
  a.pairs.assign(words.begin() + 2, words.end());
  return a;
}

std::string join_words(const std::vector<std::string>& w) {
  std::string out;
  for (const auto& s : w) out += (out.empty() ? "" : " ") + s;
  return out;
}

// Errors of the model (a device without the peak an operation needs) are the user's input: exit 2.
template <class F>
auto as_config_error(F&& f) {
  try {
    return f();
  } catch (const ValueError& e) {
    throw ConfigError(e.what());
  }
}

// `--leave-one-out`: per family, the rows checked and the |error|
// statistics, then every row (the JSON form carries the rows).
int leave_one_out_command(const CostArgs& a, const std::shared_ptr<const models::Device>& device,
                          const std::optional<models::CalibrationTable>& table) {
  if (!table) throw ConfigError(fmt::format("{} has no calibration table to check", device->name));
  const models::LeaveOneOut loo = models::leave_one_out(*table, device);
  const std::vector<models::LeaveOneOutSummary> families = models::summarize(loo);
  if (a.json) {
    std::string rows;
    for (const models::LeaveOneOutRow& r : loo.rows) {
      rows += fmt::format(R"({}{{"family": "{}", "shape": "{}", "measured_s": {}, "predicted_s": {}, "distance": {}}})",
                          rows.empty() ? "" : ", ", r.family, r.shape, r.measured_s, r.predicted_s, r.distance);
    }
    std::string fams;
    for (const models::LeaveOneOutSummary& s : families) {
      fams += fmt::format(R"({}{{"family": "{}", "rows": {}, "alone": {}, "median": {}, "p90": {}, "max": {}, )"
                          R"("near_rows": {}, "near_median": {}, "far_rows": {}, "far_median": {}}})",
                          fams.empty() ? "" : ", ", s.family, s.rows, s.alone, s.median, s.p90, s.max, s.near_rows,
                          s.near_median, s.far_rows, s.far_median);
    }
    std::cout << fmt::format(R"({{"device": "{}", "families": [{}], "rows": [{}]}})", device->name, fams, rows) << "\n";
    return 0;
  }
  std::cout << fmt::format("{}: each row of {} predicted from the rest of its family (|predicted / measured - 1|;\n"
                           "near: within a log2 distance of {} of the nearest remaining row, far: beyond)\n\n",
                           device->name, std::filesystem::path(table->file).filename().string(),
                           task::kFarCalibration);
  std::cout << fmt::format("{:<22} {:>5} {:>6} {:>8} {:>8} {:>8} {:>12} {:>12}\n", "family", "rows", "alone", "median",
                           "p90", "max", "near median", "far median");
  const auto pct = [](double x) { return fmt::format("{:.1f}%", 100 * x); };
  for (const models::LeaveOneOutSummary& s : families) {
    std::cout << fmt::format("{:<22} {:>5} {:>6} {:>8} {:>8} {:>8} {:>12} {:>12}\n", s.family, s.rows, s.alone,
                             pct(s.median), pct(s.p90), pct(s.max),
                             s.near_rows ? fmt::format("{} ({})", pct(s.near_median), s.near_rows) : "-",
                             s.far_rows ? fmt::format("{} ({})", pct(s.far_median), s.far_rows) : "-");
  }
  return 0;
}

}  // namespace

int cost_command(const std::vector<std::string>& args) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kCostUsage << task::operation_help();
    return 0;
  }
  const CostArgs a = parse_args(args);
  const models::DeviceCatalog devices(models::devices_dir());
  const auto device = as_config_error([&] { return devices.load(a.device); });
  std::optional<models::CalibrationTable> table;
  if (a.calibration) {
    if (!std::ifstream(*a.calibration))
      throw ConfigError(fmt::format("--calibration: cannot open '{}'", *a.calibration));
    table = models::load_calibration_table(*a.calibration);
  } else if (!a.no_calibration) {
    table = models::find_calibration_table(models::calibration_tables_dir(), device->name);
  }
  // --leave-one-out checks the device's own rows; a sibling's are checked under its own name.
  if (a.leave_one_out) return leave_one_out_command(a, device, table);
  if (!a.calibration && !a.no_calibration) {
    table = models::with_sibling(std::move(table), device->name, device->calibration_sibling,
                                 models::calibration_tables_dir());
  }
  const task::Operation op = task::parse_operation(a.op, a.pairs);
  // The kind's model: the roofline with calibration for a GPU, the engines for an NGPC.
  const std::unique_ptr<models::OperationModel> model =
      as_config_error([&] { return device->kind->operation_model(device, table ? &*table : nullptr); });
  if (!model) {
    throw ConfigError(fmt::format("{} is a {} device: it runs no operations", device->name, device->kind->name()));
  }
  const models::Cost c = as_config_error([&] { return model->cost(op); });
  // The table whose rows priced it: the device's own, or its calibration sibling's.
  const models::CalibrationTable* rows = c.sibling ? table->sibling.get() : table ? &*table : nullptr;
  const std::string provenance =
      c.calibrated
          ? fmt::format("calibrated ({}, {} table{}; nearest row at log2 distance {:.2f}{})",
                        std::filesystem::path(rows->file).filename().string(),
                        rows->provenance.kind == models::ProvenanceKind::kMeasured ? "measured" : "published",
                        c.sibling ? fmt::format(" of the calibration sibling {}, on this device's roofline",
                                                rows->device)
                                  : std::string(),
                        c.distance, c.distance > task::kFarCalibration ? ", far" : "")
          : std::string("UNCALIBRATED (no calibration row covers it: the model's documented defaults)");
  if (a.json) {
    std::cout << fmt::format(
                     R"({{"device": "{}", "operation": "{}", "time_s": {}, "bound": "{}", "efficiency": {}, )"
                     R"("calibrated": {}, "calibration_distance": {}, "flops": {}, "bytes": {}, "model": "{}")",
                     device->name, task::name_of(op), c.time.seconds(), models::name_of(c.bound),
                     c.efficiency, c.calibrated ? "true" : "false", c.distance, c.flops.count(), c.bytes.count(),
                     model->method());
    if (c.sibling) std::cout << fmt::format(R"(, "calibration_sibling": "{}")", rows->device);
    // A dataflow device's own figures (an FPGA: when the next batch may enter, the design it chose).
    if (c.issue > Duration{}) std::cout << fmt::format(R"(, "issue_s": {})", c.issue.seconds());
    if (!c.detail.empty()) std::cout << fmt::format(R"(, "design": "{}")", c.detail);
    std::cout << "}\n";
    return 0;
  }
  std::cout << fmt::format("device       {}\n", device->name);
  std::cout << fmt::format("operation    {} {}\n", a.op, join_words(a.pairs));
  std::cout << fmt::format("time         {}\n", to_string(c.time));
  std::cout << fmt::format("bound        {}\n", models::name_of(c.bound));
  std::cout << fmt::format("efficiency   {:.4g}\n", c.efficiency);
  std::cout << fmt::format("model        {}\n", model->method());
  std::cout << fmt::format("calibration  {}\n", provenance);
  std::cout << fmt::format("FLOPs        {}\n", to_string(c.flops));
  std::cout << fmt::format("bytes        {}\n", to_string(c.bytes));
  if (c.issue > Duration{}) std::cout << fmt::format("issue        {} (the next batch may enter then)\n", to_string(c.issue));
  if (!c.detail.empty()) std::cout << fmt::format("design       {}\n", c.detail);
  return 0;
}

}  // namespace orrery::cli
