#include "sim/cli/topo_report.hpp"

#include <fmt/format.h>
#include <boost/program_options/errors.hpp>

#include <fstream>
#include <functional>
#include <iostream>
#include <optional>

#include "sim/core/error.hpp"
#include "sim/run/topo_spec.hpp"
#include "sim/trace/atomic_file.hpp"
#include "topologies/cluster_graph.hpp"
#include "topologies/graph_export.hpp"
#include "topologies/metrics.hpp"

namespace orrery::cli {

namespace {

constexpr const char* kTopoUsage = "usage: orrery topo SPEC.yaml [--dot [FILE]] [--graphml [FILE]] [--routes]";

struct TopoArgs {
  std::string spec;
  std::optional<std::string> dot;      // "-": stdout
  std::optional<std::string> graphml;  // "-": stdout
  bool routes = false;
};

TopoArgs parse_topo_args(const std::vector<std::string>& args) {
  using boost::program_options::error;
  TopoArgs a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const auto eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    if (name == "--dot" || name == "--graphml") {
      auto& target = name == "--dot" ? a.dot : a.graphml;
      if (target) throw error(fmt::format("{} given twice", name));
      if (eq != std::string::npos) {
        target = arg.substr(eq + 1);
        if (target->empty()) throw error(fmt::format("{}= names no file", name));
      } else if (i + 1 < args.size() && (args[i + 1] == "-" || args[i + 1].rfind('-', 0) != 0)) {
        target = args[++i];
      } else {
        target = "-";
      }
    } else if (arg == "--routes") {
      a.routes = true;
    } else if (arg.rfind('-', 0) == 0 && arg != "-") {
      throw error(fmt::format("unrecognised option '{}'; {}", arg, kTopoUsage));
    } else if (a.spec.empty()) {
      a.spec = arg;
    } else {
      throw error(fmt::format("unexpected argument '{}'; {}", arg, kTopoUsage));
    }
  }
  if (a.spec.empty()) throw error(kTopoUsage);
  if (a.routes && !a.graphml) throw error("--routes goes with --graphml (the routes are written into the GraphML)");
  if (a.dot == "-" && a.graphml == "-") throw error("--dot and --graphml both write to stdout: give one a FILE");
  if (a.dot && a.graphml && *a.dot != "-" && *a.graphml != "-" && trace::same_file(*a.dot, *a.graphml)) {
    throw error(fmt::format("--dot and --graphml name the same file '{}': each output needs its own", *a.dot));
  }
  if (a.dot && *a.dot != "-") trace::check_output_path(*a.dot, "--dot");
  if (a.graphml && *a.graphml != "-") trace::check_output_path(*a.graphml, "--graphml");
  return a;
}

// Writes through a temporary renamed at the end ("-": stdout).
void write_output(const std::string& path, const std::function<void(std::ostream&)>& write) {
  if (path == "-") {
    write(std::cout);
    std::cout.flush();
    return;
  }
  trace::AtomicFile file(path);
  {
    std::ofstream out(file.temporary(), std::ios::binary);
    if (!out) throw ConfigError(fmt::format("cannot write '{}'", path));
    write(out);
    out.flush();
    if (!out) throw ConfigError(fmt::format("cannot write '{}'", path));
  }
  file.commit();
}

void print_report(const run::TopoSpec& spec) {
  const topo::Topology& net = spec.network();
  const topo::TopologyMetrics m = topo::measure(net);
  std::string kind(net.kind());
  if (spec.cluster) {
    const topo::ClusterGraph& c = spec.cluster->graph();
    kind = fmt::format("{} nodes of {} ({} device{}, {} NIC{}) on {}{}", c.nodes(), c.fabric().kind(),
                       c.fabric().devices(), c.fabric().devices() == 1 ? "" : "s", c.fabric().nics(),
                       c.fabric().nics() == 1 ? "" : "s", c.scale_out().kind(),
                       c.rails() > 1 ? fmt::format(" × {} rails", c.rails()) : "");
  }
  const int half = m.endpoints / 2;
  std::cout << fmt::format("topology      {}\n", kind);
  std::cout << fmt::format("endpoints     {}\nswitches      {}\n", m.endpoints, m.switches);
  if (m.nics) std::cout << fmt::format("NICs          {}\n", m.nics);
  std::cout << fmt::format("links         {} (directed), {} cables\n", m.links, m.cables);
  std::cout << fmt::format("switch ports  {}\n", m.switch_ports);
  std::cout << fmt::format("diameter      {} hops{}\n", m.routes.diameter, m.routes.sampled ? " (sampled)" : "");
  std::cout << fmt::format("average hops  {:.4g}\n", m.routes.average_hops);
  std::cout << fmt::format("bisection     {} ({} per endpoint of a half)\n", to_string(m.bisection),
                           half ? to_string(Bandwidth::bytes_per_s(m.bisection.bytes_per_s() / half)) : "-");
}

}  // namespace

int topo_report(const std::vector<std::string>& args) {
  const TopoArgs a = parse_topo_args(args);
  const run::Catalog catalog;
  const run::TopoSpec spec = run::load_topo_spec(catalog, a.spec);
  const topo::Topology& net = spec.network();
  const topo::ExportOptions options{spec.cluster != nullptr, a.routes};
  try {
    // The GraphML first: its routes may be refused (too many), and then no file is left.
    if (a.graphml) write_output(*a.graphml, [&](std::ostream& out) { topo::write_graphml(net, out, options); });
    if (a.dot) write_output(*a.dot, [&](std::ostream& out) { topo::write_dot(net, out, options); });
  } catch (const ValueError& e) {
    throw ConfigError(e.what());
  }
  // stdout holds the report unless a graph went there.
  if (a.dot != "-" && a.graphml != "-") print_report(spec);
  return 0;
}

}  // namespace orrery::cli
