// A k-ary n-dimensional torus (or mesh, without wraparound): a direct network
// whose endpoints are its routers. Endpoint i has coordinates
// c_d = (i / s_d) mod k_d with s_0 = 1, s_{d+1} = s_d·k_d (dimension 0 varies
// fastest), and one duplex link to its ±1 neighbour in every dimension. A
// ring of 2 has one link between its two endpoints, not two.
//
// Routing is dimension order (0 first), the shorter way round each ring, the
// positive direction on a tie: the hop count is the sum of the ring
// distances, which is the graph distance of a torus.
#pragma once

#include "sim/config/reader.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

struct TorusParams {
  std::vector<int> dims;
  bool wraparound = true;
  std::optional<Bandwidth> link_bandwidth;
  Duration link_latency;
  static TorusParams read(config::Reader& r);
  [[nodiscard]] std::int64_t size() const;  // product of dims
};

class Torus final : public Topology {
 public:
  Torus(const TorusParams& p, Bandwidth bw);
  [[nodiscard]] std::string_view kind() const override { return wrap_ ? "torus" : "mesh"; }
  void route(int src, int dst, std::vector<LinkId>& out) const override;
  // [k_{n−1}, ..., k_0]: with dimension 0 fastest, endpoint i is already rank i.
  [[nodiscard]] std::optional<Grid> grid() const override;

 private:
  std::vector<int> dims_;
  std::vector<int> stride_;
  bool wrap_;
  std::vector<LinkId> plus_;   // (i·n + d): i -> its +1 neighbour in dimension d (invalid at a mesh edge)
  std::vector<LinkId> minus_;  // (i·n + d): i -> its -1 neighbour
};

class TorusSpec final : public ScaleOutSpec {
 public:
  explicit TorusSpec(TorusParams p) : p_(std::move(p)) {}
  [[nodiscard]] std::optional<SpecProblem> problem(const ScaleOutContext& ctx) const override;

 protected:
  [[nodiscard]] std::unique_ptr<Topology> make(const ScaleOutContext& ctx) const override;

 private:
  TorusParams p_;
};

// "4 × 4 × 2", for messages.
[[nodiscard]] std::string times_joined(const std::vector<int>& v);

}  // namespace orrery::topo
