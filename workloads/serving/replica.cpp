#include "workloads/serving/replica.hpp"

#include <algorithm>
#include <utility>

namespace orrery::workload::serving {

ReplicaScheduler::ReplicaScheduler(const ServingParams& p, std::int64_t blocks, std::int64_t swap_blocks,
                                   std::vector<RequestState>& requests, bool prefill_only)
    : p_(p),
      requests_(requests),
      prefill_only_(prefill_only),
      block_(p.kv.block_size),
      total_(blocks),
      free_(blocks),
      swap_free_(swap_blocks),
      // vLLM's BlockSpaceManager keeps watermark = 0.01 of the blocks free at admission.
      watermark_(p.kv.allocation == Allocation::kPaged ? blocks / 100 : 0),
      max_seq_(p.kv.max_seq_len > 0 ? p.kv.max_seq_len : p.model.seq_len) {}

ReplicaScheduler::Key ReplicaScheduler::key(std::int32_t id) const {
  const auto& r = requests_[static_cast<std::size_t>(id)];
  return {p_.scheduler.order == Order::kPriority ? r.request.priority : 0, id};
}

std::int64_t ReplicaScheduler::admission_blocks(const RequestState& r) const {
  switch (p_.kv.allocation) {
    case Allocation::kReserveMax:
      return blocks_for(max_seq_);
    case Allocation::kReserveOracle:
      return blocks_for(r.request.prompt + r.request.output);
    case Allocation::kPaged:
      break;
  }
  return blocks_for(r.target);
}

std::int64_t ReplicaScheduler::growth(const RequestState& r, std::int64_t tokens) const {
  if (p_.kv.allocation != Allocation::kPaged) return 0;
  return std::max<std::int64_t>(0, blocks_for(tokens) - r.blocks);
}

bool ReplicaScheduler::never_fits(const RequestState& r) const {
  const std::int64_t longest = std::int64_t{r.request.prompt} + r.request.output;
  return longest > max_seq_ || blocks_for(longest) > total_ - watermark_ ||
         (p_.kv.allocation != Allocation::kPaged && admission_blocks(r) > total_);
}

std::int64_t ReplicaScheduler::cache_tokens() const {
  if (p_.kv.allocation == Allocation::kReserveMax && blocks_for(max_seq_) > total_) return 0;
  return (total_ - watermark_) * block_;
}

void ReplicaScheduler::wait(std::int32_t id) {
  RequestState& r = requests_[static_cast<std::size_t>(id)];
  r.phase = Phase::kQueued;
  waiting_.insert(key(id));
  queued_blocks_ += admission_blocks(r);
}

bool ReplicaScheduler::enqueue(std::int32_t id) {
  RequestState& r = requests_[static_cast<std::size_t>(id)];
  r.target = r.request.prompt;
  if (never_fits(r)) {
    r.phase = Phase::kRejected;
    return false;
  }
  wait(id);
  outstanding_ += std::int64_t{r.request.prompt} + r.request.output;
  return true;
}

std::optional<std::int32_t> ReplicaScheduler::victim(std::int32_t except, const Iteration& it) const {
  std::optional<std::int32_t> worst;
  for (const std::int32_t id : running_) {
    const auto& r = requests_[static_cast<std::size_t>(id)];
    if (id == except || r.in_flight) continue;
    if (std::any_of(it.steps.begin(), it.steps.end(), [&](const Step& s) { return s.request == id; })) continue;
    if (!worst || key(id) > key(*worst)) worst = id;
  }
  return worst;
}

void ReplicaScheduler::preempt(std::int32_t id, Iteration& it) {
  RequestState& r = requests_[static_cast<std::size_t>(id)];
  running_.erase(std::find(running_.begin(), running_.end(), id));
  ++r.preemptions;
  ++preemptions_;
  free_ += r.blocks;
  if (p_.scheduler.preemption == Preemption::kSwap && r.blocks <= swap_free_) {
    swap_free_ -= r.blocks;
    it.swap_out_blocks += r.blocks;
    ++swaps_;
    r.phase = Phase::kSwapped;
    swapped_.push_back(id);
    return;
  }
  outstanding_ += r.cached;  // computed again
  r.blocks = 0;
  r.cached = 0;
  r.decoding = false;  // its next steps prefill what it knows
  wait(id);
}

void ReplicaScheduler::add_step(Iteration& it, std::int32_t id, std::int64_t tokens) {
  RequestState& r = requests_[static_cast<std::size_t>(id)];
  r.in_flight = true;
  it.steps.push_back(Step{id, tokens});
  BatchShape& b = it.shape;
  b.tokens += tokens;
  const std::int64_t after = r.cached + tokens;
  if (after == r.target) ++b.samples;
  if (r.decoding) {
    ++b.decodes;
    b.decode_context += after;
  } else {
    b.chunks.emplace_back(tokens, after);
    it.prefill_tokens += tokens;
  }
}

void ReplicaScheduler::swap_in(Iteration& it) {
  while (!swapped_.empty()) {
    const std::int32_t id = swapped_.front();
    RequestState& r = requests_[static_cast<std::size_t>(id)];
    if (r.blocks + watermark_ > free_) return;
    swapped_.erase(swapped_.begin());
    free_ -= r.blocks;
    swap_free_ += r.blocks;
    it.swap_in_blocks += r.blocks;
    r.phase = Phase::kRunning;
    running_.push_back(id);
  }
}

void ReplicaScheduler::schedule_running(Iteration& it, std::int64_t& budget, bool decodes_only) {
  const std::vector<std::int32_t> order = running_;  // preemption edits running_
  for (const std::int32_t id : order) {
    if (static_cast<std::int64_t>(it.steps.size()) >= p_.scheduler.max_batch || budget <= 0) return;
    RequestState& r = requests_[static_cast<std::size_t>(id)];
    if (r.phase != Phase::kRunning || r.in_flight) continue;
    const std::int64_t left = r.target - r.cached;
    if (decodes_only && left != 1) continue;
    const std::int64_t tokens = std::min(left, budget);
    const std::int64_t need = growth(r, r.cached + tokens);
    bool self = false;
    while (free_ < need) {
      const auto v = victim(id, it);
      if (!v) {
        self = true;
        break;
      }
      preempt(*v, it);
    }
    if (self) {
      preempt(id, it);
      continue;
    }
    free_ -= need;
    r.blocks += need;
    add_step(it, id, tokens);
    budget -= tokens;
  }
}

void ReplicaScheduler::schedule_waiting(Iteration& it, std::int64_t& budget, bool whole_prompts) {
  while (!waiting_.empty() && static_cast<std::int64_t>(it.steps.size()) < p_.scheduler.max_batch && budget > 0) {
    const std::int32_t id = waiting_.begin()->second;
    RequestState& r = requests_[static_cast<std::size_t>(id)];
    const std::int64_t left = r.target - r.cached;
    // Without chunking a prompt runs whole: one longer than the budget runs
    // alone in an iteration of its own rather than never.
    if (whole_prompts && left > budget && !it.steps.empty()) return;
    const std::int64_t tokens = whole_prompts ? left : std::min(left, budget);
    const std::int64_t admit = admission_blocks(r);
    if (admit + watermark_ > free_) return;  // the head waits (first come, first served)
    waiting_.erase(waiting_.begin());
    queued_blocks_ -= admit;
    // Paged: blocks for the tokens this step caches, the rest as they come.
    const std::int64_t take = p_.kv.allocation == Allocation::kPaged ? blocks_for(r.cached + tokens) : admit;
    free_ -= take;
    r.blocks = take;
    r.phase = Phase::kRunning;
    running_.push_back(id);
    add_step(it, id, tokens);
    budget -= tokens;
  }
}

std::optional<Iteration> ReplicaScheduler::next() {
  if (in_flight_ >= p_.pp) return std::nullopt;
  Iteration it;
  std::int64_t budget = p_.scheduler.max_batched_tokens;
  if (p_.scheduler.preemption == Preemption::kSwap) swap_in(it);
  switch (p_.scheduler.batching) {
    case Batching::kChunked:
      schedule_running(it, budget, false);
      if (swapped_.empty()) schedule_waiting(it, budget, false);
      break;
    case Batching::kMixed:
      schedule_running(it, budget, true);
      if (swapped_.empty()) schedule_waiting(it, budget, true);
      break;
    case Batching::kPrefillFirst:
      if (swapped_.empty()) schedule_waiting(it, budget, true);
      if (it.steps.empty()) schedule_running(it, budget, true);
      break;
  }
  if (it.steps.empty()) {
    // Nothing runs, but blocks may have moved (a request preempted itself
    // to the host): the next iteration that runs pays for the copies.
    unbilled_in_ += it.swap_in_blocks;
    unbilled_out_ += it.swap_out_blocks;
    return std::nullopt;
  }
  it.swap_in_blocks += std::exchange(unbilled_in_, 0);
  it.swap_out_blocks += std::exchange(unbilled_out_, 0);
  it.blocks_used = total_ - free_;
  ++in_flight_;
  return it;
}

bool ReplicaScheduler::enqueue_prefilled(std::int32_t id) {
  RequestState& r = requests_[static_cast<std::size_t>(id)];
  if (never_fits(r)) {
    r.phase = Phase::kRejected;
    return false;
  }
  r.blocks = 0;
  wait(id);
  outstanding_ += (r.target - r.cached) + (r.request.output - r.generated);
  return true;
}

void ReplicaScheduler::release(std::int32_t id) {
  RequestState& r = requests_[static_cast<std::size_t>(id)];
  free_ += r.blocks;
  r.blocks = 0;
}

void ReplicaScheduler::complete(const Iteration& it, Time now, std::vector<std::int32_t>& done,
                                std::vector<std::int32_t>* handoff) {
  --in_flight_;
  for (const Step& s : it.steps) {
    RequestState& r = requests_[static_cast<std::size_t>(s.request)];
    r.in_flight = false;
    r.cached += s.tokens;
    outstanding_ -= s.tokens;
    if (r.cached != r.target) continue;
    ++r.generated;
    if (r.generated == 1) r.first_token = now;
    ++r.target;
    r.decoding = true;
    if (r.generated < r.request.output) {
      if (prefill_only_ && handoff) {
        // The rest is the decode pool's: it counts the tokens from here on.
        outstanding_ -= (r.target - r.cached) + (r.request.output - r.generated);
        r.phase = Phase::kTransferring;
        r.prefill_replica = r.replica;
        running_.erase(std::find(running_.begin(), running_.end(), s.request));
        handoff->push_back(s.request);
      }
      continue;
    }
    r.phase = Phase::kDone;
    r.finish = now;
    outstanding_ -= 1;  // the last token is never fed back
    free_ += r.blocks;
    r.blocks = 0;
    running_.erase(std::find(running_.begin(), running_.end(), s.request));
    done.push_back(s.request);
  }
}

}  // namespace orrery::workload::serving
