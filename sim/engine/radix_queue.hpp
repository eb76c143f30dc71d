// The engine's queue of event keys: a monotone radix heap of radix 64 (a
// hierarchical timing wheel with exact ordering), with ties kept in insertion
// order. The radix heap of Ahuja, Mehlhorn, Orlin & Tarjan (1990, "Faster
// algorithms for the shortest path problem", J. ACM 37(2)) files a key by the
// highest bit in which its time differs from a base; with radix 2 a key moves
// once per bit between its delay and the present (about log2(delay) moves).
// Filing by 6-bit digits instead, as the hierarchical timing wheels of Varghese
// & Lauck (1987, "Hashed and hierarchical timing wheels", SOSP) do, a key with
// a delay below 64^2 ns moves at most once: delays of microseconds cost a push,
// one move and a pop.
//
// A monotone priority queue: no key pushed is earlier than the base `last_`,
// which an event engine guarantees, since no event is scheduled before the
// clock and the base never passes the least key.
//
// Level l holds the keys whose time differs from `last_` first in digit l (bits
// 6l .. 6l+5), in slot = that digit of the time. Level 0's slots therefore hold
// exact times, each a FIFO in insertion order. Each slot of level >= 1 keeps
// the least time filed into it, so the least key is known without scanning.
// When level 0 runs dry, the lowest occupied slot (l, s) holds the least key,
// and it is re-filed around that key, as Ahuja et al.'s heap re-files a bucket
// around its minimum: the base becomes the least time with its lowest digit
// cleared. The least key then lands in level 0 at once, and every other key of
// the slot, which agrees with the base in the digits from l up, in a strictly
// lower level, which is empty at that moment; the keys of every other slot
// still differ from the new base first where they did. (A base of the slot's
// own digits with the lower ones zero would also do, but a lone key would then
// step down one level per refile: in a training run, with a few hundred
// events pending ms apart, most keys did, three steps each.) Each slot is thus
// filled only while every lower level is empty, from pushes (later in
// sequence) or from one higher slot in its order, so every slot's vector is in
// insertion order and the FIFOs of level 0 give ties in the order scheduled.
// All the work is appends and sequential scans; the occupancy of levels and
// slots is in bit masks.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

namespace orrery::sim {

struct EventKey {
  std::int64_t time;    // ns, never negative
  std::uint64_t order;  // insertion sequence (and payload); increases with every push
};

class RadixQueue {
 public:
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::size_t size() const { return size_; }

  // The time of the least key; only when not empty().
  [[nodiscard]] std::int64_t top_time() const {
    if (occupied_[0] != 0) return (last_ & ~kDigitMask) | std::countr_zero(occupied_[0]);
    const int l = std::countr_zero(levels_);
    return slots_[l][std::countr_zero(occupied_[l])].least;
  }

  // `k.time` must not be earlier than the last key popped, and `k.order` must
  // exceed every order pushed before.
  void push(EventKey k) {
    file(k);
    ++size_;
  }

  // Removes and returns the least key by (time, insertion order); only when
  // not empty(). `refiled` says whether level 0 was re-filed to find it (then
  // the cursor of next_ahead() is to restart).
  EventKey pop(bool& refiled) {
    refiled = occupied_[0] == 0;
    while (occupied_[0] == 0) refile_lowest();
    const int s = std::countr_zero(occupied_[0]);
    Slot& slot = slots_[0][s];
    const EventKey k = slot.keys[slot.head++];
    if (slot.head == slot.keys.size()) {
      slot.keys.clear();
      slot.head = 0;
      occupied_[0] &= ~(std::uint64_t{1} << s);
      if (occupied_[0] == 0) levels_ &= ~1u;
    }
    --size_;
    return k;
  }

