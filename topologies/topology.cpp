#include "topologies/topology.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <deque>

#include "sim/core/error.hpp"

namespace orrery::topo {

VertexId Topology::add_vertex(VertexKind kind, std::string name) {
  const VertexId id(static_cast<std::int32_t>(vertices_.size()));
  vertices_.push_back(Vertex{kind, std::move(name)});
  if (kind == VertexKind::kEndpoint) endpoints_.push_back(id);
  return id;
}

LinkId Topology::add_link(VertexId src, VertexId dst, Bandwidth bw, Duration latency) {
  const LinkId id(static_cast<std::int32_t>(links_.size()));
  links_.push_back(Link{src, dst, bw, latency});
  return id;
}

void Topology::add_duplex(VertexId a, VertexId b, Bandwidth bw, Duration latency) {
  add_link(a, b, bw, latency);
  add_link(b, a, bw, latency);
}

void Topology::seal() {
  Graph g(vertices_.size());
  for (std::size_t i = 0; i < links_.size(); ++i) {
    boost::add_edge(static_cast<std::size_t>(links_[i].src.value()), static_cast<std::size_t>(links_[i].dst.value()),
                    EdgeProps{LinkId(static_cast<std::int32_t>(i))}, g);
  }
  graph_.swap(g);
}

std::string Topology::link_name(LinkId id) const {
  const Link& l = link(id);
  return fmt::format("{}->{}", vertices_[static_cast<std::size_t>(l.src.value())].name,
                     vertices_[static_cast<std::size_t>(l.dst.value())].name);
}

void Topology::route(int src, int dst, std::vector<LinkId>& out) const {
  if (src < 0 || dst < 0 || src >= endpoint_count() || dst >= endpoint_count()) {
    throw ValueError(fmt::format("endpoint out of range: {} -> {} (the topology has {} endpoints)", src, dst,
                                 endpoint_count()));
  }
  bfs_route(endpoint(src), endpoint(dst), out);
}

void Topology::bfs_route(VertexId src, VertexId dst, std::vector<LinkId>& out) const {
  if (src == dst) return;
  const std::size_t n = vertices_.size();
  std::vector<std::int32_t> via(n, -1);  // the link that reached each vertex
  std::vector<bool> seen(n, false);
  std::deque<std::size_t> queue{static_cast<std::size_t>(src.value())};
  seen[static_cast<std::size_t>(src.value())] = true;
  while (!queue.empty()) {
    const std::size_t v = queue.front();
    queue.pop_front();
    if (v == static_cast<std::size_t>(dst.value())) break;
    for (auto [e, end] = boost::out_edges(v, graph_); e != end; ++e) {
      const std::size_t w = boost::target(*e, graph_);
      if (seen[w]) continue;
      seen[w] = true;
      via[w] = graph_[*e].link.value();
      queue.push_back(w);
    }
  }
  if (!seen[static_cast<std::size_t>(dst.value())]) {
    throw InfeasibleError(fmt::format("no path from {} to {}", vertices_[static_cast<std::size_t>(src.value())].name,
                                      vertices_[static_cast<std::size_t>(dst.value())].name));
  }
  const std::size_t first = out.size();
  for (std::size_t v = static_cast<std::size_t>(dst.value()); v != static_cast<std::size_t>(src.value());) {
    const LinkId l(via[v]);
    out.push_back(l);
    v = static_cast<std::size_t>(link(l).src.value());
  }
  std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

}  // namespace orrery::topo
