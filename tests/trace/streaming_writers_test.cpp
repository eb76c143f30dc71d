// The streaming writers: /events written a chunk at a time reads back row for
// row (over several chunks, with a partial last one), a writer dropped before
// finish() leaves nothing at its path nor a temporary beside it, and the
// Perfetto JSON holds one complete event per span, outputs are renamed
// together or not at all, and an empty table with an empty label list is
// written as such.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "sim/trace/hdf5_objects.hpp"
#include "sim/trace/writers.hpp"

namespace orrery::trace {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  TempDir()
      : path(fs::temp_directory_path() /
             fmt::format("orrery-writers-{}", ::testing::UnitTest::GetInstance()->random_seed())) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  [[nodiscard]] std::size_t files() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), fs::directory_iterator{}));
  }
  fs::path path;
};

// Span i of a synthetic run: every field a different function of i.
Span nth(std::int64_t i) {
  return Span{3 * i,
              3 * i + 2,
              static_cast<std::int32_t>(i % 7),
              static_cast<std::int8_t>(i % 3),
              0,
              static_cast<std::int32_t>(i % 5),
              static_cast<std::int32_t>(i % 11),
              i * 1000};
}

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_spans(const std::string& path, std::int64_t n) {
  Recorder rec({"a", "b", "c"});
  (void)rec.intern("x");
  Hdf5Writer w(path);
  for (std::int64_t i = 0; i < n; ++i) w.span(nth(i));
  w.counter(CounterSample{5, 1, 0, 2.5});
  w.finish(rec, RunInfo{"v", "yaml", "f.yaml", 1, 0.5});
  w.file().commit();
}

// More chunks than may wait for compression (so that the oldest are written
// while the run goes), and a partial last one.
TEST(Hdf5Writer, AppendsEventsAChunkAtATimeAndReadsBackRowForRow) {
  const TempDir dir;
  const std::string path = (dir.path / "r.h5").string();
  const auto chunk = static_cast<std::int64_t>(h5::AppendTable::kChunkRows);
  const std::int64_t n = (static_cast<std::int64_t>(h5::AppendTable::kInFlight) + 3) * chunk + 123;
  write_spans(path, n);
  EXPECT_EQ(dir.files(), 1U);  // the file, no temporary
  // The same rows, the same bytes, whatever order the compression threads finished in.
  const std::string again = (dir.path / "again.h5").string();
  write_spans(again, n);
  EXPECT_TRUE(contents(path) == contents(again));
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t ds = H5Dopen2(f, "events", H5P_DEFAULT);
  const hid_t space = H5Dget_space(ds);
  hsize_t rows = 0;
  H5Sget_simple_extent_dims(space, &rows, nullptr);
  EXPECT_EQ(rows, static_cast<hsize_t>(n));
  // Read back two fields through a memory type of their own (not the writer's).
  struct Pair {
    std::int64_t end;
    std::int64_t bytes;
  };
  const hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(Pair));
  H5Tinsert(t, "end", HOFFSET(Pair, end), H5T_NATIVE_INT64);
  H5Tinsert(t, "bytes", HOFFSET(Pair, bytes), H5T_NATIVE_INT64);
  std::vector<Pair> back(static_cast<std::size_t>(rows));
  ASSERT_GE(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()), 0);
  std::int64_t wrong = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const Pair& p = back[static_cast<std::size_t>(i)];
    wrong += p.end != 3 * i + 2 || p.bytes != i * 1000;
  }
  EXPECT_EQ(wrong, 0);
  H5Tclose(t);
  H5Sclose(space);
  H5Dclose(ds);
  H5Fclose(f);
}

