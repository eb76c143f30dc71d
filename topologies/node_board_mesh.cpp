#include "topologies/node_board_mesh.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>

namespace orrery::topo {

BoardMeshParams BoardMeshParams::read(config::Reader& r) {
  BoardMeshParams p;
  const auto board = r.required<std::vector<int>>("board", "devices on the board, [a, b]: a across, b down");
  p.link_bandwidth = r.required<Bandwidth>("link_bandwidth", "per-direction bandwidth of each mesh link");
  p.latency = r.optional<Duration>("latency", Duration::ns(0), "latency of each mesh link");
  if (!r.describing()) {
    r.check(board.size() == 2 && board[0] >= 1 && board[1] >= 1 && std::int64_t{board[0]} * board[1] <= 4096,
            "board",
            fmt::format("expected two sizes [a, b], each at least 1, at most 4096 devices in all; got [{}]",
                        fmt::join(board, ", ")));
    p.a = board[0];
    p.b = board[1];
  }
  r.check(p.link_bandwidth > Bandwidth{}, "link_bandwidth", "must be positive");
  r.check(p.latency >= Duration{}, "latency", "must not be negative");
  p.nic = NicParams::read(r, p.a * p.b);
  return p;
}

BoardMeshFabric::BoardMeshFabric(const BoardMeshParams& p)
    : NodeFabric(p.a * p.b, p.nic.nics, false), a_(p.a) {
  const int n = p.a * p.b;
  std::vector<VertexId> dev;
  for (int d = 0; d < n; ++d)
    dev.push_back(add_vertex(VertexKind::kEndpoint, fmt::format("acc{}.{}", d % p.a, d / p.a)));
  attach_nics(p.nic, dev, Attach::kAnchor);
  east_.assign(static_cast<std::size_t>(n), LinkId());
  south_.assign(static_cast<std::size_t>(n), LinkId());
  for (int d = 0; d < n; ++d) {
    if (d % p.a + 1 < p.a)
      east_[static_cast<std::size_t>(d)] =
          add_duplex(dev[static_cast<std::size_t>(d)], dev[static_cast<std::size_t>(d + 1)], p.link_bandwidth,
                     p.latency);
    if (d / p.a + 1 < p.b)
      south_[static_cast<std::size_t>(d)] =
          add_duplex(dev[static_cast<std::size_t>(d)], dev[static_cast<std::size_t>(d + p.a)],
                     p.link_bandwidth, p.latency);
  }
  finish();
}

void BoardMeshFabric::device_route(int src, int dst, std::vector<LinkId>& out) const {
  int v = src;
  for (; v % a_ < dst % a_; ++v) out.push_back(east_[static_cast<std::size_t>(v)]);
  for (; v % a_ > dst % a_; --v) out.push_back(LinkId(east_[static_cast<std::size_t>(v - 1)].value() + 1));
  for (; v < dst; v += a_) out.push_back(south_[static_cast<std::size_t>(v)]);
  for (; v > dst; v -= a_) out.push_back(LinkId(south_[static_cast<std::size_t>(v - a_)].value() + 1));
}

int BoardMeshFabric::device_hops(int src, int dst) const {
  return std::abs(src % a_ - dst % a_) + std::abs(src / a_ - dst / a_);
}

}  // namespace orrery::topo
