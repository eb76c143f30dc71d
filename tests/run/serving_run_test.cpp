// The serving workload run end to end on the event engine, against closed
// forms: an iteration's time is the sum of its priced operations; a single
// replica serving one-token requests one at a time is an M/D/1 queue
// (Pollaczek–Khinchine mean wait); Little's law between the time-averaged
// number in the system and the requests' times; determinism.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/run/capacity.hpp"
#include "sim/run/run_context.hpp"
#include "tests/support/scenario_support.hpp"

namespace orrery::serving_run_test {
namespace {

using test::number;
using test::run_text;

std::string scenario(const std::string& workload_extra, const std::string& requests, int devices = 1,
                     const std::string& model = "preset: llama3-8b") {
  return fmt::format(R"(
seed: 5
cluster:
  device: H200-SXM-141GB
  nodes: 1
  node: {{ kind: nvswitch, devices: {d}, bandwidth: "450 GB/s", nics: {d}, nic_bandwidth: "400 Gb/s" }}
network: {{ model: analytic }}
workload:
  kind: serving
  model: {{ {m} }}
  requests: {{ {r} }}
{w}
)",
                     fmt::arg("d", devices), fmt::arg("m", model), fmt::arg("r", requests),
                     fmt::arg("w", workload_extra));
}

const trace::Table& table(const run::RunOutput& out, const std::string& name) {
  for (const auto& t : out.recorder->tables())
    if (t.name == name) return t;
  ADD_FAILURE() << "no table " << name;
  static const trace::Table none;
  return none;
}

double cell(const trace::Table& t, std::size_t row, const std::string& column) {
  const auto c = static_cast<std::size_t>(std::find(t.columns.begin(), t.columns.end(), column) - t.columns.begin());
  return t.values[row * t.columns.size() + c];
}

TEST(ServingRun, AnIterationTakesTheSumOfItsPricedOperations) {
  // One request: a prefill of 100 tokens, then one decode over 101 cached.
  const std::string text =
      scenario("", "arrival: poisson, rate: 1, count: 1, prompt: { tokens: 100 }, output: { tokens: 2 }");
  const run::RunOutput out = run_text(text);
  const trace::Table& it = table(out, "iterations");
  ASSERT_EQ(it.rows(), 2u);
  // The operations of Llama-3-8B's forward written out here, priced one by one
  // by the same device model (32 layers: hidden 4096, 32 heads of 128, 8
  // key/value heads, SwiGLU of 14,336, RMSNorm; vocabulary 128,256).
  const run::Catalog catalog;
  const run::Scenario s = run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt);
  const auto device = run::device_model(s.cluster);
  const auto t = [&](const task::Operation& op) { return device->time(op).count(); };
  using task::Gemm;
  using task::LayerKernel;
  using task::LayerOp;
  // Rotary embedding: read and write q (32 × 128) and k (8 × 128) per token;
  // the cache write: read and write k and v (2 × 8 × 128); bf16.
  const auto pointwise = [&](std::int64_t bytes) {
    return t(task::Elementwise{task::PointwiseKind::kElementwise, bytes, 0});
  };
  const auto dense = [&](std::int64_t m) {
    return t(LayerOp{LayerKernel::kRmsNorm, false, task::DType::kBf16, m, 4096}) * 2 + t(Gemm{m, 6144, 4096}) +
           pointwise(2 * m * 40 * 128 * 2) + pointwise(2 * m * 2 * 8 * 128 * 2) + t(Gemm{m, 4096, 4096}) +
           t(Gemm{m, 28672, 4096}) + t(LayerOp{LayerKernel::kSwiGlu, false, task::DType::kBf16, m, 14336}) +
           t(Gemm{m, 4096, 14336});
  };
  const auto ends = [&](std::int64_t tokens) {
    return t(task::Embedding{tokens, 4096, 128256}) + t(LayerOp{LayerKernel::kRmsNorm, false, task::DType::kBf16, 1, 4096}) +
           t(task::VocabProjection{1, 4096, 128256});
  };
  const std::int64_t prefill =
      32 * (dense(100) + t(task::Attention{1, 32, 8, 100, 128, true})) + ends(100);
  const std::int64_t decode = 32 * (dense(1) + t(task::CachedAttention{1, 32, 8, 128, 1, 101})) + ends(1);
  const auto ns = [&](std::size_t row) {
    return std::llround((cell(it, row, "end_s") - cell(it, row, "start_s")) * 1e9);
  };
  EXPECT_EQ(ns(0), prefill);
  EXPECT_EQ(ns(1), decode);
  // TTFT is the prefill; the one TPOT the decode.
  EXPECT_NEAR(number(out, "ttft_mean_s"), static_cast<double>(prefill) * 1e-9, 1e-9);
  EXPECT_NEAR(number(out, "tpot_mean_s"), static_cast<double>(decode) * 1e-9, 1e-9);
}

