// `orrery search SCENARIO.yaml [--axis NAME=v1,v2...]... [--top N] [--jobs J]
// [--refine K] [-o PLANS.h5] [--csv PLANS.csv]`: the parallel plans of a
// training scenario, pruned, simulated and ranked (sim/run/plan_search.hpp).
#pragma once

#include <string>
#include <vector>

namespace orrery::cli {

int search_command(const std::vector<std::string>& args);

}  // namespace orrery::cli