// A table with no rows and an empty label list (a bubble filling that placed
// no filler: /fillers, its `fillers` names attribute empty) is written as
// such, zero rows and zero names; it used to fail the whole file ("HDF5:
// cannot write fillers": HDF5 refuses to write an attribute from no buffer).
TEST(Hdf5Writer, WritesAnEmptyTableWithAnEmptyLabelList) {
  const TempDir dir;
  const std::string path = (dir.path / "empty.h5").string();
  {
    Recorder rec({"a"});
    Table& t = rec.table("fillers", {"device", "start_s", "end_s", "filler"});
    t.labels.emplace_back("fillers", std::vector<std::string>{});
    Hdf5Writer w(path);
    w.finish(rec, RunInfo{"v", "yaml", "f.yaml", 1, 0.5});
    w.file().commit();
  }
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t ds = H5Dopen2(f, "fillers", H5P_DEFAULT);
  ASSERT_GE(ds, 0);
  const hid_t space = H5Dget_space(ds);
  hsize_t rows = 1;
  H5Sget_simple_extent_dims(space, &rows, nullptr);
  EXPECT_EQ(rows, 0U);
  const hid_t a = H5Aopen(ds, "fillers", H5P_DEFAULT);
  ASSERT_GE(a, 0);
  const hid_t aspace = H5Aget_space(a);
  EXPECT_EQ(H5Sget_simple_extent_npoints(aspace), 0);
  H5Sclose(aspace);
  H5Aclose(a);
  H5Sclose(space);
  H5Dclose(ds);
  H5Fclose(f);
}

TEST(StreamingWriters, LeaveNothingWhenDroppedUnfinished) {
  const TempDir dir;
  Recorder rec({"a"});
  (void)rec.intern("x");
  {
    Hdf5Writer h5((dir.path / "r.h5").string());
    PerfettoWriter json((dir.path / "r.json").string(), rec);
    for (std::int64_t i = 0; i < 20000; ++i) {
      h5.span(Span{i, i + 1, 0, 0, 0, -1, -1, 0});
      json.span(Span{i, i + 1, 0, 0, 0, -1, -1, 0});
    }
    EXPECT_EQ(dir.files(), 2U);  // the two temporaries, while the run goes
  }
  EXPECT_EQ(dir.files(), 0U);
}

TEST(PerfettoWriter, WritesOneCompleteEventPerSpanAndTrackNamesOncePerDevice) {
  const TempDir dir;
  const std::string path = (dir.path / "t.json").string();
  Recorder rec({"forward", "send"});
  const std::int32_t name = rec.intern("f");
  PerfettoWriter w(path, rec);
  for (std::int32_t i = 0; i < 6; ++i) w.span(Span{i * 1000, i * 1000 + 1500, i % 2, 0, name, i, 0, 0});
  w.counter(CounterSample{0, 1, name, 7});
  w.finish();
  w.file().commit();
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  const std::string s = text.str();
  const auto count = [&s](const std::string& what) {
    std::size_t n = 0;
    for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(R"("ph":"X")"), 6U);
  EXPECT_EQ(count(R"("ph":"C")"), 1U);
  EXPECT_EQ(count(R"("name":"process_name")"), 2U);  // devices 0 and 1, once each
  EXPECT_NE(s.find(R"("ts":1.000,"dur":1.500,"name":"f 1")"), std::string::npos);  // ns → µs, micro-batch 1
  EXPECT_EQ(s.substr(s.size() - 4), "\n]}\n");
}

// A run's outputs appear together or not at all: when the second of three
// cannot be renamed (its temporary is gone), the first, already renamed, is
// removed again and the third never appears.
TEST(StreamingWriters, OutputsAreCommittedTogetherOrNotAtAll) {
  const TempDir dir;
  const auto write = [](const AtomicFile& f) { std::ofstream(f.temporary()) << "x"; };
  {
    AtomicFile a((dir.path / "a").string()), b((dir.path / "b").string()), c((dir.path / "c").string());
    for (const AtomicFile* f : {&a, &b, &c}) write(*f);
    fs::remove(b.temporary());
    EXPECT_THROW(commit_together({&a, &b, &c}), std::runtime_error);
  }
  EXPECT_EQ(dir.files(), 0U);
  {
    AtomicFile a((dir.path / "a").string()), b((dir.path / "b").string());
    for (const AtomicFile* f : {&a, &b}) write(*f);
    commit_together({&a, &b});
  }
  EXPECT_TRUE(fs::exists(dir.path / "a"));
  EXPECT_TRUE(fs::exists(dir.path / "b"));
  EXPECT_EQ(dir.files(), 2U);
}

}  // namespace
}  // namespace orrery::trace