TEST(ServingRun, NanoBatchesOverlapComputeAndMemory) {
  // NanoFlow's overlap with n = 4 nano-batches on one device (no network):
  // a layer takes max(C, M) + min(C, M) / 4, where C is the GEMMs priced at a
  // quarter of the tokens four times (and the prompt's fused attention) and M
  // the norms, the activation, the rotary embedding and the cache write at
  // all the tokens.
  const std::string text =
      scenario("  scheduler: { nano_batches: 4 }",
               "arrival: poisson, rate: 1, count: 1, prompt: { tokens: 100 }, output: { tokens: 2 }");
  const run::RunOutput out = run_text(text);
  const run::Catalog catalog;
  const auto device = run::device_model(run::parse_scenario(catalog, text, "s.yaml", {}, std::nullopt).cluster);
  const auto t = [&](const task::Operation& op) { return device->time(op).count(); };
  using task::Gemm;
  using task::LayerKernel;
  using task::LayerOp;
  const auto gemms = [&](std::int64_t m) {
    return t(Gemm{m, 6144, 4096}) + t(Gemm{m, 4096, 4096}) + t(Gemm{m, 28672, 4096}) + t(Gemm{m, 4096, 14336});
  };
  const std::int64_t c = 4 * gemms(25) + t(task::Attention{1, 32, 8, 100, 128, true});
  const std::int64_t m = 2 * t(LayerOp{LayerKernel::kRmsNorm, false, task::DType::kBf16, 100, 4096}) +
                         t(LayerOp{LayerKernel::kSwiGlu, false, task::DType::kBf16, 100, 14336}) +
                         t(task::Elementwise{task::PointwiseKind::kElementwise, 2 * 100 * 40 * 128 * 2, 0}) +
                         t(task::Elementwise{task::PointwiseKind::kElementwise, 2 * 100 * 2 * 8 * 128 * 2, 0});
  const std::int64_t layer = std::max(c, m) + std::min(c, m) / 4;
  const std::int64_t ends = t(task::Embedding{100, 4096, 128256}) +
                            t(LayerOp{LayerKernel::kRmsNorm, false, task::DType::kBf16, 1, 4096}) +
                            t(task::VocabProjection{1, 4096, 128256});
  const trace::Table& it = table(out, "iterations");
  EXPECT_EQ(std::llround((cell(it, 0, "end_s") - cell(it, 0, "start_s")) * 1e9), 32 * layer + ends);
}

