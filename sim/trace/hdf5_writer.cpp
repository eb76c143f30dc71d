// The HDF5 result file. Layout (DESIGN.md, scripts/RESULTS_LAYOUT.md):
// /meta, /summary, /events (chunked, compressed compound table), /names,
// /links, /memory, /counters. Object modification times are switched off so that the
// same run gives the same bytes.
#include <fmt/format.h>
#include <hdf5.h>

#include <stdexcept>
#include <type_traits>
#include <vector>

#include "sim/trace/atomic_file.hpp"
#include "sim/trace/writers.hpp"

namespace orrery::trace {

namespace {

// Owns one HDF5 identifier and closes it with the matching call.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t), const char* what) : id_(id), close_(close) {
    if (id_ < 0) throw std::runtime_error(fmt::format("HDF5: cannot create {}", what));
  }
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

void ok(herr_t status, const char* what) {
  if (status < 0) throw std::runtime_error(fmt::format("HDF5: cannot write {}", what));
}

Handle no_times(hid_t plist_class) {
  Handle p(H5Pcreate(plist_class), H5Pclose, "property list");
  ok(H5Pset_obj_track_times(p, false), "property list");
  return p;
}

Handle string_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  ok(H5Tset_size(t, H5T_VARIABLE), "string type");
  ok(H5Tset_cset(t, H5T_CSET_UTF8), "string type");
  return t;
}

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

// A 1-D table, chunked and deflate-compressed (after byte shuffling) when it
// is long enough for that to pay.
void table(hid_t parent, const char* name, hid_t type, std::size_t rows, const void* data) {
  const hsize_t dims[1] = {rows};
  const hsize_t maxdims[1] = {H5S_UNLIMITED};
  Handle space(H5Screate_simple(1, dims, maxdims), H5Sclose, "table space");
  Handle dcpl = no_times(H5P_DATASET_CREATE);
  const hsize_t chunk[1] = {std::max<hsize_t>(1, std::min<hsize_t>(rows, 16384))};
  ok(H5Pset_chunk(dcpl, 1, chunk), name);
  if (rows >= 64) {
    ok(H5Pset_shuffle(dcpl), name);
    ok(H5Pset_deflate(dcpl, 4), name);
  }
  // The file type is packed: the padding inside C++ structs holds whatever
  // bytes were there, and must not reach the file (same run, same bytes).
  Handle file_type(H5Tcopy(type), H5Tclose, "file type");
  if (H5Tget_class(type) == H5T_COMPOUND) ok(H5Tpack(file_type), name);
  Handle ds(H5Dcreate2(parent, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose, name);
  if (rows > 0) ok(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), name);
}

