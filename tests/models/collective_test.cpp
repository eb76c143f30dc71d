// The collective algorithms of models/collective/, checked without the engine:
//
//  * data: every plan is replayed symbolically. Each rank holds, per chunk of
//    the buffer, a count of each rank's contribution; a transfer carries the
//    sender's counts as they stand after the writes that are its ancestors in
//    the DAG (so a plan that relies on data it has not waited for fails), a
//    reduce transfer adds them at the receiver, a copy replaces. At the end
//    every rank must hold what the operation promises (all-reduce: every
//    chunk with every contribution exactly once, ...). Copies racing with
//    another write or read of the same chunk on the same rank fail too.
//  * steps and bytes per rank against each algorithm's closed form (named at
//    each test);
//  * the alpha-beta predictor against the ring closed form
//    2(p−1)·alpha + 2(p−1)/p·S/beta (validation/README.md), and the `auto`
//    tuner's picks, with the numbers worked out beside them;
//  * invalid calls, with their messages.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <map>

#include "models/collective/all_to_all.hpp"
#include "models/collective/binomial_tree.hpp"
#include "models/collective/collective_cost.hpp"
#include "models/collective/dimension_rings.hpp"
#include "models/collective/double_binary_tree.hpp"
#include "models/collective/halving_doubling.hpp"
#include "models/collective/hierarchical_all_reduce.hpp"
#include "models/collective/ok_topk.hpp"
#include "models/collective/pipeline_chain.hpp"
#include "models/collective/ring_collectives.hpp"
#include "sim/run/catalog.hpp"
#include "topologies/chain.hpp"

namespace orrery::models {
namespace {

using Counts = std::vector<int>;  // per origin rank

// Replays `plan` symbolically; returns the final state[rank][chunk] and fails the test on races.
std::vector<std::vector<Counts>> replay(const CollectivePlan& plan, const CollectiveCall& call) {
  const int p = call.ranks;
  const int C = plan.chunks;
  const std::size_t n = plan.size();
  std::vector<std::vector<Counts>> init(
      static_cast<std::size_t>(p),
      std::vector<Counts>(static_cast<std::size_t>(C), Counts(static_cast<std::size_t>(p), 0)));
  for (int r = 0; r < p; ++r) {
    for (int c = 0; c < C; ++c) {
      bool holds = false;
      switch (call.op) {
        case CollectiveOp::kAllGather:
          holds = c == r;
          break;
        case CollectiveOp::kBroadcast:
          holds = r == call.root;
          break;
        case CollectiveOp::kAllToAll:
          holds = c / p == r;
          break;
        default:
          holds = true;
      }
      if (holds)
        init[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)][static_cast<std::size_t>(r)] = 1;
    }
  }
  // Ancestor sets as bitsets.
  const std::size_t words = (n + 63) / 64;
  std::vector<std::uint64_t> anc(n * words, 0);  // row i: the ancestors of transfer i
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto d : plan.deps_of(i)) {
      const auto u = static_cast<std::size_t>(d);
      EXPECT_LT(u, i) << "a dependency on a later transfer";
      for (std::size_t w = 0; w < words; ++w) anc[i * words + w] |= anc[u * words + w];
      anc[i * words + u / 64] |= 1ull << (u % 64);
    }
  }
  const auto is_anc = [&](std::size_t a, std::size_t b) { return (anc[b * words + a / 64] >> (a % 64)) & 1; };
  // Writes to (rank, chunk), in index order; reads likewise.
  std::map<std::pair<int, int>, std::vector<std::size_t>> writes, reads;
  std::vector<std::vector<Counts>> carried(n);
  for (std::size_t i = 0; i < n; ++i) {
    const PlanTransfer& t = plan.transfers()[i];
    EXPECT_NE(t.src, t.dst);
    carried[i].resize(static_cast<std::size_t>(t.chunk_count));
    for (int k = 0; k < t.chunk_count; ++k) {
      const int c = t.first_chunk + k;
      EXPECT_LT(c, C);
      Counts v = init[static_cast<std::size_t>(t.src)][static_cast<std::size_t>(c)];
      for (const std::size_t w : writes[{t.src, c}]) {
        const PlanTransfer& x = plan.transfers()[w];
        const Counts& got = carried[w][static_cast<std::size_t>(c - x.first_chunk)];
        if (!is_anc(w, i)) {
          EXPECT_TRUE(x.reduce) << "transfer " << i << " reads rank " << t.src << " chunk " << c
                                << " while copy " << w << " may still be writing it";
          continue;  // not guaranteed to have arrived: not in what i carries
        }
        if (x.reduce) {
          for (int o = 0; o < p; ++o) v[static_cast<std::size_t>(o)] += got[static_cast<std::size_t>(o)];
        } else {
          v = got;
        }
      }
      carried[i][static_cast<std::size_t>(k)] = v;
      reads[{t.src, c}].push_back(i);
      for (const std::size_t w : writes[{t.dst, c}]) {
        const bool either_copy = !t.reduce || !plan.transfers()[w].reduce;
        EXPECT_TRUE(!either_copy || is_anc(w, i))
            << "writes " << w << " and " << i << " race on rank " << t.dst;
      }
      if (!t.reduce) {
        for (const std::size_t r : reads[{t.dst, c}])
          EXPECT_TRUE(is_anc(r, i)) << "copy " << i << " overwrites a chunk read by " << r;
      }
      writes[{t.dst, c}].push_back(i);
    }
  }
  auto state = init;
  for (std::size_t i = 0; i < n; ++i) {
    const PlanTransfer& t = plan.transfers()[i];
    for (int k = 0; k < t.chunk_count; ++k) {
      Counts& v = state[static_cast<std::size_t>(t.dst)][static_cast<std::size_t>(t.first_chunk + k)];
      const Counts& got = carried[i][static_cast<std::size_t>(k)];
      if (t.reduce) {
        for (int o = 0; o < p; ++o) v[static_cast<std::size_t>(o)] += got[static_cast<std::size_t>(o)];
      } else {
        v = got;
      }
    }
  }
  return state;
}

