// Fat trees (folded Clos networks) of any endpoint count: 2 levels (leaf and
// spine) or 3 (leaf, aggregation, core), built from switches of one radix k.
//
// Tier t (leaves t = 1, aggregation t = 2) splits its k ports into d_t down
// and u_t = round(k / (1 + o_t)) up, o_t being that tier's oversubscription
// (down:up; 1 = non-blocking, d = u = k/2). The top tier points all k ports
// down. 2 levels: ceil(N/d1) leaves, u1 spines, each leaf one link to each
// spine; at most k·d1 endpoints. 3 levels: leaves in pods of d2, each pod u1
// aggregation switches joined to each of its leaves; u1·u2 cores in u1 planes,
// core (a, c) joined to aggregation switch a of every pod; at most k·d2·d1
// endpoints (k³/4 when non-blocking, as in Al-Fares et al., SIGCOMM 2008).
// Only the last leaf and pod may be partly filled; a tier that one switch
// below it does not need (one leaf, or one pod) is not built.
//
// Routing is up/down: up to the lowest common tier, then down, picking the
// uplink among the u1 (and u2) equal-cost ones by ecmp_hash(src, dst).
#pragma once

#include "sim/config/reader.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

struct FatTreeParams {
  int levels = 2;
  int radix = 0;
  std::optional<Bandwidth> link_bandwidth;
  Duration link_latency;
  std::vector<double> oversubscription;  // one per tier below the top, leaves first
  static FatTreeParams read(config::Reader& r);

  // Up ports of tier t (0 = leaves) under the rounding above; down = radix - up.
  [[nodiscard]] int up_ports(int tier) const;
  // The most endpoints these switches can join.
  [[nodiscard]] std::int64_t capacity() const;
};

class FatTree final : public Topology {
 public:
  FatTree(const FatTreeParams& p, int endpoints, Bandwidth bw);
  [[nodiscard]] std::string_view kind() const override { return "fat_tree"; }
  void route(int src, int dst, std::vector<LinkId>& out) const override;

  [[nodiscard]] int leaves() const { return leaves_; }
  [[nodiscard]] int pods() const { return pods_; }

 private:
  int levels_;
  int d1_, u1_, d2_, u2_;
  int leaves_ = 0, pods_ = 0;
  std::vector<LinkId> ep_up_;    // endpoint e -> its leaf
  std::vector<LinkId> leaf_up_;  // leaf l -> spine (or aggregation switch) a, at l·u1 + a
  std::vector<LinkId> agg_up_;   // aggregation (pod p, a) -> core (a, c), at (p·u1 + a)·u2 + c
};

class FatTreeSpec final : public ScaleOutSpec {
 public:
  explicit FatTreeSpec(FatTreeParams p) : p_(std::move(p)) {}
  [[nodiscard]] std::optional<SpecProblem> problem(const ScaleOutContext& ctx) const override;

 protected:
  [[nodiscard]] std::unique_ptr<Topology> make(const ScaleOutContext& ctx) const override;

 private:
  FatTreeParams p_;
};

}  // namespace orrery::topo
