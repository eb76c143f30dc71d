// An AMD node whose GCDs are joined point to point by xGMI (Infinity Fabric)
// links of one per-link bandwidth; a pair joined by c links is one link of c
// times that bandwidth. Routes take the fewest xGMI hops (breadth-first over
// the xGMI links only, the first-listed link on ties).
//
// Default wiring, for an even number of GCDs, two per MI250X package (the
// bandwidth tiers of the OLCF Frontier User Guide, "Frontier Compute Nodes":
// 200 GB/s between the two GCDs of a package, 50-100 GB/s between packages,
// at 50 GB/s per link): GCDs 2k and 2k+1 share 4 links; every pair of
// packages k, k' has one link between GCDs 2k and 2k', and one between 2k+1
// and 2k'+1. That is a stand-in with the same tiers, not the exact pairs of
// Frontier's node diagram; give `links:` to wire those (or any partial mesh).
// NIC i hangs off the first GCD it serves (Attach::kAnchor): with 8 GCDs and
// 4 NICs, one NIC per package, as on Frontier.
#pragma once

#include <array>

#include "topologies/node_fabric.hpp"

namespace orrery::topo {

struct XgmiParams {
  int devices = 8;
  Bandwidth link_bandwidth;
  Duration latency;
  std::vector<std::array<int, 3>> links;  // (gcd, gcd, number of links)
  NicParams nic;
  static XgmiParams read(config::Reader& r);
  static std::vector<std::array<int, 3>> mi250x_wiring(int devices);
};

class XgmiFabric final : public NodeFabric {
 public:
  explicit XgmiFabric(const XgmiParams& p);
  [[nodiscard]] std::string_view kind() const override { return "xgmi"; }

 protected:
  void device_route(int src, int dst, std::vector<LinkId>& out) const override;
  [[nodiscard]] int device_hops(int src, int dst) const override;

 private:
  std::vector<std::vector<LinkId>> routes_;  // src·devices + dst, over xGMI links only
};

class XgmiNode final : public NodeWithNics {
 public:
  explicit XgmiNode(XgmiParams p) : NodeWithNics(p.nic), p_(std::move(p)) {}
  [[nodiscard]] int devices() const override { return p_.devices; }
  [[nodiscard]] std::unique_ptr<NodeFabric> build() const override {
    return std::make_unique<XgmiFabric>(p_);
  }

 private:
  XgmiParams p_;
};

}  // namespace orrery::topo