Counts all_of(int p) {
  return Counts(static_cast<std::size_t>(p), 1);
}
Counts only(int p, int r) {
  Counts c(static_cast<std::size_t>(p), 0);
  c[static_cast<std::size_t>(r)] = 1;
  return c;
}

// Lowers and replays, and checks what `op` promises.
CollectivePlan expect_delivers(const CollectiveAlgorithm& a, const CollectiveCall& call) {
  const std::string what =
      fmt::format("{} {} p={} S={}", a.name(), task::name_of(call.op), call.ranks, call.bytes.count());
  EXPECT_EQ(check_call(call), "") << what;
  EXPECT_EQ(a.check(call), "") << what;
  CollectivePlan plan = a.lower(call);
  const auto state = replay(plan, call);
  const int p = call.ranks;
  for (int r = 0; r < p; ++r) {
    for (int c = 0; c < plan.chunks; ++c) {
      const Counts& v = state[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
      switch (call.op) {
        case CollectiveOp::kAllReduce:
        case CollectiveOp::kSparseAllReduce:
          EXPECT_EQ(v, all_of(p)) << what << ": rank " << r << " chunk " << c;
          break;
        case CollectiveOp::kReduceScatter:
          if (c == r) {
            EXPECT_EQ(v, all_of(p)) << what << ": rank " << r;
          }
          break;
        case CollectiveOp::kAllGather:
          EXPECT_EQ(v, only(p, c)) << what << ": rank " << r << " chunk " << c;
          break;
        case CollectiveOp::kBroadcast:
          EXPECT_EQ(v, only(p, call.root)) << what << ": rank " << r << " chunk " << c;
          break;
        case CollectiveOp::kReduce:
          if (r == call.root) {
            EXPECT_EQ(v, all_of(p)) << what << ": chunk " << c;
          }
          break;
        case CollectiveOp::kAllToAll:
          if (c % p == r) {
            EXPECT_EQ(v, only(p, c / p)) << what << ": rank " << r << " block from " << c / p;
          }
          break;
      }
    }
  }
  return plan;
}

CollectiveCall make(CollectiveOp op, int p, std::int64_t bytes) {
  CollectiveCall c;
  c.op = op;
  c.ranks = p;
  c.bytes = Bytes(bytes);
  return c;
}

std::vector<std::int64_t> sent_per_rank(const CollectivePlan& plan) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(plan.ranks), 0);
  for (std::size_t i = 0; i < plan.size(); ++i)
    out[static_cast<std::size_t>(plan.transfers()[i].src)] += plan.bytes_of(i).count();
  return out;
}

