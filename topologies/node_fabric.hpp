// What is inside a node: its devices, its NICs, and the fabric that joins
// them, as a small Topology template that the cluster copies once per node.
// The template's endpoints are the devices 0..d-1, then the NICs d..d+n-1
// (a `single` node's one device is its own NIC). NIC i serves devices
// [i·d/n, (i+1)·d/n). Routes between any two of them are tabulated when the
// template is built, by each kind's own rule.
//
// `single` is here; nvswitch, xgmi, pcie and board_mesh have files of their
// own (node_*.hpp). A NIC is attached in one of two ways: `kStar`, a link from
// every device it serves (a PCIe switch shared by those devices), or
// `kAnchor`, one link from the first of them, the others reaching it over the
// fabric (the NIC hangs off one device, so it never offers a shortcut between
// devices).
#pragma once

#include <span>

#include "sim/config/reader.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

struct NicParams {
  int nics = 1;
  Bandwidth bandwidth;
  Duration latency;
  bool rail_optimized = false;
  // Reads nics, nic_bandwidth, nic_latency and rail_optimized for a node of `devices`.
  static NicParams read(config::Reader& r, int devices);
};

class NodeFabric : public Topology {
 public:
  [[nodiscard]] int devices() const { return devices_; }
  [[nodiscard]] int nics() const { return nics_; }
  // The endpoint index of NIC i (a device's, when the device is its own NIC).
  [[nodiscard]] int nic_endpoint(int nic) const { return device_is_nic_ ? nic : devices_ + nic; }
  // True when the one device is its own NIC (`single`).
  [[nodiscard]] bool device_is_nic() const { return device_is_nic_; }
  // The NIC that serves `device`.
  [[nodiscard]] int nic_of(int device) const { return device * nics_ / devices_; }
  // Tabulated; throws ValueError outside 0..endpoint_count()-1.
  void route(int src, int dst, std::vector<LinkId>& out) const final;

 protected:
  NodeFabric(int devices, int nics, bool device_is_nic);
  enum class Attach { kStar, kAnchor };
  // Adds the NIC vertices; call right after adding the devices.
  std::vector<VertexId> add_nic_vertices();
  // Adds the NIC vertices and links them to the devices they serve.
  void attach_nics(const NicParams& p, std::span<const VertexId> device_vertices, Attach how);
  // Seals the graph, then tabulates compute_route over every endpoint pair.
  void finish();
  // The kind's rule between two endpoints. The default goes device to device
  // by device_route, and to or from NIC i through the device nearest to it
  // among those it is attached to (device_hops; ties: the lowest index).
  virtual void compute_route(int src, int dst, std::vector<LinkId>& out) const;
  virtual void device_route(int src, int dst, std::vector<LinkId>& out) const;
  [[nodiscard]] virtual int device_hops(int src, int dst) const;

 private:
  [[nodiscard]] int gateway(int device,
                            int nic) const;  // the attached device `device` reaches NIC `nic` through

  int devices_, nics_;
  bool device_is_nic_;
  std::vector<LinkId> nic_link_;            // device -> its NIC (invalid when not attached)
  std::vector<std::vector<LinkId>> table_;  // src·endpoints + dst
};

class NodeSpec {
 public:
  virtual ~NodeSpec() = default;
  [[nodiscard]] virtual int devices() const = 0;
  [[nodiscard]] virtual int nics() const { return 1; }
  // Empty when the device is its own NIC (no NIC link of its own).
  [[nodiscard]] virtual std::optional<Bandwidth> nic_bandwidth() const { return std::nullopt; }
  [[nodiscard]] virtual bool rail_optimized() const { return false; }
  [[nodiscard]] virtual std::unique_ptr<NodeFabric> build() const = 0;
};

// A node kind with NICs of its own: the NIC keys are shared by all of them.
class NodeWithNics : public NodeSpec {
 public:
  [[nodiscard]] int nics() const override { return nic_.nics; }
  [[nodiscard]] std::optional<Bandwidth> nic_bandwidth() const override { return nic_.bandwidth; }
  [[nodiscard]] bool rail_optimized() const override { return nic_.rail_optimized; }

 protected:
  explicit NodeWithNics(NicParams nic) : nic_(nic) {}
  NicParams nic_;
};

// One device, attached straight to the scale-out network: it is its own NIC.
class SingleDeviceFabric final : public NodeFabric {
 public:
  SingleDeviceFabric();
  [[nodiscard]] std::string_view kind() const override { return "single"; }
};

class SingleDeviceNode final : public NodeSpec {
 public:
  [[nodiscard]] int devices() const override { return 1; }
  [[nodiscard]] std::unique_ptr<NodeFabric> build() const override {
    return std::make_unique<SingleDeviceFabric>();
  }
};

}  // namespace orrery::topo
