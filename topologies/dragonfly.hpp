// Dragonfly (Kim, Dally, Scott and Abts, ISCA 2008): g groups of a routers;
// the routers of a group are joined all-to-all by local links; each router
// has p endpoints and h global links to other groups. With the balanced
// g = a·h + 1 every pair of groups shares exactly one global link.
//
// Global wiring ("consecutive"): the a·h global ports of group i are numbered
// k = r·h + port; with m = g - 1, port k of group i (for k < m·⌊a·h/m⌋; the
// rest stay unused) goes to group j = (i + k mod m + 1) mod g, where it lands
// on port ⌊k/m⌋·m + (m - 1 - k mod m). So every pair of groups shares
// ⌊a·h/m⌋ links, one per round ⌊k/m⌋. Endpoint e sits on router ⌊e/p⌋;
// fewer than a·p·g endpoints leave the last routers partly empty.
//
// Routing is minimal in the dragonfly sense: local, global, local, with at
// most one global hop. Among a group pair's links it takes the one needing
// the fewest local hops, then ecmp_hash(src, dst) among equals. (A path
// through a third group can be one hop shorter in the graph, at the price of a
// second global link; minimal dragonfly routing does not take it.)
#pragma once

#include "sim/config/reader.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

struct DragonflyParams {
  int routers = 0;               // a, per group
  int endpoints_per_router = 0;  // p
  int global_links = 0;          // h, per router
  int groups = 0;                // g
  std::optional<Bandwidth> link_bandwidth, local_bandwidth, global_bandwidth;
  Duration link_latency, local_latency, global_latency;
  static DragonflyParams read(config::Reader& r);
  [[nodiscard]] int rounds() const { return groups > 1 ? routers * global_links / (groups - 1) : 0; }
};

class Dragonfly final : public Topology {
 public:
  struct Bandwidths {
    Bandwidth endpoint, local, global;
  };
  Dragonfly(const DragonflyParams& p, int endpoints, const Bandwidths& bw);
  [[nodiscard]] std::string_view kind() const override { return "dragonfly"; }
  void route(int src, int dst, std::vector<LinkId>& out) const override;

  // The router (in its group, 0..a-1) that holds global port k.
  [[nodiscard]] int port_router(int k) const { return k / h_; }
  // Group j's port at the far end of group i's port k.
  [[nodiscard]] int far_port(int k) const { return (k / m_) * m_ + (m_ - 1 - k % m_); }

 private:
  int a_, p_, h_, g_, m_, rounds_;
  std::vector<LinkId> ep_up_;   // endpoint -> its router
  std::vector<LinkId> local_;   // (group·a + r1)·a + r2: r1 -> r2
  std::vector<LinkId> global_;  // group·a·h + k: out of group's port k (invalid when unused)
};

class DragonflySpec final : public ScaleOutSpec {
 public:
  explicit DragonflySpec(DragonflyParams p) : p_(std::move(p)) {}
  [[nodiscard]] std::optional<SpecProblem> problem(const ScaleOutContext& ctx) const override;

 protected:
  [[nodiscard]] std::unique_ptr<Topology> make(const ScaleOutContext& ctx) const override;

 private:
  DragonflyParams p_;
};

}  // namespace orrery::topo
