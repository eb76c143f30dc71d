// The `serving` workload's spec: the model and how each replica holds it, the
// requests (arrival process and lengths, or a trace), the router, the
// per-replica scheduler (continuous batching, chunked prefill, paged KV cache,
// preemption), the host's per-iteration overhead and the SLO. serving.hpp
// runs it; serving_spec.cpp reads it and says where each default comes from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/reader.hpp"
#include "sim/core/error.hpp"
#include "sim/core/time.hpp"
#include "workloads/vocabulary.hpp"
#include "workloads/training/transformer.hpp"
#include "workloads/weight_format.hpp"

namespace orrery::workload::serving {

// At most 2^24 requests a run: each keeps ~100 bytes of state and a row of /requests.
inline constexpr std::int64_t kMaxRequests = std::int64_t{1} << 24;

// How requests arrive: a Poisson process; a Gamma renewal process whose
// inter-arrival times have coefficient of variation `cv` (cv = 1 is Poisson,
// cv > 1 is bursty: the serving trace study's Gamma fit); or a CSV trace.
enum class Arrival : std::uint8_t { kPoisson, kGamma, kTrace };

// A distribution of token counts (prompt or output).
struct LengthSpec {
  enum class Kind : std::uint8_t { kFixed, kUniform, kLognormal, kZipf };
  Kind kind = Kind::kFixed;
  std::int64_t tokens = 0;  // fixed
  std::int64_t min = 1;     // uniform: [min, max]; every kind is clamped to [min, max]
  std::int64_t max = 0;
  double median = 0;        // lognormal: exp(mu)
  double sigma = 0;         // lognormal: sigma of the log
  double exponent = 1.0;    // zipf: P(n) ∝ n^-exponent on [min, max]
};

struct RequestsSpec {
  Arrival arrival = Arrival::kPoisson;
  double rate = 0;          // requests per second (poisson, gamma)
  double cv = 1.0;          // gamma
  std::int64_t count = 0;   // requests to generate (0: until `duration`)
  Duration duration;        // arrivals up to this time (zero: `count` requests)
  std::string trace_path;   // trace: resolved path
  std::string trace_shown;  // trace: as the scenario wrote it
  double time_scale = 1.0;  // trace: timestamps are multiplied by this
  LengthSpec prompt;
  LengthSpec output;
  std::vector<double> priority_shares;  // synthetic priorities: class i (0 = most urgent) with share i
  SourceLocation at;        // of `requests`, for errors about the trace
  SourceLocation file_at;   // of `requests.file`: errors about the trace as a whole
};

enum class Router : std::uint8_t { kRoundRobin, kLeastTokens, kKvAware };
// What an iteration may mix: vLLM's default before chunking (a prefill-only
// iteration whenever a waiting request can be admitted, else decode), Orca's
// iteration-level batching (whole prompts beside the decodes), Sarathi's
// chunked prefill (decodes first, then prompt chunks to the token budget).
enum class Batching : std::uint8_t { kPrefillFirst, kMixed, kChunked };
enum class Preemption : std::uint8_t { kRecompute, kSwap };
enum class Order : std::uint8_t { kFcfs, kPriority };
// How KV-cache space is held: paged (vLLM: blocks as tokens arrive), or one
// contiguous reservation per request at admission for the model's maximum
// sequence length (Orca "max") or for the request's own prompt + output
// (Orca "oracle"), as the vLLM paper (Kwon et al. 2023, §6.1) compares.
enum class Allocation : std::uint8_t { kPaged, kReserveMax, kReserveOracle };

struct SchedulerSpec {
  std::int64_t max_batch = 256;            // sequences per iteration (vLLM max_num_seqs)
  std::int64_t max_batched_tokens = 8192;  // tokens per iteration (vLLM max_num_batched_tokens)
  Batching batching = Batching::kChunked;
  Preemption preemption = Preemption::kRecompute;
  Order order = Order::kFcfs;
  // NanoFlow (Zhu et al. 2024): each layer's work split into nano-batches
  // whose compute-, memory- and network-bound operations run at once on
  // partitioned resources. 1: operations run one after another.
  int nano_batches = 1;
};

struct KvCacheSpec {
  std::int64_t block_size = 16;     // tokens per block (vLLM's default)
  double memory_fraction = 0.9;     // of device memory the engine may use (vLLM gpu_memory_utilization)
  std::int64_t blocks = 0;          // > 0: this many blocks per replica instead of what memory leaves
  Allocation allocation = Allocation::kPaged;
  std::int64_t max_seq_len = 0;     // the longest sequence (prompt + output); 0: the model's seq_len
  Bytes host_swap;                  // host memory for swapped blocks per replica (swap preemption)
};

// The host's share of an iteration. `cuda_graphs`: the decode kernels replay
// as a graph, so the GPU sees back-to-back kernels (the device's launch
// overhead, already in each operation's price) and the host adds only its
// per-iteration work (scheduling, sampling, output processing). `eager`: the
// host dispatches each kernel through the framework, so an iteration takes at
// least kernels × per_kernel on the host.
struct HostSpec {
  enum class Mode : std::uint8_t { kCudaGraphs, kEager };
  Mode mode = Mode::kCudaGraphs;
  Duration per_iteration;
  Duration per_kernel;
};

struct SloSpec {
  Duration ttft;  // zero: no bound
  Duration tpot;
  Duration e2e;
};

struct ServingParams {
  training::TransformerSpec model;
  DType dtype = DType::kBf16;     // weights and activations
  DType kv_dtype = DType::kBf16;  // the KV cache
  WeightFormat weights;           // quantized layers, sparse feed-forward layers
  int tp = 1;
  int pp = 1;
  // Expert parallelism inside a stage's tp group (vLLM's expert parallel with
  // tensor-parallel attention): each rank holds experts/ep whole experts,
  // split tp/ep ways, and computes them for every token routed to them; the
  // MLP's all-reduce sums the ranks' outputs as under tp.
  int ep = 1;
  int replicas = 0;  // 0: every device of the cluster, tp·pp per replica
  // Disaggregated prefill and decode (DistServe, Splitwise): the first
  // `prefill_replicas` replicas only prefill; each request's KV cache is then
  // sent over the network, rank to rank, to a decode replica. 0: every
  // replica does both.
  int prefill_replicas = 0;
  Router router = Router::kRoundRobin;
  RequestsSpec requests;
  SchedulerSpec scheduler;
  KvCacheSpec kv;
  HostSpec host;
  SloSpec slo;
  SourceLocation at;         // of the workload, for errors about the cluster
  SourceLocation kv_at;      // of kv_cache
  SourceLocation dtype_at;   // of dtype (what the pricing pass blames)

  static ServingParams read(config::Reader& r);
};

}  // namespace orrery::workload::serving