TEST(ServingRun, OneAtATimeIsAnMD1Queue) {
  // Requests of one output token, one per iteration (max_batch 1): each is
  // served in the same time D (one prefill of 128 tokens), so one replica is
  // an M/D/1 queue whose mean wait is ρD / (2(1 − ρ)) (Pollaczek–Khinchine).
  const std::string sched = "  scheduler: { max_batch: 1, batching: prefill_first }";
  const run::RunOutput one =
      run_text(scenario(sched, "arrival: poisson, rate: 1, count: 1, prompt: { tokens: 128 }, output: { tokens: 1 }"));
  const double d = number(one, "ttft_mean_s");
  ASSERT_GT(d, 0);
  const double rho = 0.3;
  const run::RunOutput out = run_text(scenario(
      sched, fmt::format("arrival: poisson, rate: {}, count: 40000, prompt: {{ tokens: 128 }}, output: {{ tokens: 1 }}",
                         rho / d)));
  const double wait = number(out, "ttft_mean_s") - d;
  const double pk = rho * d / (2 * (1 - rho));
  // The sample mean of 40,000 correlated waits: their standard deviation is
  // about twice their mean at ρ = 0.3 and correlation widens the error by
  // about √((1 + ρ)/(1 − ρ)) = 1.4, so its standard error is about 1.5%; the
  // bound is 4 of them.
  EXPECT_NEAR(wait, pk, 0.06 * pk) << "D = " << d;
  // Every request's service takes D exactly: the fastest TTFT is D.
  const trace::Table& r = table(out, "requests");
  double fastest = 1e9;
  for (std::size_t i = 0; i < r.rows(); ++i) fastest = std::min(fastest, cell(r, i, "first_token_s") - cell(r, i, "arrival_s"));
  EXPECT_NEAR(fastest, d, 1e-9);
}

TEST(ServingCapacity, FindsTheMD1RateForAMeanTtftBound) {
  // The M/D/1 queue above: mean TTFT = D + ρD / (2(1 − ρ)). Bounding it by 2D
  // gives ρ / (2(1 − ρ)) = 1, ρ = 2/3: the capacity is (2/3) / D requests/s.
  const std::string sched = "  scheduler: { max_batch: 1, batching: prefill_first }";
  const auto text = [&](double rate) {
    return scenario(sched, fmt::format("arrival: poisson, rate: {}, count: 30000, prompt: {{ tokens: 128 }}, "
                                       "output: {{ tokens: 1 }}",
                                       rate));
  };
  const double d = number(run_text(text(1)), "ttft_mean_s");
  const auto evaluate = [&](double rate) { return run_text(text(rate)).recorder->summary(); };
  run::CapacityOptions o;
  o.low = 0.1 / d;
  o.high = 0.95 / d;
  o.tolerance = 0.01;
  const run::CapacityResult r = run::capacity_search(evaluate, {{"ttft_mean_s", 2 * d}}, o);
  ASSERT_GT(r.missed, r.met);
  // The mean wait near ρ = 2/3 is known to a few percent from 30,000
  // requests, and d ln W / dρ = 1/ρ + 1/(1 − ρ) = 4.5 there, so ρ to about
  // 0.01 plus the 1% bracket: the bound, 0.05, is several of those.
  EXPECT_NEAR(r.met * d, 2.0 / 3.0, 0.05);
  EXPECT_LE((r.missed - r.met) / r.missed, 0.01);
  // The points are the same whichever thread ran them: a second search agrees exactly.
  const run::CapacityResult again = run::capacity_search(evaluate, {{"ttft_mean_s", 2 * d}}, o);
  EXPECT_EQ(again.met, r.met);
  EXPECT_EQ(again.points.size(), r.points.size());
}

