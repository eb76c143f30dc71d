// advise_huge_pages is a hint to the kernel: whatever it does, memory keeps
// its contents and reserve_huge reserves what std::vector::reserve would.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "sim/core/huge_pages.hpp"

namespace orrery {
namespace {

TEST(HugePages, ReserveHugeReservesAndKeepsTheElements) {
  std::vector<std::int64_t> v{1, 2, 3};
  constexpr std::size_t kMany = std::size_t{1} << 22;  // 32 MiB of int64: whole 2 MiB pages inside
  reserve_huge(v, kMany);
  EXPECT_GE(v.capacity(), kMany);
  EXPECT_EQ(v, (std::vector<std::int64_t>{1, 2, 3}));
  v.resize(kMany, 7);  // the advised pages take writes like any others
  EXPECT_EQ(v[kMany - 1], 7);
  EXPECT_EQ(v[2], 3);
}

TEST(HugePages, RangesWithoutAWholeHugePageAreLeftAlone) {
  std::vector<char> small(4096, 'x');
  advise_huge_pages(small.data(), small.size());
  advise_huge_pages(nullptr, 0);
  advise_huge_pages(nullptr, std::size_t{1} << 30);
  EXPECT_EQ(small[4095], 'x');
}

}  // namespace
}  // namespace orrery