const std::vector<int> kSizes{1, 2, 3, 4, 5, 6, 7, 8, 12, 16};

TEST(CollectiveData, RingDeliversAllReduceReduceScatterAndAllGather) {
  const RingAlgorithm ring;
  for (int p : kSizes)
    for (auto op : {CollectiveOp::kAllReduce, CollectiveOp::kReduceScatter, CollectiveOp::kAllGather})
      expect_delivers(ring, make(op, p, 1 << 20));
}

TEST(CollectiveData, HalvingDoublingDeliversForEveryGroupSize) {
  const HalvingDoublingAlgorithm hd;
  for (int p : kSizes) expect_delivers(hd, make(CollectiveOp::kAllReduce, p, 1 << 20));
}

TEST(CollectiveData, DoubleBinaryTreeDeliversSmallAndPipelined) {
  const DoubleBinaryTreeAlgorithm dbt;
  for (int p : kSizes) {
    expect_delivers(dbt, make(CollectiveOp::kAllReduce, p, 1024));                   // one chunk per tree
    expect_delivers(dbt, make(CollectiveOp::kAllReduce, p, std::int64_t{6} << 20));  // 3 chunks per tree
  }
}

TEST(CollectiveData, BroadcastAndReduceFromEveryRoot) {
  const BinomialTreeAlgorithm binomial;
  const PipelineChainAlgorithm pipeline;
  for (int p : kSizes) {
    for (int root = 0; root < p; root += std::max(1, p / 3)) {
      for (auto op : {CollectiveOp::kBroadcast, CollectiveOp::kReduce}) {
        CollectiveCall c = make(op, p, std::int64_t{3} << 20);  // 3 pipeline chunks
        c.root = root;
        expect_delivers(binomial, c);
        expect_delivers(pipeline, c);
      }
    }
  }
}

TEST(CollectiveData, AllToAllDirectAndPairwise) {
  const DirectAllToAllAlgorithm direct;
  const PairwiseAllToAllAlgorithm pairwise;
  for (int p : kSizes) {
    expect_delivers(direct, make(CollectiveOp::kAllToAll, p, 1000));
    expect_delivers(pairwise, make(CollectiveOp::kAllToAll, p, 1000));
  }
}

TEST(CollectiveData, HierarchicalOnNodesOfEqualSize) {
  const HierarchicalAllReduceAlgorithm h;
  for (const auto& [m, nodes] : std::vector<std::pair<int, int>>{{2, 2}, {4, 2}, {2, 4}, {3, 3}, {8, 2}}) {
    CollectiveCall c = make(CollectiveOp::kAllReduce, m * nodes, 1 << 20);
    for (int r = 0; r < m * nodes; ++r) c.node_of.push_back(r / m);
    expect_delivers(h, c);
  }
  // Ranks listed out of node order: nodes are taken in order of first appearance.
  CollectiveCall c = make(CollectiveOp::kAllReduce, 6, 1 << 20);
  c.node_of = {5, 2, 5, 9, 2, 9};
  expect_delivers(h, c);
}

TEST(CollectiveData, DimensionRingsOnGrids) {
  const DimensionRingsAlgorithm dr;
  for (const auto& dims :
       std::vector<std::vector<int>>{{8}, {2, 4}, {4, 2}, {2, 2, 2}, {3, 5}, {4, 4}, {1, 6}, {2, 3, 2}}) {
    int p = 1;
    for (int d : dims) p *= d;
    CollectiveCall c = make(CollectiveOp::kAllReduce, p, 1 << 20);
    c.dims = dims;
    expect_delivers(dr, c);
  }
}

TEST(CollectiveData, OkTopkDeliversTheReducedTopK) {
  const OkTopkAlgorithm ok;
  for (int p : kSizes) {
    CollectiveCall c = make(CollectiveOp::kSparseAllReduce, p, 1 << 20);
    c.density = 0.01;
    expect_delivers(ok, c);
  }
}

