// The event engine: one priority queue of timed events and the loop that runs
// them. One `Engine` object per simulation, passed by reference; no globals, so
// several simulations can live in one process.
//
// Ordering: events run in (time, insertion sequence) order, so two events at
// the same time run in the order they were scheduled and a run is identical on
// every machine.
//
// Data layout (the hot path allocates nothing in steady state):
//  * a 4-ary implicit heap of 16-byte keys: the time, and one 64-bit word that
//    packs the insertion sequence (high 40 bits) above the slot index (low 24
//    bits); comparing that word compares sequences, since they are unique;
//  * the handlers, each an InlineFunction in a slot of a chunked pool whose
//    addresses never move, so a handler runs in place while it schedules more;
//  * a free list of slots. Cancelling marks the slot; its key is dropped when
//    it reaches the top of the heap.
// When the 40-bit sequence space is used up (after 10^12 events), pending
// events are renumbered in order, which keeps the ordering.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/engine/inline_function.hpp"

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
  EventHandle schedule_after(Duration d, Handler handler) { return schedule_at(now_ + d, std::move(handler)); }

  // Cancels a pending event; false if it already ran or was cancelled.
  bool cancel(EventHandle h);

  // Runs until no event is left or stop() is called.
  void run();
  // Runs the events at times <= `until`, then sets the clock to `until` (unless stopped earlier).
  void run(Time until);
  // Makes run() return after the current event.
  void stop() { stopped_ = true; }

  [[nodiscard]] std::uint64_t events_processed() const { return processed_; }
  [[nodiscard]] std::size_t pending() const { return heap_.size() - cancelled_pending_; }

 private:
  struct Key {
    std::int64_t time;
    std::uint64_t order;  // sequence << kSlotBits | slot
    bool operator<(const Key& o) const { return time < o.time || (time == o.time && order < o.order); }
  };
  struct Slot {
    Handler handler;
    std::uint32_t generation = 0;
    bool cancelled = false;
  };
  static constexpr int kSlotBits = 24;
  static constexpr std::uint64_t kSlotMask = (1ull << kSlotBits) - 1;
  static constexpr std::uint64_t kMaxSequence = (1ull << (64 - kSlotBits)) - 1;
  static constexpr int kChunkBits = 12;
  static constexpr std::uint32_t kChunkSize = 1u << kChunkBits;

  Slot& slot(std::uint32_t i) { return chunks_[i >> kChunkBits][i & (kChunkSize - 1)]; }
  std::uint32_t allocate_slot();
  void push(Key k);
  Key pop();
  void renumber();
  bool step(Time limit);  // runs the next event if its time <= limit

  std::vector<Key> heap_;
  std::vector<std::unique_ptr<Slot[]>> chunks_;
  std::vector<std::uint32_t> free_slots_;
  std::uint32_t slots_used_ = 0;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t processed_ = 0;
  std::size_t cancelled_pending_ = 0;
  Time now_;
  bool stopped_ = false;
  std::uint32_t running_slot_ = 0xffffffffu;  // the slot whose handler is executing
};

}  // namespace orrery::sim
