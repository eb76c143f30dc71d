#include "sim/exec/cluster.hpp"

#include <fmt/format.h>

namespace orrery::exec {

namespace {

// Builds one part, turning what its builder throws into a located ConfigError.
template <class Build>
auto located(const SourceLocation& at, const char* key, Build build) {
  try {
    return build();
  } catch (const ValueError& e) {
    throw ConfigError(at, key, e.what());
  } catch (const InfeasibleError& e) {
    throw ConfigError(at, key, e.what());
  }
}

}  // namespace

Cluster::Cluster(const ClusterSpec& spec) : devices_per_node_(spec.node->devices()) {
  if (spec.nodes < 1)
    throw ConfigError(spec.node_at, "cluster.nodes", fmt::format("must be at least 1, got {}", spec.nodes));
  devices_ = spec.nodes * devices_per_node_;
  auto fabric = located(spec.node_at, "cluster.node", [&] { return spec.node->build(); });
  const topo::ScaleOutContext ctx = topo::scale_out_context(spec.nodes, *spec.node);
  auto scale_out =
      located(spec.scale_out_at, "cluster.scale_out", [&] { return spec.scale_out->build(ctx); });
  network_ = located(spec.scale_out_at, "cluster", [&] {
    return std::make_unique<topo::ClusterGraph>(spec.nodes, std::move(fabric), std::move(scale_out),
                                                spec.node->rail_optimized());
  });
  routes_ = std::make_unique<topo::RouteTable>(*network_);
}

workload::ClusterShape Cluster::shape() const {
  workload::ClusterShape s;
  s.devices = devices_;
  s.devices_per_node = devices_per_node_;
  const topo::Topology& out = network_->scale_out();
  if (devices_per_node_ == 1 && out.endpoint_count() == devices_) {
    if (auto g = out.grid()) {
      s.grid_dims = std::move(g->dims);
      s.grid_order = std::move(g->order);
    }
  }
  return s;
}

}  // namespace orrery::exec
