#include "sim/cli/command_help.hpp"

#include <vector>

#include "sim/core/suggest.hpp"
#include "sim/run/catalog.hpp"

namespace orrery::cli {

std::optional<std::string> command_help(const std::string& cmd) {
  if (cmd == "list") {
    const run::Catalog catalog;  // named: all() refers into it
    std::vector<std::string> families;
    for (const auto* r : catalog.all()) families.push_back(r->family());
    return "usage: orrery list [FAMILY]\nthe registered names of one family (or of every family) with a line each; "
           "families: " +
           join(families) + "\n";
  }
  if (cmd == "describe") {
    return "usage: orrery describe FAMILY NAME [--markdown]\n"
           "       orrery describe device NAME    every field of a device file with its source\n"
           "       orrery describe scenario       the top-level scenario keys\n"
           "       orrery describe all --markdown the whole key reference (scenarios/README.md)\n";
  }
  if (cmd == "topo") {
    return "usage: orrery topo SPEC.yaml\n"
           "builds a topology and prints its size, route lengths, bisection bandwidth and cost proxies; SPEC is a "
           "scenario, a file with a `cluster:` section, or a bare topology:\n"
           "  endpoints: 64                     the devices it connects\n"
           "  topology: { kind: fat_tree, ... } (orrery describe topology KIND lists the keys)\n";
  }
  return std::nullopt;
}

}  // namespace orrery::cli
