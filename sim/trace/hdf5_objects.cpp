#include "sim/trace/hdf5_objects.hpp"
#include "sim/trace/writers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace orrery::trace::h5 {

Handle::Handle(hid_t id, herr_t (*close)(hid_t), const char* what) : id_(id), close_(close) {
  if (id_ < 0) throw std::runtime_error(fmt::format("HDF5: cannot create {}", what));
}

void ok(herr_t status, const char* what) {
  if (status < 0) throw std::runtime_error(fmt::format("HDF5: cannot write {}", what));
}

Handle no_times(hid_t plist_class) {
  Handle p(H5Pcreate(plist_class), H5Pclose, "property list");
  ok(H5Pset_obj_track_times(p, false), "property list");
  return p;
}

namespace {

Handle string_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  ok(H5Tset_size(t, H5T_VARIABLE), "string type");
  ok(H5Tset_cset(t, H5T_CSET_UTF8), "string type");
  return t;
}

std::vector<const char*> c_strings(const std::vector<std::string>& v) {
  std::vector<const char*> out;
  out.reserve(v.size());
  for (const auto& s : v) out.push_back(s.c_str());
  return out;
}

// An empty, growable 1-D dataset. The file type is packed: the padding inside
// C++ structs holds whatever bytes were there, and must not reach the file
// (same run, same bytes).
Handle create_table(hid_t parent, const char* name, hid_t type, hsize_t rows, hsize_t chunk_rows,
                    bool compress) {
  const hsize_t dims[1] = {rows};
  const hsize_t maxdims[1] = {H5S_UNLIMITED};
  Handle space(H5Screate_simple(1, dims, maxdims), H5Sclose, "table space");
  Handle dcpl = no_times(H5P_DATASET_CREATE);
  const hsize_t chunk[1] = {std::max<hsize_t>(1, chunk_rows)};
  ok(H5Pset_chunk(dcpl, 1, chunk), name);
  if (compress) {
    ok(H5Pset_shuffle(dcpl), name);
    ok(H5Pset_deflate(dcpl, 1), name);
  }
  Handle file_type(H5Tcopy(type), H5Tclose, "file type");
  if (H5Tget_class(type) == H5T_COMPOUND) ok(H5Tpack(file_type), name);
  return Handle(H5Dcreate2(parent, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose, name);
}

}  // namespace

Handle group(hid_t parent, const char* name) {
  Handle gcpl = no_times(H5P_GROUP_CREATE);
  return Handle(H5Gcreate2(parent, name, H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose, name);
}

void scalar(hid_t parent, const char* name, hid_t type, const void* data) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "scalar space");
  Handle dcpl = no_times(H5P_DATASET_CREATE);
  Handle ds(H5Dcreate2(parent, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose, name);
  ok(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name);
}

void string_scalar(hid_t parent, const char* name, const std::string& s) {
  Handle t = string_type();
  const char* p = s.c_str();
  scalar(parent, name, t, &p);
}

void table(hid_t parent, const char* name, hid_t type, std::size_t rows, const void* data) {
  Handle ds =
      create_table(parent, name, type, rows, std::min<hsize_t>(rows, AppendTable::kChunkRows), rows >= 64);
  if (rows > 0) ok(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name);
}

void string_table(hid_t parent, const char* name, const std::vector<std::string>& v) {
  Handle t = string_type();
  const auto ptrs = c_strings(v);
  table(parent, name, t, v.size(), ptrs.data());
}

void string_array_attribute(hid_t object, const char* name, const std::vector<std::string>& v) {
  Handle t = string_type();
  const hsize_t dims[1] = {v.size()};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, "attribute space");
  Handle a(H5Acreate2(object, name, t, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, name);
  const auto ptrs = c_strings(v);
  ok(H5Awrite(a, t, ptrs.data()), name);
}

void run_identity(hid_t meta, const RunInfo& info) {
  string_scalar(meta, "program_version", info.program_version);
  string_scalar(meta, "scenario", info.scenario);
  string_scalar(meta, "scenario_file", info.scenario_file);
  const auto seed = static_cast<std::int64_t>(info.seed);
  scalar(meta, "seed", H5T_NATIVE_INT64, &seed);
}

AppendTable::AppendTable(hid_t parent, const char* name, Handle type, std::size_t row_size)
    : type_(std::move(type)),
      ds_(create_table(parent, name, type_, 0, kChunkRows, true)),
      row_size_(row_size) {
  buffer_.reserve(kChunkRows * row_size_);
}

void AppendTable::flush() {
  const hsize_t n = buffer_.size() / row_size_;
  if (n == 0) return;
  const hsize_t size[1] = {rows_ + n};
  ok(H5Dset_extent(ds_, size), "table rows");
  Handle file_space(H5Dget_space(ds_), H5Sclose, "table space");
  const hsize_t at[1] = {rows_};
  const hsize_t count[1] = {n};
  ok(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, at, nullptr, count, nullptr), "table rows");
  Handle memory_space(H5Screate_simple(1, count, nullptr), H5Sclose, "rows space");
  ok(H5Dwrite(ds_, type_, memory_space, file_space, H5P_DEFAULT, buffer_.data()), "table rows");
  rows_ += n;
  buffer_.clear();
}

}  // namespace orrery::trace::h5
