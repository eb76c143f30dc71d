#include "sim/cli/topo_report.hpp"

#include <fmt/format.h>
#include <boost/program_options/errors.hpp>

#include <iostream>

#include "sim/run/topo_spec.hpp"
#include "topologies/cluster_graph.hpp"
#include "topologies/metrics.hpp"

namespace orrery::cli {

int topo_report(const std::vector<std::string>& args) {
  if (args.size() != 1) throw boost::program_options::error("usage: orrery topo SPEC.yaml");
  const run::Catalog catalog;
  const run::TopoSpec spec = run::load_topo_spec(catalog, args.front());
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
  std::cout << fmt::format("diameter      {} hops{}\n", m.routes.diameter,
                           m.routes.sampled ? " (sampled)" : "");
  std::cout << fmt::format("average hops  {:.4g}\n", m.routes.average_hops);
  std::cout << fmt::format("bisection     {} ({} per endpoint of a half)\n", to_string(m.bisection),
                           half ? to_string(Bandwidth::bytes_per_s(m.bisection.bytes_per_s() / half)) : "-");
  return 0;
}

}  // namespace orrery::cli