// Ring (Patarasuk & Yuan 2009): all-reduce 2(p−1) steps and 2(p−1)/p·S per
// rank; reduce-scatter and all-gather p−1 steps and (p−1)/p·S. S = 2^20·p
// divides evenly.
TEST(CollectiveSteps, RingStepsAndBytesPerRank) {
  const RingAlgorithm ring;
  for (int p : {2, 3, 5, 8, 16}) {
    const std::int64_t S = std::int64_t{1 << 20} * p;
    const auto ar = ring.lower(make(CollectiveOp::kAllReduce, p, S));
    EXPECT_EQ(ar.steps, 2 * (p - 1));
    for (auto b : sent_per_rank(ar)) EXPECT_EQ(b, 2 * (p - 1) * S / p);
    for (auto op : {CollectiveOp::kReduceScatter, CollectiveOp::kAllGather}) {
      const auto plan = ring.lower(make(op, p, S));
      EXPECT_EQ(plan.steps, p - 1);
      for (auto b : sent_per_rank(plan)) EXPECT_EQ(b, (p - 1) * S / p);
    }
  }
}

// Rabenseifner: 2·log2 p steps and 2(p−1)/p·S per rank for p a power of two;
// otherwise two more steps (the pre/post exchange of S) on 2^⌊log2 p⌋ ranks.
TEST(CollectiveSteps, HalvingDoublingStepsAndBytes) {
  const HalvingDoublingAlgorithm hd;
  for (int p : {2, 4, 8, 16, 32}) {
    const std::int64_t S = std::int64_t{1 << 20} * p;
    const auto plan = hd.lower(make(CollectiveOp::kAllReduce, p, S));
    EXPECT_EQ(plan.steps, 2 * std::countr_zero(static_cast<unsigned>(p)));
    for (auto b : sent_per_rank(plan)) EXPECT_EQ(b, 2 * (p - 1) * S / p);
  }
  for (const auto& [p, q] : std::vector<std::pair<int, int>>{{3, 2}, {6, 4}, {12, 8}}) {
    const auto plan = hd.lower(make(CollectiveOp::kAllReduce, p, std::int64_t{1} << 24));
    EXPECT_EQ(plan.steps, 2 * std::countr_zero(static_cast<unsigned>(q)) + 2) << p;
  }
}

// The two trees: each spans all p ranks once from its root, and no rank is an
// inner node of both (the construction in double_binary_tree.hpp). Depth of
// the in-order tree on p positions: ⌊log2 p⌋ edges.
TEST(CollectiveSteps, DoubleBinaryTreesAreComplementary) {
  for (int p = 2; p <= 64; ++p) {
    std::vector<int> inner(static_cast<std::size_t>(p), 0);
    for (int which : {0, 1}) {
      const RankTree t = double_binary_tree(p, which);
      int reached = 0;
      int depth = 0;
      std::vector<std::pair<int, int>> stack{{t.root, 0}};
      while (!stack.empty()) {
        const auto [r, d] = stack.back();
        stack.pop_back();
        ++reached;
        depth = std::max(depth, d);
        const auto& kids = t.children[static_cast<std::size_t>(r)];
        EXPECT_LE(kids.size(), 2u);
        if (!kids.empty()) ++inner[static_cast<std::size_t>(r)];
        for (int k : kids) {
          EXPECT_EQ(t.parent[static_cast<std::size_t>(k)], r);
          stack.emplace_back(k, d + 1);
        }
      }
      EXPECT_EQ(reached, p) << "p=" << p << " tree " << which;
      EXPECT_EQ(depth, std::bit_width(static_cast<unsigned>(p)) - 1) << "p=" << p;
    }
    for (int r = 0; r < p; ++r)
      EXPECT_LE(inner[static_cast<std::size_t>(r)], 1) << "p=" << p << " rank " << r;
  }
}

// Binomial tree: ⌈log2 p⌉ steps. Pipelined chain with c chunks: (p−1)+(c−1)
// steps (the last chunk leaves the root c−1 steps late and needs p−1 hops).
TEST(CollectiveSteps, BroadcastStepCounts) {
  const BinomialTreeAlgorithm binomial;
  const PipelineChainAlgorithm pipeline;
  for (int p : {2, 3, 5, 8, 9, 16}) {
    const auto b = binomial.lower(make(CollectiveOp::kBroadcast, p, 1 << 20));
    EXPECT_EQ(b.steps, std::bit_width(static_cast<unsigned>(p - 1)));
    const auto c =
        pipeline.lower(make(CollectiveOp::kBroadcast, p, std::int64_t{5} << 20));  // 5 chunks of 1 MiB
    EXPECT_EQ(c.steps, (p - 1) + (5 - 1));
  }
}

