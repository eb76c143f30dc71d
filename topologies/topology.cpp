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

LinkId Topology::add_duplex(VertexId a, VertexId b, Bandwidth bw, Duration latency) {
  const LinkId there = add_link(a, b, bw, latency);
  add_link(b, a, bw, latency);
  return there;
}

void Topology::seal() {
  check_connected();
}

void Topology::build_graph() const {
  Graph g(vertices_.size());
  for (std::size_t i = 0; i < links_.size(); ++i) {
    boost::add_edge(static_cast<std::size_t>(links_[i].src.value()),
                    static_cast<std::size_t>(links_[i].dst.value()),
                    EdgeProps{LinkId(static_cast<std::int32_t>(i))}, g);
  }
  graph_.swap(g);
}

void Topology::check_connected() const {
  if (endpoints_.empty()) return;
  // Forward and backward reachability from endpoint 0, over plain adjacency
  // arrays (a reversed Boost graph would cost as much again).
  const std::size_t n = vertices_.size();
  std::vector<std::vector<std::int32_t>> fwd(n), back(n);
  for (const Link& l : links_) {
    fwd[static_cast<std::size_t>(l.src.value())].push_back(l.dst.value());
    back[static_cast<std::size_t>(l.dst.value())].push_back(l.src.value());
  }
  const auto reach = [&](const std::vector<std::vector<std::int32_t>>& adj) {
    std::vector<bool> seen(n, false);
    std::deque<std::int32_t> queue{endpoints_.front().value()};
    seen[static_cast<std::size_t>(endpoints_.front().value())] = true;
    while (!queue.empty()) {
      const auto v = static_cast<std::size_t>(queue.front());
      queue.pop_front();
      for (std::int32_t w : adj[v]) {
        if (!seen[static_cast<std::size_t>(w)]) {
          seen[static_cast<std::size_t>(w)] = true;
          queue.push_back(w);
        }
      }
    }
    return seen;
  };
  const auto from0 = reach(fwd);
  const auto to0 = reach(back);
  const std::string& first = vertices_[static_cast<std::size_t>(endpoints_.front().value())].name;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    const auto v = static_cast<std::size_t>(endpoints_[i].value());
    if (from0[v] && to0[v]) continue;
    throw InfeasibleError(fmt::format("the {} network is disconnected: endpoint {} ({}) {} endpoint 0 ({})",
                                      kind(), i, vertices_[v].name,
                                      from0[v] ? "cannot reach" : "cannot be reached from", first));
  }
}

std::string Topology::link_name(LinkId id) const {
  const Link& l = link(id);
  return fmt::format("{}->{}", vertices_[static_cast<std::size_t>(l.src.value())].name,
                     vertices_[static_cast<std::size_t>(l.dst.value())].name);
}

void Topology::check_endpoints(int src, int dst) const {
  if (src < 0 || dst < 0 || src >= endpoint_count() || dst >= endpoint_count()) {
    throw ValueError(fmt::format("endpoint out of range: {} -> {} (the topology has {} endpoints)", src, dst,
                                 endpoint_count()));
  }
}

void Topology::route(int src, int dst, std::vector<LinkId>& out) const {
  check_endpoints(src, dst);
  bfs_route(endpoint(src), endpoint(dst), out);
}

void Topology::bfs_route(VertexId src, VertexId dst, std::vector<LinkId>& out) const {
  if (src == dst) return;
  const Graph& g = graph();
  const std::size_t n = vertices_.size();
  std::vector<std::int32_t> via(n, -1);  // the link that reached each vertex
  std::vector<bool> seen(n, false);
  std::deque<std::size_t> queue{static_cast<std::size_t>(src.value())};
  seen[static_cast<std::size_t>(src.value())] = true;
  while (!queue.empty()) {
    const std::size_t v = queue.front();
    queue.pop_front();
    if (v == static_cast<std::size_t>(dst.value())) break;
    for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) {
      const std::size_t w = boost::target(*e, g);
      if (seen[w]) continue;
      seen[w] = true;
      via[w] = g[*e].link.value();
      queue.push_back(w);
    }
  }
  if (!seen[static_cast<std::size_t>(dst.value())]) {
    throw InfeasibleError(fmt::format("no path from {} to {}",
                                      vertices_[static_cast<std::size_t>(src.value())].name,
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

std::vector<int> Topology::hop_distances(VertexId src) const {
  const Graph& g = graph();
  std::vector<int> dist(vertices_.size(), -1);
  std::deque<std::size_t> queue{static_cast<std::size_t>(src.value())};
  dist[static_cast<std::size_t>(src.value())] = 0;
  while (!queue.empty()) {
    const std::size_t v = queue.front();
    queue.pop_front();
    for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) {
      const std::size_t w = boost::target(*e, g);
      if (dist[w] >= 0) continue;
      dist[w] = dist[v] + 1;
      queue.push_back(w);
    }
  }
  return dist;
}

std::optional<SpecProblem> ScaleOutSpec::problem(const ScaleOutContext& ctx) const {
  if (ctx.endpoints < 1) {
    return SpecProblem{"", fmt::format("needs at least one endpoint, got {}", ctx.endpoints)};
  }
  if (ctx.endpoints > kMaxEndpoints) {
    return SpecProblem{"", fmt::format("{}, more than the {} orrery builds", endpoints_phrase(ctx), kMaxEndpoints)};
  }
  return std::nullopt;
}

std::unique_ptr<Topology> ScaleOutSpec::build(const ScaleOutContext& ctx) const {
  if (auto p = problem(ctx))
    throw ValueError(p->key.empty() ? p->message : fmt::format("{}: {}", p->key, p->message));
  return make(ctx);
}

std::string endpoints_phrase(const ScaleOutContext& ctx) {
  if (ctx.origin.empty()) return fmt::format("the network must join {} endpoints", ctx.endpoints);
  return fmt::format("the network must join {} endpoints ({})", ctx.endpoints, ctx.origin);
}

std::optional<SpecProblem> missing_bandwidth(const std::optional<Bandwidth>& given,
                                             const ScaleOutContext& ctx, const char* key) {
  if (given || ctx.nic_bandwidth) return std::nullopt;
  return SpecProblem{key,
                     fmt::format("missing required key '{}' (it defaults to the nodes' nic_bandwidth only "
                                 "inside a cluster whose node kind has NICs)",
                                 key)};
}

Bandwidth bandwidth_or_nic(const std::optional<Bandwidth>& given, const ScaleOutContext& ctx) {
  if (given) return *given;
  if (ctx.nic_bandwidth) return *ctx.nic_bandwidth;
  throw ValueError("no link bandwidth given, and no NIC bandwidth to default to");
}

}  // namespace orrery::topo
