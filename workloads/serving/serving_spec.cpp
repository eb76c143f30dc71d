#include "workloads/serving/serving_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace orrery::workload::serving {

namespace {

const std::vector<std::string> kDtypes{"bf16", "fp16", "fp8"};
DType dtype_named(const std::string& s) {
  if (s == "fp16") return DType::kFp16;
  if (s == "fp8") return DType::kFp8;
  return DType::kBf16;
}

// The cap on tokens (kMaxRequests is in serving_spec.hpp).
constexpr std::int64_t kMaxTokens = std::int64_t{1} << 24;  // per prompt or output (the model cap on seq_len)

LengthSpec read_length(config::Reader& r, const char* what) {
  LengthSpec l;
  const std::vector<std::string> kinds{"fixed", "lognormal", "uniform", "zipf"};
  const std::string kind = r.choice("kind", kinds, "fixed",
                                    fmt::format("distribution of {} tokens: fixed, uniform, lognormal, zipf", what));
  l.kind = kind == "uniform"     ? LengthSpec::Kind::kUniform
           : kind == "lognormal" ? LengthSpec::Kind::kLognormal
           : kind == "zipf"      ? LengthSpec::Kind::kZipf
                                 : LengthSpec::Kind::kFixed;
  const bool d = r.describing();
  const auto only = [&](std::string_view key, bool used, std::string_view who) {
    r.check(!r.has(key) || used, key, fmt::format("is only used by {}", who));
  };
  only("tokens", l.kind == LengthSpec::Kind::kFixed, "kind: fixed");
  only("median", l.kind == LengthSpec::Kind::kLognormal, "kind: lognormal");
  only("sigma", l.kind == LengthSpec::Kind::kLognormal, "kind: lognormal");
  only("exponent", l.kind == LengthSpec::Kind::kZipf, "kind: zipf");
  if (l.kind == LengthSpec::Kind::kFixed || d) l.tokens = r.required<std::int64_t>("tokens", "fixed: tokens of every request");
  if (l.kind == LengthSpec::Kind::kLognormal || d) {
    l.median = r.required<double>("median", "lognormal: the median, exp(mu)");
    l.sigma = r.required<double>("sigma", "lognormal: the standard deviation of ln(tokens)");
  }
  if (l.kind == LengthSpec::Kind::kZipf || d) l.exponent = r.optional<double>("exponent", 1.0, "zipf: s in P(n) ∝ n^-s");
  const bool bounded = l.kind != LengthSpec::Kind::kFixed;
  l.min = r.optional<std::int64_t>("min", 1, "the fewest tokens (draws below are raised to it)");
  const auto max = bounded || d ? std::optional<std::int64_t>(r.required<std::int64_t>(
                                      "max", "the most tokens (uniform, zipf: the range's top; lognormal: draws above "
                                             "are lowered to it)"))
                                : std::nullopt;
  if (d) return l;
  l.max = max ? *max : l.tokens;
  if (!bounded) l.min = std::min(l.min, l.tokens);
  r.check(l.min >= 1, "min", "must be at least 1");
  r.check(l.max >= l.min, bounded ? "max" : "tokens", fmt::format("must be at least min ({})", l.min));
  r.check(l.max <= kMaxTokens, bounded ? "max" : "tokens", fmt::format("must be at most 2^24 ({})", kMaxTokens));
  if (l.kind == LengthSpec::Kind::kLognormal) {
    r.check(l.median > 0 && std::isfinite(l.median), "median", "must be a positive number");
    r.check(l.sigma >= 0 && std::isfinite(l.sigma), "sigma", "must be a non-negative number");
  }
  if (l.kind == LengthSpec::Kind::kZipf) {
    r.check(l.exponent > 0 && std::isfinite(l.exponent), "exponent", "must be a positive number");
    r.check(l.max - l.min <= (std::int64_t{1} << 22), "max", "zipf: the range max - min is at most 2^22 values");
  }
  return l;
}

RequestsSpec read_requests(config::Reader& r) {
  RequestsSpec q;
  q.at = r.where("arrival");
  const bool d = r.describing();
  const std::vector<std::string> arrivals{"gamma", "poisson", "trace"};
  const std::string a = r.choice("arrival", arrivals, "poisson",
                                 "poisson; gamma (bursty, with `cv`); trace (a CSV file: timestamp, prompt and "
                                 "output tokens, as BurstGPT and the Azure LLM inference traces give them)");
  q.arrival = a == "gamma" ? Arrival::kGamma : a == "trace" ? Arrival::kTrace : Arrival::kPoisson;
  const bool trace = q.arrival == Arrival::kTrace;
  const auto only = [&](std::string_view key, bool used, std::string_view who) {
    r.check(!r.has(key) || used, key, fmt::format("is only used by {}", who));
  };
  only("rate", !trace, "poisson and gamma arrivals");
  only("cv", q.arrival == Arrival::kGamma, "gamma arrivals");
  only("file", trace, "trace arrivals");
  only("time_scale", trace, "trace arrivals");
  only("prompt", !trace, "poisson and gamma arrivals (a trace gives each request's tokens)");
  only("output", !trace, "poisson and gamma arrivals (a trace gives each request's tokens)");
  if (!trace || d) q.rate = r.required<double>("rate", "mean arrival rate, requests per second");
  if (q.arrival == Arrival::kGamma || d) {
    q.cv = r.required<double>("cv", "gamma: coefficient of variation of inter-arrival times (1: Poisson)");
  }
  q.count = r.optional<std::int64_t>("count", 0, "requests to simulate (0: all that arrive within `duration`)");
  q.duration = r.optional<Duration>("duration", Duration{}, "arrivals up to this time (with `count`: whichever ends first)");
  const auto file = trace || d ? std::optional<std::string>(r.required<std::string>(
                                     "file", "trace: the CSV file, relative to the scenario"))
                               : std::nullopt;
  q.time_scale = r.optional<double>("time_scale", 1.0,
                                    "trace: timestamps are multiplied by this (0.5 replays twice as fast)");
  const auto length = [&](const char* key, const char* what, LengthSpec& out) {
    if (trace && !d) return;
    r.section(key, fmt::format("{} tokens per request", what), true,
              [&](config::Reader& l) { out = read_length(l, what); });
  };
  length("prompt", "prompt", q.prompt);
  length("output", "output", q.output);
  q.priority_shares = r.optional<std::vector<double>>(
      "priorities", {}, "shares of priority classes 0 (most urgent), 1, ...: each request draws its class");
  if (d) return q;
  if (!trace) {
    r.check(q.rate > 0 && std::isfinite(q.rate), "rate",
            fmt::format("must be a positive number of requests per second, got {}", q.rate));
    r.check(q.count > 0 || q.duration > Duration{}, "count", "give `count` or `duration` (or both): when arrivals stop");
  }
  r.check(q.cv > 0 && std::isfinite(q.cv), "cv", "must be a positive number");
  r.check(q.count >= 0 && q.count <= kMaxRequests, "count", fmt::format("must be in [0, 2^24 = {}]", kMaxRequests));
  r.check(q.duration >= Duration{}, "duration", "must not be negative");
  r.check(q.time_scale > 0 && std::isfinite(q.time_scale), "time_scale", "must be a positive number");
  double total = 0;
  for (const double s : q.priority_shares) {
    r.check(s >= 0 && std::isfinite(s), "priorities", "shares must be non-negative numbers");
    total += s;
  }
  r.check(q.priority_shares.empty() || total > 0, "priorities", "the shares must not all be zero");
  r.check(q.priority_shares.size() <= 64, "priorities", "at most 64 classes");
  if (file) {
    q.trace_path = r.beside_file(*file);
    q.trace_shown = q.trace_path;
    q.file_at = r.where("file");
  }
  return q;
}

}  // namespace

