#include "models/collective/double_binary_tree.hpp"

#include <algorithm>

namespace orrery::models {

int pipeline_chunks(Bytes bytes) {
  constexpr std::int64_t kChunk = 1 << 20;
  constexpr std::int64_t kMaxChunks = 64;
  return static_cast<int>(std::clamp<std::int64_t>((bytes.count() + kChunk - 1) / kChunk, 1, kMaxChunks));
}

RankTree double_binary_tree(int p, int which) {
  RankTree t;
  t.parent.assign(static_cast<std::size_t>(p), -1);
  t.children.assign(static_cast<std::size_t>(p), {});
  const auto rank = [p, which](int x) { return which == 0 ? x - 1 : x % p; };
  int top = 1;
  while (top * 2 <= p) top *= 2;
  t.root = rank(top);
  for (int x = 1; x <= p; ++x) {
    const int b = x & -x;
    if (b == 1) continue;
    const int left = x - b / 2;
    int h = b / 2;
    while (h >= 1 && x + h > p) h /= 2;
    for (int child : {left, h >= 1 ? x + h : 0}) {
      if (child < 1) continue;
      t.children[static_cast<std::size_t>(rank(x))].push_back(rank(child));
      t.parent[static_cast<std::size_t>(rank(child))] = rank(x);
    }
  }
  return t;
}

namespace {

// Ranks ordered so that every child comes before its parent.
std::vector<int> bottom_up(const RankTree& t) {
  std::vector<int> order{t.root};
  for (std::size_t i = 0; i < order.size(); ++i)
    for (int c : t.children[static_cast<std::size_t>(order[i])]) order.push_back(c);
  std::reverse(order.begin(), order.end());
  return order;
}

// One tree's reduce-then-broadcast of chunks [first, first + c).
void tree_all_reduce(PlanBuilder& b, const RankTree& t, int first, int c) {
  const auto p = t.parent.size();
  const std::vector<int> up_order = bottom_up(t);
  std::vector<int> last_up(p, -1);             // previous chunk's send to the parent
  std::vector<std::vector<int>> last_down(p);  // previous chunk's send to each child
  for (std::size_t r = 0; r < p; ++r) last_down[r].assign(t.children[r].size(), -1);
  std::vector<std::vector<int>> got_up(p);  // this chunk's receipts from children
  std::vector<int> got_down(p, -1);         // this chunk's receipt from the parent
  std::vector<int> deps;
  for (int j = 0; j < c; ++j) {
    for (auto& g : got_up) g.clear();
    for (int r : up_order) {
      const auto u = static_cast<std::size_t>(r);
      if (t.parent[u] < 0) continue;
      deps = got_up[u];
      if (last_up[u] >= 0) deps.push_back(last_up[u]);
      const int id = b.send(Move{r, t.parent[u], first + j, 1, true}, deps);
      last_up[u] = id;
      got_up[static_cast<std::size_t>(t.parent[u])].push_back(id);
    }
    for (auto it = up_order.rbegin(); it != up_order.rend(); ++it) {  // top down
      const auto u = static_cast<std::size_t>(*it);
      for (std::size_t k = 0; k < t.children[u].size(); ++k) {
        deps.clear();
        if (t.parent[u] < 0) {
          deps = got_up[u];
        } else {
          deps.push_back(got_down[u]);
        }
        if (last_down[u][k] >= 0) deps.push_back(last_down[u][k]);
        const int child = t.children[u][k];
        const int id = b.send(Move{*it, child, first + j, 1, false}, deps);
        last_down[u][k] = id;
        got_down[static_cast<std::size_t>(child)] = id;
      }
    }
  }
}

}  // namespace

CollectivePlan DoubleBinaryTreeAlgorithm::lower(const CollectiveCall& call) const {
  const int p = call.ranks;
  // Half the buffer per tree, c chunks per half; with one rank there is nothing to move.
  const int c = pipeline_chunks(Bytes(call.bytes.count() / 2));
  PlanBuilder b(call, 2 * c);
  if (p > 1) {
    tree_all_reduce(b, double_binary_tree(p, 0), 0, c);
    tree_all_reduce(b, double_binary_tree(p, 1), c, c);
  }
  return std::move(b).finish();
}

}  // namespace orrery::models
