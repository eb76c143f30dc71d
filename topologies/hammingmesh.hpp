// HammingMesh, Hx(a×b)Mesh (Hoefler et al., SC22; shared/validation/README.md):
// accelerators sit on a × b boards wired as a 2D mesh (a across, west to
// east; b down, north to south); boards form an x × y grid. Each board row
// has its own row tree joining the west and east board-edge ports of its x
// boards (2·b·x ports), each board column a column tree joining the north and
// south ports of its y boards (2·a·y ports). A tree is one switch when its
// ports fit the radix k, else a non-blocking leaf-spine: whole boards per leaf
// (⌊(k/2) / (2·edge)⌋ of them), as many spines as a leaf has ports down.
// Hx1Mesh (a = b = 1) is a 2D HyperX of switches. Accelerator numbering is
// board-major: ((by·x + bx)·b + j)·a + i for board (bx, by) and place (i, j).
//
// Routing is minimal. A route is a sequence of tree crossings, each entering
// or leaving a board at an edge port; between two crossings it waits on a
// board corner, which has both a row and a column port, at no cost. With T the
// crossing's hops (2 through one switch, 4 through a spine) and dx, dy the
// distance from a place to its nearest west/east or north/south edge, the
// candidates are: on-board only (same board, dimension order x then y);
// R = dx + T + dx' (same board row); C (same board column); RC and CR, the
// two orders for another row and column; RCR and CRC, which pay one more
// crossing to skip an on-board walk (they win on boards wider than 5). The
// cheapest wins; on ties the earlier in that list, so row before column. On
// board a walk is dimension order; in a two-level tree the spine is picked by
// ecmp_hash(src, dst).
#pragma once

#include "sim/config/reader.hpp"
#include "topologies/topology.hpp"

namespace orrery::topo {

struct HammingMeshParams {
  int a = 1, b = 1;        // board: accelerators across, and down
  int x = 1, y = 1;        // boards across, and down
  bool from_grid = false;  // given as grid: [X, Y] rather than boards: [x, y]
  int radix = 0;
  std::optional<Bandwidth> link_bandwidth, board_link_bandwidth, tree_link_bandwidth;
  Duration board_link_latency, tree_link_latency;
  static HammingMeshParams read(config::Reader& r);
  [[nodiscard]] std::int64_t size() const { return std::int64_t{a} * b * x * y; }
};

// One dimension tree's shape (all row trees are alike, and all column trees).
struct DimensionTree {
  bool single = true;
  int boards_per_leaf = 1;
  int leaves = 1;
  int spines = 0;
  // Shape for `boards` boards with `edge` accelerators on each of the two
  // joined edges; an error message when radix `k` cannot build it in two levels.
  static DimensionTree plan(int boards, int edge, int k, std::string* problem);
};

class HammingMesh final : public Topology {
 public:
  HammingMesh(const HammingMeshParams& p, Bandwidth board_bw, Bandwidth tree_bw);
  [[nodiscard]] std::string_view kind() const override { return "hammingmesh"; }
  void route(int src, int dst, std::vector<LinkId>& out) const override;
  // The accelerators as one grid of b·y rows by a·x columns: rank
  // gy·(a·x) + gx is the accelerator at global column gx = bx·a + i and row
  // gy = by·b + j (numbering is board-major, so rank and id differ).
  [[nodiscard]] std::optional<Grid> grid() const override;

  enum Dir { kWest = 0, kEast = 1, kNorth = 2, kSouth = 3 };

 private:
  struct Place {
    int bx, by, i, j;
  };
  [[nodiscard]] Place place(int e) const;
  [[nodiscard]] int acc(int bx, int by, int i, int j) const { return ((by * x_ + bx) * b_ + j) * a_ + i; }
  [[nodiscard]] int row_hops(int bx1, int bx2) const;  // T of a row-tree crossing
  [[nodiscard]] int col_hops(int by1, int by2) const;
  // On-board walk, x then y.
  void walk(int bx, int by, int i, int j, int i2, int j2, std::vector<LinkId>& out) const;
  // Tree crossing from accelerator `from`'s `from_dir` port to `to`'s `to_dir` port.
  void cross(int from, Dir from_dir, int to, Dir to_dir, std::uint64_t h, std::vector<LinkId>& out) const;

  int a_, b_, x_, y_;
  DimensionTree row_, col_;
  std::vector<LinkId> mesh_;    // accelerator·4 + Dir: on-board link that way (invalid at a board edge)
  std::vector<LinkId> port_;    // accelerator·4 + Dir: accelerator -> its tree switch through that edge port
  std::vector<LinkId> row_up_;  // (by·leaves + leaf)·spines + s: row tree leaf -> spine s
  std::vector<LinkId> col_up_;  // (bx·leaves + leaf)·spines + s
};

class HammingMeshSpec final : public ScaleOutSpec {
 public:
  explicit HammingMeshSpec(HammingMeshParams p) : p_(std::move(p)) {}
  [[nodiscard]] std::optional<SpecProblem> problem(const ScaleOutContext& ctx) const override;

 protected:
  [[nodiscard]] std::unique_ptr<Topology> make(const ScaleOutContext& ctx) const override;

 private:
  HammingMeshParams p_;
};

}  // namespace orrery::topo
