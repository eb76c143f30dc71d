#include "models/collective/halving_doubling.hpp"

namespace orrery::models {

CollectivePlan HalvingDoublingAlgorithm::lower(const CollectiveCall& call) const {
  const int p = call.ranks;
  int q = 1;  // p', the largest power of two <= p
  while (q * 2 <= p) q *= 2;
  const int extra = p - q;
  PlanBuilder b(call, q);
  // Rank of the core's virtual rank v: the even ranks of the first 2·extra, then the rest.
  const auto real = [extra](int v) { return v < extra ? 2 * v : v + extra; };

  std::vector<Move> moves;
  if (extra > 0) {
    for (int i = 0; i < extra; ++i) moves.push_back(Move{2 * i + 1, 2 * i, 0, q, true});
    b.step(moves);
  }
  std::vector<ChunkRange> held(static_cast<std::size_t>(q), ChunkRange{0, q});
  for (int d = q / 2; d >= 1; d /= 2) {
    moves.clear();
    for (int v = 0; v < q; ++v) {
      ChunkRange& h = held[static_cast<std::size_t>(v)];
      const int half = h.count / 2;
      const bool upper = (v & d) != 0;
      const ChunkRange keep{upper ? h.first + half : h.first, half};
      const ChunkRange give{upper ? h.first : h.first + half, half};
      moves.push_back(Move{real(v), real(v ^ d), give.first, give.count, true});
      h = keep;
    }
    b.step(moves);
  }
  for (int d = 1; d < q; d *= 2) {
    moves.clear();
    for (int v = 0; v < q; ++v) {
      const ChunkRange h = held[static_cast<std::size_t>(v)];
      moves.push_back(Move{real(v), real(v ^ d), h.first, h.count, false});
    }
    b.step(moves);
    for (int v = 0; v < q; ++v) {
      ChunkRange& h = held[static_cast<std::size_t>(v)];
      h = ChunkRange{h.first & ~(2 * h.count - 1), 2 * h.count};  // the aligned range twice as long
    }
  }
  if (extra > 0) {
    moves.clear();
    for (int i = 0; i < extra; ++i) moves.push_back(Move{2 * i, 2 * i + 1, 0, q, false});
    b.step(moves);
  }
  return std::move(b).finish();
}

}  // namespace orrery::models
