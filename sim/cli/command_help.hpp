// `orrery list|describe|topo --help`: the usage of the commands that have no
// options of their own to print (run, cost, capacity and check print theirs).
#pragma once

#include <optional>
#include <string>

namespace orrery::cli {

// The help text of `cmd`, or nothing when it is not one of these commands.
[[nodiscard]] std::optional<std::string> command_help(const std::string& cmd);

}  // namespace orrery::cli
