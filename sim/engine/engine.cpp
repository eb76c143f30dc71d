#include "sim/engine/engine.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/core/error.hpp"

namespace orrery::sim {

Engine::Engine() { heap_.reserve(1024); }
Engine::~Engine() = default;

std::uint32_t Engine::allocate_slot() {
  if (!free_slots_.empty()) {
    const std::uint32_t i = free_slots_.back();
    free_slots_.pop_back();
    return i;
  }
  if (slots_used_ > kSlotMask) {
    throw InfeasibleError(fmt::format("more than {} events pending at once", kSlotMask + 1));
  }
  if ((slots_used_ & (kChunkSize - 1)) == 0) chunks_.push_back(std::make_unique<Slot[]>(kChunkSize));
  return slots_used_++;
}

EventHandle Engine::schedule_at(Time t, Handler handler) {
  if (t < now_) {
    throw InfeasibleError(fmt::format("event scheduled in the past: at {} ns, now {} ns", t.ns(), now_.ns()));
  }
  if (next_sequence_ > kMaxSequence) renumber();
  const std::uint32_t i = allocate_slot();
  Slot& s = slot(i);
  s.handler = std::move(handler);
  s.cancelled = false;
  push(Key{t.ns(), (next_sequence_++ << kSlotBits) | i});
  return EventHandle{i, s.generation};
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

// 4-ary heap: children of i are 4i+1 .. 4i+4. Both sifts move a hole rather
// than swapping, one write per level.
void Engine::push(Key k) {
  std::size_t i = heap_.size();
  heap_.push_back(k);
  while (i > 0) {
    const std::size_t parent = (i - 1) >> 2;
    if (!(k < heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = k;
}

Engine::Key Engine::pop() {
  const Key top = heap_.front();
  const Key last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return top;
  std::size_t i = 0;
  for (;;) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = std::min(first + 4, n);
    for (std::size_t c = first + 1; c < end; ++c) {
      if (heap_[c] < heap_[best]) best = c;
    }
    if (!(heap_[best] < last)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = last;
  return top;
}

void Engine::renumber() {
  // Sorting keeps the (time, sequence) order; a sorted array is a valid heap.
  std::sort(heap_.begin(), heap_.end());
  std::uint64_t seq = 0;
  for (Key& k : heap_) k.order = (seq++ << kSlotBits) | (k.order & kSlotMask);
  next_sequence_ = seq;
}

bool Engine::step(Time limit) {
  while (!heap_.empty()) {
    if (heap_.front().time > limit.ns()) return false;
    const Key k = pop();
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
