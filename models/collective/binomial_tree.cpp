#include "models/collective/binomial_tree.hpp"

namespace orrery::models {

CollectivePlan BinomialTreeAlgorithm::lower(const CollectiveCall& call) const {
  const int p = call.ranks;
  const auto real = [&](int v) { return (v + call.root) % p; };
  PlanBuilder b(call, 1);
  std::vector<Move> moves;
  for (int d = 1; d < p; d *= 2) {
    moves.clear();
    if (call.op == CollectiveOp::kBroadcast) {
      for (int v = 0; v < d && v + d < p; ++v) moves.push_back(Move{real(v), real(v + d), 0, 1, false});
    } else {
      for (int v = d; v < p; v += 2 * d) moves.push_back(Move{real(v), real(v - d), 0, 1, true});
    }
    b.step(moves);
  }
  return std::move(b).finish();
}

}  // namespace orrery::models
