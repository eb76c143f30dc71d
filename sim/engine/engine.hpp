// The event engine: one queue of timed events and the loop that runs them.
// One `Engine` object per simulation, passed by reference; no globals, so
// several simulations can live in one process.
//
// Ordering: events run in (time, insertion sequence) order, so two events at
// the same time run in the order they were scheduled and a run is identical on
// every machine.
//
// Data layout (the hot path allocates nothing in steady state):
//  * a radix-64 heap (radix_queue.hpp) of 16-byte keys: the time, and one 64-bit
//    word that packs the insertion sequence (high 40 bits) above the slot
//    index (low 24 bits). The queue keeps equal times in insertion order;
//    comparing the word compares sequences, which renumbering relies on;
//  * the handlers, each an InlineFunction filling one 64-byte cache line, in a
//    slot of a chunked pool whose addresses never move, so a handler runs in
//    place while it schedules more; a slot's generation (for stale handles)
//    lives in a separate compact array, so the slot is one line;
//  * a free list of slots, last freed first (the slot just run is reused by
//    the next event it schedules, while it is still in cache). Cancelling
//    empties the handler; its key is dropped when it becomes the least.
// The one access that misses the caches is the slot of each event popped,
// written long before: the loop prefetches the slots of the events
// kPrefetchDistance places ahead in the queue's FIFO of the keys at the
// earliest time, so several misses are in flight at once. Only a large pool
// misses: one of at most kPrefetchFromSlots slots stays in the caches, and
// the loop runs no cursor (the 1T GPT's iteration on 3,072 GPUs holds at
// most 246 events at once on the analytic network and 666 on the flow
// network; Llama 3 405B on 2,048 GPUs, flow, 1,087).
// When the 40-bit sequence space is used up (after 10^12 events), pending
// events are renumbered in order, which keeps the ordering.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/engine/inline_function.hpp"
#include "sim/engine/radix_queue.hpp"

namespace orrery::sim {

// Refers to one scheduled event; stale once the event ran or was cancelled.
struct EventHandle {
  std::uint32_t slot = 0xffffffffu;
  std::uint32_t generation = 0;
};

class Engine {
 public:
  static constexpr std::size_t kHandlerCapacity = 48;
  using Handler = InlineFunction<kHandlerCapacity>;

  Engine();
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  [[nodiscard]] Time now() const { return now_; }

  // Schedules `handler` at absolute time `t` (not before now()).
  EventHandle schedule_at(Time t, Handler handler);
  EventHandle schedule_after(Duration d, Handler handler) {
    return schedule_at(now_ + d, std::move(handler));
  }
  // The same for a lambda or other callable, constructed in place in its slot.
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Handler>>>
  EventHandle schedule_at(Time t, F&& f) {
    const std::uint32_t i = claim_slot(t);
    try {
      slot(i).handler.emplace(std::forward<F>(f));
    } catch (...) {
      free_slots_.push_back(i);
      throw;
    }
    return commit(t, i);
  }
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Handler>>>
  EventHandle schedule_after(Duration d, F&& f) {
    return schedule_at(now_ + d, std::forward<F>(f));
  }

  // Cancels a pending event; false if it already ran or was cancelled.
  bool cancel(EventHandle h);

  // Runs until no event is left or stop() is called.
  void run();
  // Runs the events at times <= `until`, then sets the clock to `until` (unless stopped earlier).
  void run(Time until);
  // Makes run() return after the current event.
  void stop() { stopped_ = true; }

  [[nodiscard]] std::uint64_t events_processed() const { return processed_; }
  [[nodiscard]] std::size_t pending() const { return queue_.size() - cancelled_pending_; }

 private:
  struct alignas(64) Slot {
    Handler handler;  // empty: free, or cancelled while its key is pending
  };
  static_assert(sizeof(Slot) == 64, "a slot is one cache line");
  static constexpr std::size_t kPrefetchDistance = 16;
  // A pool of at most this many slots (256 KiB) stays in the caches, where
  // the prefetch cursor costs more than it saves. The hold model with its
  // delays drawn beforehand (orrery_bench_engine, alternating runs on a noisy
  // 2-core VM, five each up to 8,000 pending, two above): at 10^3 pending
  // 18-24 M events/s with the cursor, 22-29 without; at 4,000 and 8,000 the
  // same either way; at 32,000 26-27 against 20-21; at 10^6 15-17 against
  // 6.6-6.8. The pool only grows: once past, prefetching stays on.
  static constexpr std::uint32_t kPrefetchFromSlots = 4'096;
  static constexpr int kSlotBits = 24;
  static constexpr std::uint64_t kSlotMask = (1ull << kSlotBits) - 1;
  static constexpr std::uint64_t kMaxSequence = (1ull << (64 - kSlotBits)) - 1;
  static constexpr int kChunkBits = 15;
  static constexpr std::uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr std::size_t kChunkBytes = sizeof(Slot) * kChunkSize;  // 2 MiB
  // kChunkSize slots, constructed in place in a 2 MiB-aligned block.
  struct SlotChunk {
    explicit SlotChunk(std::size_t index);
    SlotChunk(SlotChunk&& o) noexcept : slots(std::exchange(o.slots, nullptr)) {}
    SlotChunk(const SlotChunk&) = delete;
    SlotChunk& operator=(const SlotChunk&) = delete;
    SlotChunk& operator=(SlotChunk&&) = delete;
    ~SlotChunk();
    Slot* slots = nullptr;
  };

  Slot& slot(std::uint32_t i) { return chunks_[i >> kChunkBits].slots[i & (kChunkSize - 1)]; }
  // schedule_at in two halves around storing the handler: claim_slot checks
  // `t` and takes a slot; commit queues the key and returns the handle.
  std::uint32_t claim_slot(Time t) {
    if (t < now_) throw_past(t);
    if (next_sequence_ > kMaxSequence) renumber();
    if (free_slots_.empty()) return new_slot();
    const std::uint32_t i = free_slots_.back();
    free_slots_.pop_back();
    return i;
  }
  EventHandle commit(Time t, std::uint32_t i) {
    queue_.push(EventKey{t.ns(), (next_sequence_++ << kSlotBits) | i});
    return EventHandle{i, generations_[i]};
  }
  void prefetch(const EventKey& k) {
    const auto i = static_cast<std::uint32_t>(k.order & kSlotMask);
    __builtin_prefetch(&slot(i));
    __builtin_prefetch(&generations_[i], 1);
  }
  void prefetch_upcoming(bool refiled);
  std::uint32_t new_slot();
  [[noreturn]] void throw_past(Time t) const;
  void renumber();
  bool step(Time limit);  // runs the next event if its time <= limit

  RadixQueue queue_;
  std::vector<SlotChunk> chunks_;
  std::vector<std::uint32_t> generations_;  // per slot: bumped when its event runs or is cancelled
  std::vector<std::uint32_t> free_slots_;
  std::uint32_t slots_used_ = 0;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t processed_ = 0;
  std::size_t cancelled_pending_ = 0;
  Time now_;
  bool stopped_ = false;
  std::uint32_t running_slot_ = 0xffffffffu;  // the slot whose handler is executing
  bool prefetching_ = false;                  // the pool passed kPrefetchFromSlots: the cursor runs
  std::size_t prefetch_lead_ = 0;             // keys the queue's prefetch cursor is ahead of the next pop
};

}  // namespace orrery::sim
