#include "topologies/metrics.hpp"

#include <cmath>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/push_relabel_max_flow.hpp>
#pragma GCC diagnostic pop

namespace orrery::topo {

namespace {

using FlowTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<boost::edge_capacity_t, std::int64_t,
                    boost::property<boost::edge_residual_capacity_t, std::int64_t,
                                    boost::property<boost::edge_reverse_t, FlowTraits::edge_descriptor>>>>;

// An edge of capacity `cap` and its zero-capacity reverse, as the max-flow
// algorithms need.
void add_arc(FlowGraph& g, std::size_t u, std::size_t v, std::int64_t cap) {
  auto capacity = boost::get(boost::edge_capacity, g);
  auto reverse = boost::get(boost::edge_reverse, g);
  const auto e = boost::add_edge(u, v, g).first;
  const auto back = boost::add_edge(v, u, g).first;
  capacity[e] = cap;
  capacity[back] = 0;
  reverse[e] = back;
  reverse[back] = e;
}

}  // namespace

RouteStats route_stats(const Topology& t, int max_side) {
  RouteStats s;
  const int n = t.endpoint_count();
  const int stride = n > max_side ? (n + max_side - 1) / max_side : 1;
  s.sampled = stride > 1;
  // Endpoint k·stride + (k mod stride) of each block, so that the sample does
  // not land on the same place of every node (or board, or leaf) when the
  // stride is a multiple of its size.
  std::vector<int> sample;
  for (int k = 0; k * stride < n; ++k) sample.push_back(std::min(n - 1, k * stride + k % stride));
  std::vector<LinkId> route;
  double hops = 0;
  for (int a : sample) {
    for (int b : sample) {
      if (a == b) continue;
      route.clear();
      t.route(a, b, route);
      s.diameter = std::max(s.diameter, static_cast<int>(route.size()));
      hops += static_cast<double>(route.size());
      ++s.pairs;
    }
  }
  s.average_hops = s.pairs ? hops / static_cast<double>(s.pairs) : 0.0;
  return s;
}

Bandwidth bisection_bandwidth(const Topology& t) {
  const int n = t.endpoint_count();
  if (n < 2) return Bandwidth{};
  const std::size_t vertices = t.vertices().size();
  const std::size_t source = vertices, sink = vertices + 1;
  FlowGraph g(vertices + 2);
  // Capacities in whole bytes per second; "unbounded" is more than all links together.
  std::int64_t total = 1;
  for (const Link& l : t.links()) {
    const auto cap = static_cast<std::int64_t>(std::llround(l.bandwidth.bytes_per_s()));
    add_arc(g, static_cast<std::size_t>(l.src.value()), static_cast<std::size_t>(l.dst.value()), cap);
    total += cap;
  }
  for (int e = 0; e < n; ++e) {
    const auto v = static_cast<std::size_t>(t.endpoint(e).value());
    if (e < n / 2)
      add_arc(g, source, v, total);
    else
      add_arc(g, v, sink, total);
  }
  const std::int64_t flow = boost::push_relabel_max_flow(g, source, sink);
  return Bandwidth::bytes_per_s(static_cast<double>(flow));
}

TopologyMetrics measure(const Topology& t) {
  TopologyMetrics m;
  m.endpoints = t.endpoint_count();
  for (const Vertex& v : t.vertices()) {
    m.switches += v.kind == VertexKind::kSwitch ? 1 : 0;
    m.nics += v.kind == VertexKind::kNic ? 1 : 0;
  }
  m.links = static_cast<std::int64_t>(t.links().size());
  for (const Link& l : t.links()) {
    m.cables += l.src.value() < l.dst.value() ? 1 : 0;
    m.switch_ports +=
        t.vertices()[static_cast<std::size_t>(l.src.value())].kind == VertexKind::kSwitch ? 1 : 0;
  }
  m.routes = route_stats(t);
  m.bisection = bisection_bandwidth(t);
  return m;
}

}  // namespace orrery::topo