// All-to-all: direct is one step, pairwise p−1; both send (p−1)/p·S per rank.
TEST(CollectiveSteps, AllToAllStepsAndBytes) {
  for (int p : {2, 4, 7}) {
    const std::int64_t S = 1000 * p;
    const auto d = DirectAllToAllAlgorithm().lower(make(CollectiveOp::kAllToAll, p, S));
    const auto w = PairwiseAllToAllAlgorithm().lower(make(CollectiveOp::kAllToAll, p, S));
    EXPECT_EQ(d.steps, 1);
    EXPECT_EQ(w.steps, p - 1);
    for (auto b : sent_per_rank(d)) EXPECT_EQ(b, (p - 1) * S / p);
    for (auto b : sent_per_rank(w)) EXPECT_EQ(b, (p - 1) * S / p);
  }
}

// Hierarchical, m ranks on each of N nodes: 2(m−1)/m·S inside the node and
// 2(N−1)/N·S/m across nodes per rank; (m−1) + 2(N−1) + (m−1) steps (intra
// reduce-scatter, inter-node ring all-reduce, intra all-gather).
TEST(CollectiveSteps, HierarchicalSendsOnlyAPartAcrossNodes) {
  const int m = 4, N = 3;
  const std::int64_t S = std::int64_t{m} * N << 20;
  CollectiveCall c = make(CollectiveOp::kAllReduce, m * N, S);
  for (int r = 0; r < m * N; ++r) c.node_of.push_back(r / m);
  const auto plan = HierarchicalAllReduceAlgorithm().lower(c);
  EXPECT_EQ(plan.steps, 2 * (m - 1) + 2 * (N - 1));
  std::vector<std::int64_t> inside(m * N, 0), across(m * N, 0);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const PlanTransfer& t = plan.transfers()[i];
    (t.src / m == t.dst / m ? inside : across)[static_cast<std::size_t>(t.src)] += plan.bytes_of(i).count();
  }
  for (int r = 0; r < m * N; ++r) {
    EXPECT_EQ(inside[static_cast<std::size_t>(r)], 2 * (m - 1) * S / m);
    EXPECT_EQ(across[static_cast<std::size_t>(r)], 2 * (N - 1) * (S / m) / N);
  }
}

// Dimension-wise rings: 2·Σ(d_j − 1) steps and the ring's 2(p−1)/p·S per rank.
TEST(CollectiveSteps, DimensionRingsStepsAndBytes) {
  for (const auto& dims : std::vector<std::vector<int>>{{4, 4}, {2, 8}, {4, 2, 2}}) {
    CollectiveCall c = make(CollectiveOp::kAllReduce, 16, std::int64_t{16} << 20);
    c.dims = dims;
    int steps = 0;
    for (int d : dims) steps += 2 * (d - 1);
    const auto plan = DimensionRingsAlgorithm().lower(c);
    EXPECT_EQ(plan.steps, steps);
    for (auto b : sent_per_rank(plan)) EXPECT_EQ(b, 2 * 15 * (std::int64_t{16} << 20) / 16);
  }
}

// Ok-Topk (Li & Hoefler PPoPP'22, Theorem/Eq. 3): fewer than 6k elements per
// rank. With 4-byte elements, k = density·S/4 values, 6k elements = 6·density·S
// bytes. The modelled phases send 2k(p−1)/p + 2k(p−1)/p elements
// = 4·density·S·(p−1)/p bytes (exact when S/p·density is whole), against the
// dense ring's 2(p−1)/p·S.
TEST(CollectiveSteps, OkTopkStaysUnderSixKElementsPerRank) {
  const OkTopkAlgorithm ok;
  for (int p : {2, 3, 4, 6, 8, 16, 64}) {
    for (double density : {0.001, 0.01, 0.1, 1.0}) {
      CollectiveCall c = make(CollectiveOp::kSparseAllReduce, p, std::int64_t{64} * 1000 * 1000 * p);
      c.density = density;
      const auto plan = ok.lower(c);
      const double S = static_cast<double>(c.bytes.count());
      for (auto b : sent_per_rank(plan)) {
        EXPECT_LT(static_cast<double>(b), 6 * density * S) << "p=" << p << " density=" << density;
        EXPECT_NEAR(static_cast<double>(b), 4 * density * S * (p - 1) / p, 2.0 * p) << "p=" << p;
      }
    }
  }
}

