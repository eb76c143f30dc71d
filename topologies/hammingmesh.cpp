#include "topologies/hammingmesh.hpp"

#include <fmt/format.h>

namespace orrery::topo {

namespace {

std::string pair_str(const std::vector<int>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return out + "]";
}

// Reads a [p, q] pair of positive sizes.
std::vector<int> read_pair(config::Reader& r, const std::vector<int>& v, const char* key) {
  r.check(v.size() == 2, key, fmt::format("expected two sizes [across, down], got {}", pair_str(v)));
  r.check(v.size() != 2 || (v[0] >= 1 && v[1] >= 1), key,
          fmt::format("sizes must be at least 1, got {}", pair_str(v)));
  return v;
}

}  // namespace

HammingMeshParams HammingMeshParams::read(config::Reader& r) {
  HammingMeshParams p;
  const auto board = r.required<std::vector<int>>(
      "board", "accelerators on a board, [a, b]: a across (west to east), b down (north to south)");
  const auto boards = r.maybe<std::vector<int>>("boards", "the board grid, [x, y]: x boards across, y down");
  const auto grid = r.maybe<std::vector<int>>(
      "grid", "instead of boards: accelerators [X, Y] across and down; boards = [X / a, Y / b]");
  p.radix = r.required<int>("radix", "ports per switch of the row and column trees (even, 4 to 4096)");
  p.link_bandwidth = r.maybe<Bandwidth>("link_bandwidth",
                                        "per-direction bandwidth of every link unless set below; in a "
                                        "cluster, defaults to the nodes' nic_bandwidth");
  p.board_link_bandwidth =
      r.maybe<Bandwidth>("board_link_bandwidth", "on-board mesh links (default link_bandwidth)");
  p.tree_link_bandwidth =
      r.maybe<Bandwidth>("tree_link_bandwidth", "row and column tree links (default link_bandwidth)");
  const auto latency =
      r.optional<Duration>("link_latency", Duration::ns(500), "latency of every link unless set below");
  p.board_link_latency = r.optional<Duration>("board_link_latency", latency, "on-board mesh links");
  p.tree_link_latency = r.optional<Duration>("tree_link_latency", latency, "row and column tree links");
  if (r.describing()) return p;

  read_pair(r, board, "board");
  p.a = board[0];
  p.b = board[1];
  r.check(boards || grid, "boards",
          "give the board grid as boards: [x, y], or the accelerator grid as grid: [X, Y]");
  r.check(!(boards && grid), "grid", "give boards or grid, not both");
  if (boards) {
    read_pair(r, *boards, "boards");
    p.x = (*boards)[0];
    p.y = (*boards)[1];
  } else {
    p.from_grid = true;
    read_pair(r, *grid, "grid");
    const int gx = (*grid)[0], gy = (*grid)[1];
    r.check(p.a <= gx && p.b <= gy, "grid",
            fmt::format("the board {} is larger than the grid {}", pair_str(board), pair_str(*grid)));
    r.check(gx % p.a == 0, "grid",
            fmt::format("the board width {} does not divide the grid width {}", p.a, gx));
    r.check(gy % p.b == 0, "grid",
            fmt::format("the board height {} does not divide the grid height {}", p.b, gy));
    p.x = gx / p.a;
    p.y = gy / p.b;
  }
  const double accelerators = static_cast<double>(p.a) * p.b * p.x * p.y;
  r.check(accelerators <= kMaxEndpoints, "board",
          fmt::format("{} accelerators are more than the {} orrery builds", accelerators, kMaxEndpoints));
  r.check(p.radix >= 4 && p.radix % 2 == 0 && p.radix <= 4096, "radix",
          fmt::format("must be even, at least 4 and at most 4096, got {}", p.radix));
  std::string why;
  DimensionTree::plan(p.x, p.b, p.radix, &why);
  r.check(why.empty(), "radix", "row trees: " + why);
  DimensionTree::plan(p.y, p.a, p.radix, &why);
  r.check(why.empty(), "radix", "column trees: " + why);
  r.check(!p.link_bandwidth || *p.link_bandwidth > Bandwidth{}, "link_bandwidth", "must be positive");
  r.check(!p.board_link_bandwidth || *p.board_link_bandwidth > Bandwidth{}, "board_link_bandwidth",
          "must be positive");
  r.check(!p.tree_link_bandwidth || *p.tree_link_bandwidth > Bandwidth{}, "tree_link_bandwidth",
          "must be positive");
  r.check(p.board_link_latency >= Duration{} && p.tree_link_latency >= Duration{}, "link_latency",
          "must not be negative");
  return p;
}

DimensionTree DimensionTree::plan(int boards, int edge, int k, std::string* problem) {
  DimensionTree t;
  const std::int64_t ports = std::int64_t{2} * edge * boards;
  t.boards_per_leaf = std::max(boards, 1);  // one switch holds every board
  if (ports <= k) return t;
  t.single = false;
  const int per_board = 2 * edge;
  t.boards_per_leaf = (k / 2) / per_board;
  if (t.boards_per_leaf < 1) {
    if (problem) {
      *problem = fmt::format(
          "{} ports do not fit one {}-port switch, and a leaf's {} down ports cannot take one "
          "board's {} edge ports",
          ports, k, k / 2, per_board);
    }
    return t;
  }
  t.leaves = (boards + t.boards_per_leaf - 1) / t.boards_per_leaf;
  t.spines = t.boards_per_leaf * per_board;
  if (t.leaves > k && problem) {
    *problem = fmt::format(
        "{} ports need {} leaves, more than a {}-port spine joins (two levels reach at most {} "
        "boards)",
        ports, t.leaves, k, std::int64_t{k} * t.boards_per_leaf);
  }
  return t;
}

HammingMesh::HammingMesh(const HammingMeshParams& p, Bandwidth board_bw, Bandwidth tree_bw)
    : a_(p.a), b_(p.b), x_(p.x), y_(p.y) {
  row_ = DimensionTree::plan(x_, b_, p.radix, nullptr);
  col_ = DimensionTree::plan(y_, a_, p.radix, nullptr);
  const int n = static_cast<int>(p.size());
  for (int by = 0; by < y_; ++by) {
    for (int bx = 0; bx < x_; ++bx) {
      for (int j = 0; j < b_; ++j) {
        for (int i = 0; i < a_; ++i)
          add_vertex(VertexKind::kEndpoint, fmt::format("b{}.{}.a{}.{}", bx, by, i, j));
      }
    }
  }
  // Switches of each tree: its leaves, then its spines.
  const auto add_tree = [&](const DimensionTree& t, const char* what, int index) {
    const int first = static_cast<int>(vertices().size());
    for (int l = 0; l < t.leaves; ++l) {
      add_vertex(VertexKind::kSwitch,
                 t.single ? fmt::format("{}{}", what, index) : fmt::format("{}{}.leaf{}", what, index, l));
    }
    for (int s = 0; s < t.spines; ++s)
      add_vertex(VertexKind::kSwitch, fmt::format("{}{}.spine{}", what, index, s));
    return first;
  };
  std::vector<int> row_first, col_first;
  for (int by = 0; by < y_; ++by) row_first.push_back(add_tree(row_, "row", by));
  for (int bx = 0; bx < x_; ++bx) col_first.push_back(add_tree(col_, "col", bx));

  mesh_.assign(static_cast<std::size_t>(n) * 4, LinkId());
  port_.assign(static_cast<std::size_t>(n) * 4, LinkId());
  const auto slot = [](int acc, int dir) {
    return static_cast<std::size_t>(acc) * 4 + static_cast<std::size_t>(dir);
  };
  for (int e = 0; e < n; ++e) {
    const Place q = place(e);
    if (q.i + 1 < a_) {
      const LinkId l = add_duplex(VertexId(e), VertexId(e + 1), board_bw, p.board_link_latency);
      mesh_[slot(e, kEast)] = l;
      mesh_[slot(e + 1, kWest)] = LinkId(l.value() + 1);
    }
    if (q.j + 1 < b_) {
      const LinkId l = add_duplex(VertexId(e), VertexId(e + a_), board_bw, p.board_link_latency);
      mesh_[slot(e, kSouth)] = l;
      mesh_[slot(e + a_, kNorth)] = LinkId(l.value() + 1);
    }
  }
  for (int e = 0; e < n; ++e) {
    const Place q = place(e);
    const VertexId row_leaf(row_first[static_cast<std::size_t>(q.by)] + q.bx / row_.boards_per_leaf);
    const VertexId col_leaf(col_first[static_cast<std::size_t>(q.bx)] + q.by / col_.boards_per_leaf);
    if (q.i == 0) port_[slot(e, kWest)] = add_duplex(VertexId(e), row_leaf, tree_bw, p.tree_link_latency);
    if (q.i == a_ - 1)
      port_[slot(e, kEast)] = add_duplex(VertexId(e), row_leaf, tree_bw, p.tree_link_latency);
    if (q.j == 0) port_[slot(e, kNorth)] = add_duplex(VertexId(e), col_leaf, tree_bw, p.tree_link_latency);
    if (q.j == b_ - 1)
      port_[slot(e, kSouth)] = add_duplex(VertexId(e), col_leaf, tree_bw, p.tree_link_latency);
  }
  const auto wire_tree = [&](const DimensionTree& t, int first, std::vector<LinkId>& up) {
    for (int l = 0; l < t.leaves; ++l) {
      for (int s = 0; s < t.spines; ++s) {
        up.push_back(
            add_duplex(VertexId(first + l), VertexId(first + t.leaves + s), tree_bw, p.tree_link_latency));
      }
    }
  };
  for (int by = 0; by < y_; ++by) wire_tree(row_, row_first[static_cast<std::size_t>(by)], row_up_);
  for (int bx = 0; bx < x_; ++bx) wire_tree(col_, col_first[static_cast<std::size_t>(bx)], col_up_);
  seal();
}

HammingMesh::Place HammingMesh::place(int e) const {
  const int board = e / (a_ * b_);
  return Place{board % x_, board / x_, e % a_, (e / a_) % b_};
}

std::optional<SpecProblem> HammingMeshSpec::problem(const ScaleOutContext& ctx) const {
  if (auto p = ScaleOutSpec::problem(ctx)) return p;
  if (!p_.board_link_bandwidth || !p_.tree_link_bandwidth) {
    if (auto p = missing_bandwidth(p_.link_bandwidth, ctx, "link_bandwidth")) return p;
  }
  if (p_.size() != ctx.endpoints) {
    return SpecProblem{p_.from_grid ? "grid" : "boards",
                       fmt::format("an Hx{}×{}Mesh on {} × {} boards has {} accelerators, but {}", p_.a, p_.b,
                                   p_.x, p_.y, p_.size(), endpoints_phrase(ctx))};
  }
  return std::nullopt;
}

std::unique_ptr<Topology> HammingMeshSpec::make(const ScaleOutContext& ctx) const {
  const Bandwidth board =
      p_.board_link_bandwidth ? *p_.board_link_bandwidth : bandwidth_or_nic(p_.link_bandwidth, ctx);
  const Bandwidth tree =
      p_.tree_link_bandwidth ? *p_.tree_link_bandwidth : bandwidth_or_nic(p_.link_bandwidth, ctx);
  return std::make_unique<HammingMesh>(p_, board, tree);
}

}  // namespace orrery::topo
