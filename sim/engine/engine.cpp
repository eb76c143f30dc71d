#include "sim/engine/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <stdexcept>

#include <sys/mman.h>

#include "sim/core/error.hpp"

namespace orrery::sim {

// A chunk is 2 MiB, aligned to 2 MiB. Past the first chunk (a simulation with
// more than kChunkSize events pending at once), the kernel is asked to back the
// chunk with one huge page: the slots of the events popped are scattered over
// the whole pool, and with 4 KiB pages every slot fetched is a TLB miss too,
// which stalls even a prefetch. The first chunk stays in small pages, touched
// only as far as it is used, so a small simulation costs no 2 MiB page.
Engine::SlotChunk::SlotChunk(std::size_t index) {
  void* p = std::aligned_alloc(kChunkBytes, kChunkBytes);
  if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  if (index > 0) madvise(p, kChunkBytes, MADV_HUGEPAGE);  // a hint: failure only costs speed
#endif
  slots = static_cast<Slot*>(p);
  for (std::uint32_t j = 0; j < kChunkSize; ++j) ::new (static_cast<void*>(slots + j)) Slot();
}

Engine::SlotChunk::~SlotChunk() {
  if (slots == nullptr) return;
  for (std::uint32_t j = 0; j < kChunkSize; ++j) slots[j].~Slot();
  std::free(slots);
}

Engine::Engine() = default;
Engine::~Engine() = default;

std::uint32_t Engine::new_slot() {
  if (slots_used_ > kSlotMask) {
    throw InfeasibleError(fmt::format("more than {} events pending at once", kSlotMask + 1));
  }
  if ((slots_used_ & (kChunkSize - 1)) == 0) chunks_.push_back(SlotChunk(chunks_.size()));
  generations_.push_back(0);
  return slots_used_++;
}

// A model that schedules into the past has a bug: no scenario can cause it, so
// it is not an InfeasibleError (a scenario's fault) but a logic error.
void Engine::throw_past(Time t) const {
  throw std::logic_error(fmt::format("event scheduled in the past: at {} ns, now {} ns", t.ns(), now_.ns()));
}

EventHandle Engine::schedule_at(Time t, Handler handler) {
  // An empty handler would read as cancelled when its time comes.
  if (!handler) throw std::logic_error("event scheduled without a handler");
  const std::uint32_t i = claim_slot(t);
  slot(i).handler = std::move(handler);
  return commit(t, i);
}

bool Engine::cancel(EventHandle h) {
  if (h.slot >= slots_used_ || h.slot == running_slot_) return false;
  Slot& s = slot(h.slot);
  if (generations_[h.slot] != h.generation || !s.handler) return false;
  s.handler.reset();
  ++generations_[h.slot];  // the handle goes stale at once
  ++cancelled_pending_;
  return true;
}

void Engine::renumber() {
  // Every pending key is at or after now; sorting by (time, order) and
  // pushing back in that order gives new sequence numbers in the old order.
  std::vector<EventKey> keys = queue_.drain(now_.ns());
  std::sort(keys.begin(), keys.end(), [](const EventKey& a, const EventKey& b) {
    return a.time < b.time || (a.time == b.time && a.order < b.order);
  });
  std::uint64_t seq = 0;
  for (EventKey& k : keys) {
    k.order = (seq++ << kSlotBits) | (k.order & kSlotMask);
    queue_.push(k);
  }
  next_sequence_ = seq;
}

// The slots of the next events are likely cache misses: the queue's cursor
// keeps kPrefetchDistance events ahead of the pops, fetching each slot as it
// passes, so that it arrives while the events before it run. After a refile
// level 0 is new: the cursor restarts at the least key.
void Engine::prefetch_upcoming(bool refiled) {
  if (refiled) {
    queue_.restart_ahead();
    prefetch_lead_ = 0;
  } else if (prefetch_lead_ > 0) {
    --prefetch_lead_;
  }
  while (prefetch_lead_ < kPrefetchDistance) {
    const EventKey* k = queue_.next_ahead();
    if (k == nullptr) break;
    prefetch(*k);
    ++prefetch_lead_;
  }
}

bool Engine::step(Time limit) {
  while (!queue_.empty() && queue_.top_time() <= limit.ns()) {
    bool refiled = false;
    const EventKey k = queue_.pop(refiled);
    if (slots_used_ > kPrefetchFromSlots) {
      prefetch_upcoming(refiled || !prefetching_);
      prefetching_ = true;
    }
    const auto i = static_cast<std::uint32_t>(k.order & kSlotMask);
    Slot& s = slot(i);
    if (!s.handler) {  // cancelled
      --cancelled_pending_;
      free_slots_.push_back(i);
      continue;
    }
    now_ = Time::from_ns(k.time);
    ++processed_;
    // The slot's address is stable, so the handler runs in place even if it
    // schedules more events; the slot is released after it returns.
    running_slot_ = i;
    s.handler();
    running_slot_ = 0xffffffffu;
    slot(i).handler.reset();
    ++generations_[i];
    free_slots_.push_back(i);
    return true;
  }
  return false;
}

void Engine::run() {
  stopped_ = false;
  while (!stopped_ && step(Time::max())) {
  }
}

void Engine::run(Time until) {
  stopped_ = false;
  while (!stopped_ && step(until)) {
  }
  if (!stopped_ && now_ < until) now_ = until;
}

}  // namespace orrery::sim