// ---- the alpha-beta predictor and the tuner ----

// A star: p endpoints, each joined to one switch by a duplex link; every
// route is two links.
class Star final : public topo::Topology {
 public:
  Star(int p, Bandwidth bw, Duration latency) {
    for (int i = 0; i < p; ++i) add_vertex(topo::VertexKind::kEndpoint, fmt::format("d{}", i));
    const VertexId hub = add_vertex(topo::VertexKind::kSwitch, "switch");
    for (int i = 0; i < p; ++i) add_duplex(VertexId(i), hub, bw, latency);
    seal();
  }
  [[nodiscard]] std::string_view kind() const override { return "star"; }
};

std::vector<int> iota(int p) {
  std::vector<int> v(static_cast<std::size_t>(p));
  for (int i = 0; i < p; ++i) v[static_cast<std::size_t>(i)] = i;
  return v;
}

// validation/README.md: ring all-reduce on a ring of links (alpha, beta) takes
// 2(p−1)·alpha + 2(p−1)/p·S/beta. p = 8, S = 8 MiB, alpha = 1 us, beta = 50 GB/s:
// 14 × (1000 ns + 1048576 B / 50 GB/s = 20971.52 ns) = 307601.28 ns → 307601 ns.
TEST(CollectiveCost, RingPredictionIsTheClosedForm) {
  const topo::Chain ring(topo::ChainParams{Bandwidth::bytes_per_s(50e9), Duration::us(1), true}, 8);
  GroupRoutes routes(ring, iota(8));
  EXPECT_EQ(RingAlgorithm().predict(make(CollectiveOp::kAllReduce, 8, 8 << 20), routes),
            Duration::ns(307601));
}

// predict_plan walks one step of each kind (plan.kind_shapes). Recomputed
// here from every transfer, step by step, as the header's formula reads:
// T_s = max alpha + max over links of the step's bytes / beta, summed. The
// calls make steps of one kind (ring, S divisible by p), of many kinds (ring,
// S = p·k + 3: the uneven chunks rotate), and of different shapes (halving-
// doubling, pipelined trees) on a chain that makes routes share links.
TEST(CollectiveCost, PredictionWalksEachKindOfStepOnce) {
  const topo::Chain chain(topo::ChainParams{Bandwidth::bytes_per_s(25e9), Duration::ns(700), false}, 8);
  GroupRoutes routes(chain, iota(8));
  const std::vector<std::pair<const CollectiveAlgorithm*, CollectiveCall>> cases = [] {
    static const RingAlgorithm ring;
    static const HalvingDoublingAlgorithm halving;
    static const DoubleBinaryTreeAlgorithm trees;
    return std::vector<std::pair<const CollectiveAlgorithm*, CollectiveCall>>{
        {&ring, make(CollectiveOp::kAllReduce, 8, 8 << 20)},
        {&ring, make(CollectiveOp::kAllReduce, 8, (8 << 20) + 3)},
        {&ring, make(CollectiveOp::kReduceScatter, 7, 1000003)},
        {&halving, make(CollectiveOp::kAllReduce, 8, 1 << 20)},
        {&trees, make(CollectiveOp::kAllReduce, 8, 64 << 20)}};
  }();
  for (const auto& [algorithm, call] : cases) {
    SCOPED_TRACE(fmt::format("{} p={} S={}", algorithm->name(), call.ranks, call.bytes.count()));
    const CollectivePlan plan = algorithm->lower(call);
    GroupRoutes group(chain, iota(call.ranks));
    double expected_s = 0;
    std::size_t kinds = 0;
    for (int s = 0; s < plan.steps; ++s) {
      std::vector<TransferShape> shapes;
      Duration alpha;
      std::map<std::int32_t, double> load;
      for (std::size_t i = 0; i < plan.size(); ++i) {
        const PlanTransfer& t = plan.transfers()[i];
        if (t.step != s) continue;
        shapes.push_back(TransferShape{t.src, t.dst, plan.bytes_of(i)});
        alpha = std::max(alpha, group.latency(t.src, t.dst));
        for (const std::int32_t l : group.route(t.src, t.dst))
          load[l] += static_cast<double>(plan.bytes_of(i).count());
      }
      double busiest_s = 0;
      for (const auto& [l, bytes] : load) busiest_s = std::max(busiest_s, bytes / 25e9);
      expected_s += alpha.seconds() + busiest_s;
      // The step's kind lists exactly its shapes, in transfer order.
      const auto kind = static_cast<std::size_t>(plan.step_kind[static_cast<std::size_t>(s)]);
      ASSERT_LE(kind, static_cast<std::size_t>(s));
      std::vector<TransferShape> listed;
      for (auto k = plan.kind_begin[kind]; k < plan.kind_begin[kind + 1]; ++k)
        listed.push_back(plan.shapes[static_cast<std::size_t>(plan.kind_shapes[k])]);
      EXPECT_EQ(listed, shapes);
      if (kind == static_cast<std::size_t>(s)) {
        ++kinds;
      } else {
        EXPECT_EQ(plan.kind_begin[static_cast<std::size_t>(s)], plan.kind_begin[static_cast<std::size_t>(s) + 1]);
      }
    }
    EXPECT_LT(kinds, static_cast<std::size_t>(plan.steps) + 1);
    EXPECT_NEAR(predict_plan(plan, group).seconds(), expected_s, 1e-9);
  }
  // The ring of S divisible by p: every step has the same shapes, one kind.
  const CollectivePlan even = RingAlgorithm().lower(make(CollectiveOp::kAllReduce, 8, 8 << 20));
  EXPECT_EQ(even.kind_shapes.size(), 8u);
}

