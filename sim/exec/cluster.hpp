// The cluster a scenario describes: nodes of a kind (devices and the fabric
// inside), joined by a scale-out topology. It maps devices to the endpoints
// of the combined network graph; routes and link properties come from there.
#pragma once

#include <memory>

#include "models/devices/device.hpp"
#include "sim/core/ids.hpp"
#include "topologies/node_fabric.hpp"
#include "topologies/topology.hpp"
#include "workloads/workload.hpp"

namespace orrery::exec {

struct ClusterSpec {
  int nodes = 0;
  // The device in every slot, overrides applied; null for workloads that bring
  // their own timings (the profiled pipeline).
  std::shared_ptr<const models::Device> device;
  std::shared_ptr<const topo::NodeSpec> node;
  std::shared_ptr<const topo::ScaleOutSpec> scale_out;
};

class Cluster {
 public:
  explicit Cluster(const ClusterSpec& spec);

  [[nodiscard]] int device_count() const { return devices_; }
  [[nodiscard]] workload::ClusterShape shape() const { return {devices_, devices_per_node_}; }
  [[nodiscard]] const topo::Topology& network() const { return *network_; }
  // The network endpoint a device sends and receives through.
  [[nodiscard]] int endpoint_of(DeviceId d) const { return d.value(); }

 private:
  int devices_ = 0;
  int devices_per_node_ = 1;
  std::unique_ptr<topo::Topology> network_;
};

}  // namespace orrery::exec
