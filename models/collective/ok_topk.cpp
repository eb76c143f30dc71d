#include "models/collective/ok_topk.hpp"

#include <cmath>

namespace orrery::models {

Bytes sparse_payload(Bytes dense, double density) {
  return Bytes(2 * std::llround(density * static_cast<double>(dense.count())));
}

CollectivePlan OkTopkAlgorithm::lower(const CollectiveCall& call) const {
  const int p = call.ranks;
  PlanBuilder b(call, p);
  const auto region = [&](int first, int count) {
    return sparse_payload(b.chunk_bytes(first, count), call.density);
  };
  std::vector<Move> moves;
  for (int i = 1; i < p; ++i) {  // split and reduce
    moves.clear();
    for (int r = 0; r < p; ++r) {
      const int owner = (r + i) % p;
      moves.push_back(Move{r, owner, owner, 1, true, region(owner, 1)});
    }
    b.step(moves);
  }
  if ((p & (p - 1)) == 0) {  // gather by recursive doubling: rank r holds regions [first, first + count)
    for (int d = 1; d < p; d *= 2) {
      moves.clear();
      for (int r = 0; r < p; ++r) {
        const int first = r & ~(d - 1);
        moves.push_back(Move{r, r ^ d, first, d, false, region(first, d)});
      }
      b.step(moves);
    }
  } else {  // gather by a ring
    std::vector<std::vector<int>> ring(1);
    for (int r = 0; r < p; ++r) ring[0].push_back(r);
    for (int s = 0; s + 1 < p; ++s) {
      moves.clear();
      for (int r = 0; r < p; ++r) {
        const int owner = ((r - s) % p + p) % p;
        moves.push_back(Move{r, (r + 1) % p, owner, 1, false, region(owner, 1)});
      }
      b.step(moves);
    }
  }
  return std::move(b).finish();
}

}  // namespace orrery::models