TEST(CollectiveCost, AutoPicksALatencyOptimalAlgorithmForTinyMessages) {
  // Star of p = 8, links of 50 GB/s and 500 ns: alpha = 1 us per route. S = 1 KiB.
  //  ring: 14 steps of S/8 = 128 B, one transfer per link per step:
  //        14 × (1000 + 128/50e9 s = 2.56 ns) = 14035.84 ns;
  //  halving_doubling: 6 steps of 512, 256, 128, 128, 256, 512 B, one per link:
  //        6000 + 2·896/50e9 s = 6035.84 ns;
  //  double_binary_tree: 6 steps (depth 3 up and down, both trees at once) of
  //        512-B halves; in four of them a rank's link carries two (two
  //        children, or a send in each tree): 6000 + (4·1024 + 2·512)/50e9 s
  //        = 6102.4 ns;
  //  hierarchical (one rank per node) and dim_rings (no dims) cannot run.
  // So auto takes halving_doubling, the log2 p-step algorithm.
  const Star star(8, Bandwidth::bytes_per_s(50e9), Duration::ns(500));
  GroupRoutes routes(star, iota(8));
  run::Catalog catalog;
  CollectiveCall call = make(CollectiveOp::kAllReduce, 8, 1024);
  call.node_of = iota(8);
  const TunerChoice pick = choose_algorithm(*catalog.collective_library, call, routes);
  EXPECT_EQ(pick.algorithm->name(), "halving_doubling");
  std::map<std::string, Duration> t(pick.candidates.begin(), pick.candidates.end());
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.at("ring"), Duration::ns(14036));
  EXPECT_EQ(t.at("halving_doubling"), Duration::ns(6036));
  EXPECT_EQ(t.at("double_binary_tree"), Duration::ns(6102));
}

TEST(CollectiveCost, AutoPicksRingForLargeMessagesOnARing) {
  // A ring of p = 16 endpoints (chain, ring: true), 50 GB/s, 1 us per link; S = 1 GiB.
  //  ring: 30 × (1000 + 67108864 B / 50 GB/s = 1342177.28 ns) = 40295318.4 ns;
  //  halving_doubling: its first step alone sends S/2 from every rank 8 hops
  //        the same way round, 8 of them over each link: >= 4S/beta = 85.9 ms;
  //  double_binary_tree: each tree carries S/2 up and down each of its edges;
  //        the edges of one tree span 8 + 2·4 + 4·2 + 8·1 = 32 hops, so the
  //        two trees put 64·S of link-bytes on 32 links: some link carries
  //        >= 2S, and the sum of per-step maxima is >= 2S/beta = 42.9 ms.
  const topo::Chain ring(topo::ChainParams{Bandwidth::bytes_per_s(50e9), Duration::us(1), true}, 16);
  GroupRoutes routes(ring, iota(16));
  run::Catalog catalog;
  const CollectiveCall call = make(CollectiveOp::kAllReduce, 16, std::int64_t{1} << 30);
  const TunerChoice pick = choose_algorithm(*catalog.collective_library, call, routes);
  EXPECT_EQ(pick.algorithm->name(), "ring");
  std::map<std::string, Duration> t(pick.candidates.begin(), pick.candidates.end());
  EXPECT_EQ(t.at("ring"), Duration::ns(40295318));
  EXPECT_GE(t.at("halving_doubling"), Duration::ns(85899345));
  EXPECT_GE(t.at("double_binary_tree"), Duration::ns(42949672));
}

