// Units: parsing and printing of quantities. Expected values are the SI and
// IEC definitions (1 GB = 1e9 B, 1 GiB = 2^30 B, 1 Gb/s = 1e9/8 B/s).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/units.hpp"

namespace orrery {

TEST(Units, ParsesBytesInDecimalAndBinaryUnits) {
  EXPECT_EQ(parse_bytes("80 GiB").count(), 80LL << 30);
  EXPECT_EQ(parse_bytes("1.5 GB").count(), 1'500'000'000);
  EXPECT_EQ(parse_bytes("512B").count(), 512);
  EXPECT_EQ(parse_bytes("2 TiB").count(), 2LL << 40);
  EXPECT_EQ(parse_bytes("3 kB").count(), 3000);
}

TEST(Units, ParsesBandwidthInBitsAndBytes) {
  EXPECT_DOUBLE_EQ(parse_bandwidth("200 Gb/s").bytes_per_s(), 25e9);  // 200e9 bits / 8
  for (const char* same : {"200 Gbps", "200 Gbit/s", "0.2 Tbps", "200000 Mbit/s"}) {
    EXPECT_DOUBLE_EQ(parse_bandwidth(same).bytes_per_s(), 25e9) << same;
  }
  EXPECT_DOUBLE_EQ(parse_bandwidth("300 GB/s").bytes_per_s(), 300e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("1 GiB/s").bytes_per_s(), 1073741824.0);
  EXPECT_DOUBLE_EQ(parse_bandwidth("1 Tb/s").bytes_per_s(), 125e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("8 b/s").bytes_per_s(), 1.0);
  // Bytes with "ps", as storage datasheets write them: the capital B is the byte.
  EXPECT_DOUBLE_EQ(parse_bandwidth("300 GBps").bytes_per_s(), 300e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("7 MBps").bytes_per_s(), 7e6);
}

TEST(Units, ParsesDurations) {
  EXPECT_EQ(parse_duration("1.5 us").count(), 1500);
  EXPECT_EQ(parse_duration("700 ns").count(), 700);
  EXPECT_EQ(parse_duration("2 ms").count(), 2'000'000);
  EXPECT_EQ(parse_duration("1 min").count(), 60'000'000'000);
  EXPECT_EQ(parse_duration("50000 h").count(), 50000LL * 3600 * 1'000'000'000);
  EXPECT_EQ(parse_duration("1 d").count(), 86400LL * 1'000'000'000);
}

TEST(Units, ParsesRatesAndFrequencies) {
  EXPECT_DOUBLE_EQ(parse_flop_rate("989 TFLOP/s").per_s(), 989e12);
  EXPECT_DOUBLE_EQ(parse_flop_rate("1.5 PFLOP/s").per_s(), 1.5e15);
  // As NVIDIA's datasheets write them.
  EXPECT_DOUBLE_EQ(parse_flop_rate("989 TFLOPS").per_s(), 989e12);
  EXPECT_DOUBLE_EQ(parse_flop_rate("1979 TOPS").per_s(), 1979e12);
  EXPECT_DOUBLE_EQ(parse_frequency("1.41 GHz").hz(), 1.41e9);
  EXPECT_DOUBLE_EQ(parse_frequency("300 MHz").hz(), 300e6);
  EXPECT_DOUBLE_EQ(parse_flops("3 GFLOP").count(), 3e9);
}

TEST(Units, PrintsBackWhatItParses) {
  for (const char* s : {"80 GiB", "1.5 GB", "512 B", "16 MiB", "3 kB"}) {
    EXPECT_EQ(parse_bytes(to_string(parse_bytes(s))), parse_bytes(s)) << s;
  }
  EXPECT_EQ(to_string(parse_bytes("80 GiB")), "80 GiB");
  EXPECT_EQ(to_string(parse_bytes("16 MiB")), "16 MiB");
  EXPECT_EQ(to_string(parse_duration("1.5 us")), "1.5 us");
  EXPECT_EQ(to_string(parse_duration("90 min")), "1.5 h");
  EXPECT_EQ(to_string(parse_duration("700 ns")), "700 ns");
  EXPECT_EQ(to_string(parse_bandwidth("300 GB/s")), "300 GB/s");
  EXPECT_EQ(to_string(parse_flop_rate("989 TFLOP/s")), "989 TFLOP/s");
  EXPECT_EQ(to_string(parse_frequency("1.41 GHz")), "1.41 GHz");
  for (const char* s : {"200 Gb/s", "25 GB/s", "1 GiB/s", "100 Mb/s"}) {
    EXPECT_DOUBLE_EQ(parse_bandwidth(to_string(parse_bandwidth(s))).bytes_per_s(), parse_bandwidth(s).bytes_per_s())
        << s;
  }
}

TEST(Units, TransferTimeIsBytesOverBandwidthRoundedUp) {
  // 1 GB at 25 GB/s = 40 ms exactly; 1 byte at 1 GB/s = 1 ns.
  EXPECT_EQ(transfer_time(Bytes(1'000'000'000), parse_bandwidth("25 GB/s")).count(), 40'000'000);
  EXPECT_EQ(transfer_time(Bytes(1), parse_bandwidth("1 GB/s")).count(), 1);
  EXPECT_EQ(transfer_time(Bytes(1), parse_bandwidth("3 GB/s")).count(), 1);  // 0.33 ns rounds up
}

TEST(Units, CeilNsIsTheCeilingOverTheWholeClock) {
  // Duration::ceil_ns rounds up by truncation: it must equal std::ceil
  // everywhere within ±2^62 ns — whole numbers, fractions either side of
  // zero, values a step off a whole number, past 2^53 (where every double is
  // whole) — and refuse what lies beyond.
  const std::vector<double> values{0.0,
                                   -0.0,
                                   0.25,
                                   1.0,
                                   1.5,
                                   -1.5,
                                   -0.75,
                                   2.0e-300,
                                   1e15 + 0.5,
                                   9007199254740991.0,
                                   9007199254740993.0,
                                   4.5e18,
                                   -4.5e18,
                                   std::nextafter(3.0, 4.0),
                                   std::nextafter(3.0, 2.0),
                                   std::nextafter(-3.0, -4.0),
                                   4611686018427387903.0 / 2};
  for (const double v : values) {
    EXPECT_EQ(Duration::ceil_ns(v).count(), static_cast<std::int64_t>(std::ceil(v))) << v;
  }
  std::uint64_t state = 12345;
  for (int i = 0; i < 100'000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    // Magnitudes from 1e-3 to 1e18 ns, either sign.
    const double magnitude =
        std::pow(10.0, static_cast<double>(state >> 11) / 9007199254740992.0 * 21.0 - 3.0);
    const double v = (state & 1) ? -magnitude : magnitude;
    ASSERT_EQ(Duration::ceil_ns(v).count(), static_cast<std::int64_t>(std::ceil(v))) << v;
  }
  EXPECT_THROW((void)Duration::ceil_ns(4.7e18), ValueError);
  EXPECT_THROW((void)Duration::ceil_ns(-4.7e18), ValueError);
  EXPECT_THROW((void)Duration::ceil_ns(std::nan("")), ValueError);
}

// Invalid inputs: each message names what was expected and shows an example.
TEST(UnitsInvalid, BareNumberNeedsAUnit) {
  try {
    (void)parse_bandwidth("200");
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "'200' has no unit; a bandwidth needs one, e.g. \"200 Gb/s\"");
  }
}

TEST(UnitsInvalid, WrongKindOfUnit) {
  try {
    (void)parse_bandwidth("10 GB");
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown unit 'GB'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("expected e.g. \"200 Gb/s\""), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)parse_flop_rate("989 TFLOPS/s"), ValueError);
  EXPECT_THROW((void)parse_duration("5 GB"), ValueError);
}

TEST(UnitsInvalid, NotANumber) {
  EXPECT_THROW((void)parse_bytes("lots GiB"), ValueError);
  EXPECT_THROW((void)parse_bytes(""), ValueError);
  EXPECT_THROW((void)parse_duration("nan s"), ValueError);
}

}  // namespace orrery