  // A cursor that runs ahead of the pops over level 0's keys, for
  // prefetching what the next events touch: next_ahead() returns the next key
  // past the cursor and moves it on (nullptr when level 0 holds no more), and
  // restart_ahead() puts it back at the least key (after a refile, when level
  // 0 is new). Keys pushed into level 0 behind the cursor are not returned; a
  // hint, not an order.
  const EventKey* next_ahead() {
    for (;;) {
      const Slot& slot = slots_[0][ahead_slot_];
      if (ahead_pos_ < slot.keys.size() && ahead_pos_ >= slot.head) return &slot.keys[ahead_pos_++];
      const std::uint64_t later = ahead_slot_ == 63 ? 0 : occupied_[0] & (~std::uint64_t{0} << (ahead_slot_ + 1));
      if (later == 0) return nullptr;
      ahead_slot_ = std::countr_zero(later);
      ahead_pos_ = slots_[0][ahead_slot_].head;
    }
  }
  void restart_ahead() {
    ahead_slot_ = occupied_[0] == 0 ? 0 : std::countr_zero(occupied_[0]);
    ahead_pos_ = slots_[0][ahead_slot_].head;
  }

  // Takes every key out, in no order, and restarts at time `floor`, which
  // must not be later than any key; for renumbering, after which the keys go
  // back in, in order.
  std::vector<EventKey> drain(std::int64_t floor) {
    std::vector<EventKey> all;
    all.reserve(size_);
    for (auto& level : slots_) {
      for (Slot& slot : level) {
        all.insert(all.end(), slot.keys.begin() + static_cast<std::ptrdiff_t>(slot.head), slot.keys.end());
        slot.keys.clear();
        slot.head = 0;
        slot.least = kNever;
      }
    }
    occupied_.fill(0);
    levels_ = 0;
    size_ = 0;
    last_ = floor & ~kDigitMask;
    return all;
  }

 private:
  static constexpr int kDigitBits = 6;
  static constexpr std::int64_t kDigitMask = (1 << kDigitBits) - 1;
  static constexpr int kLevels = (63 + kDigitBits - 1) / kDigitBits;  // times are below 2^63
  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

  struct Slot {
    std::vector<EventKey> keys;
    std::size_t head = 0;        // level 0: the keys before head have been popped
    std::int64_t least = kNever;  // levels >= 1: the least time filed here
  };

  // The level of a key whose time differs from last_ in `bits` = bit_width(time ^ last_).
  static constexpr std::array<std::uint8_t, 65> kLevelOfWidth = [] {
    std::array<std::uint8_t, 65> t{};
    for (int w = 0; w <= 64; ++w) t[w] = static_cast<std::uint8_t>(w == 0 ? 0 : (w - 1) / kDigitBits);
    return t;
  }();

  void file(const EventKey& k) {
    const int l = kLevelOfWidth[std::bit_width(static_cast<std::uint64_t>(k.time ^ last_))];
    const int s = static_cast<int>((k.time >> (kDigitBits * l)) & kDigitMask);
    Slot& slot = slots_[l][s];
    slot.keys.push_back(k);
    slot.least = std::min(slot.least, k.time);
    occupied_[l] |= std::uint64_t{1} << s;
    levels_ |= 1u << l;
  }

  // Level 0 is empty: moves the keys of the lowest occupied slot of the lowest
  // occupied level into lower levels, around that slot's least time.
  void refile_lowest() {
    const int l = std::countr_zero(levels_);
    const int s = std::countr_zero(occupied_[l]);
    Slot& slot = slots_[l][s];
    last_ = slot.least & ~kDigitMask;
    occupied_[l] &= ~(std::uint64_t{1} << s);
    if (occupied_[l] == 0) levels_ &= ~(1u << l);
    for (const EventKey& k : slot.keys) file(k);  // each into a level below l, in order
    slot.keys.clear();
    slot.least = kNever;
  }

  std::array<std::array<Slot, 64>, kLevels> slots_;
  std::array<std::uint64_t, kLevels> occupied_{};  // bit s of level l: slot s holds keys
  std::uint32_t levels_ = 0;                        // bit l: level l holds keys
  int ahead_slot_ = 0;                              // the cursor of next_ahead(): a slot of level 0
  std::size_t ahead_pos_ = 0;                       // and a position in its keys
  std::int64_t last_ = 0;                           // the base; a multiple of 64
  std::size_t size_ = 0;
};

}  // namespace orrery::sim
