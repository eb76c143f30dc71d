// One replica's iteration-level scheduler (Orca, vLLM, Sarathi): which
// sequences run in the next iteration and how many new tokens each, under the
// batch limits and the paged KV cache; admission, preemption (recompute or
// swap) and the bookkeeping when an iteration ends. Pure logic: the serving
// source (serving.cpp) prices and runs the iterations it forms.
//
// A request's progress: `cached` tokens have their keys and values in the
// cache; `target` tokens are known (the prompt, then the prompt and every
// generated token). A step computes `tokens` of the known tokens; when it
// reaches the target the iteration samples one new token (the first ends the
// prefill: time to first token), and the target grows by it. Recompute
// preemption drops the cache (cached = 0), so the request's next steps
// prefill all it knows again; swap preemption moves its blocks to host memory.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "sim/core/time.hpp"
#include "workloads/serving/iteration_cost.hpp"
#include "workloads/serving/requests.hpp"
#include "workloads/serving/serving_spec.hpp"

namespace orrery::workload::serving {

// kTransferring: prefilled on a prefill-only replica, its KV cache on the way to a decode replica.
enum class Phase : std::uint8_t { kQueued, kRunning, kSwapped, kTransferring, kDone, kRejected };

struct RequestState {
  Request request;
  std::int32_t replica = -1;
  std::int32_t prefill_replica = -1;  // disaggregated: where it was prefilled
  std::int64_t cached = 0;
  std::int64_t target = 0;
  std::int32_t generated = 0;
  std::int32_t preemptions = 0;
  std::int64_t blocks = 0;  // held in the device cache (on the host while swapped)
  Phase phase = Phase::kQueued;
  bool in_flight = false;   // in an iteration that has not ended
  // Its last step sampled a token that its cache does not hold yet: its next
  // step, of that one token, is a decode. A prompt's last chunk of one token
  // (chunked prefill), or a recompute's, is not.
  bool decoding = false;
  Time first_token;
  Time finish;
};

// One sequence's part of an iteration.
struct Step {
  std::int32_t request = 0;
  std::int64_t tokens = 0;
};

struct Iteration {
  std::vector<Step> steps;
  BatchShape shape;
  std::int64_t swap_in_blocks = 0;   // brought back from the host before it runs
  std::int64_t swap_out_blocks = 0;  // sent to the host before it runs
  std::int64_t prefill_tokens = 0;
  std::int64_t blocks_used = 0;      // the cache's blocks in use once it is formed
};

class ReplicaScheduler {
 public:
  // `requests` is every request of the run (this replica's are those routed to it).
  // A prefill-only replica (disaggregation) hands each request off once its
  // prefill has produced the first token.
  ReplicaScheduler(const ServingParams& p, std::int64_t blocks, std::int64_t swap_blocks,
                   std::vector<RequestState>& requests, bool prefill_only = false);

  // A request routed here; false (and the request rejected) when it can never
  // fit: longer than max_seq_len or than the whole cache.
  bool enqueue(std::int32_t id);
  // The next iteration, if any sequence can run and fewer than pp are in flight.
  [[nodiscard]] std::optional<Iteration> next();
  // The iteration has ended at `now`: its tokens are computed, sampled tokens
  // counted. Appends the requests that finished to `done`, and on a
  // prefill-only replica those prefilled to `handoff` (they keep their blocks
  // until release()).
  void complete(const Iteration& it, Time now, std::vector<std::int32_t>& done, std::vector<std::int32_t>* handoff = nullptr);
  // A handed-off request's KV cache has left: its blocks are free.
  void release(std::int32_t id);
  // A request prefilled elsewhere whose KV cache has arrived: it waits for
  // admission like a new one, and decodes from its cached tokens.
  bool enqueue_prefilled(std::int32_t id);

  [[nodiscard]] std::int64_t total_blocks() const { return total_; }
  // The longest sequence (prompt + output tokens) a request may be, and the
  // most tokens the cache can ever give one (its blocks less the watermark;
  // with a reservation, 0 when even one reservation does not fit): a request
  // beyond either is rejected (never_fits).
  [[nodiscard]] std::int64_t max_seq_len() const { return max_seq_; }
  [[nodiscard]] std::int64_t cache_tokens() const;
  [[nodiscard]] std::int64_t free_blocks() const { return free_; }
  [[nodiscard]] std::int64_t in_flight() const { return in_flight_; }
  // Prompt and output tokens not yet computed, over the requests routed here.
  [[nodiscard]] std::int64_t outstanding_tokens() const { return outstanding_; }
  // Free blocks less what the queued requests' prompts will take.
  [[nodiscard]] std::int64_t kv_headroom() const { return free_ - queued_blocks_; }
  [[nodiscard]] std::int64_t preemptions() const { return preemptions_; }
  [[nodiscard]] std::int64_t swaps() const { return swaps_; }
  [[nodiscard]] bool idle() const { return waiting_.empty() && running_.empty() && swapped_.empty(); }

 private:
  using Key = std::pair<std::int64_t, std::int32_t>;  // (priority class, request id): the waiting order
  [[nodiscard]] Key key(std::int32_t id) const;
  [[nodiscard]] std::int64_t blocks_for(std::int64_t tokens) const { return (tokens + block_ - 1) / block_; }
  // Blocks a request must be given at admission (its reservation, or its prompt's in the paged cache).
  [[nodiscard]] std::int64_t admission_blocks(const RequestState& r) const;
  // Blocks it must hold to cache `tokens` tokens (0 more once a reservation is made).
  [[nodiscard]] std::int64_t growth(const RequestState& r, std::int64_t tokens) const;
  // Longer than max_seq_len, or than the whole cache (less the watermark), or than a reservation can hold.
  [[nodiscard]] bool never_fits(const RequestState& r) const;
  // Into the waiting queue (its admission blocks counted as queued).
  void wait(std::int32_t id);
  void preempt(std::int32_t id, Iteration& it);
  // The newest running request not in flight and not `except`'s, nor in `it`.
  [[nodiscard]] std::optional<std::int32_t> victim(std::int32_t except, const Iteration& it) const;
  void add_step(Iteration& it, std::int32_t id, std::int64_t tokens);
  void schedule_running(Iteration& it, std::int64_t& budget, bool decodes_only);
  void schedule_waiting(Iteration& it, std::int64_t& budget, bool whole_prompts);
  void swap_in(Iteration& it);

  const ServingParams& p_;
  std::vector<RequestState>& requests_;
  bool prefill_only_ = false;
  std::int64_t block_;
  std::int64_t total_;
  std::int64_t free_;
  std::int64_t swap_free_;
  std::int64_t watermark_;  // blocks admission keeps free (vLLM: 1% of the cache)
  std::int64_t max_seq_;
  std::set<Key> waiting_;
  std::vector<std::int32_t> running_;  // in admission order
  std::vector<std::int32_t> swapped_;  // in the order they left
  std::int64_t in_flight_ = 0;
  std::int64_t outstanding_ = 0;
  std::int64_t queued_blocks_ = 0;
  std::int64_t preemptions_ = 0;
  std::int64_t swaps_ = 0;
  std::int64_t unbilled_in_ = 0;   // blocks moved while no iteration was formed
  std::int64_t unbilled_out_ = 0;
};

}  // namespace orrery::workload::serving
