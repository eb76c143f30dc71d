#include "topologies/graph_export.hpp"

#include <fmt/format.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/graphml.hpp>
#include <boost/graph/graphviz.hpp>
#pragma GCC diagnostic pop

#include "sim/core/error.hpp"

namespace orrery::topo {

namespace {

struct ExportVertex {
  std::string name, kind, shape;
};
struct ExportEdge {
  std::string bandwidth, latency;
};
struct ExportGraph {
  std::string routes;
};

// The printed unit where it reads back exactly, else bytes per second.
std::string bandwidth_text(Bandwidth bw) {
  std::string s = to_string(bw);
  if (parse_bandwidth(s).bytes_per_s() == bw.bytes_per_s()) return s;
  return fmt::format("{} B/s", bw.bytes_per_s());
}

std::string latency_text(Duration d) {
  std::string s = to_string(d);
  if (parse_duration(s) == d) return s;
  return fmt::format("{} ns", d.count());
}

std::string kind_text(VertexKind k, bool devices) {
  switch (k) {
    case VertexKind::kEndpoint:
      return devices ? "device" : "endpoint";
    case VertexKind::kSwitch:
      return "switch";
    case VertexKind::kNic:
      return "nic";
  }
  return "endpoint";
}

// Every ordered pair's route by the topology's rule, a line each: the names
// of the vertices it visits.
std::string routes_text(const Topology& t, std::uintmax_t max_bytes) {
  const int n = t.endpoint_count();
  if (n > kMaxExportedRouteEndpoints) {
    throw ValueError(fmt::format("--routes lists every ordered pair of endpoints: {} endpoints make {} routes; it "
                                 "writes them for at most {} endpoints",
                                 n, static_cast<std::int64_t>(n) * (n - 1), kMaxExportedRouteEndpoints));
  }
  std::string out = "\n";
  std::vector<LinkId> route;
  const auto name = [&t](VertexId v) -> const std::string& {
    return t.vertices()[static_cast<std::size_t>(v.value())].name;
  };
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      if (a == b) continue;
      route.clear();
      t.route(a, b, route);
      out += name(t.endpoint(a));
      for (LinkId l : route) out += " " + name(t.link(l).dst);
      out += "\n";
      if (out.size() > max_bytes) {
        throw ValueError(fmt::format("--routes: the routes of these {} endpoints take more than {} bytes of text (past "
                                     "route {} -> {}), more than a `file` topology reads back",
                                     n, max_bytes, a, b));
      }
    }
  }
  return out;
}

template <class Direction>
void write_with(const Topology& t, std::ostream& out, const ExportOptions& o, bool graphml) {
  using G = boost::adjacency_list<boost::vecS, boost::vecS, Direction, ExportVertex, ExportEdge, ExportGraph>;
  constexpr bool kUndirected = std::is_same_v<Direction, boost::undirectedS>;
  G g(t.vertices().size());
  for (std::size_t v = 0; v < t.vertices().size(); ++v) {
    const Vertex& x = t.vertices()[v];
    g[v] = ExportVertex{x.name, kind_text(x.kind, o.endpoints_are_devices),
                        x.kind == VertexKind::kSwitch ? "box" : x.kind == VertexKind::kNic ? "diamond" : "ellipse"};
  }
  for (std::size_t l = 0; l < t.links().size(); l += kUndirected ? 2 : 1) {
    const Link& k = t.links()[l];
    boost::add_edge(static_cast<std::size_t>(k.src.value()), static_cast<std::size_t>(k.dst.value()),
                    ExportEdge{bandwidth_text(k.bandwidth), latency_text(k.latency)}, g);
  }
  boost::dynamic_properties dp;
  dp.property("name", boost::get(&ExportVertex::name, g));
  dp.property("kind", boost::get(&ExportVertex::kind, g));
  dp.property("bandwidth", boost::get(&ExportEdge::bandwidth, g));
  dp.property("latency", boost::get(&ExportEdge::latency, g));
  if (!graphml) {
    dp.property("shape", boost::get(&ExportVertex::shape, g));
    boost::write_graphviz_dp(out, g, dp, "name");
    return;
  }
  if (o.routes) {
    g[boost::graph_bundle].routes = routes_text(t, o.max_route_bytes);
    dp.property("routes", boost::make_constant_property<G*>(g[boost::graph_bundle].routes));
  }
  boost::write_graphml(out, g, dp, true);
}

void write_graph(const Topology& t, std::ostream& out, const ExportOptions& options, bool graphml) {
  if (links_pair_as_duplex(t)) {
    write_with<boost::undirectedS>(t, out, options, graphml);
  } else {
    write_with<boost::directedS>(t, out, options, graphml);
  }
}

}  // namespace

bool links_pair_as_duplex(const Topology& t) {
  const auto& links = t.links();
  if (links.size() % 2 != 0) return false;
  for (std::size_t l = 0; l < links.size(); l += 2) {
    const Link& a = links[l];
    const Link& b = links[l + 1];
    if (a.src != b.dst || a.dst != b.src || a.bandwidth.bytes_per_s() != b.bandwidth.bytes_per_s() ||
        a.latency != b.latency) {
      return false;
    }
  }
  return true;
}

void write_dot(const Topology& t, std::ostream& out, const ExportOptions& options) {
  write_graph(t, out, options, false);
}

void write_graphml(const Topology& t, std::ostream& out, const ExportOptions& options) {
  write_graph(t, out, options, true);
}

}  // namespace orrery::topo
