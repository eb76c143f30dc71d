#include "models/collective/all_to_all.hpp"

namespace orrery::models {

namespace {

// Rank s's block for d: part d of its buffer cut into p.
Move pair(const CollectiveCall& call, int s, int d) {
  return Move{s, d, s * call.ranks + d, 1, false, even_share(call.bytes, d, 1, call.ranks)};
}

}  // namespace

CollectivePlan DirectAllToAllAlgorithm::lower(const CollectiveCall& call) const {
  const int p = call.ranks;
  PlanBuilder b(call, p * p);
  std::vector<Move> moves;
  for (int s = 0; s < p; ++s)
    for (int d = 0; d < p; ++d)
      if (s != d) moves.push_back(pair(call, s, d));
  b.step(moves);
  return std::move(b).finish();
}

CollectivePlan PairwiseAllToAllAlgorithm::lower(const CollectiveCall& call) const {
  const int p = call.ranks;
  PlanBuilder b(call, p * p);
  std::vector<Move> moves;
  for (int k = 1; k < p; ++k) {
    moves.clear();
    for (int s = 0; s < p; ++s) moves.push_back(pair(call, s, (s + k) % p));
    b.step(moves);
  }
  return std::move(b).finish();
}

}  // namespace orrery::models
