// The serving workload's parts without the event engine: request traces
// (BurstGPT's and Azure's columns, located errors), the arrival processes
// against their closed-form moments, and the replica scheduler's KV-block
// accounting against ceil(tokens / block size).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <tuple>

#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"
#include "workloads/serving/iteration_cost.hpp"
#include "workloads/serving/replica.hpp"
#include "workloads/serving/requests.hpp"
#include "workloads/training/model_presets.hpp"

namespace orrery::serving_test {
namespace {

namespace sv = workload::serving;

std::string error_of(const std::string& text) {
  try {
    (void)sv::parse_request_trace(text, sv::RequestsSpec{}, "t.csv", "workload.requests.file");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ServingTrace, ReadsBurstGptColumnsAndSkipsFailedRequests) {
  // BurstGPT's header; a failed request logs zero response tokens.
  const std::string text =
      "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
      "5,ChatGPT,472,18,490,Conversation log\n"
      "7.5,GPT-4,1000,0,1000,Conversation log\n"
      "8,ChatGPT,30,200,230,API log\n";
  sv::RequestsSpec spec;
  spec.time_scale = 2.0;
  const sv::RequestList l = sv::parse_request_trace(text, spec, "t.csv", "k");
  ASSERT_EQ(l.requests.size(), 2u);
  EXPECT_EQ(l.skipped, 1);
  EXPECT_EQ(l.requests[0].arrival, Time::zero());  // counted from the first row
  EXPECT_EQ(l.requests[0].prompt, 472);
  EXPECT_EQ(l.requests[0].output, 18);
  // (8 - 5) s × time_scale 2.
  EXPECT_EQ(l.requests[1].arrival, Time::zero() + Duration::s(6));
  EXPECT_EQ(l.requests[1].prompt, 30);
}

TEST(ServingTrace, ReadsAzureDateTimes) {
  const std::string text =
      "TIMESTAMP,ContextTokens,GeneratedTokens\n"
      "2023-11-16 18:15:46.6805900,374,44\n"
      "2023-11-16 18:16:47.1805900,396,109\n"
      "2023-11-17 00:00:00.0,10,1\n";
  const sv::RequestList l = sv::parse_request_trace(text, sv::RequestsSpec{}, "t.csv", "k");
  ASSERT_EQ(l.requests.size(), 3u);
  // 18:16:47.18059 − 18:15:46.68059 = 60.5 s; midnight is 5 h 44 min 13.31941 s after the first.
  EXPECT_EQ(l.requests[1].arrival, Time::zero() + Duration::ms(60'500));
  EXPECT_EQ(l.requests[2].arrival - Time::zero(), Duration::from_seconds(5 * 3600 + 44 * 60 + 13.3194100));
  EXPECT_EQ(l.requests[1].output, 109);
}

TEST(ServingTrace, BadRowsAreLocated) {
  EXPECT_NE(error_of("timestamp,prompt_tokens,output_tokens\n0,10,5\n1,-3,5\n").find("t.csv:3:3"), std::string::npos)
      << error_of("timestamp,prompt_tokens,output_tokens\n0,10,5\n1,-3,5\n");
  EXPECT_NE(error_of("timestamp,prompt_tokens,output_tokens\nsoon,10,5\n").find("t.csv:2:1"), std::string::npos);
  EXPECT_NE(error_of("timestamp,prompt_tokens,output_tokens\n0,10\n").find("2 fields where the header has 3"),
            std::string::npos);
  EXPECT_NE(error_of("time,tokens,output_tokens\n0,1,1\n").find("lacks the prompt_tokens column"), std::string::npos);
  EXPECT_NE(error_of("timestamp,prompt_tokens,output_tokens\n0,0,5\n").find("no prompt tokens"), std::string::npos);
  EXPECT_NE(error_of("timestamp,prompt_tokens,output_tokens\n0,3,0\n").find("lists no requests"), std::string::npos);
  EXPECT_NE(error_of("timestamp,prompt_tokens,output_tokens\n2023-13-01 00:00:00,3,1\n").find("t.csv:2:1"),
            std::string::npos);
}

// A trace that holds nothing to replay is an error at the scenario's `file`
// key (where the scenario names it), naming the file: it has no line of its own to point at.
TEST(ServingTrace, AnEmptyTraceIsAnErrorWhereTheScenarioNamesIt) {
  sv::RequestsSpec spec;
  spec.file_at = SourceLocation{"s.yaml", 8, 37};
  const auto error = [&](const std::string& text) -> std::string {
    try {
      (void)sv::parse_request_trace(text, spec, "t.csv", "workload.requests.file");
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(error(""), "s.yaml:8:37: error: workload.requests.file: the trace 't.csv' has no header line");
  EXPECT_EQ(
      error("timestamp,prompt_tokens,output_tokens\n0,3,0\n5,2,0\n"),
      "s.yaml:8:37: error: workload.requests.file: the trace 't.csv' lists no requests with output tokens "
      "(2 rows with 0 output tokens)");
}

// Inter-arrival times' sample mean and coefficient of variation.
std::pair<double, double> moments(const sv::RequestList& l) {
  std::vector<double> gaps;
  Time prev = Time::zero();
  for (const auto& r : l.requests) {
    gaps.push_back((r.arrival - prev).seconds());
    prev = r.arrival;
  }
  const double mean = std::accumulate(gaps.begin(), gaps.end(), 0.0) / static_cast<double>(gaps.size());
  double var = 0;
  for (const double g : gaps) var += (g - mean) * (g - mean);
  var /= static_cast<double>(gaps.size() - 1);
  return {mean, std::sqrt(var) / mean};
}

TEST(ServingArrivals, GammaHasTheRateAndBurstinessAsked) {
  // Gamma(shape 1/cv², scale cv²/λ): mean 1/λ, coefficient of variation cv.
  // 200,000 gaps: the standard error of the mean is cv/√n = 0.7% at cv = 3
  // (the bound, 3%, is ~4 of them), 0.22% for the exponential (bound 1%).
  // The sample cv's relative error is about √((κ − 1)/n)/2 for kurtosis κ:
  // κ = 3 + 6·cv² = 57 gives 0.85% (bound 5%), the exponential's κ = 9 gives
  // 0.32% (bound 1%).
  sv::RequestsSpec spec;
  spec.arrival = sv::Arrival::kGamma;
  spec.rate = 20;
  spec.cv = 3;
  spec.count = 200'000;
  spec.prompt.tokens = spec.prompt.max = 1;
  spec.output.tokens = spec.output.max = 1;
  const auto [mean, cv] = moments(sv::generate_requests(spec, 7));
  EXPECT_NEAR(mean, 1.0 / 20, 0.03 / 20);
  EXPECT_NEAR(cv, 3.0, 0.15);
  spec.arrival = sv::Arrival::kPoisson;  // exponential gaps: cv 1
  const auto [pm, pcv] = moments(sv::generate_requests(spec, 7));
  EXPECT_NEAR(pm, 1.0 / 20, 0.01 / 20);
  EXPECT_NEAR(pcv, 1.0, 0.01);
}

TEST(ServingArrivals, LengthDistributions) {
  Rng rng(3);
  sv::LengthSpec l;
  l.kind = sv::LengthSpec::Kind::kLognormal;
  l.median = 500;
  l.sigma = 1;
  l.min = 1;
  l.max = 1 << 20;
  std::vector<std::int64_t> v;
  const sv::LengthDraw draw(l);
  for (int i = 0; i < 100'001; ++i) v.push_back(draw(rng));
  std::nth_element(v.begin(), v.begin() + 50'000, v.end());
  // The median is exp(mu); its standard error is 1/(2 f(m) √n) = m σ √(2π)/(2√n)
  // = 2.0 tokens here, and the bound is 5 of them.
  EXPECT_NEAR(static_cast<double>(v[50'000]), 500.0, 10.0);
  // Zipf with s = 1 on [1, 10]: P(1) = 1 / H_10 = 1 / 2.928968.
  sv::LengthSpec z;
  z.kind = sv::LengthSpec::Kind::kZipf;
  z.min = 1;
  z.max = 10;
  const sv::LengthDraw zipf(z);
  int ones = 0;
  for (int i = 0; i < 100'000; ++i) {
    const auto n = zipf(rng);
    ASSERT_GE(n, 1);
    ASSERT_LE(n, 10);
    ones += n == 1 ? 1 : 0;
  }
  EXPECT_NEAR(ones / 100'000.0, 1 / 2.928968, 0.005);  // binomial standard error √(p(1−p)/n) = 0.0015
}

sv::ServingParams scheduler_params() {
  sv::ServingParams p;
  p.model.seq_len = 4096;
  p.kv.block_size = 16;
  p.scheduler.max_batched_tokens = 8192;
  return p;
}

std::vector<sv::RequestState> requests_of(std::initializer_list<std::pair<int, int>> lengths) {
  std::vector<sv::RequestState> out;
  for (const auto& [prompt, output] : lengths) {
    sv::RequestState s;
    s.request.prompt = prompt;
    s.request.output = output;
    out.push_back(s);
  }
  return out;
}

TEST(ServingScheduler, KvBlocksAreCeilTokensOverBlockSize) {
  const sv::ServingParams p = scheduler_params();
  auto requests = requests_of({{100, 20}});
  sv::ReplicaScheduler s(p, 100, 0, requests);
  ASSERT_TRUE(s.enqueue(0));
  std::vector<std::int32_t> done;
  Time t = Time::zero();
  auto it = s.next();
  ASSERT_TRUE(it);
  EXPECT_EQ(it->shape.tokens, 100);
  EXPECT_EQ(s.free_blocks(), 100 - 7);  // ceil(100 / 16)
  s.complete(*it, t, done);
  EXPECT_EQ(requests[0].generated, 1);
  // Decodes: the cache holds 100 + k tokens after the k-th; a block is added
  // when it passes a multiple of 16 (112 -> 113 needs the 8th).
  for (int k = 1; k < 20; ++k) {
    it = s.next();
    ASSERT_TRUE(it);
    EXPECT_EQ(it->shape.decodes, 1);
    EXPECT_EQ(it->shape.decode_context, 100 + k);
    const std::int64_t cached = 100 + k;
    EXPECT_EQ(s.free_blocks(), 100 - (cached + 15) / 16) << k;
    t = t + Duration::ms(1);
    s.complete(*it, t, done);
  }
  EXPECT_EQ(requests[0].generated, 20);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(s.free_blocks(), 100);
  EXPECT_EQ(s.outstanding_tokens(), 0);
  EXPECT_FALSE(s.next());
}

TEST(ServingScheduler, ChunkedPrefillSplitsAtTheTokenBudget) {
  sv::ServingParams p = scheduler_params();
  p.scheduler.max_batched_tokens = 256;
  auto requests = requests_of({{600, 2}, {10, 2}});
  sv::ReplicaScheduler s(p, 1000, 0, requests);
  ASSERT_TRUE(s.enqueue(0));
  ASSERT_TRUE(s.enqueue(1));
  std::vector<std::int32_t> done;
  // 600 = 256 + 256 + 88; the third iteration has 168 tokens of budget left
  // for request 1's whole prompt of 10.
  std::vector<std::int64_t> tokens;
  while (auto it = s.next()) {
    tokens.push_back(it->shape.tokens);
    s.complete(*it, Time::zero(), done);
  }
  ASSERT_GE(tokens.size(), 3u);
  EXPECT_EQ(tokens[0], 256);
  EXPECT_EQ(tokens[1], 256);
  EXPECT_EQ(tokens[2], 88 + 10);
  EXPECT_EQ(done.size(), 2u);
}

// A prompt of 257 tokens under a budget of 256 ends in a chunk of one token:
// still prefill (it is the prompt's, not a sampled token fed back), which
// samples the first token; only the steps after it are decodes. The
// iterations then count 257 prefill tokens and output − 1 = 2 decodes, as the
// requests hold (scripts/scenario_fuzz.py's token accounting found the last
// chunk counted as a decode).
TEST(ServingScheduler, APromptsLastChunkOfOneTokenIsPrefill) {
  sv::ServingParams p = scheduler_params();
  p.scheduler.max_batched_tokens = 256;
  auto requests = requests_of({{257, 3}});
  sv::ReplicaScheduler s(p, 1000, 0, requests);
  ASSERT_TRUE(s.enqueue(0));
  std::vector<std::int32_t> done;
  std::vector<std::pair<std::int64_t, std::int64_t>> counts;  // (prefill tokens, decodes) per iteration
  while (auto it = s.next()) {
    counts.emplace_back(it->prefill_tokens, it->shape.decodes);
    s.complete(*it, Time::zero(), done);
  }
  const std::vector<std::pair<std::int64_t, std::int64_t>> want{{256, 0}, {1, 0}, {0, 1}, {0, 1}};
  EXPECT_EQ(counts, want);
  EXPECT_EQ(requests[0].generated, 3);
}

TEST(ServingScheduler, RecomputePreemptionFreesAndRestoresEverything) {
  // Two prompts of 64 tokens (4 blocks each) that grow to 64 + 39 = 103
  // cached tokens (7 blocks each): 14 blocks do not fit in 10, so the newer
  // request gives its blocks up and is prefilled again later.
  const sv::ServingParams p = scheduler_params();
  auto requests = requests_of({{64, 40}, {64, 40}});
  sv::ReplicaScheduler s(p, 10, 0, requests);
  ASSERT_TRUE(s.enqueue(0));
  ASSERT_TRUE(s.enqueue(1));
  std::vector<std::int32_t> done;
  int iterations = 0;
  while (auto it = s.next()) {
    ASSERT_GE(s.free_blocks(), 0);
    s.complete(*it, Time::zero(), done);
    ASSERT_LT(++iterations, 1000);
  }
  EXPECT_EQ(done.size(), 2u);
  EXPECT_GE(s.preemptions(), 1);
  EXPECT_EQ(requests[1].preemptions, s.preemptions());
  EXPECT_EQ(requests[0].generated, 40);
  EXPECT_EQ(requests[1].generated, 40);
  EXPECT_EQ(s.free_blocks(), 10);
  EXPECT_EQ(s.outstanding_tokens(), 0);
}

TEST(ServingScheduler, PriorityOrderServesTheMostUrgentClassFirst) {
  // One sequence per iteration: request 0 (class 1) arrived before request 1
  // (class 0). FCFS serves 0 first; priority order serves 1 first.
  for (const auto& [order, first] : std::vector<std::pair<sv::Order, std::int32_t>>{{sv::Order::kFcfs, 0},
                                                                                    {sv::Order::kPriority, 1}}) {
    sv::ServingParams p = scheduler_params();
    p.scheduler.max_batch = 1;
    p.scheduler.order = order;
    auto requests = requests_of({{10, 1}, {10, 1}});
    requests[0].request.priority = 1;
    requests[1].request.priority = 0;
    sv::ReplicaScheduler s(p, 100, 0, requests);
    ASSERT_TRUE(s.enqueue(0));
    ASSERT_TRUE(s.enqueue(1));
    const auto it = s.next();
    ASSERT_TRUE(it);
    ASSERT_EQ(it->steps.size(), 1u);
    EXPECT_EQ(it->steps[0].request, first);
  }
}

TEST(ServingScheduler, SwapPreemptionKeepsTheCacheAndMovesItsBlocks) {
  // As the recompute case, but the preempted request's blocks go to host
  // memory and come back: no token is computed twice (the prefills total the
  // two prompts, 128 tokens), and the blocks swapped out equal those swapped
  // back in.
  sv::ServingParams p = scheduler_params();
  p.scheduler.preemption = sv::Preemption::kSwap;
  auto requests = requests_of({{64, 40}, {64, 40}});
  sv::ReplicaScheduler s(p, 10, 100, requests);
  ASSERT_TRUE(s.enqueue(0));
  ASSERT_TRUE(s.enqueue(1));
  std::vector<std::int32_t> done;
  std::int64_t prefill = 0, out = 0, in = 0, tokens = 0;
  int iterations = 0;
  while (auto it = s.next()) {
    prefill += it->prefill_tokens;
    out += it->swap_out_blocks;
    in += it->swap_in_blocks;
    tokens += it->shape.tokens;
    s.complete(*it, Time::zero(), done);
    ASSERT_LT(++iterations, 1000);
  }
  EXPECT_EQ(done.size(), 2u);
  EXPECT_GE(s.swaps(), 1);
  EXPECT_GT(out, 0);
  EXPECT_EQ(in, out);
  EXPECT_EQ(prefill, 128);
  // Every token computed once: 64 + 39 per request.
  EXPECT_EQ(tokens, 2 * (64 + 39));
  EXPECT_EQ(s.free_blocks(), 10);
}

TEST(ServingScheduler, RejectsWhatCanNeverFit) {
  sv::ServingParams p = scheduler_params();
  p.kv.max_seq_len = 128;
  auto requests = requests_of({{100, 29}, {100, 28}});
  sv::ReplicaScheduler s(p, 100, 0, requests);
  EXPECT_FALSE(s.enqueue(0));  // 129 tokens > max_seq_len
  EXPECT_EQ(requests[0].phase, sv::Phase::kRejected);
  EXPECT_TRUE(s.enqueue(1));
}

TEST(ServingScheduler, CacheTokensAreWhatNeverFitsMeasuresAgainst) {
  // 100 blocks of 16 tokens. Paged: 1% (1 block) kept free at admission, so
  // (100 − 1) × 16 = 1584 tokens; a request of 1584 fits, one of 1585 never
  // does. reserve_max keeps no watermark (1600 tokens) until one reservation
  // of max_seq_len does not fit: 2048 / 16 = 128 blocks > 100, so 0.
  sv::ServingParams p = scheduler_params();
  p.kv.max_seq_len = 4096;
  auto requests = requests_of({{1500, 84}, {1500, 85}});
  sv::ReplicaScheduler paged(p, 100, 0, requests);
  EXPECT_EQ(paged.cache_tokens(), 1584);
  EXPECT_EQ(paged.max_seq_len(), 4096);
  EXPECT_TRUE(paged.enqueue(0));
  EXPECT_FALSE(paged.enqueue(1));
  p.kv.allocation = sv::Allocation::kReserveMax;
  p.kv.max_seq_len = 1024;
  EXPECT_EQ(sv::ReplicaScheduler(p, 100, 0, requests).cache_tokens(), 1600);
  p.kv.max_seq_len = 2048;
  EXPECT_EQ(sv::ReplicaScheduler(p, 100, 0, requests).cache_tokens(), 0);
}

TEST(ServingScheduler, OrcaReservesTheLongestSequence) {
  // reserve_max holds ceil(max_seq_len / 16) blocks per request from admission:
  // 1024 / 16 = 64 of 100, so one request runs at a time.
  sv::ServingParams p = scheduler_params();
  p.kv.allocation = sv::Allocation::kReserveMax;
  p.kv.max_seq_len = 1024;
  auto requests = requests_of({{10, 3}, {10, 3}});
  sv::ReplicaScheduler s(p, 100, 0, requests);
  ASSERT_TRUE(s.enqueue(0));
  ASSERT_TRUE(s.enqueue(1));
  auto it = s.next();
  ASSERT_TRUE(it);
  EXPECT_EQ(it->steps.size(), 1u);
  EXPECT_EQ(s.free_blocks(), 36);
}

TEST(ServingCost, ExpertParallelismHoldsWholeExpertsPerRank) {
  // Mixtral-8x7B's MLP (8 experts of 14,336, top-2, SwiGLU, hidden 4,096) on a
  // tp 4 group. 16 tokens make 32 routes over all 8 experts, 4 rows each.
  // ep 1: every expert split 4 ways, 8 of them per rank; ep 2: 4 whole
  // experts per rank split 2 ways; ep 4: 2 experts per rank, whole.
  sv::ServingParams p;
  p.model.layers = 32;
  p.model.hidden = 4096;
  p.model.heads = 32;
  p.model.kv_heads = 8;
  p.model.ffn_hidden = 14336;
  p.model.experts = 8;
  p.model.top_k = 2;
  p.model.mlp = workload::training::Mlp::kSwiglu;
  p.tp = 4;
  for (const auto& [ep, experts, width] : std::vector<std::tuple<int, std::int64_t, std::int64_t>>{
           {1, 8, 14336 / 4}, {2, 4, 14336 / 2}, {4, 2, 14336}}) {
    p.ep = ep;
    const sv::IterationCost cost(p, {}, {{DeviceId(0), DeviceId(1), DeviceId(2), DeviceId(3)}});
    std::vector<task::Gemm> gemms;
    for (const auto& op : cost.layer_ops(16))
      if (const auto* g = std::get_if<task::Gemm>(&op)) gemms.push_back(*g);
    ASSERT_EQ(gemms.size(), 5u);  // qkv, output, router, expert up (gate and up), expert down
    EXPECT_EQ(gemms[3].batch, experts) << ep;
    EXPECT_EQ(gemms[3].m, 4);
    EXPECT_EQ(gemms[3].n, 2 * width) << ep;
    EXPECT_EQ(gemms[4].k, width) << ep;
  }
}

TEST(ServingCost, DeepSeekMoeRunsSharedExpertsAndADenseFirstLayer) {
  // DeepSeekMoE 16B (deepseek-moe-16b-base config.json) on tp 2: layer 0 is
  // dense (one SwiGLU MLP of 10,944, split 2 ways); layers 1-27 route to 6 of
  // 64 experts of 1,408 and run the 2 shared experts as one MLP of 2 × 1,408
  // over every token. 64 tokens make 384 routes over 64 experts, 6 rows each.
  sv::ServingParams p;
  p.model = *workload::training::model_preset("deepseek-moe-16b");
  p.tp = 2;
  p.pp = 2;
  const sv::IterationCost cost(p, {}, {{DeviceId(0), DeviceId(1)}, {DeviceId(2), DeviceId(3)}});
  using Kind = sv::IterationCost::LayerKind;
  ASSERT_EQ(cost.kinds(), (std::vector<Kind>{{task::DType::kBf16, false}, {task::DType::kBf16, true}}));
  EXPECT_EQ(cost.layers(0, 0), 1);   // stage 0: layers 0-13, the dense one first
  EXPECT_EQ(cost.layers(0, 1), 13);
  EXPECT_EQ(cost.layers(1, 0), 0);
  EXPECT_EQ(cost.layers(1, 1), 14);
  const auto gemms_of = [&](std::size_t kind) {
    std::vector<task::Gemm> gemms;
    for (const auto& op : cost.layer_ops(64, kind))
      if (const auto* g = std::get_if<task::Gemm>(&op)) gemms.push_back(*g);
    return gemms;
  };
  const std::vector<task::Gemm> dense = gemms_of(0);
  ASSERT_EQ(dense.size(), 4u);  // qkv, output, up (gate and up), down
  EXPECT_EQ(dense[2].n, 2 * 10944 / 2);
  EXPECT_EQ(dense[3].k, 10944 / 2);
  const std::vector<task::Gemm> routed = gemms_of(1);
  ASSERT_EQ(routed.size(), 7u);  // qkv, output, router, expert up, expert down, shared up, shared down
  EXPECT_EQ(routed[2].n, 64);
  EXPECT_EQ(routed[3].batch, 64);
  EXPECT_EQ(routed[3].m, 6);
  EXPECT_EQ(routed[3].n, 2 * 1408 / 2);
  EXPECT_EQ(routed[5].m, 64);
  EXPECT_EQ(routed[5].n, 2 * (2 * 1408) / 2);
  EXPECT_EQ(routed[6].k, 2 * 1408 / 2);
}

}  // namespace
}  // namespace orrery::serving_test
