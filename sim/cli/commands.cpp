#include "sim/cli/commands.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <iostream>
#include <optional>

#include "models/data_dir.hpp"
#include "orrery/version.hpp"
#include "sim/cli/command_help.hpp"
#include "sim/cli/cost_command.hpp"
#include "sim/cli/progress.hpp"
#include "sim/cli/record_options.hpp"
#include "sim/cli/scenario_options.hpp"
#include "sim/cli/search_command.hpp"
#include "sim/cli/topo_report.hpp"
#include "sim/run/capacity.hpp"
#include "sim/run/chakra_output.hpp"
#include "sim/run/docs.hpp"
#include "sim/run/scenario.hpp"
#include "sim/run/long_run.hpp"
#include "sim/run/simulation.hpp"
#include "sim/core/suggest.hpp"
#include "sim/trace/atomic_file.hpp"
#include "sim/trace/writers.hpp"

namespace orrery::cli {

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage = R"(orrery — a discrete-event simulator of AI clusters

usage:
  orrery run SCENARIO.yaml [-o OUT.h5] [--trace OUT.json] [--set key.path=value]... [--seed N] [--json]
             [--record-devices all|representative|IDS] [--record-window FROM,TO] [--record-kinds spans,counters]
             [--record-links BIN]               (every link's load over time, /link_load)
             [--chakra PREFIX]                  (the task graph as a Chakra trace, PREFIX.RANK.et)
  orrery run --help                             (the options of run)
  orrery check SCENARIO.yaml [--set key.path=value]... [--seed N]
  orrery list [FAMILY]
  orrery describe FAMILY NAME [--markdown]      (FAMILY scenario needs no NAME)
  orrery describe all --markdown                (the whole key reference)
  orrery capacity SCENARIO.yaml --slo KEY=BOUND... [--low R] [--high R] [--tolerance F] [--jobs N]
             [--max-points N] [--set key.path=value]... [--seed N] [--json]
                                                (the highest request rate that meets the objectives)
  orrery search SCENARIO.yaml [--axis NAME=v1,v2,...]... [--top N] [--jobs N] [--refine K] [-o PLANS.h5]
             [--csv PLANS.csv] [--set key.path=value]... (the best parallel plans of a training scenario)
  orrery topo SPEC.yaml
  orrery cost DEVICE OP key=value... [--calibration FILE | --no-calibration] [--json]
  orrery cost --help                            (the operations and their keys)
  orrery --help | --version                     (every command takes --help too)

examples:
  orrery run scenarios/quickstart.yaml -o results/quickstart.h5 --trace results/quickstart.trace.json
  orrery run scenarios/quickstart.yaml --set workload.schedule=gpipe --set workload.micro_batches=16 --json
  orrery run scenarios/llama3_405b_failures.yaml -o out.h5 --record-devices representative
  orrery describe topology chain
  orrery describe device H100-SXM5-80GB          (every field with its source)
  orrery list devices
  orrery cost H100-SXM5-80GB gemm m=8192 n=8192 k=8192 dtype=bf16
  orrery capacity scenarios/serving_llama3_8b.yaml --slo ttft_p99_s=1s --slo tpot_p99_s=50ms --jobs 2

exit status: 0 success; 1 valid but infeasible, or the simulation failed; 2 usage or configuration error
)";

int run(const std::vector<std::string>& args) {
  po::options_description d("run options");
  scenario_options(d);
  d.add_options()("output,o", po::value<std::string>(), "write the HDF5 result file here")(
      "trace", po::value<std::string>(), "write a Perfetto / Chrome trace JSON here")(
      "json", po::bool_switch(), "print the summary as one JSON object on stdout")(
      "replicas", po::value<int>(), "Monte Carlo replicas of the long-horizon simulation (policies.failures)")(
      "progress", po::bool_switch(), "draw progress on stderr even when it is not a terminal (from the start)")(
      "quiet", po::bool_switch(), "no progress on stderr (by default drawn on a terminal for runs over 2 s)")(
      "chakra", po::value<std::string>(),
      "write the lowered task graph with its simulated times as a Chakra execution trace (what ASTRA-sim replays): "
      "PREFIX.RANK.et per device and PREFIX.comm_groups.json")(
      "full", po::bool_switch(),
      "simulate without symmetry reduction: every transfer of every collective as its own events and "
      "every data-parallel replica (an analytic network otherwise runs a collective as one event at the "
      "end of its critical path, and one replica for all where the replicas' routes take the same times, "
      "with the same results)");
  add_record_options(d);
  if (std::find(args.begin(), args.end(), "--help") != args.end()) {
    std::cout << "usage: orrery run SCENARIO.yaml [options]\n\n" << d;
    return 0;
  }
  const auto vm = parse(args, d);
  const ScenarioArgs a = scenario_args(vm);
  std::optional<std::string> out_h5, out_trace;
  if (vm.count("output")) out_h5 = vm["output"].as<std::string>();
  if (vm.count("trace")) out_trace = vm["trace"].as<std::string>();
  const trace::RecordSelection selection = record_selection(vm);
  // Refuse unusable outputs before spending time simulating.
  if (out_h5) trace::check_output_path(*out_h5, "-o");
  if (out_trace) trace::check_output_path(*out_trace, "--trace");
  std::optional<run::ChakraOutput> chakra;
  if (vm.count("chakra")) chakra.emplace(vm["chakra"].as<std::string>());
  if (out_h5 && out_trace && trace::same_file(*out_h5, *out_trace)) {
    throw ConfigError(fmt::format("-o and --trace name the same file '{}': each output needs its own", *out_h5));
  }

  const auto t0 = std::chrono::steady_clock::now();
  const run::Catalog catalog;
  run::Scenario scenario = run::load_scenario(catalog, a.file, a.sets, a.seed);
  scenario.full = vm["full"].as<bool>();
  std::optional<int> replicas;
  if (vm.count("replicas")) {
    replicas = vm["replicas"].as<int>();
    if (*replicas < 1) throw ConfigError(fmt::format("--replicas: must be at least 1, got {}", *replicas));
    if (!scenario.policies.long_horizon()) throw ConfigError("--replicas: the scenario has no policies.failures");
  }
  // The policies' own checks before spending time on the iteration.
  run::RunContext context(scenario);  // the cluster, built once for the whole run
  if (scenario.policies.long_horizon()) (void)run::horizon_setup(scenario, context.cluster(), Duration::s(1), replicas);
  // The writers stream the timeline while the run goes; a failed run leaves no file.
  auto recorder = run::make_recorder();
  std::optional<trace::Hdf5Writer> h5;
  std::optional<trace::PerfettoWriter> perfetto;
  if (out_h5) recorder->observe(h5.emplace(*out_h5));
  if (out_trace) recorder->observe(perfetto.emplace(*out_trace, *recorder));
  std::optional<ProgressLine> progress;
  if (!vm["quiet"].as<bool>() && (vm["progress"].as<bool>() || stderr_is_terminal())) {
    progress.emplace(std::cerr, vm["progress"].as<bool>());
  }
  const ProgressFn report = progress ? progress->function() : ProgressFn{};
  run::ExecutedFn executed;
  if (chakra) {
    executed = [&](const task::TaskGraph& graph, const task::TaskTimes& times) {
      chakra->write(graph, times, context.shape().devices);
    };
  }
  run::RunOutput result = run::simulate(scenario, context, std::move(recorder), selection, report, executed);
  std::vector<std::string> warnings = result.warnings;
  if (scenario.policies.long_horizon()) {
    for (auto& w : run::run_long_horizon(scenario, context.cluster(), result, replicas, 0, report))
      warnings.push_back(std::move(w));
  }
  progress.reset();  // ends its line before anything else is printed
  for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Every output complete as a temporary first, then all renamed together.
  std::vector<trace::AtomicFile*> outputs;
  if (h5) {
    h5->finish(*result.recorder, trace::RunInfo{kVersion, scenario.resolved_yaml, a.file, scenario.seed, wall_s});
    outputs.push_back(&h5->file());
  }
  if (perfetto) {
    perfetto->finish();
    outputs.push_back(&perfetto->file());
  }
  if (chakra) {
    for (trace::AtomicFile* f : chakra->files()) outputs.push_back(f);
  }
  trace::commit_together(outputs);
  if (vm["json"].as<bool>()) {
    trace::write_summary_json(std::cout, result.recorder->summary(), wall_s);
  } else {
    trace::write_summary_table(std::cout, result.recorder->summary(), wall_s);
  }
  return 0;
}

int check(const std::vector<std::string>& args) {
  po::options_description d("check options");
  scenario_options(d);
  const auto vm = parse(args, d);
  const ScenarioArgs a = scenario_args(vm);
  const run::Catalog catalog;
  const run::Scenario scenario = run::load_scenario(catalog, a.file, a.sets, a.seed);
  // Lowering also checks what needs the cluster (e.g. stages against devices).
  const run::RunContext context(scenario);
  const workload::Lowered lowered = context.lower(*scenario.workload);
  for (const auto& w : scenario.workload->warnings(lowered)) std::cerr << "warning: " << w << "\n";
  if (scenario.policies.long_horizon()) {
    for (const auto& w : run::horizon_setup(scenario, context.cluster(), Duration::s(1), std::nullopt).warnings)
      std::cerr << "warning: " << w << "\n";
  }
  std::cout << fmt::format("{}: ok\n", a.file);
  return 0;
}

int list(const std::vector<std::string>& args) {
  const run::Catalog catalog;
  std::optional<std::string> only;
  if (args.size() > 1) throw po::error("list takes at most one family");
  if (!args.empty()) {
    only = args.front();
    // Accept the plural too ("schedules").
    if (!catalog.find(*only) && only->size() > 1 && only->back() == 's') only->pop_back();
    if (!catalog.find(*only)) {
      std::vector<std::string> families;
      for (const auto* r : catalog.all()) families.push_back(r->family());
      throw ConfigError(fmt::format("unknown family '{}'; valid: {}", args.front(), join(families)));
    }
  }
  for (const auto* reg : catalog.all()) {
    if (only && reg->family() != *only) continue;
    std::cout << fmt::format("{} ({}):\n", reg->family(), reg->selector());
    for (const auto& [name, description] : reg->list()) std::cout << fmt::format("  {:<18} {}\n", name, description);
  }
  return 0;
}

int describe(const std::vector<std::string>& args) {
  bool markdown = false;
  std::vector<std::string> words;
  for (const auto& a : args) {
    if (a == "--markdown") {
      markdown = true;
    } else if (!a.empty() && a[0] == '-') {
      throw po::error(fmt::format("describe: unknown option '{}'", a));
    } else {
      words.push_back(a);
    }
  }
  const run::Catalog catalog;
  if (words.size() == 1 && words[0] == "all") {
    std::cout << run::reference_markdown(catalog);
  } else if (words.size() == 1 && words[0] == "scenario") {
    std::cout << run::describe_scenario(catalog, markdown);
  } else if (words.size() == 2 && (words[0] == "device" || words[0] == "devices")) {
    try {
      std::cout << models::describe(*catalog.devices.load(words[1]), markdown);
    } catch (const ValueError& e) {
      throw ConfigError(e.what());
    }
  } else if (words.size() == 2) {
    std::cout << run::describe_entry(catalog, words[0], words[1], markdown);
  } else {
    throw po::error("usage: orrery describe FAMILY NAME [--markdown]");
  }
  return 0;
}

}  // namespace

