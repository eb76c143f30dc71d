#include "sim/engine/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "sim/core/error.hpp"

namespace orrery::sim {

Engine::Engine() = default;
Engine::~Engine() = default;

std::uint32_t Engine::new_slot() {
  if (slots_used_ > kSlotMask) {
    throw InfeasibleError(fmt::format("more than {} events pending at once", kSlotMask + 1));
  }
  if ((slots_used_ & (kChunkSize - 1)) == 0) chunks_.push_back(std::make_unique<Slot[]>(kChunkSize));
  return slots_used_++;
}

// A model that schedules into the past has a bug: no scenario can cause it, so
// it is not an InfeasibleError (a scenario's fault) but a logic error.
void Engine::throw_past(Time t) const {
  throw std::logic_error(fmt::format("event scheduled in the past: at {} ns, now {} ns", t.ns(), now_.ns()));
}

EventHandle Engine::schedule_at(Time t, Handler handler) {
  const std::uint32_t i = claim_slot(t);
  slot(i).handler = std::move(handler);
  return commit(t, i);
}

bool Engine::cancel(EventHandle h) {
  if (h.slot >= slots_used_ || h.slot == running_slot_) return false;
  Slot& s = slot(h.slot);
  if (s.generation != h.generation || s.cancelled || !s.handler) return false;
  s.cancelled = true;
  s.handler.reset();
  ++s.generation;  // the handle goes stale at once
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

bool Engine::step(Time limit) {
  while (!queue_.empty() && queue_.top().time <= limit.ns()) {
    const EventKey k = queue_.top();
    queue_.pop();
    // The next event's slot is likely a cache miss; start fetching it now, to
    // arrive while this event runs.
    if (!queue_.empty())
      __builtin_prefetch(&slot(static_cast<std::uint32_t>(queue_.top().order & kSlotMask)));
    const auto i = static_cast<std::uint32_t>(k.order & kSlotMask);
    Slot& s = slot(i);
    if (s.cancelled) {
      s.cancelled = false;
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
    Slot& after = slot(i);
    after.handler.reset();
    ++after.generation;
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
