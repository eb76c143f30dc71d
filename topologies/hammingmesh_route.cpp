// HammingMesh's minimal routing: the candidates of hammingmesh.hpp, costed in
// hops, the cheapest emitted link by link.
#include <array>

#include "topologies/ecmp.hpp"
#include "topologies/hammingmesh.hpp"

namespace orrery::topo {

int HammingMesh::row_hops(int bx1, int bx2) const {
  return row_.single || bx1 / row_.boards_per_leaf == bx2 / row_.boards_per_leaf ? 2 : 4;
}

int HammingMesh::col_hops(int by1, int by2) const {
  return col_.single || by1 / col_.boards_per_leaf == by2 / col_.boards_per_leaf ? 2 : 4;
}

void HammingMesh::walk(int bx, int by, int i, int j, int i2, int j2, std::vector<LinkId>& out) const {
  int e = acc(bx, by, i, j);
  const auto step = [&](Dir d) {
    const LinkId l = mesh_[static_cast<std::size_t>(e) * 4 + d];
    out.push_back(l);
    e = link(l).dst.value();
  };
  for (; i < i2; ++i) step(kEast);
  for (; i > i2; --i) step(kWest);
  for (; j < j2; ++j) step(kSouth);
  for (; j > j2; --j) step(kNorth);
}

void HammingMesh::cross(int from, Dir from_dir, int to, Dir to_dir, std::uint64_t h,
                        std::vector<LinkId>& out) const {
  const bool row = from_dir == kWest || from_dir == kEast;
  const DimensionTree& t = row ? row_ : col_;
  const Place p = place(from), q = place(to);
  out.push_back(port_[static_cast<std::size_t>(from) * 4 + from_dir]);
  if (!t.single) {
    // The tree is that of p's board row (row) or board column (column); the
    // leaf is where each board's ports are.
    const int tree = row ? p.by : p.bx;
    const int leaf_from = (row ? p.bx : p.by) / t.boards_per_leaf;
    const int leaf_to = (row ? q.bx : q.by) / t.boards_per_leaf;
    if (leaf_from != leaf_to) {
      const std::vector<LinkId>& up = row ? row_up_ : col_up_;
      const int s = static_cast<int>(h % static_cast<std::uint64_t>(t.spines));
      out.push_back(up[static_cast<std::size_t>((tree * t.leaves + leaf_from) * t.spines + s)]);
      out.push_back(
          LinkId(up[static_cast<std::size_t>((tree * t.leaves + leaf_to) * t.spines + s)].value() + 1));
    }
  }
  out.push_back(LinkId(port_[static_cast<std::size_t>(to) * 4 + to_dir].value() + 1));
}

std::optional<Grid> HammingMesh::grid() const {
  Grid g;
  const int columns = a_ * x_, rows = b_ * y_;
  g.dims = {rows, columns};
  g.order.reserve(static_cast<std::size_t>(rows) * static_cast<std::size_t>(columns));
  for (int gy = 0; gy < rows; ++gy)
    for (int gx = 0; gx < columns; ++gx) g.order.push_back(acc(gx / a_, gy / b_, gx % a_, gy % b_));
  return g;
}

void HammingMesh::route(int src, int dst, std::vector<LinkId>& out) const {
  check_endpoints(src, dst);
  if (src == dst) return;
  const Place s = place(src), d = place(dst);
  // Nearest west/east and north/south edges of each end (ties: west, north).
  const Dir sx = s.i <= a_ - 1 - s.i ? kWest : kEast, dxr = d.i <= a_ - 1 - d.i ? kWest : kEast;
  const Dir sy = s.j <= b_ - 1 - s.j ? kNorth : kSouth, dyr = d.j <= b_ - 1 - d.j ? kNorth : kSouth;
  const int s_ex = sx == kWest ? 0 : a_ - 1, d_ex = dxr == kWest ? 0 : a_ - 1;
  const int s_ey = sy == kNorth ? 0 : b_ - 1, d_ey = dyr == kNorth ? 0 : b_ - 1;
  const int dxs = std::abs(s.i - s_ex), dxd = std::abs(d.i - d_ex);
  const int dys = std::abs(s.j - s_ey), dyd = std::abs(d.j - d_ey);
  const int tr = row_hops(s.bx, d.bx), tc = col_hops(s.by, d.by);

  enum Shape { kBoard, kR, kC, kRC, kCR, kRCR, kCRC };
  constexpr int kNone = 1 << 30;
  const std::array<int, 7> cost{
      s.bx == d.bx && s.by == d.by ? std::abs(s.i - d.i) + std::abs(s.j - d.j) : kNone,
      s.by == d.by ? dxs + tr + dxd : kNone,
      s.bx == d.bx ? dys + tc + dyd : kNone,
      dxs + tr + tc + dyd,
      dys + tc + tr + dxd,
      dxs + 2 + tc + tr + dxd,
      dys + 2 + tr + tc + dyd,
  };
  int best = 0;
  for (int k = 1; k < 7; ++k) {
    if (cost[static_cast<std::size_t>(k)] < cost[static_cast<std::size_t>(best)]) best = k;
  }
  const std::uint64_t h = ecmp_hash(src, dst);
  // A corner of a board, where a row crossing hands over to a column crossing.
  const auto corner = [&](int bx, int by) { return acc(bx, by, 0, 0); };
  switch (static_cast<Shape>(best)) {
    case kBoard:
      walk(s.bx, s.by, s.i, s.j, d.i, d.j, out);
      break;
    case kR:
      walk(s.bx, s.by, s.i, s.j, s_ex, s.j, out);
      cross(acc(s.bx, s.by, s_ex, s.j), sx, acc(d.bx, d.by, d_ex, d.j), dxr, h, out);
      walk(d.bx, d.by, d_ex, d.j, d.i, d.j, out);
      break;
    case kC:
      walk(s.bx, s.by, s.i, s.j, s.i, s_ey, out);
      cross(acc(s.bx, s.by, s.i, s_ey), sy, acc(d.bx, d.by, d.i, d_ey), dyr, h, out);
      walk(d.bx, d.by, d.i, d_ey, d.i, d.j, out);
      break;
    case kRC:
      walk(s.bx, s.by, s.i, s.j, s_ex, s.j, out);
      cross(acc(s.bx, s.by, s_ex, s.j), sx, corner(d.bx, s.by), kWest, h, out);
      cross(corner(d.bx, s.by), kNorth, acc(d.bx, d.by, d.i, d_ey), dyr, h, out);
      walk(d.bx, d.by, d.i, d_ey, d.i, d.j, out);
      break;
    case kCR:
      walk(s.bx, s.by, s.i, s.j, s.i, s_ey, out);
      cross(acc(s.bx, s.by, s.i, s_ey), sy, corner(s.bx, d.by), kNorth, h, out);
      cross(corner(s.bx, d.by), kWest, acc(d.bx, d.by, d_ex, d.j), dxr, h, out);
      walk(d.bx, d.by, d_ex, d.j, d.i, d.j, out);
      break;
    case kRCR:
      walk(s.bx, s.by, s.i, s.j, s_ex, s.j, out);
      cross(acc(s.bx, s.by, s_ex, s.j), sx, corner(s.bx, s.by), kWest, h, out);
      cross(corner(s.bx, s.by), kNorth, corner(s.bx, d.by), kNorth, h, out);
      cross(corner(s.bx, d.by), kWest, acc(d.bx, d.by, d_ex, d.j), dxr, h, out);
      walk(d.bx, d.by, d_ex, d.j, d.i, d.j, out);
      break;
    case kCRC:
      walk(s.bx, s.by, s.i, s.j, s.i, s_ey, out);
      cross(acc(s.bx, s.by, s.i, s_ey), sy, corner(s.bx, s.by), kNorth, h, out);
      cross(corner(s.bx, s.by), kWest, corner(d.bx, s.by), kWest, h, out);
      cross(corner(d.bx, s.by), kNorth, acc(d.bx, d.by, d.i, d_ey), dyr, h, out);
      walk(d.bx, d.by, d.i, d_ey, d.i, d.j, out);
      break;
  }
}

}  // namespace orrery::topo