// An objective "ttft_p99_s=500ms": a summary key and its bound (a duration
// for keys in seconds, else a number).
run::Objective objective(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw ConfigError(fmt::format("--slo {}: write KEY=BOUND, e.g. ttft_p99_s=1s", text));
  run::Objective o{text.substr(0, eq), 0};
  const std::string bound = text.substr(eq + 1);
  try {
    std::size_t used = 0;
    o.bound = std::stod(bound, &used);
    if (used != bound.size()) throw std::invalid_argument("unit");
  } catch (const std::exception&) {
    try {
      o.bound = parse_duration(bound).seconds();
    } catch (const ValueError& e) {
      throw ConfigError(fmt::format("--slo {}: the bound '{}' is neither a number nor a duration ({})", text, bound,
                                    e.what()));
    }
  }
  if (!(o.bound >= 0) || !std::isfinite(o.bound)) throw ConfigError(fmt::format("--slo {}: the bound must be >= 0", text));
  return o;
}

int capacity(const std::vector<std::string>& args) {
  po::options_description d("capacity options");
  scenario_options(d);
  d.add_options()("slo", po::value<std::vector<std::string>>()->composing(),
                  "an objective KEY=BOUND on the summary, e.g. ttft_p99_s=1s (repeatable; all must hold)")(
      "low", po::value<double>()->default_value(0.5), "a rate (requests/s) expected to meet the objectives")(
      "high", po::value<double>()->default_value(64), "a rate expected to miss them (doubled while it meets)")(
      "tolerance", po::value<double>()->default_value(0.02), "stop when the bracket is this narrow, relatively")(
      "jobs", po::value<int>()->default_value(2), "rates simulated at once, one thread each")(
      "max-points", po::value<int>()->default_value(24), "simulations at most")(
      "json", po::bool_switch(), "print the answer and every point as one JSON object");
  if (std::find(args.begin(), args.end(), "--help") != args.end()) {
    std::cout << "usage: orrery capacity SCENARIO.yaml --slo KEY=BOUND... [options]\n\n" << d;
    return 0;
  }
  const auto vm = parse(args, d);
  const ScenarioArgs a = scenario_args(vm);
  std::vector<run::Objective> objectives;
  if (vm.count("slo"))
    for (const auto& t : vm["slo"].as<std::vector<std::string>>()) objectives.push_back(objective(t));
  run::CapacityOptions o;
  o.low = vm["low"].as<double>();
  o.high = vm["high"].as<double>();
  o.tolerance = vm["tolerance"].as<double>();
  o.jobs = vm["jobs"].as<int>();
  o.max_points = vm["max-points"].as<int>();
  {
    // The scenario as given must read, and must have a rate to vary.
    const run::Catalog catalog;
    std::vector<std::string> sets = a.sets;
    sets.push_back(fmt::format("workload.requests.rate={}", o.low));
    (void)run::load_scenario(catalog, a.file, sets, a.seed);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto evaluate = [&](double rate) {
    const run::Catalog catalog;
    std::vector<std::string> sets = a.sets;
    sets.push_back(fmt::format("workload.requests.rate={}", rate));
    const run::Scenario scenario = run::load_scenario(catalog, a.file, sets, a.seed);
    return run::simulate(scenario, false).recorder->summary();
  };
  const run::CapacityResult r = run::capacity_search(evaluate, objectives, o);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (vm["json"].as<bool>()) {
    std::cout << fmt::format(R"({{"capacity_rps": {}, "missed_rps": {}, "points": [)", r.met, r.missed);
    for (std::size_t i = 0; i < r.points.size(); ++i) {
      const auto& p = r.points[i];
      std::cout << fmt::format(R"({}{{"rate": {}, "meets": {})", i ? ", " : "", p.rate, p.meets ? "true" : "false");
      for (std::size_t k = 0; k < objectives.size(); ++k) std::cout << fmt::format(R"(, "{}": {})", objectives[k].key, p.values[k]);
      std::cout << "}";
    }
    std::cout << fmt::format(R"(], "wall_s": {}}})", wall_s) << "\n";
    return 0;
  }
  std::cout << fmt::format("{:>12}  {:<6}", "rate (1/s)", "meets");
  for (const auto& ob : objectives) std::cout << fmt::format("  {:>14}", ob.key);
  std::cout << "\n";
  for (const auto& p : r.points) {
    std::cout << fmt::format("{:>12.4g}  {:<6}", p.rate, p.meets ? "yes" : "no");
    for (const double v : p.values) std::cout << fmt::format("  {:>14.4g}", v);
    std::cout << "\n";
  }
  if (r.met == 0) {
    std::cout << fmt::format("capacity: none: even {} requests/s misses the objectives\n", o.low);
  } else if (r.missed == 0) {
    std::cout << fmt::format("capacity: at least {:.4g} requests/s (no rate tried missed the objectives)\n", r.met);
  } else {
    std::cout << fmt::format("capacity: {:.4g} requests/s (met), bracket [{:.4g}, {:.4g}) ({} simulations, {:.1f} s)\n",
                             r.met, r.met, r.missed, r.points.size(), wall_s);
  }
  return 0;
}

int dispatch(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string cmd = args.front();
  args.erase(args.begin());
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "--version") {
    // The data folder too: which device files and calibration tables this binary reads (models/data_dir.hpp).
    std::cout << fmt::format("orrery {}\ndata: {}\n", kVersion, models::data_dir());
    return 0;
  }
  // `--help` of the commands whose usage is a line or two (run, cost and
  // capacity print their own options).
  const bool help = std::find(args.begin(), args.end(), "--help") != args.end() ||
                    std::find(args.begin(), args.end(), "-h") != args.end();
  if (help && cmd == "check") {
    po::options_description d("check options");
    scenario_options(d);
    std::cout << "usage: orrery check SCENARIO.yaml [options]\n"
                 "reads the scenario, lowers its workload onto the cluster and prints any warning; exits 0 when it "
                 "would run, 2 with the first error located\n\n"
              << d;
    return 0;
  }
  if (help) {
    if (const auto text = command_help(cmd)) {
      std::cout << *text;
      return 0;
    }
  }
  if (cmd == "run") return run(args);
  if (cmd == "check") return check(args);
  if (cmd == "list") return list(args);
  if (cmd == "describe") return describe(args);
  if (cmd == "topo") return topo_report(args);
  if (cmd == "cost") return cost_command(args);
  if (cmd == "capacity") return capacity(args);
  if (cmd == "search") return search_command(args);
  const std::vector<std::string> commands{"run", "check", "list", "describe", "topo", "cost", "capacity", "search"};
  std::string msg = fmt::format("unknown command '{}'", cmd);
  if (auto near = nearest(cmd, commands)) msg += fmt::format("; did you mean '{}'?", *near);
  throw po::error(msg + "; valid: " + join(commands));
}

}  // namespace orrery::cli
