// A board of a × b devices wired as a 2D mesh (no wraparound), as on a
// HammingMesh board; device j·a + i sits at column i, row j. Routes are
// dimension order, x then y. NIC i hangs off the first device it serves
// (NodeFabric::Attach::kAnchor); the others reach it over the mesh.
#pragma once

#include "topologies/node_fabric.hpp"

namespace orrery::topo {

struct BoardMeshParams {
  int a = 1, b = 1;
  Bandwidth link_bandwidth;
  Duration latency;
  NicParams nic;
  static BoardMeshParams read(config::Reader& r);
};

class BoardMeshFabric final : public NodeFabric {
 public:
  explicit BoardMeshFabric(const BoardMeshParams& p);
  [[nodiscard]] std::string_view kind() const override { return "board_mesh"; }

 protected:
  void device_route(int src, int dst, std::vector<LinkId>& out) const override;
  [[nodiscard]] int device_hops(int src, int dst) const override;

 private:
  int a_;
  std::vector<LinkId> east_, south_;  // device -> its east / south neighbour (invalid at the edge)
};

class BoardMeshNode final : public NodeWithNics {
 public:
  explicit BoardMeshNode(BoardMeshParams p) : NodeWithNics(p.nic), p_(std::move(p)) {}
  [[nodiscard]] int devices() const override { return p_.a * p_.b; }
  [[nodiscard]] std::unique_ptr<NodeFabric> build() const override {
    return std::make_unique<BoardMeshFabric>(p_);
  }

 private:
  BoardMeshParams p_;
};

}  // namespace orrery::topo
