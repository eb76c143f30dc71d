#include "models/collective/ring_collectives.hpp"

#include <algorithm>

namespace orrery::models {

namespace {

// `chunk_of(i, s)`: the unit member i sends in step s.
void ring_phase(PlanBuilder& b, const std::vector<std::vector<int>>& rings, const RingUnits& units,
                bool reduce, const std::function<int(int, int, int)>& unit_of) {
  if (rings.empty()) return;
  const int k = static_cast<int>(rings.front().size());
  std::vector<Move> moves;
  for (int s = 0; s + 1 < k; ++s) {
    moves.clear();
    for (std::size_t r = 0; r < rings.size(); ++r) {
      const auto& ring = rings[r];
      for (int i = 0; i < k; ++i) {
        const ChunkRange c = units(static_cast<int>(r), unit_of(i, s, k));
        moves.push_back(Move{ring[static_cast<std::size_t>(i)], ring[static_cast<std::size_t>((i + 1) % k)],
                             c.first, c.count, reduce});
      }
    }
    b.step(moves);
  }
}

int mod(int a, int k) {
  return ((a % k) + k) % k;
}

}  // namespace

void ring_reduce_scatter(PlanBuilder& b, const std::vector<std::vector<int>>& rings, const RingUnits& units) {
  ring_phase(b, rings, units, true, [](int i, int s, int k) { return mod(i - 1 - s, k); });
}

void ring_all_gather(PlanBuilder& b, const std::vector<std::vector<int>>& rings, const RingUnits& units) {
  ring_phase(b, rings, units, false, [](int i, int s, int k) { return mod(i - s, k); });
}

bool RingAlgorithm::supports(CollectiveOp op) const {
  return op == CollectiveOp::kAllReduce || op == CollectiveOp::kReduceScatter ||
         op == CollectiveOp::kAllGather;
}

CollectivePlan RingAlgorithm::lower(const CollectiveCall& call) const {
  const int p = call.ranks;
  PlanBuilder b(call, p);
  // p transfers per step, each after its rank's previous send and receive.
  const auto per_phase = static_cast<std::size_t>(p) * static_cast<std::size_t>(std::max(p - 1, 0));
  b.reserve(2 * per_phase, 4 * per_phase);
  std::vector<std::vector<int>> ring(1);
  for (int r = 0; r < p; ++r) ring[0].push_back(r);
  const RingUnits units = [](int, int u) { return ChunkRange{u, 1}; };
  if (call.op != CollectiveOp::kAllGather) ring_reduce_scatter(b, ring, units);
  if (call.op != CollectiveOp::kReduceScatter) ring_all_gather(b, ring, units);
  return std::move(b).finish();
}

}  // namespace orrery::models