// Broadcast: binomial for tiny messages (⌈log2 p⌉ = 3 steps of 1 us on the
// star against the chain's 7), pipeline for large ones (binomial: 3·S/beta;
// chain with 64 chunks: (7 + 63) steps of S/64, ~1.1·S/beta).
TEST(CollectiveCost, AutoBroadcastPicks) {
  const Star star(8, Bandwidth::bytes_per_s(50e9), Duration::ns(500));
  GroupRoutes routes(star, iota(8));
  run::Catalog catalog;
  EXPECT_EQ(choose_algorithm(*catalog.collective_library, make(CollectiveOp::kBroadcast, 8, 1024), routes)
                .algorithm->name(),
            "binomial_tree");
  EXPECT_EQ(choose_algorithm(*catalog.collective_library,
                             make(CollectiveOp::kBroadcast, 8, std::int64_t{1} << 30), routes)
                .algorithm->name(),
            "pipeline");
}

// ---- invalid calls ----

TEST(CollectiveInvalid, CallChecksSayWhatIsWrong) {
  EXPECT_EQ(check_call(make(CollectiveOp::kAllReduce, 0, 8)), "the group is empty");
  EXPECT_EQ(check_call(make(CollectiveOp::kAllReduce, 2, -8)), "bytes must not be negative, got -8");
  CollectiveCall c = make(CollectiveOp::kBroadcast, 4, 8);
  c.root = 4;
  EXPECT_EQ(check_call(c), "root 4 is not a rank of the group (0 to 3)");
  for (double bad : {0.0, -0.5, 1.5}) {
    CollectiveCall s = make(CollectiveOp::kSparseAllReduce, 4, 8);
    s.density = bad;
    EXPECT_EQ(check_call(s), fmt::format("density must be in (0, 1], got {}", bad));
  }
}

TEST(CollectiveInvalid, AlgorithmChecks) {
  CollectiveCall c = make(CollectiveOp::kAllReduce, 6, 8);
  EXPECT_EQ(DimensionRingsAlgorithm().check(c), "needs the group's grid shape (dims)");
  c.dims = {4, 2};
  EXPECT_EQ(DimensionRingsAlgorithm().check(c), "the grid 4 x 2 holds 8 ranks, but the group has 6");
  c.node_of = {0, 0, 0, 1, 1, 2};
  EXPECT_EQ(HierarchicalAllReduceAlgorithm().check(c),
            "needs the same number of ranks on every node, but one node holds 3 and another 2");
  c.node_of = {0, 1, 2, 3, 4, 5};
  EXPECT_EQ(HierarchicalAllReduceAlgorithm().check(c),
            "needs at least two nodes with at least two ranks each, but the group spans 6 node(s) with 1 "
            "rank(s) on "
            "the first");
}

TEST(CollectiveInvalid, TunerWithNothingToRun) {
  const Star star(4, Bandwidth::bytes_per_s(50e9), Duration::ns(500));
  GroupRoutes routes(star, iota(4));
  CollectiveLibrary empty;
  try {
    (void)choose_algorithm(empty, make(CollectiveOp::kAllReduce, 4, 8), routes);
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "no collective algorithm can run all_reduce here (none is registered for it)");
  }
}

TEST(CollectiveRegistry, ListsEveryAlgorithmWithItsOps) {
  run::Catalog catalog;
  EXPECT_EQ(catalog.collective_library->algorithms_for(CollectiveOp::kAllToAll),
            (std::vector<std::string>{"direct", "pairwise"}));
  EXPECT_EQ(catalog.collectives.names().size(), catalog.collective_library->all().size());
  EXPECT_EQ(catalog.collective_library->algorithms_for(CollectiveOp::kAllReduce),
            (std::vector<std::string>{"dim_rings", "double_binary_tree", "halving_doubling", "hierarchical",
                                      "ring"}));
}

}  // namespace
}  // namespace orrery::models
