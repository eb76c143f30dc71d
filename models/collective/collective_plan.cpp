#include "models/collective/collective_plan.hpp"

#include <map>
#include <unordered_map>

#include <algorithm>

namespace orrery::models {

namespace {
__extension__ typedef unsigned __int128 U128;  // a GCC/Clang extension: 64x64 -> 128-bit products
}  // namespace

std::shared_ptr<const PlanDag> CollectivePlan::empty_dag() {
  static const auto empty = std::make_shared<const PlanDag>();
  return empty;
}

PlanBuilder::PlanBuilder(const CollectiveCall& call, int chunks)
    : total_(call.bytes), frontier_(static_cast<std::size_t>(call.ranks)) {
  plan_.ranks = call.ranks;
  plan_.chunks = std::max(chunks, 1);
}

Bytes even_share(Bytes total, int first, int count, int parts) {
  // 128-bit products: total·c can pass 2^63 for large buffers divided finely.
  const auto edge = [&](int c) {
    const auto s = static_cast<U128>(total.count());
    return static_cast<std::int64_t>(s * static_cast<unsigned>(c) / static_cast<unsigned>(parts));
  };
  return Bytes(edge(first + count) - edge(first));
}

Bytes PlanBuilder::chunk_bytes(int first, int count) const {
  return even_share(total_, first, count, plan_.chunks);
}

int PlanBuilder::add(const Move& m, std::span<const int> deps) {
  PlanTransfer t;
  t.src = m.src;
  t.dst = m.dst;
  t.first_chunk = m.first_chunk;
  t.chunk_count = m.chunk_count;
  t.reduce = m.reduce;
  t.dep_begin = static_cast<std::uint32_t>(dag_.deps.size());
  t.dep_count = static_cast<std::uint32_t>(deps.size());
  if (m.bytes) dag_.sizes_from_chunks = false;
  bytes_.push_back(m.bytes ? *m.bytes : chunk_bytes(m.first_chunk, m.chunk_count));
  dag_.deps.insert(dag_.deps.end(), deps.begin(), deps.end());
  dag_.transfers.push_back(t);
  return static_cast<int>(dag_.transfers.size()) - 1;
}

void PlanBuilder::reserve(std::size_t transfers, std::size_t deps) {
  dag_.transfers.reserve(transfers);
  bytes_.reserve(transfers);
  dag_.deps.reserve(deps);
}

int PlanBuilder::send(const Move& m, std::span<const int> deps) {
  return add(m, deps);
}

void PlanBuilder::step(std::span<const Move> moves) {
  std::vector<int> ids;
  ids.reserve(moves.size());
  for (const Move& m : moves) ids.push_back(add(m, frontier_[static_cast<std::size_t>(m.src)]));
  // A rank that sent this round next waits for those sends (which already
  // waited for what it had received), then for what it receives from now on.
  std::vector<bool> reset(frontier_.size(), false);
  for (std::size_t i = 0; i < moves.size(); ++i) {
    const auto s = static_cast<std::size_t>(moves[i].src);
    if (!reset[s]) {
      frontier_[s].clear();
      reset[s] = true;
    }
    frontier_[s].push_back(ids[i]);
  }
  for (std::size_t i = 0; i < moves.size(); ++i)
    frontier_[static_cast<std::size_t>(moves[i].dst)].push_back(ids[i]);
}

CollectivePlan PlanBuilder::finish() && {
  PlanDag& d = dag_;
  const std::size_t n = d.transfers.size();
  std::vector<std::uint32_t> count(n + 1, 0);
  int steps = 0;
  for (std::size_t i = 0; i < n; ++i) {
    int level = 0;
    PlanTransfer& t = d.transfers[i];
    for (std::uint32_t k = t.dep_begin; k < t.dep_begin + t.dep_count; ++k) {
      const auto w = static_cast<std::size_t>(d.deps[k]);
      level = std::max(level, d.transfers[w].step + 1);
      ++count[w];
    }
    t.step = level;
    steps = std::max(steps, level + 1);
  }
  plan_.steps = n == 0 ? 0 : steps;
  d.succ_begin.assign(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) d.succ_begin[i + 1] = d.succ_begin[i] + count[i];
  d.succ.resize(d.deps.size());
  std::vector<std::uint32_t> fill(d.succ_begin.begin(), d.succ_begin.end() - 1);
  for (std::size_t i = 0; i < n; ++i) {
    const PlanTransfer& t = d.transfers[i];
    for (std::uint32_t k = t.dep_begin; k < t.dep_begin + t.dep_count; ++k)
      d.succ[fill[static_cast<std::size_t>(d.deps[k])]++] = static_cast<std::int32_t>(i);
  }
  plan_.dag = std::make_shared<const PlanDag>(std::move(dag_));
  index_shapes(plan_, bytes_);
  return std::move(plan_);
}

namespace {
struct ShapeHash {
  std::size_t operator()(const TransferShape& k) const {
    std::uint64_t h = static_cast<std::uint64_t>(k.src) * 0x9e3779b97f4a7c15ULL;
    h ^= static_cast<std::uint64_t>(k.dst) + 0x7f4a7c159e3779b9ULL + (h << 6) + (h >> 2);
    h ^= static_cast<std::uint64_t>(k.bytes.count()) + 0x94d049bb133111ebULL + (h << 6) + (h >> 2);
    return static_cast<std::size_t>(h);
  }
};
}  // namespace

namespace {

// index_shapes with each transfer's size from `size_of(i, transfer)`: one
// pass over the transfers (a 2,048-rank ring's are 134 MB, read once).
template <class SizeOf>
void index_shapes_with(CollectivePlan& p, const SizeOf& size_of) {
  const std::vector<PlanTransfer>& transfers = p.transfers();
  const std::size_t n = transfers.size();
  p.shapes.clear();
  p.shape_uses.clear();
  p.shape_of.assign(n, 0);
  p.total = Bytes(0);
  std::unordered_map<TransferShape, std::int32_t, ShapeHash> index;
  // Each rank's last shape, looked at before the map: a ring's rank sends to
  // one neighbour, the same size step after step.
  std::vector<std::int32_t> last(static_cast<std::size_t>(std::max(p.ranks, 0)), -1);
  // A step's signature: the shapes of its transfers in transfer order.
  std::vector<std::vector<std::int32_t>> signature(static_cast<std::size_t>(p.steps));
  for (std::size_t i = 0; i < n; ++i) {
    const PlanTransfer& t = transfers[i];
    const Bytes bytes = size_of(i, t);
    const TransferShape shape{t.src, t.dst, bytes};
    const bool ranked = t.src >= 0 && t.src < p.ranks;
    std::int32_t k = ranked ? last[static_cast<std::size_t>(t.src)] : -1;
    if (k < 0 || !(p.shapes[static_cast<std::size_t>(k)] == shape)) {
      const auto [at, fresh] = index.try_emplace(shape, static_cast<std::int32_t>(p.shapes.size()));
      if (fresh) {
        p.shapes.push_back(shape);
        p.shape_uses.push_back(0);
      }
      k = at->second;
      if (ranked) last[static_cast<std::size_t>(t.src)] = k;
    }
    p.shape_of[i] = k;
    ++p.shape_uses[static_cast<std::size_t>(k)];
    p.total += bytes;
    signature[static_cast<std::size_t>(t.step)].push_back(k);
  }
  std::map<std::vector<std::int32_t>, std::int32_t> first;
  p.step_kind.assign(static_cast<std::size_t>(p.steps), 0);
  p.kind_begin.assign(static_cast<std::size_t>(p.steps) + 1, 0);
  p.kind_shapes.clear();
  for (std::size_t s = 0; s < signature.size(); ++s) {
    const auto [at, fresh] = first.try_emplace(std::move(signature[s]), static_cast<std::int32_t>(s));
    p.step_kind[s] = at->second;
    if (fresh) p.kind_shapes.insert(p.kind_shapes.end(), at->first.begin(), at->first.end());
    p.kind_begin[s + 1] = static_cast<std::uint32_t>(p.kind_shapes.size());
  }
}

}  // namespace

void index_shapes(CollectivePlan& p, std::span<const Bytes> bytes) {
  index_shapes_with(p, [bytes](std::size_t i, const PlanTransfer&) { return bytes[i]; });
}

CollectivePlan with_size(const CollectivePlan& plan, Bytes total) {
  CollectivePlan out;
  out.ranks = plan.ranks;
  out.chunks = plan.chunks;
  out.steps = plan.steps;
  out.dag = plan.dag;
  // Chunk c spans [edge[c], edge[c + 1]), as PlanBuilder::chunk_bytes cuts it.
  std::vector<std::int64_t> edge(static_cast<std::size_t>(plan.chunks) + 1);
  for (int c = 0; c <= plan.chunks; ++c)
    edge[static_cast<std::size_t>(c)] = even_share(total, 0, c, plan.chunks).count();
  index_shapes_with(out, [&edge](std::size_t, const PlanTransfer& t) {
    return Bytes(edge[static_cast<std::size_t>(t.first_chunk + t.chunk_count)] -
                 edge[static_cast<std::size_t>(t.first_chunk)]);
  });
  return out;
}

}  // namespace orrery::models