TEST(ServingCapacity, BadObjectivesAreErrors) {
  const auto evaluate = [&](double rate) {
    return run_text(scenario("", fmt::format("arrival: poisson, rate: {}, count: 5, prompt: {{ tokens: 16 }}, "
                                             "output: {{ tokens: 2 }}",
                                             rate)))
        .recorder->summary();
  };
  run::CapacityOptions o;
  o.low = 1;
  o.high = 2;
  try {
    (void)run::capacity_search(evaluate, {{"ttft_p99", 1.0}}, o);
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'ttft_p99_s'"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)run::capacity_search(evaluate, {}, o), ConfigError);
  o.high = 0.5;
  EXPECT_THROW((void)run::capacity_search(evaluate, {{"ttft_p99_s", 1.0}}, o), ConfigError);
}

TEST(ServingRun, LittlesLawHoldsOnTheSimulatedQueue) {
  // L = λW: the number in the system integrated over time (counted as
  // requests arrive and finish) against throughput × mean end-to-end time.
  const run::RunOutput out = run_text(scenario(
      "  placement: { tp: 2 }\n  router: least_tokens",
      "arrival: gamma, rate: 30, cv: 3, count: 600, prompt: { kind: uniform, min: 64, max: 1024 }, "
      "output: { kind: uniform, min: 16, max: 256 }",
      4));
  const double l = number(out, "requests_in_system_mean");
  const double lambda = number(out, "throughput_rps");
  const double w = number(out, "e2e_mean_s");
  EXPECT_NEAR(l, lambda * w, 1e-6 * l);
  EXPECT_EQ(number(out, "requests_finished"), 600);
}

TEST(ServingRun, SameScenarioSameResults) {
  const std::string text = scenario("  scheduler: { preemption: swap }\n  kv_cache: { blocks: 400 }",
                                    "arrival: gamma, rate: 50, cv: 2, count: 300, prompt: { kind: lognormal, "
                                    "median: 300, sigma: 1, max: 2000 }, output: { kind: zipf, min: 1, max: 500 }",
                                    2);
  const run::RunOutput a = run_text(text);
  const run::RunOutput b = run_text(text);
  EXPECT_EQ(a.recorder->summary().entries(), b.recorder->summary().entries());
  EXPECT_EQ(table(a, "requests").values, table(b, "requests").values);
  EXPECT_GT(number(a, "preemptions"), 0);  // 400 blocks of 16 are too few for this load
  EXPECT_GT(number(a, "swaps"), 0);
}

TEST(ServingRun, DisaggregationSendsEachPromptsKvCache) {
  // One prefill replica and three decode replicas of Llama-3-8B (tp 1): every
  // request with more than one output token is prefilled on replica 0 and its
  // KV cache — 2 (K, V) × 8 heads × 128 × 32 layers × 2 bytes = 131,072 bytes
  // per token — goes to a decode replica.
  const run::RunOutput out = run_text(scenario(
      "  placement: { prefill_replicas: 1 }",
      "arrival: poisson, rate: 20, count: 200, prompt: { kind: uniform, min: 16, max: 2048 }, "
      "output: { kind: uniform, min: 1, max: 64 }",
      4));
  const trace::Table& r = table(out, "requests");
  double bytes = 0;
  for (std::size_t i = 0; i < r.rows(); ++i) {
    if (cell(r, i, "output_tokens") == 1) {
      EXPECT_EQ(cell(r, i, "replica"), 0);  // finished with its prefill
      continue;
    }
    EXPECT_EQ(cell(r, i, "prefill_replica"), 0);
    EXPECT_GE(cell(r, i, "replica"), 1);
    bytes += cell(r, i, "prompt_tokens") * 131072;
  }
  EXPECT_EQ(number(out, "kv_transfer_bytes"), bytes);
  EXPECT_EQ(number(out, "requests_finished"), 200);
  // Decode replicas never prefill: every iteration with prefill tokens ran on replica 0.
  const trace::Table& it = table(out, "iterations");
  for (std::size_t i = 0; i < it.rows(); ++i) {
    if (cell(it, i, "prefill_tokens") > 0) {
      EXPECT_EQ(cell(it, i, "replica"), 0);
    }
  }
}

TEST(ServingRun, BadInputsAreLocated) {
  using test::error_of;
  const auto err = [&](const std::string& extra, const std::string& requests) {
    return error_of(scenario(extra, requests));
  };
  const std::string ok = "arrival: poisson, rate: 1, count: 1, prompt: { tokens: 10 }, output: { tokens: 2 }";
  EXPECT_NE(err("", "arrival: poisson, rate: 0, count: 5, prompt: { tokens: 10 }, output: { tokens: 2 }")
                .find("workload.requests.rate"),
            std::string::npos);
  EXPECT_NE(err("", "arrival: poisson, rate: 2, prompt: { tokens: 10 }, output: { tokens: 2 }").find("duration"),
            std::string::npos);
  EXPECT_NE(err("  slo: { ttft: soon }", ok).find("workload.slo.ttft"), std::string::npos);
  EXPECT_NE(err("  slo: { ttfb: 1 s }", ok).find("did you mean 'ttft'"), std::string::npos);
  EXPECT_NE(err("  kv_cache: { block_size: 0 }", ok).find("workload.kv_cache.block_size"), std::string::npos);
  EXPECT_NE(err("  placement: { tp: 3 }", ok).find("workload.placement.tp"), std::string::npos);
  EXPECT_NE(err("  placement: { prefill_replicas: -1 }", ok).find("workload.placement.prefill_replicas"),
            std::string::npos);
  EXPECT_NE(err("", "arrival: poisson, rate: 1, count: 1, prompt: { kind: uniform, min: 10, max: 5 }, "
                    "output: { tokens: 2 }")
                .find("workload.requests.prompt.max"),
            std::string::npos);
}

TEST(ServingRun, AModelThatDoesNotFitIsInfeasibleWithItsMemory) {
  // Llama-3-70B's 70.6 B parameters in bf16 (141 GB) on one H200 (141 GB × 0.9 usable).
  const std::string text = scenario(
      "", "arrival: poisson, rate: 1, count: 1, prompt: { tokens: 10 }, output: { tokens: 2 }", 1, "preset: llama3-70b");
  try {
    (void)run_text(text);
    ADD_FAILURE() << "no error";
  } catch (const InfeasibleError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("does not fit"), std::string::npos) << what;
    EXPECT_NE(what.find("GiB of weights"), std::string::npos) << what;
  }
}

