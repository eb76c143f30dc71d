// The HDF5 building blocks the result-file writer uses (internal to
// sim/trace): an owning handle, property lists without modification times (so
// the same run gives the same bytes), scalars, strings, whole tables written at
// once, and AppendTable, a table that grows by chunks while the run goes.
#pragma once

#include <hdf5.h>

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
// run goes: chunked, shuffled and deflated; rows are buffered and appended a
// chunk at a time, so memory stays at one chunk whatever the row count.
class AppendTable {
 public:
  AppendTable(hid_t parent, const char* name, Handle type, std::size_t row_size);
  void append(const void* row) {
    buffer_.insert(buffer_.end(), static_cast<const char*>(row), static_cast<const char*>(row) + row_size_);
    if (buffer_.size() >= kChunkRows * row_size_) flush();
  }
  void flush();
  [[nodiscard]] hid_t dataset() const { return ds_; }

  static constexpr std::size_t kChunkRows = 16384;

 private:
  Handle type_;
  Handle ds_;
  std::size_t row_size_;
  std::vector<char> buffer_;
  hsize_t rows_ = 0;  // in the file
};

}  // namespace orrery::trace::h5
