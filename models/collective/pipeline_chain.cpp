#include "models/collective/pipeline_chain.hpp"

#include "models/collective/double_binary_tree.hpp"

namespace orrery::models {

CollectivePlan PipelineChainAlgorithm::lower(const CollectiveCall& call) const {
  const int p = call.ranks;
  const int c = pipeline_chunks(call.bytes);
  const auto real = [&](int v) { return (v + call.root) % p; };
  const bool bcast = call.op == CollectiveOp::kBroadcast;
  PlanBuilder b(call, c);
  // Broadcast: hop h goes v = h → h + 1; reduce: v = p−1−h → p−2−h. The
  // transfer of chunk j on hop h waits for chunk j on hop h−1 and chunk j−1 on hop h.
  std::vector<int> prev_chunk(static_cast<std::size_t>(std::max(p - 1, 0)), -1);
  std::vector<int> deps;
  for (int j = 0; j < c; ++j) {
    int prev_hop = -1;
    for (int h = 0; h + 1 < p; ++h) {
      deps.clear();
      if (prev_hop >= 0) deps.push_back(prev_hop);
      if (prev_chunk[static_cast<std::size_t>(h)] >= 0)
        deps.push_back(prev_chunk[static_cast<std::size_t>(h)]);
      const int from = bcast ? h : p - 1 - h;
      const int to = bcast ? h + 1 : p - 2 - h;
      const int id = b.send(Move{real(from), real(to), j, 1, !bcast}, deps);
      prev_hop = id;
      prev_chunk[static_cast<std::size_t>(h)] = id;
    }
  }
  return std::move(b).finish();
}

}  // namespace orrery::models
