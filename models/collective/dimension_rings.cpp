#include "models/collective/dimension_rings.hpp"

#include <fmt/format.h>

#include "models/collective/ring_collectives.hpp"
#include "sim/core/suggest.hpp"

namespace orrery::models {

std::string DimensionRingsAlgorithm::check(const CollectiveCall& call) const {
  if (call.dims.empty()) return "needs the group's grid shape (dims)";
  std::int64_t product = 1;
  for (int d : call.dims) {
    if (d < 1) return fmt::format("every grid extent must be at least 1, got {}", d);
    product *= d;
    if (product > call.ranks) break;
  }
  if (product != call.ranks) {
    std::vector<std::string> shown;
    for (int d : call.dims) shown.push_back(std::to_string(d));
    return fmt::format("the grid {} holds {} ranks, but the group has {}", join(shown, " x "), product,
                       call.ranks);
  }
  return {};
}

CollectivePlan DimensionRingsAlgorithm::lower(const CollectiveCall& call) const {
  const int p = call.ranks;
  const int k = static_cast<int>(call.dims.size());
  std::vector<int> stride(static_cast<std::size_t>(k), 1);  // row-major: the last coordinate is fastest
  for (int j = k - 2; j >= 0; --j)
    stride[static_cast<std::size_t>(j)] =
        stride[static_cast<std::size_t>(j) + 1] * call.dims[static_cast<std::size_t>(j) + 1];
  const auto coord = [&](int r, int j) {
    return r / stride[static_cast<std::size_t>(j)] % call.dims[static_cast<std::size_t>(j)];
  };

  // Rings along dimension j, and for each the range its members share: after
  // reduce-scattering dimensions 0..j−1 a rank holds the part its coordinates
  // c_0..c_{j−1} select, of width p/(d_0···d_{j−1}) chunks.
  struct Dim {
    std::vector<std::vector<int>> rings;
    std::vector<int> base;  // per ring: first chunk of the shared range
    int unit = 1;           // chunks per unit along this dimension
  };
  std::vector<Dim> dims(static_cast<std::size_t>(k));
  int width = p;
  for (int j = 0; j < k; ++j) {
    Dim& d = dims[static_cast<std::size_t>(j)];
    const int extent = call.dims[static_cast<std::size_t>(j)];
    d.unit = width / extent;
    for (int r = 0; r < p; ++r) {
      if (coord(r, j) != 0) continue;  // r starts a ring along j
      std::vector<int> ring;
      for (int c = 0; c < extent; ++c) ring.push_back(r + c * stride[static_cast<std::size_t>(j)]);
      int base = 0;
      int w = p;
      for (int i = 0; i < j; ++i) {
        w /= call.dims[static_cast<std::size_t>(i)];
        base += coord(r, i) * w;
      }
      d.rings.push_back(std::move(ring));
      d.base.push_back(base);
    }
    width = d.unit;
  }
  PlanBuilder b(call, p);
  const auto units = [](const Dim& d) {
    return RingUnits([&d](int ring, int u) {
      return ChunkRange{d.base[static_cast<std::size_t>(ring)] + u * d.unit, d.unit};
    });
  };
  for (int j = 0; j < k; ++j) {
    const Dim& d = dims[static_cast<std::size_t>(j)];
    ring_reduce_scatter(b, d.rings, units(d));
  }
  for (int j = k - 1; j >= 0; --j) {
    const Dim& d = dims[static_cast<std::size_t>(j)];
    ring_all_gather(b, d.rings, units(d));
  }
  return std::move(b).finish();
}

}  // namespace orrery::models
