#include "topologies/cluster_graph.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace orrery::topo {

ScaleOutContext scale_out_context(int nodes, const NodeSpec& node) {
  ScaleOutContext ctx;
  ctx.nic_bandwidth = node.nic_bandwidth();
  const int nics = node.nics();
  if (node.rail_optimized() && nics > 1) {
    ctx.endpoints = nodes;
    ctx.origin = fmt::format("{} nodes, one NIC each on every one of {} rails", nodes, nics);
  } else {
    ctx.endpoints = nodes * nics;
    ctx.origin = fmt::format("{} nodes × {} NIC{}", nodes, nics, nics == 1 ? "" : "s");
  }
  return ctx;
}

ClusterGraph::ClusterGraph(int nodes, std::unique_ptr<NodeFabric> fabric, std::unique_ptr<Topology> scale_out,
                           bool rail_optimized)
    : nodes_(nodes),
      rails_(rail_optimized ? fabric->nics() : 1),
      fabric_(std::move(fabric)),
      scale_out_(std::move(scale_out)) {
  const int per_network = rails_ > 1 ? nodes_ : nodes_ * fabric_->nics();
  if (nodes_ < 1 || scale_out_->endpoint_count() != per_network) {
    throw ValueError(
        fmt::format("a cluster of {} nodes with {} NICs each needs {} scale-out network(s) of {} "
                    "endpoints, not {}",
                    nodes_, fabric_->nics(), rails_, per_network, scale_out_->endpoint_count()));
  }
  // A node's block of vertices: its devices first, so the cluster's endpoints
  // are the devices in order; then the fabric's other vertices in its order.
  const auto& fv = fabric_->vertices();
  std::vector<int> order;
  std::vector<bool> is_device(fv.size(), false);
  for (int d = 0; d < fabric_->devices(); ++d) {
    order.push_back(fabric_->endpoint(d).value());
    is_device[static_cast<std::size_t>(order.back())] = true;
  }
  for (std::size_t v = 0; v < fv.size(); ++v) {
    if (!is_device[v]) order.push_back(static_cast<int>(v));
  }
  slot_.assign(fv.size(), 0);
  for (std::size_t k = 0; k < order.size(); ++k)
    slot_[static_cast<std::size_t>(order[k])] = static_cast<int>(k);
  for (int n = 0; n < nodes_; ++n) add_node(n, order);
  std::vector<int> switches;  // the scale-out network's non-endpoint vertices
  for (std::size_t v = 0; v < scale_out_->vertices().size(); ++v) {
    if (scale_out_->vertices()[v].kind != VertexKind::kEndpoint) switches.push_back(static_cast<int>(v));
  }
  for (int r = 0; r < rails_; ++r) add_rail(r, switches);
  seal();
}

void ClusterGraph::add_node(int node, const std::vector<int>& order) {
  const auto& fv = fabric_->vertices();
  const int devices = fabric_->devices();
  const bool single = fabric_->device_is_nic();
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Vertex& v = fv[static_cast<std::size_t>(order[k])];
    const bool device = static_cast<int>(k) < devices;
    const VertexKind kind = device                            ? VertexKind::kEndpoint
                            : v.kind == VertexKind::kEndpoint ? VertexKind::kNic
                                                              : v.kind;
    add_vertex(kind, single && device ? fmt::format("d{}", node) : fmt::format("n{}.{}", node, v.name));
  }
  const auto base = static_cast<std::int32_t>(node * static_cast<int>(fv.size()));
  const auto at = [&](VertexId v) { return VertexId(base + slot_[static_cast<std::size_t>(v.value())]); };
  for (const Link& l : fabric_->links()) add_link(at(l.src), at(l.dst), l.bandwidth, l.latency);
}

void ClusterGraph::add_rail(int rail, const std::vector<int>& switches) {
  const auto& sv = scale_out_->vertices();
  const int nics = fabric_->nics();
  std::vector<VertexId> map(sv.size());
  for (int e = 0; e < scale_out_->endpoint_count(); ++e) {
    const int node = rails_ > 1 ? e : e / nics;
    const int nic = rails_ > 1 ? rail : e % nics;
    const VertexId local = fabric_->endpoint(fabric_->nic_endpoint(nic));
    const int block = static_cast<int>(fabric_->vertices().size());
    map[static_cast<std::size_t>(scale_out_->endpoint(e).value())] =
        VertexId(node * block + slot_[static_cast<std::size_t>(local.value())]);
  }
  for (int v : switches) {
    const std::string& name = sv[static_cast<std::size_t>(v)].name;
    map[static_cast<std::size_t>(v)] = add_vertex(sv[static_cast<std::size_t>(v)].kind,
                                                  rails_ > 1 ? fmt::format("rail{}.{}", rail, name) : name);
  }
  for (const Link& l : scale_out_->links()) {
    add_link(map[static_cast<std::size_t>(l.src.value())], map[static_cast<std::size_t>(l.dst.value())],
             l.bandwidth, l.latency);
  }
}

void ClusterGraph::route(int src, int dst, std::vector<LinkId>& out) const {
  check_endpoints(src, dst);
  if (src == dst) return;
  const auto leg = [&out](const Topology& t, int a, int b, std::int64_t offset) {
    const std::size_t first = out.size();
    t.route(a, b, out);
    for (std::size_t k = first; k < out.size(); ++k)
      out[k] = LinkId(static_cast<std::int32_t>(out[k].value() + offset));
  };
  const int per = fabric_->devices(), nics = fabric_->nics();
  const std::int64_t fabric_links = static_cast<std::int64_t>(fabric_->links().size());
  const int ns = src / per, ls = src % per, nd = dst / per, ld = dst % per;
  if (ns == nd) {
    leg(*fabric_, ls, ld, ns * fabric_links);
    return;
  }
  const int j = fabric_->nic_of(ld);
  const int i = rails_ > 1 ? j : fabric_->nic_of(ls);
  const int rail = rails_ > 1 ? j : 0;
  const int es = rails_ > 1 ? ns : ns * nics + i, ed = rails_ > 1 ? nd : nd * nics + j;
  leg(*fabric_, ls, fabric_->nic_endpoint(i), ns * fabric_links);
  leg(*scale_out_, es, ed,
      nodes_ * fabric_links + rail * static_cast<std::int64_t>(scale_out_->links().size()));
  leg(*fabric_, fabric_->nic_endpoint(j), ld, nd * fabric_links);
}

}  // namespace orrery::topo
