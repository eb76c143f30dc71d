// Equal-cost multi-path choice: a switch with several equally short next hops
// picks one by a deterministic hash of the flow's (source, destination), so a
// flow always takes one path and different flows spread over the paths.
//
// The hash is SplitMix64's output function (Steele, Lea and Flood, OOPSLA
// 2014) applied to (src << 32 | dst): two xor-shift-multiply rounds that mix
// every input bit into every output bit. A router with k candidates takes
// h mod k; the next tier up takes (h / k) mod k', so its choice does not
// repeat the first one's.
#pragma once

#include <cstdint>

namespace orrery::topo {

[[nodiscard]] constexpr std::uint64_t ecmp_hash(int src, int dst) {
  std::uint64_t z =
      (static_cast<std::uint64_t>(static_cast<std::uint32_t>(src)) << 32) | static_cast<std::uint32_t>(dst);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace orrery::topo
