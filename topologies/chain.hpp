// A chain of endpoints, each joined to the next by a point-to-point duplex
// link; closed into a ring when `ring` is set. The simplest scale-out network:
// a pipeline of devices on direct links, as in the quickstart scenario.
#pragma once

#include "sim/config/reader.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

struct ChainParams {
  Bandwidth link_bandwidth;
  Duration link_latency;
  bool ring = false;
  static ChainParams read(config::Reader& r);
};

class Chain final : public Topology {
 public:
  Chain(const ChainParams& p, int endpoints);
  [[nodiscard]] std::string_view kind() const override { return "chain"; }
  // Along the chain (the shorter way round on a ring).
  void route(int src, int dst, std::vector<LinkId>& out) const override;

 private:
  int n_;
  bool ring_;
};

class ChainSpec final : public ScaleOutSpec {
 public:
  explicit ChainSpec(ChainParams p) : p_(p) {}

 protected:
  [[nodiscard]] std::unique_ptr<Topology> make(const ScaleOutContext& ctx) const override;

 private:
  ChainParams p_;
};

}  // namespace orrery::topo
