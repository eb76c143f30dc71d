// The cluster a scenario describes: nodes of a kind (devices, NICs and the
// fabric inside), joined by a scale-out topology, built into one graph
// (topo::ClusterGraph) whose endpoints are the devices in order: device d is
// device d % k of node d / k for k devices per node. Routes and link
// properties come from network().
#pragma once

#include <memory>

#include "models/calibration/table.hpp"
#include "models/devices/device.hpp"
#include "sim/core/error.hpp"
#include "sim/core/ids.hpp"
#include "topologies/cluster_graph.hpp"
#include "topologies/node_fabric.hpp"
#include "topologies/route_table.hpp"
#include "topologies/topology.hpp"
#include "workloads/workload.hpp"

namespace orrery::exec {

struct ClusterSpec {
  ClusterSpec() = default;
  ClusterSpec(int n, std::shared_ptr<const topo::NodeSpec> kind,
              std::shared_ptr<const topo::ScaleOutSpec> network)
      : nodes(n), node(std::move(kind)), scale_out(std::move(network)) {}

  int nodes = 0;
  // The device in every slot, overrides applied; null for workloads that bring
  // their own timings (the profiled pipeline).
  std::shared_ptr<const models::Device> device;
  // The host tier (kind host) for offload; null when none is named.
  std::shared_ptr<const models::Device> host;
  // The device's calibration table (`cluster.calibration`); null: documented defaults.
  std::shared_ptr<const models::CalibrationTable> calibration;
  std::shared_ptr<const topo::NodeSpec> node;
  std::shared_ptr<const topo::ScaleOutSpec> scale_out;
  // Where the node and scale_out sections were read from, so that a network
  // found wrong only when built (disconnected, say) is reported there.
  SourceLocation node_at;
  SourceLocation scale_out_at;
};

class Cluster {
 public:
  // Throws ConfigError, at cluster.node or cluster.scale_out, when a part
  // cannot be built (wrong size, disconnected).
  explicit Cluster(const ClusterSpec& spec);

  [[nodiscard]] int device_count() const { return devices_; }
  [[nodiscard]] int devices_per_node() const { return devices_per_node_; }
  // Its size, and its grid when the scale-out network is one (topo::Grid)
  // with one device per node.
  [[nodiscard]] workload::ClusterShape shape() const;
  [[nodiscard]] const topo::Topology& network() const { return *network_; }
  // The same graph, with what it was composed of (fabric, scale-out, rails).
  [[nodiscard]] const topo::ClusterGraph& graph() const { return *network_; }
  // The node a device sits in.
  [[nodiscard]] int node_of(DeviceId d) const { return d.value() / devices_per_node_; }
  // The network endpoint a device sends and receives through.
  [[nodiscard]] int endpoint_of(DeviceId d) const { return d.value(); }
  // The run's one route table (network services and collective tuner alike):
  // routes are computed on first use, so the table grows behind a const
  // cluster; one run, one thread.
  [[nodiscard]] topo::RouteTable& routes() const { return *routes_; }

 private:
  int devices_ = 0;
  int devices_per_node_ = 1;
  std::unique_ptr<topo::ClusterGraph> network_;
  std::unique_ptr<topo::RouteTable> routes_;
};

}  // namespace orrery::exec
