#include "sim/cli/search_command.hpp"
#include "sim/cli/scenario_options.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <set>

#include "orrery/version.hpp"
#include "sim/core/error.hpp"
#include "sim/core/suggest.hpp"
#include "sim/run/catalog.hpp"
#include "sim/run/plan_search.hpp"
#include "sim/trace/atomic_file.hpp"
#include "sim/trace/table_file.hpp"

namespace orrery::cli {

namespace po = boost::program_options;

namespace {

constexpr const char* kSearchUsage = R"(usage: orrery search SCENARIO.yaml [options]

Every parallel plan of a training scenario within a space of choices: tp, pp,
vpp, cp, ep, micro_batch, schedule, zero_stage, recompute, offload (dp is what
the devices leave: devices / (tp × pp × cp)). A plan the scenario reader refuses
(divisibility, the schedule's needs) or whose memory floor (model states plus
the most activations its schedule holds) is above the device's memory is pruned
unsimulated; the rest are simulated on the analytic network, `--jobs` at a
time, ranked by iteration time, and the best `--refine` simulated again on the
flow network. Prints the best `--top`; -o and --csv get the whole table.

Axes default from the scenario (tp: powers of two up to a node, dividing the
heads; pp: divisors of the layers; vpp 1, 2; cp 1 (and 2 for sequences of 8k
and more); ep 1 (and up to a node's devices for MoE); micro_batch 1, 2, 4;
schedule 1f1b, interleaved_1f1b, zb_h1; zero_stage 0-3; recompute none,
selective, full; offload none (and cpu with a host tier)); --axis replaces one.

examples:
  orrery search scenarios/megatron_gpt3_175b.yaml --top 5
  orrery search my_70b.yaml --axis tp=4,8 --axis schedule=1f1b,zb_h1 --csv plans.csv -o plans.h5

)";

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// --axis NAME=v1,v2,...: the name known, the values of the axis's type (run::check_axis).
run::SearchAxis parse_axis(const std::string& text, const run::Catalog& catalog) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw ConfigError(fmt::format("--axis {}: expected NAME=v1,v2,...", text));
  run::SearchAxis a{text.substr(0, eq), split_list(text.substr(eq + 1))};
  if (a.name == "dp") {
    throw ConfigError(fmt::format("--axis {}: dp is not an axis; it is what the devices leave: devices / (tp × pp × cp)",
                                  text));
  }
  run::check_axis(a, catalog);
  return a;
}

std::string gib(double bytes) { return std::isnan(bytes) ? "-" : fmt::format("{:.1f}", bytes / (1 << 30)); }

trace::ColumnTable table_of(const run::SearchResult& r) {
  // Rows: the ranked plans first, then failed, then pruned, each in candidate order.
  std::vector<std::size_t> order(r.rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto key = [&](std::size_t i) {
    const run::PlanRow& p = r.rows[i];
    return std::pair{p.status == run::PlanStatus::kOk ? 0 : p.status == run::PlanStatus::kFailed ? 1 : 2, p.rank};
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  trace::ColumnTable t;
  t.group = "plans";
  const auto ints = [&](auto get) {
    std::vector<std::int64_t> v;
    for (std::size_t i : order) v.push_back(get(r.rows[i]));
    return v;
  };
  const auto reals = [&](auto get) {
    std::vector<double> v;
    for (std::size_t i : order) v.push_back(get(r.rows[i]));
    return v;
  };
  const auto texts = [&](auto get) {
    std::vector<std::string> v;
    for (std::size_t i : order) v.push_back(get(r.rows[i]));
    return v;
  };
  t.columns.push_back({"rank", ints([](const run::PlanRow& p) { return p.rank; })});
  for (std::size_t a = 0; a < r.axes.size(); ++a) {
    if (run::text_axis(r.axes[a].name)) {
      t.columns.push_back({r.axes[a].name, texts([&](const run::PlanRow& p) { return p.choice[a]; })});
    } else {
      t.columns.push_back({r.axes[a].name, ints([&](const run::PlanRow& p) { return std::stoll(p.choice[a]); })});
    }
  }
  t.columns.push_back({"dp", ints([](const run::PlanRow& p) { return p.dp; })});
  t.columns.push_back({"status", texts([](const run::PlanRow& p) { return std::string(run::name_of(p.status)); })});
  t.columns.push_back({"reason", texts([](const run::PlanRow& p) { return p.reason; })});
  t.columns.push_back({"iteration_time_s", reals([](const run::PlanRow& p) { return p.iteration_time_s; })});
  t.columns.push_back({"flow_iteration_time_s", reals([](const run::PlanRow& p) { return p.flow_iteration_time_s; })});
  t.columns.push_back({"memory_peak_bytes", reals([](const run::PlanRow& p) { return p.peak_memory_bytes; })});
  t.columns.push_back({"memory_floor_bytes", reals([](const run::PlanRow& p) { return p.memory_floor_bytes; })});
  t.columns.push_back({"mfu", reals([](const run::PlanRow& p) { return p.mfu; })});
  t.columns.push_back({"tokens_per_s", reals([](const run::PlanRow& p) { return p.tokens_per_s; })});
  return t;
}

}  // namespace

int search_command(const std::vector<std::string>& args) {
  po::options_description d("search options");
  scenario_options(d);
  d.add_options()(
      "axis", po::value<std::vector<std::string>>()->composing(), "an axis and its values, NAME=v1,v2,... (repeatable)")(
      "top", po::value<int>()->default_value(10), "plans printed")(
      "jobs", po::value<int>()->default_value(2), "plans simulated at once, one thread each")(
      "refine", po::value<int>()->default_value(3), "the best plans simulated again on the flow network")(
      "no-memory-prune", po::bool_switch(), "simulate plans whose memory floor is above the device's memory too")(
      "output,o", po::value<std::string>(), "the whole table as HDF5 (/plans/COLUMN)")(
      "csv", po::value<std::string>(), "the whole table as CSV");
  if (std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end()) {
    std::cout << kSearchUsage << d;
    return 0;
  }
  const auto vm = parse(args, d);
  const ScenarioArgs scenario_arg = scenario_args(vm);
  const std::string& file = scenario_arg.file;
  std::vector<std::string> sets = scenario_arg.sets;
  if (scenario_arg.seed) sets.push_back(fmt::format("seed={}", *scenario_arg.seed));
  const int top = vm["top"].as<int>();
  if (top < 1) throw ConfigError(fmt::format("--top {}: must be at least 1", top));
  run::SearchOptions o;
  o.jobs = vm["jobs"].as<int>();
  o.refine = vm["refine"].as<int>();
  o.memory_prune = !vm["no-memory-prune"].as<bool>();
  std::optional<std::string> out_h5, out_csv;
  if (vm.count("output")) out_h5 = vm["output"].as<std::string>();
  if (vm.count("csv")) out_csv = vm["csv"].as<std::string>();
  if (out_h5) trace::check_output_path(*out_h5, "-o");
  if (out_csv) trace::check_output_path(*out_csv, "--csv");
  if (out_h5 && out_csv && trace::same_file(*out_h5, *out_csv)) {
    throw ConfigError(fmt::format("-o and --csv name the same file '{}'", *out_h5));
  }

  const run::Catalog catalog;
  std::vector<run::SearchAxis> axes = run::default_axes(catalog, file, sets);
  if (vm.count("axis")) {
    std::set<std::string> given;
    for (const auto& text : vm["axis"].as<std::vector<std::string>>()) {
      run::SearchAxis a = parse_axis(text, catalog);
      if (!given.insert(a.name).second) throw ConfigError(fmt::format("--axis {}: axis {} given twice", text, a.name));
      for (auto& axis : axes)
        if (axis.name == a.name) axis = a;
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  const run::SearchResult r = run::plan_search(catalog, file, sets, axes, o);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::size_t ok = 0, failed = 0, by_reader = 0, by_memory = 0;
  for (const run::PlanRow& p : r.rows) {
    if (p.status == run::PlanStatus::kOk) ++ok;
    if (p.status == run::PlanStatus::kFailed) ++failed;
    if (p.status == run::PlanStatus::kPruned) ++(std::isnan(p.memory_floor_bytes) ? by_reader : by_memory);
  }
  std::vector<const run::PlanRow*> best;
  for (const run::PlanRow& p : r.rows)
    if (p.status == run::PlanStatus::kOk) best.push_back(&p);
  std::sort(best.begin(), best.end(), [](const run::PlanRow* a, const run::PlanRow* b) { return a->rank < b->rank; });
  if (best.size() > static_cast<std::size_t>(top)) best.resize(static_cast<std::size_t>(top));

  std::cout << fmt::format("{:>4}", "rank");
  for (const auto& a : r.axes) std::cout << fmt::format(" {:>{}}", a.name, std::max<std::size_t>(a.name.size(), 4));
  std::cout << fmt::format(" {:>5} {:>11} {:>11} {:>9} {:>6}\n", "dp", "iter (s)", "flow (s)", "mem GiB", "MFU");
  for (const run::PlanRow* p : best) {
    std::cout << fmt::format("{:>4}", p->rank);
    for (std::size_t a = 0; a < r.axes.size(); ++a) {
      std::cout << fmt::format(" {:>{}}", p->choice[a], std::max<std::size_t>(r.axes[a].name.size(), 4));
    }
    std::cout << fmt::format(" {:>5} {:>11.4f} {:>11} {:>9} {:>6.3f}\n", p->dp, p->iteration_time_s,
                             std::isnan(p->flow_iteration_time_s) ? "-" : fmt::format("{:.4f}", p->flow_iteration_time_s),
                             gib(p->peak_memory_bytes), p->mfu);
  }
  // The analytic ranking leaves out contention; among the plans run again on the flow network, the fastest there.
  const run::PlanRow* flow_best = nullptr;
  for (const run::PlanRow& p : r.rows) {
    if (!std::isnan(p.flow_iteration_time_s) && (!flow_best || p.flow_iteration_time_s < flow_best->flow_iteration_time_s)) {
      flow_best = &p;
    }
  }
  if (flow_best) {
    std::cout << fmt::format("fastest on the flow network of the {} refined: rank {} ({:.4f} s)\n", o.refine,
                             flow_best->rank, flow_best->flow_iteration_time_s);
  }
  std::cout << fmt::format(
      "{} plans on {} devices: {} simulated ({} ran, {} failed), {} pruned ({} refused by the reader, {} by the memory "
      "floor); {:.1f} s\n",
      r.rows.size(), r.devices, ok + failed, ok, failed, by_reader + by_memory, by_reader, by_memory, wall_s);
  const trace::ColumnTable table = table_of(r);
  if (out_csv) trace::write_table_csv(*out_csv, table);
  if (out_h5) {
    trace::RunInfo info;
    info.program_version = kVersion;
    info.scenario = r.resolved_yaml;
    info.scenario_file = file;
    trace::write_table_h5(*out_h5, table, info);
  }
  if (ok == 0) {
    // Exit 1 says why: the commonest reason the plans were pruned or failed, and how many gave it.
    std::map<std::string, std::size_t> reasons;
    for (const run::PlanRow& p : r.rows) ++reasons[p.reason];
    const auto common = std::max_element(reasons.begin(), reasons.end(),
                                         [](const auto& a, const auto& b) { return a.second < b.second; });
    std::cerr << fmt::format(
        "error: none of the {} plans ran ({} refused by the reader, {} over the memory floor, {} failed){}; "
        "widen the space with --axis\n",
        r.rows.size(), by_reader, by_memory, failed,
        common == reasons.end()
            ? ""
            : fmt::format("; the commonest reason, {} of them: {}", common->second, common->first));
    return 1;
  }
  return 0;
}

}  // namespace orrery::cli
