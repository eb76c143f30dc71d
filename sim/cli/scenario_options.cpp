#include "sim/cli/scenario_options.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace orrery::cli {

namespace po = boost::program_options;

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& named) {
  po::options_description all;
  all.add(named);
  all.add_options()("scenario", po::value<std::string>(), "scenario file");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  po::notify(vm);
  if (!vm.count("scenario")) throw po::error("missing the scenario file");
  return vm;
}

ScenarioArgs scenario_args(const po::variables_map& vm) {
  ScenarioArgs a;
  a.file = vm["scenario"].as<std::string>();
  if (vm.count("set")) a.sets = vm["set"].as<std::vector<std::string>>();
  if (vm.count("seed")) {
    const auto s = vm["seed"].as<std::int64_t>();
    if (s < 0) throw ConfigError(fmt::format("--seed {}: must not be negative", s));
    a.seed = static_cast<std::uint64_t>(s);
  }
  // The same as --set limits.tasks=N, so the resolved scenario records it.
  if (vm.count("max-tasks")) a.sets.push_back(fmt::format("limits.tasks={}", vm["max-tasks"].as<double>()));
  if (vm.count("max-events")) a.sets.push_back(fmt::format("limits.events={}", vm["max-events"].as<double>()));
  return a;
}

void scenario_options(po::options_description& d) {
  d.add_options()("set", po::value<std::vector<std::string>>()->composing(),
                  "override a value: key.path=value, a YAML flow list or map too (repeatable)")(
      "seed", po::value<std::int64_t>(), "seed (overrides the scenario's)")(
      "max-tasks", po::value<double>(),
      "raise (or lower) the cap on tasks in one lowered graph, limits.tasks (default 2e7, about 150 bytes each)")(
      "max-events", po::value<double>(),
      "raise (or lower) the cap on a run's estimated events, limits.events (default 1e9: minutes to ten minutes)");
}

}  // namespace orrery::cli
