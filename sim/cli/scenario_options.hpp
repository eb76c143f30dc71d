// The options every command that reads a scenario shares: the scenario file
// (positional), --set, --seed, --max-tasks and --max-events, parsed with Boost.Program_options.
#pragma once

#include <boost/program_options.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orrery::cli {

struct ScenarioArgs {
  std::string file;
  std::vector<std::string> sets;
  std::optional<std::uint64_t> seed;
};

// Parses `args` with the `named` options and the scenario file as the one
// positional argument; throws po::error when it is missing.
boost::program_options::variables_map parse(const std::vector<std::string>& args,
                                            const boost::program_options::options_description& named);
// The scenario file, --set and --seed of a parse (a negative seed is a
// ConfigError); --max-tasks N and --max-events N become the last --sets,
// limits.tasks=N and limits.events=N.
ScenarioArgs scenario_args(const boost::program_options::variables_map& vm);
// Adds --set, --seed, --max-tasks and --max-events to `d`.
void scenario_options(boost::program_options::options_description& d);

}  // namespace orrery::cli
