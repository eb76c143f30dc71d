#include "sim/cli/topo_report.hpp"

#include <boost/program_options/errors.hpp>
#include <fmt/format.h>

#include <iostream>

#include "sim/config/catalog.hpp"

namespace orrery::cli {

int topo_report(const std::vector<std::string>& args) {
  if (args.size() != 1) throw boost::program_options::error("usage: orrery topo SPEC.yaml");
  const config::Catalog catalog;
  const config::Document doc = config::Document::load_file(args.front());
  YAML::Node resolved(YAML::NodeType::Map);
  config::Reader r(doc, doc.root(), "", resolved);
  const int endpoints = r.required<int>("endpoints", "number of endpoints (nodes) to build it for");
  r.check(endpoints >= 1, "endpoints", "must be at least 1");
  std::shared_ptr<const topo::ScaleOutSpec> spec;
  r.section("topology", "the topology", true, [&](config::Reader& t) { spec = catalog.scale_out.create(t); });
  r.finish();
  const auto topology = spec->build(endpoints);

  int switches = 0;
  for (const auto& v : topology->vertices()) switches += v.kind == topo::VertexKind::kSwitch ? 1 : 0;
  // Route lengths over all ordered endpoint pairs (sampled past 512 endpoints).
  const int n = topology->endpoint_count();
  const int stride = n > 512 ? n / 512 : 1;
  std::size_t diameter = 0;
  double hops = 0;
  std::int64_t pairs = 0;
  std::vector<LinkId> route;
  for (int a = 0; a < n; a += stride) {
    for (int b = 0; b < n; b += stride) {
      if (a == b) continue;
      route.clear();
      topology->route(a, b, route);
      diameter = std::max(diameter, route.size());
      hops += static_cast<double>(route.size());
      ++pairs;
    }
  }
  std::cout << fmt::format("topology      {}\n", topology->kind());
  std::cout << fmt::format("endpoints     {}\nswitches      {}\nlinks         {} (directed)\n", n, switches,
                           topology->links().size());
  std::cout << fmt::format("diameter      {} hops{}\n", diameter, stride > 1 ? " (sampled)" : "");
  std::cout << fmt::format("average hops  {:.4g}\n", pairs ? hops / static_cast<double>(pairs) : 0.0);
  return 0;
}

}  // namespace orrery::cli
