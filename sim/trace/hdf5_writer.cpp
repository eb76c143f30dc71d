// The HDF5 result file. Layout (DESIGN.md, scripts/RESULTS_LAYOUT.md):
// /meta, /summary, /events (chunked, compressed compound table), /names,
// /links, /memory, /counters and the policies' tables. /events and /counters
// grow a chunk at a time while the run goes (memory does not grow with the
// number of spans); the rest is written by finish(). Object modification times
// are switched off so that the same run gives the same bytes.
#include <fmt/format.h>
#include <hdf5.h>

#include <optional>
#include <type_traits>
#include <vector>

#include "sim/trace/atomic_file.hpp"
#include "sim/trace/hdf5_objects.hpp"
#include "sim/trace/writers.hpp"

namespace orrery::trace {

using h5::Handle;
using h5::ok;

namespace {

template <class Row>
Handle compound() {
  return Handle(H5Tcreate(H5T_COMPOUND, sizeof(Row)), H5Tclose, "compound type");
}

#define FIELD(type, Row, member, h5type) ok(H5Tinsert(type, #member, HOFFSET(Row, member), h5type), #member)

Handle span_type() {
  Handle t = compound<Span>();
  FIELD(t, Span, start, H5T_NATIVE_INT64);
  FIELD(t, Span, end, H5T_NATIVE_INT64);
  FIELD(t, Span, device, H5T_NATIVE_INT32);
  FIELD(t, Span, kind, H5T_NATIVE_INT8);
  FIELD(t, Span, name, H5T_NATIVE_INT32);
  FIELD(t, Span, micro_batch, H5T_NATIVE_INT32);
  FIELD(t, Span, stage, H5T_NATIVE_INT32);
  FIELD(t, Span, bytes, H5T_NATIVE_INT64);
  return t;
}

Handle counter_type() {
  Handle t = compound<CounterSample>();
  FIELD(t, CounterSample, time, H5T_NATIVE_INT64);
  FIELD(t, CounterSample, device, H5T_NATIVE_INT32);
  FIELD(t, CounterSample, name, H5T_NATIVE_INT32);
  FIELD(t, CounterSample, value, H5T_NATIVE_DOUBLE);
  return t;
}

void write_links(hid_t file, const Recorder& rec) {
  Handle t = compound<LinkRow>();
  FIELD(t, LinkRow, link, H5T_NATIVE_INT32);
  FIELD(t, LinkRow, src, H5T_NATIVE_INT32);
  FIELD(t, LinkRow, dst, H5T_NATIVE_INT32);
  FIELD(t, LinkRow, name, H5T_NATIVE_INT32);
  FIELD(t, LinkRow, busy, H5T_NATIVE_INT64);
  FIELD(t, LinkRow, bytes, H5T_NATIVE_INT64);
  h5::table(file, "links", t, rec.links().size(), rec.links().data());
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
  h5::table(file, "memory", t, rows.size(), rows.data());
}
#undef FIELD

void write_summary(hid_t file, const Summary& s) {
  Handle g = h5::group(file, "summary");
  for (const auto& [key, value] : s.entries()) {
    std::visit(
        [&, k = key.c_str()](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, double>) {
            h5::scalar(g, k, H5T_NATIVE_DOUBLE, &v);
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            h5::scalar(g, k, H5T_NATIVE_INT64, &v);
          } else if constexpr (std::is_same_v<T, std::string>) {
            h5::string_scalar(g, k, v);
          } else {
            const hsize_t dims[1] = {v.size()};
            Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, "array space");
            Handle dcpl = h5::no_times(H5P_DATASET_CREATE);
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
    h5::table(file, t.name.c_str(), type, t.rows(), t.values.data());
    Handle ds(H5Dopen2(file, t.name.c_str(), H5P_DEFAULT), H5Dclose, t.name.c_str());
    for (const auto& [attribute, strings] : t.labels) h5::string_array_attribute(ds, attribute.c_str(), strings);
  }
}

void write_meta(hid_t file, const RunInfo& info, const RecordSelection& recorded) {
  Handle meta = h5::group(file, "meta");
  h5::run_identity(meta, info);
  h5::scalar(meta, "wall_s", H5T_NATIVE_DOUBLE, &info.wall_s);
  h5::string_scalar(meta, "recorded", recorded.describe());
}

}  // namespace

// The open file and its growing tables, closed (in reverse order) before the rename.
struct Hdf5Writer::Open {
  explicit Open(const std::string& tmp)
      : file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, h5::no_times(H5P_FILE_CREATE), H5P_DEFAULT), H5Fclose, tmp.c_str()),
        events(file, "events", span_type(), sizeof(Span)),
        counters(file, "counters", counter_type(), sizeof(CounterSample)) {}
  Handle file;
  h5::AppendTable events;
  h5::AppendTable counters;
};

void hdf5_no_exit_cleanup() { (void)H5dont_atexit(); }

Hdf5Writer::Hdf5Writer(const std::string& path) : out_(std::make_unique<AtomicFile>(path)) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions, not stderr dumps
  open_ = std::make_unique<Open>(out_->temporary());
}

Hdf5Writer::~Hdf5Writer() = default;  // unfinished: the file is closed, then its temporary removed

void Hdf5Writer::span(const Span& s) { open_->events.append(&s); }

void Hdf5Writer::counter(const CounterSample& c) { open_->counters.append(&c); }

void Hdf5Writer::finish(const Recorder& rec, const RunInfo& info) {
  Open& f = *open_;
  f.events.flush();
  f.counters.flush();
  h5::string_array_attribute(f.events.dataset(), "kinds", rec.kinds());
  write_meta(f.file, info, rec.selection());
  write_summary(f.file, rec.summary());
  h5::string_table(f.file, "names", rec.names());
  write_links(f.file, rec);
  write_memory(f.file, rec);
  write_tables(f.file, rec);
  // Everything to the file now, so that a write error (a full disk) is seen:
  // HDF5 writes its metadata at close, whose status a destructor cannot report.
  const std::string what = fmt::format("'{}' (is the disk full?)", out_->path());
  h5::ok(H5Fflush(f.file, H5F_SCOPE_GLOBAL), what.c_str());
  open_.reset();  // closes the file
}

}  // namespace orrery::trace