TEST(ServingRun, RejectedRequestsAreCountedAndWarnedOf) {
  // 64 blocks of 8 tokens (vLLM's 1% watermark: 64 / 100 = 0 blocks kept
  // free): a request may hold at most 512 tokens. Prompts uniform in
  // [100, 600] with 40 output tokens: those over 472 can never fit, so they
  // are rejected, left out of every latency, and a warning gives the bounds.
  const std::string text = scenario("  kv_cache: { blocks: 64, block_size: 8 }",
                                    "arrival: poisson, rate: 1, count: 8, prompt: { kind: uniform, min: 100, "
                                    "max: 600 }, output: { tokens: 40 }");
  const run::RunOutput out = run_text(text);
  const trace::Table& requests = table(out, "requests");
  std::int64_t long_ones = 0;
  std::int64_t rejected = 0;
  for (std::size_t r = 0; r < requests.rows(); ++r) {
    long_ones += cell(requests, r, "prompt_tokens") + 40 > 512;
    rejected += cell(requests, r, "rejected") == 1.0;
  }
  ASSERT_GT(long_ones, 0) << "the draw gave no request over 512 tokens: pick another seed";
  EXPECT_EQ(rejected, long_ones);
  EXPECT_EQ(number(out, "requests_rejected"), static_cast<double>(long_ones));
  EXPECT_EQ(number(out, "requests_finished"), 8.0 - static_cast<double>(long_ones));
  ASSERT_FALSE(out.warnings.empty());
  const std::string& w = out.warnings.back();
  EXPECT_NE(w.find(fmt::format("{} of 8 requests were rejected", long_ones)), std::string::npos) << w;
  EXPECT_NE(w.find("at most 512 tokens (64 blocks of 8)"), std::string::npos) << w;
}

}  // namespace
}  // namespace orrery::serving_run_test