ServingParams ServingParams::read(config::Reader& r) {
  ServingParams p;
  p.at = r.where("placement");
  const bool d = r.describing();
  r.section("model", "the transformer (a preset, or its shape)", true,
            [&](config::Reader& m) { p.model = training::TransformerSpec::read(m); });
  p.dtype_at = r.where("dtype");
  p.dtype = dtype_named(r.choice("dtype", kDtypes, "bf16", "weights, activations and GEMMs"));
  const std::vector<std::string> kv_types{"auto", "bf16", "fp16", "fp8"};
  const std::string kv = r.choice("kv_dtype", kv_types, "auto", "the KV cache's element type (auto: dtype)");
  r.section("weights", "how the layers' weights are stored: quantized (one type, or one per layer) and sparse "
                       "feed-forward layers", false,
            [&](config::Reader& w) { p.weights = WeightFormat::read(w, p.model.layers, p.dtype); });
  r.section("placement", "how one replica holds the model", false, [&](config::Reader& m) {
    p.tp = m.optional<int>("tp", 1, "tensor-parallel ranks per replica (Megatron-style, an all-reduce after "
                                    "attention and after the MLP)");
    p.pp = m.optional<int>("pp", 1, "pipeline stages per replica (up to pp batches in flight)");
    p.ep = m.optional<int>("ep", 1,
                           "expert parallelism inside the tp group (MoE models): each rank holds experts/ep whole "
                           "experts, split tp/ep ways; ep divides tp");
    p.replicas = m.optional<int>("replicas", 0, "replicas (0: as many as the cluster holds, tp·pp devices each)");
    p.prefill_replicas = m.optional<int>(
        "prefill_replicas", 0,
        "disaggregation: the first this many replicas only prefill, the rest only decode; each request's KV cache "
        "goes over the network from one to the other (0: every replica does both)");
    if (d) return;
    m.check(p.tp >= 1 && p.tp <= (1 << 20), "tp", "must be in [1, 2^20]");
    m.check(p.pp >= 1 && p.pp <= (1 << 20), "pp", "must be in [1, 2^20]");
    m.check(p.replicas >= 0, "replicas", "must not be negative");
    m.check(p.prefill_replicas >= 0, "prefill_replicas", "must not be negative");
  });
  const std::vector<std::string> routers{"kv_aware", "least_tokens", "round_robin"};
  const std::string router = r.choice("router", routers, "round_robin",
                                      "which replica takes an arriving request: round_robin; least_tokens (the "
                                      "fewest outstanding prompt + output tokens); kv_aware (the most free KV blocks "
                                      "after its queued prompts)");
  p.router = router == "least_tokens" ? Router::kLeastTokens : router == "kv_aware" ? Router::kKvAware
                                                                                      : Router::kRoundRobin;
  r.section("requests", "how requests arrive and how long they are", true,
            [&](config::Reader& q) { p.requests = read_requests(q); });
  r.section("scheduler", "each replica's iteration-level scheduler", false, [&](config::Reader& s) {
    SchedulerSpec& c = p.scheduler;
    c.max_batch = s.optional<std::int64_t>("max_batch", 256, "sequences per iteration (vLLM max_num_seqs: 256)");
    c.max_batched_tokens = s.optional<std::int64_t>(
        "max_batched_tokens", 8192, "tokens per iteration, the chunked-prefill budget (vLLM max_num_batched_tokens)");
    const std::vector<std::string> batchings{"chunked", "mixed", "prefill_first"};
    const std::string b = s.choice("batching", batchings, "chunked",
                                   "chunked (Sarathi: decodes first, then prompt chunks to the token budget); mixed "
                                   "(Orca: whole prompts beside the decodes); prefill_first (vLLM before chunking: "
                                   "a prefill-only iteration whenever a prompt can be admitted)");
    c.batching = b == "mixed" ? Batching::kMixed : b == "prefill_first" ? Batching::kPrefillFirst : Batching::kChunked;
    const std::vector<std::string> preemptions{"recompute", "swap"};
    c.preemption = s.choice("preemption", preemptions, "recompute",
                            "when the KV cache is full, the newest running request gives its blocks up: recompute "
                            "(its tokens are prefilled again) or swap (its blocks go to host memory over PCIe and "
                            "come back)") == "swap"
                       ? Preemption::kSwap
                       : Preemption::kRecompute;
    const std::vector<std::string> orders{"fcfs", "priority"};
    c.order = s.choice("order", orders, "fcfs",
                       "which waiting request goes first: fcfs, or priority (class, then arrival)") == "priority"
                  ? Order::kPriority
                  : Order::kFcfs;
    c.nano_batches = s.optional<int>(
        "nano_batches", 1,
        "NanoFlow's intra-device overlap: split each layer into this many nano-batches and run the GEMMs, the "
        "memory-bound kernels (decode attention, norms, activations) and the all-reduces of different "
        "nano-batches at once (1: no overlap)");
    if (d) return;
    s.check(c.nano_batches >= 1 && c.nano_batches <= 64, "nano_batches", "must be in [1, 64]");
    s.check(c.max_batch >= 1 && c.max_batch <= (1 << 20), "max_batch", "must be in [1, 2^20]");
    s.check(c.max_batched_tokens >= 1 && c.max_batched_tokens <= (1 << 24), "max_batched_tokens",
            "must be in [1, 2^24]");
  });
  p.kv_at = r.where("kv_cache");
  r.section("kv_cache", "the paged KV cache", false, [&](config::Reader& k) {
    KvCacheSpec& c = p.kv;
    c.block_size = k.optional<std::int64_t>("block_size", 16, "tokens per block (vLLM's default: 16)");
    c.memory_fraction = k.optional<double>(
        "memory_fraction", 0.9, "share of device memory the engine may use (vLLM gpu_memory_utilization: 0.9)");
    c.blocks = k.optional<std::int64_t>("blocks", 0, "blocks per replica; 0: what memory leaves after the weights "
                                                     "and the activations of the largest iteration");
    const std::vector<std::string> allocations{"paged", "reserve_max", "reserve_oracle"};
    const std::string a = k.choice("allocation", allocations, "paged",
                                   "paged (vLLM: blocks as tokens arrive); reserve_max (Orca: the model's longest "
                                   "sequence reserved at admission); reserve_oracle (Orca: the request's own prompt "
                                   "+ output reserved)");
    c.allocation = a == "reserve_max"      ? Allocation::kReserveMax
                   : a == "reserve_oracle" ? Allocation::kReserveOracle
                                           : Allocation::kPaged;
    c.max_seq_len = k.optional<std::int64_t>("max_seq_len", 0,
                                             "the longest sequence, prompt + output (0: the model's seq_len); longer "
                                             "requests are rejected");
    c.host_swap = k.optional<Bytes>("host_swap", Bytes(std::int64_t{4} << 30),
                                    "host memory for swapped blocks per replica (vLLM swap_space: 4 GiB)");
    if (d) return;
    k.check(c.block_size >= 1 && c.block_size <= (1 << 16), "block_size", "must be in [1, 65536] tokens");
    k.check(c.memory_fraction > 0 && c.memory_fraction <= 1, "memory_fraction", "must be in (0, 1]");
    k.check(c.blocks >= 0 && c.blocks <= (std::int64_t{1} << 32), "blocks", "must be in [0, 2^32]");
    k.check(c.max_seq_len >= 0 && c.max_seq_len <= kMaxTokens, "max_seq_len", "must be in [0, 2^24]");
    k.check(c.host_swap >= Bytes(0), "host_swap", "must not be negative");
  });
  r.section("host", "the host's part of each iteration", false, [&](config::Reader& h) {
    const std::vector<std::string> modes{"cuda_graphs", "eager"};
    p.host.mode = h.choice("mode", modes, "cuda_graphs",
                           "cuda_graphs (kernels replayed back to back: only the device's launch overhead per "
                           "kernel) or eager (the framework dispatches every kernel from the host)") == "eager"
                      ? HostSpec::Mode::kEager
                      : HostSpec::Mode::kCudaGraphs;
    p.host.per_iteration = h.optional<Duration>(
        "per_iteration", Duration{},
        "host time per iteration outside the kernels (scheduling, sampling, output processing); 0 by default: the "
        "step times this is checked against are the model's forward alone");
    p.host.per_kernel = h.optional<Duration>(
        "per_kernel", parse_duration("3.4 us"),
        "eager: host time to dispatch one kernel. 3.4 us: PyTorch's operator micro-benchmark of a tiny CUDA op "
        "(split, 8x8), forward execution 3.3-3.4 us per call (pytorch/pytorch PR #32194, 2020); a floor, as a "
        "module's Python adds to it");
    if (d) return;
    h.check(p.host.per_iteration >= Duration{} && p.host.per_iteration <= Duration::s(3600), "per_iteration",
            "must be in [0, 1 h]");
    h.check(p.host.per_kernel >= Duration{} && p.host.per_kernel <= Duration::s(1), "per_kernel", "must be in [0, 1 s]");
  });
  r.section("slo", "the latency targets for attainment and goodput (absent: no bound)", false,
            [&](config::Reader& s) {
              p.slo.ttft = s.optional<Duration>("ttft", Duration{}, "time to first token");
              p.slo.tpot = s.optional<Duration>("tpot", Duration{}, "time per output token after the first");
              p.slo.e2e = s.optional<Duration>("e2e", Duration{}, "arrival to last token");
              if (d) return;
              for (const char* k : {"ttft", "tpot", "e2e"}) {
                const Duration v = std::string_view(k) == "ttft" ? p.slo.ttft
                                   : std::string_view(k) == "tpot" ? p.slo.tpot
                                                                   : p.slo.e2e;
                s.check(v >= Duration{}, k, "must not be negative");
              }
            });
  if (d) return p;
  p.kv_dtype = kv == "auto" ? p.dtype : dtype_named(kv);
  const auto& m = p.model;
  r.check(m.heads % p.tp == 0, "placement.tp",
          fmt::format("tp = {} must divide the model's {} attention heads", p.tp, m.heads));
  r.check(m.kv_heads % p.tp == 0 || p.tp % m.kv_heads == 0, "placement.tp",
          fmt::format("tp = {} and the model's {} key/value heads: one must divide the other (each rank holds "
                      "whole key/value heads, or shares one)",
                      p.tp, m.kv_heads));
  r.check(m.layers >= p.pp, "placement.pp", fmt::format("pp = {} exceeds the model's {} layers", p.pp, m.layers));
  r.check(m.ffn_hidden % p.tp == 0, "placement.tp", fmt::format("tp = {} must divide ffn_hidden = {}", p.tp, m.ffn_hidden));
  r.check(m.expert_ffn() % p.tp == 0, "placement.tp",
          fmt::format("tp = {} must divide an expert's width, moe_ffn_hidden = {}", p.tp, m.expert_ffn()));
  r.check(p.ep >= 1 && p.tp % p.ep == 0, "placement.ep", fmt::format("ep = {} must divide tp = {}", p.ep, p.tp));
  r.check(p.ep == 1 || m.experts > 1, "placement.ep", "expert parallelism needs a mixture-of-experts model (experts > 1)");
  r.check(p.ep == 1 || m.experts % p.ep == 0, "placement.ep",
          fmt::format("ep = {} must divide the model's {} experts", p.ep, m.experts));
  return p;
}

}  // namespace orrery::workload::serving
