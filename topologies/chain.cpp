#include "topologies/chain.hpp"

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace orrery::topo {

ChainParams ChainParams::read(config::Reader& r) {
  ChainParams p;
  p.link_bandwidth = r.required<Bandwidth>("link_bandwidth", "per-direction bandwidth of each link");
  p.link_latency = r.optional<Duration>("link_latency", Duration::ns(0), "latency of each link");
  p.ring = r.optional<bool>("ring", false, "join the last endpoint to the first");
  r.check(p.link_bandwidth > Bandwidth{}, "link_bandwidth", "must be positive");
  r.check(p.link_latency >= Duration{}, "link_latency", "must not be negative");
  return p;
}

// Endpoint i is vertex i; link 2i goes i -> i+1 and link 2i+1 goes back.
Chain::Chain(const ChainParams& p, int endpoints) : n_(endpoints), ring_(p.ring && endpoints > 2) {
  if (endpoints < 1) throw ValueError("a chain needs at least one endpoint");
  for (int i = 0; i < n_; ++i) add_vertex(VertexKind::kEndpoint, fmt::format("d{}", i));
  const int spans = ring_ ? n_ : n_ - 1;
  for (int i = 0; i < spans; ++i) {
    add_duplex(VertexId(i), VertexId((i + 1) % n_), p.link_bandwidth, p.link_latency);
  }
  seal();
}

void Chain::route(int src, int dst, std::vector<LinkId>& out) const {
  check_endpoints(src, dst);
  int forward = ((dst - src) % n_ + n_) % n_;  // hops going up
  if (!ring_) forward = dst >= src ? dst - src : -1;
  const bool up = ring_ ? forward <= n_ - forward : forward >= 0;
  int v = src;
  while (v != dst) {
    if (up) {
      out.emplace_back(2 * v);
      v = (v + 1) % n_;
    } else {
      const int prev = (v - 1 + n_) % n_;
      out.emplace_back(2 * prev + 1);
      v = prev;
    }
  }
}

std::unique_ptr<Topology> ChainSpec::make(const ScaleOutContext& ctx) const {
  return std::make_unique<Chain>(p_, ctx.endpoints);
}

}  // namespace orrery::topo
