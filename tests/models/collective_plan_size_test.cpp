// Plans that differ in S alone share one DAG (models::with_size, PlanCache):
// for every algorithm that says its DAG does not depend on S, the plan sized
// from another S is the plan lowered for that S, transfer by transfer, size by
// size, shape by shape; and the algorithms whose DAG does depend on S (the
// pipelined ones cut S into chunks of a set size) are lowered afresh.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "models/collective/collective_cost.hpp"
#include "models/collective/double_binary_tree.hpp"
#include "models/collective/ring_collectives.hpp"
#include "sim/run/catalog.hpp"

namespace orrery::models {
namespace {

CollectiveCall call_of(CollectiveOp op, int p, std::int64_t bytes) {
  CollectiveCall c;
  c.op = op;
  c.ranks = p;
  c.bytes = Bytes(bytes);
  for (int r = 0; r < p; ++r) c.node_of.push_back(r / 4);  // nodes of 4 (hierarchical)
  c.dims = {2, p / 2};                                     // a 2 × p/2 grid (dimension rings)
  return c;
}

void expect_same(const CollectivePlan& got, const CollectivePlan& want) {
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(got.ranks, want.ranks);
  EXPECT_EQ(got.chunks, want.chunks);
  EXPECT_EQ(got.steps, want.steps);
  for (std::size_t i = 0; i < want.size(); ++i) {
    const PlanTransfer& a = got.transfers()[i];
    const PlanTransfer& b = want.transfers()[i];
    ASSERT_EQ(std::tie(a.src, a.dst, a.first_chunk, a.chunk_count, a.step, a.reduce),
              std::tie(b.src, b.dst, b.first_chunk, b.chunk_count, b.step, b.reduce))
        << "transfer " << i;
    ASSERT_EQ(got.bytes_of(i), want.bytes_of(i)) << "transfer " << i;
    const auto da = got.deps_of(i);
    const auto db = want.deps_of(i);
    ASSERT_TRUE(std::equal(da.begin(), da.end(), db.begin(), db.end())) << "transfer " << i;
    const auto sa = got.successors_of(i);
    const auto sb = want.successors_of(i);
    ASSERT_TRUE(std::equal(sa.begin(), sa.end(), sb.begin(), sb.end())) << "transfer " << i;
  }
  EXPECT_EQ(got.shapes, want.shapes);
  EXPECT_EQ(got.shape_uses, want.shape_uses);
  EXPECT_EQ(got.shape_of, want.shape_of);
  EXPECT_EQ(got.step_kind, want.step_kind);
  EXPECT_EQ(got.kind_begin, want.kind_begin);
  EXPECT_EQ(got.kind_shapes, want.kind_shapes);
  EXPECT_EQ(got.total, want.total);
}

// Sizes that divide evenly and not, zero, one byte (fewer bytes than chunks),
// and 2^40 (where S·c passes 2^63 for the even shares' products).
const std::int64_t kPlanSizes[] = {0, 1, 7, 1'000'003, 8 << 20, std::int64_t{1} << 40};

TEST(CollectivePlanSize, SizedPlanIsTheLoweredPlanForEveryAlgorithmThatSaysSo) {
  run::Catalog catalog;
  int checked = 0;
  for (const auto& a : catalog.collective_library->all()) {
    if (!a->same_dag_for_every_size()) continue;
    for (const CollectiveOp op :
         {CollectiveOp::kAllReduce, CollectiveOp::kReduceScatter, CollectiveOp::kAllGather,
          CollectiveOp::kBroadcast, CollectiveOp::kReduce}) {
      if (!a->supports(op)) continue;
      for (const int p : {8, 12}) {
        const CollectiveCall base = call_of(op, p, 1 << 20);
        if (!a->check(base).empty()) continue;
        const CollectivePlan lowered = a->lower(base);
        ASSERT_TRUE(lowered.dag->sizes_from_chunks) << a->name();
        for (const std::int64_t s : kPlanSizes) {
          SCOPED_TRACE(fmt::format("{} {} p={} S={}", a->name(), task::name_of(op), p, s));
          expect_same(with_size(lowered, Bytes(s)), a->lower(call_of(op, p, s)));
          ++checked;
        }
      }
    }
  }
  // ring, halving_doubling, hierarchical, dim_rings and binomial_tree, each on some op.
  EXPECT_GE(checked, 5 * static_cast<int>(std::size(kPlanSizes)));
}

TEST(CollectivePlanSize, CacheSharesTheDagOnlyWhereItDoesNotDependOnSize) {
  PlanCache cache;
  const RingAlgorithm ring;
  const auto a = cache.get(ring, call_of(CollectiveOp::kAllReduce, 8, 1 << 20));
  const auto b = cache.get(ring, call_of(CollectiveOp::kAllReduce, 8, 3 << 20));
  const auto c = cache.get(ring, call_of(CollectiveOp::kAllGather, 8, 3 << 20));
  EXPECT_EQ(a->dag, b->dag);
  EXPECT_NE(a->dag, c->dag);  // another op: another DAG
  // 2(p−1) steps of p transfers of S/p: 2(p−1)·S, S divisible by p.
  EXPECT_EQ(b->total, Bytes(2 * 7 * (std::int64_t{3} << 20)));
  EXPECT_EQ(cache.get(ring, call_of(CollectiveOp::kAllReduce, 8, 3 << 20)), b);
  // Pipelined trees cut S into chunks of a set size: 64 MiB takes more
  // transfers than 1 MiB, so each size is lowered on its own.
  const DoubleBinaryTreeAlgorithm trees;
  EXPECT_FALSE(trees.same_dag_for_every_size());
  const auto small = cache.get(trees, call_of(CollectiveOp::kAllReduce, 8, 1 << 10));
  const auto large = cache.get(trees, call_of(CollectiveOp::kAllReduce, 8, 64 << 20));
  EXPECT_NE(small->dag, large->dag);
  EXPECT_LT(small->size(), large->size());
}

}  // namespace
}  // namespace orrery::models
