#include "sim/cli/cost_command.hpp"

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <variant>

#include "models/calibration/table.hpp"
#include "models/compute/operation_model.hpp"
#include "models/devices/device_kind.hpp"
#include "models/data_dir.hpp"
#include "sim/run/catalog.hpp"
#include "sim/task/operation_args.hpp"

namespace orrery::cli {

namespace po = boost::program_options;

namespace {

constexpr const char* kCostUsage =
    "usage: orrery cost DEVICE OP key=value... [--calibration FILE | --no-calibration] [--json]\n"
    "  e.g. orrery cost H100-SXM5-80GB gemm m=8192 n=8192 k=8192 dtype=bf16\n"
    "operations and their keys:\n";

struct CostArgs {
  std::string device;
  std::string op;
  std::vector<std::string> pairs;
  std::optional<std::string> calibration;
  bool no_calibration = false;
  bool json = false;
};

CostArgs parse_args(const std::vector<std::string>& args) {
  CostArgs a;
  std::vector<std::string> words;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& w = args[i];
    if (w == "--json") {
      a.json = true;
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

}  // namespace

int cost_command(const std::vector<std::string>& args) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kCostUsage << task::operation_help();
    return 0;
  }
  const CostArgs a = parse_args(args);
  const models::DeviceCatalog devices(models::devices_dir());
  const auto device = as_config_error([&] { return devices.load(a.device); });
  const task::Operation op = task::parse_operation(a.op, a.pairs);
  std::optional<models::CalibrationTable> table;
  if (a.calibration) {
    if (!std::ifstream(*a.calibration))
      throw ConfigError(fmt::format("--calibration: cannot open '{}'", *a.calibration));
    table = models::load_calibration_table(*a.calibration);
  } else if (!a.no_calibration) {
    table = models::find_calibration_table(models::calibration_tables_dir(), device->name);
  }
  // The kind's model: the roofline with calibration for a GPU, the engines for an NGPC.
  const std::unique_ptr<models::OperationModel> model =
      as_config_error([&] { return device->kind->operation_model(device, table ? &*table : nullptr); });
  if (!model) {
    throw ConfigError(fmt::format("{} is a {} device: it runs no operations", device->name, device->kind->name()));
  }
  const models::Cost c = as_config_error([&] { return model->cost(op); });
  const std::string provenance =
      c.calibrated
          ? fmt::format(
                "calibrated ({}, {} table)", std::filesystem::path(table->file).filename().string(),
                table->provenance.kind == models::ProvenanceKind::kMeasured ? "measured" : "published")
          : std::string("UNCALIBRATED (no calibration row covers it: the model's documented defaults)");
  if (a.json) {
    std::cout << fmt::format(
                     R"({{"device": "{}", "operation": "{}", "time_s": {}, "bound": "{}", "efficiency": {}, )"
                     R"("calibrated": {}, "flops": {}, "bytes": {}, "model": "{}")",
                     device->name, task::name_of(op), c.time.seconds(), models::name_of(c.bound),
                     c.efficiency, c.calibrated ? "true" : "false", c.flops.count(), c.bytes.count(), model->method());
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
