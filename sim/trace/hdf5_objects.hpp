// The HDF5 building blocks the result-file writer uses (internal to
// sim/trace): an owning handle, property lists without modification times (so
// the same run gives the same bytes), scalars, strings, whole tables written at
// once, and AppendTable, a table that grows by chunks while the run goes.
#pragma once

#include <hdf5.h>

#include <cstring>
#include <deque>
#include <future>
#include <string>
#include <vector>

namespace orrery::trace {
struct RunInfo;
}

namespace orrery::trace::h5 {

// Owns one HDF5 identifier and closes it with the matching call.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t), const char* what);
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  operator hid_t() const { return id_; }  // NOLINT(google-explicit-constructor)

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void ok(herr_t status, const char* what);
Handle no_times(hid_t plist_class);
Handle group(hid_t parent, const char* name);
void scalar(hid_t parent, const char* name, hid_t type, const void* data);
void string_scalar(hid_t parent, const char* name, const std::string& s);
// A 1-D table written at once, chunked and deflate-compressed (after byte
// shuffling) when it is long enough for that to pay.
void table(hid_t parent, const char* name, hid_t type, std::size_t rows, const void* data);
void string_table(hid_t parent, const char* name, const std::vector<std::string>& v);
void string_array_attribute(hid_t object, const char* name, const std::vector<std::string>& v);
// /meta's program_version, scenario, scenario_file and seed, into `meta`.
void run_identity(hid_t meta, const RunInfo& info);

// A 1-D table of rows of `type` (a C++ struct's layout) that grows while the
// run goes, written in chunks of kChunkRows rows: memory stays at a bounded
// number of chunks whatever the row count. Each full chunk is shuffled and
// deflated (the dataset's own filters, the same bytes HDF5's pipeline makes)
// by the process's compression threads while the run goes on, then written
// as it is (H5Dwrite_chunk) by the thread that owns the file: HDF5 itself is
// only ever called from that thread.
class AppendTable {
 public:
  AppendTable(hid_t parent, const char* name, Handle type, std::size_t row_size);
  ~AppendTable();
  AppendTable(const AppendTable&) = delete;
  AppendTable& operator=(const AppendTable&) = delete;
  // Copies the row's fields into the buffer in the file's packed layout (the
  // runs of fields that are contiguous in both).
  void append(const void* row) {
    const auto* from = static_cast<const char*>(row);
    const std::size_t at = buffer_.size();
    buffer_.resize(at + packed_size_);
    for (const Run& r : runs_) std::memcpy(buffer_.data() + at + r.file, from + r.memory, r.size);
    if (buffer_.size() >= kChunkRows * packed_size_) submit();
  }
  // Writes what is buffered and waits for every chunk to reach the file.
  void flush();
  [[nodiscard]] hid_t dataset() const { return ds_; }

  static constexpr std::size_t kChunkRows = 16384;
  // Chunks handed to the compression threads and not yet written. The lag is
  // long, so that a burst of rows (a training iteration's spans come at
  // ~8 M/s on one core, one chunk per 2 ms) does not wait for compression,
  // which runs at about that rate per core: at most this many chunks (~22 MB
  // of /events rows) wait, and are compressed while the run goes on.
  static constexpr std::size_t kInFlight = 32;

 private:
  struct Run {
    std::size_t memory, file, size;
  };
  struct Pending {
    hsize_t first_row = 0;
    std::future<std::vector<unsigned char>> compressed;
  };
  // Hands the buffer (a full chunk, or the last rows padded to one) to a worker.
  void submit();
  // Writes the finished chunks in order; with `all`, waits for every one.
  void drain(bool all);

  Handle type_;    // the file's packed type, which the buffer holds
  Handle ds_;
  std::size_t packed_size_;
  std::vector<Run> runs_;
  std::vector<char> buffer_;
  hsize_t rows_ = 0;  // rows submitted
  std::deque<Pending> pending_;
};

}  // namespace orrery::trace::h5