std::vector<const char*> c_strings(const std::vector<std::string>& v) {
  std::vector<const char*> out;
  out.reserve(v.size());
  for (const auto& s : v) out.push_back(s.c_str());
  return out;
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

template <class Row>
Handle compound() {
  return Handle(H5Tcreate(H5T_COMPOUND, sizeof(Row)), H5Tclose, "compound type");
}

#define FIELD(type, Row, member, h5type) ok(H5Tinsert(type, #member, HOFFSET(Row, member), h5type), #member)

void write_events(hid_t file, const Recorder& rec) {
  Handle t = compound<Span>();
  FIELD(t, Span, start, H5T_NATIVE_INT64);
  FIELD(t, Span, end, H5T_NATIVE_INT64);
  FIELD(t, Span, device, H5T_NATIVE_INT32);
  FIELD(t, Span, kind, H5T_NATIVE_INT8);
  FIELD(t, Span, name, H5T_NATIVE_INT32);
  FIELD(t, Span, micro_batch, H5T_NATIVE_INT32);
  FIELD(t, Span, stage, H5T_NATIVE_INT32);
  FIELD(t, Span, bytes, H5T_NATIVE_INT64);
  table(file, "events", t, rec.spans().size(), rec.spans().data());
  Handle ds(H5Dopen2(file, "events", H5P_DEFAULT), H5Dclose, "events");
  string_array_attribute(ds, "kinds", rec.kinds());
}

void write_links(hid_t file, const Recorder& rec) {
  Handle t = compound<LinkRow>();
  FIELD(t, LinkRow, link, H5T_NATIVE_INT32);
  FIELD(t, LinkRow, src, H5T_NATIVE_INT32);
  FIELD(t, LinkRow, dst, H5T_NATIVE_INT32);
  FIELD(t, LinkRow, name, H5T_NATIVE_INT32);
  FIELD(t, LinkRow, busy, H5T_NATIVE_INT64);
  FIELD(t, LinkRow, bytes, H5T_NATIVE_INT64);
  table(file, "links", t, rec.links().size(), rec.links().data());
}

void write_counters(hid_t file, const Recorder& rec) {
  Handle t = compound<CounterSample>();
  FIELD(t, CounterSample, time, H5T_NATIVE_INT64);
  FIELD(t, CounterSample, device, H5T_NATIVE_INT32);
  FIELD(t, CounterSample, name, H5T_NATIVE_INT32);
  FIELD(t, CounterSample, value, H5T_NATIVE_DOUBLE);
  table(file, "counters", t, rec.counters().size(), rec.counters().data());
}

// The memory table is flat (one int64 column per breakdown part).
struct FlatMemory {
  std::int32_t device;
  std::int64_t peak, parameters, gradients, optimizer, activations, buffers;
};

void write_memory(hid_t file, const Recorder& rec) {
  std::vector<FlatMemory> rows;
  for (const auto& m : rec.memory()) {
    rows.push_back(FlatMemory{m.device, m.peak, m.parts[0], m.parts[1], m.parts[2], m.parts[3], m.parts[4]});
  }
  Handle t = compound<FlatMemory>();
  FIELD(t, FlatMemory, device, H5T_NATIVE_INT32);
  FIELD(t, FlatMemory, peak, H5T_NATIVE_INT64);
  FIELD(t, FlatMemory, parameters, H5T_NATIVE_INT64);
  FIELD(t, FlatMemory, gradients, H5T_NATIVE_INT64);
  FIELD(t, FlatMemory, optimizer, H5T_NATIVE_INT64);
  FIELD(t, FlatMemory, activations, H5T_NATIVE_INT64);
  FIELD(t, FlatMemory, buffers, H5T_NATIVE_INT64);
  table(file, "memory", t, rows.size(), rows.data());
}
#undef FIELD

void write_summary(hid_t file, const Summary& s) {
  Handle g = group(file, "summary");
  for (const auto& [key, value] : s.entries()) {
    std::visit(
        [&, k = key.c_str()](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, double>) {
            scalar(g, k, H5T_NATIVE_DOUBLE, &v);
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            scalar(g, k, H5T_NATIVE_INT64, &v);
          } else if constexpr (std::is_same_v<T, std::string>) {
            string_scalar(g, k, v);
          } else {
            const hsize_t dims[1] = {v.size()};
            Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, "array space");
            Handle dcpl = no_times(H5P_DATASET_CREATE);
            Handle ds(H5Dcreate2(g, k, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose, k);
            if (!v.empty()) ok(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), k);
          }
        },
        value);
  }
}

// Each extra table: a compound of float64 columns, with its labels as attributes.
void write_tables(hid_t file, const Recorder& rec) {
  for (const Table& t : rec.tables()) {
    const std::size_t n = t.columns.size();
    Handle type(H5Tcreate(H5T_COMPOUND, n * sizeof(double)), H5Tclose, "table type");
    for (std::size_t c = 0; c < n; ++c) {
      ok(H5Tinsert(type, t.columns[c].c_str(), c * sizeof(double), H5T_NATIVE_DOUBLE), t.columns[c].c_str());
    }
    table(file, t.name.c_str(), type, t.rows(), t.values.data());
    Handle ds(H5Dopen2(file, t.name.c_str(), H5P_DEFAULT), H5Dclose, t.name.c_str());
    for (const auto& [attribute, strings] : t.labels) string_array_attribute(ds, attribute.c_str(), strings);
  }
}

void write_file(const std::string& path, const Recorder& rec, const RunInfo& info) {
  Handle fcpl = no_times(H5P_FILE_CREATE);
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT), H5Fclose, path.c_str());
  {
    Handle meta = group(file, "meta");
    string_scalar(meta, "program_version", info.program_version);
    string_scalar(meta, "scenario", info.scenario);
    string_scalar(meta, "scenario_file", info.scenario_file);
    const auto seed = static_cast<std::int64_t>(info.seed);
    scalar(meta, "seed", H5T_NATIVE_INT64, &seed);
    scalar(meta, "wall_s", H5T_NATIVE_DOUBLE, &info.wall_s);
  }
  write_summary(file, rec.summary());
  write_events(file, rec);
  string_table(file, "names", rec.names());
  write_links(file, rec);
  write_memory(file, rec);
  write_counters(file, rec);
  write_tables(file, rec);
}

}  // namespace

void write_hdf5(const std::string& path, const Recorder& rec, const RunInfo& info) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions, not stderr dumps
  write_atomically(path, [&](const std::string& tmp) { write_file(tmp, rec, info); });
}

}  // namespace orrery::trace
