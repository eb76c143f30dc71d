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
    return "usage: orrery topo SPEC.yaml [--dot [FILE]] [--graphml [FILE]] [--routes]\n"
           "builds a topology and prints its size, route lengths, bisection bandwidth and cost proxies; SPEC is a "
           "scenario, a file with a `cluster:` section, or a bare topology:\n"
           "  endpoints: 64                     the devices it connects (a `file` topology has its own)\n"
           "  topology: { kind: fat_tree, ... } (orrery describe topology KIND lists the keys)\n"
           "--dot [FILE]      the built graph for Graphviz, to FILE or (without one) to stdout instead of the report\n"
           "--graphml [FILE]  the built graph as GraphML, which `kind: file` reads back\n"
           "--routes          with --graphml: every ordered pair's route by the topology's own rule (for routing: "
           "given; at most 1,024 endpoints)\n";
  }
  return std::nullopt;
}

}  // namespace orrery::cli
