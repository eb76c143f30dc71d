#include "sim/trace/hdf5_objects.hpp"
#include "sim/trace/writers.hpp"

#include <fmt/format.h>

#include <sched.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

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
  if (rows >= 64 && H5Tget_class(type) == H5T_COMPOUND) {
    // A table of rows: chunks deflated on the workers, as the run's own tables are.
    const std::size_t size = H5Tget_size(type);
    AppendTable t(parent, name, Handle(H5Tcopy(type), H5Tclose, "table type"), size);
    const auto* row = static_cast<const char*>(data);
    for (std::size_t i = 0; i < rows; ++i, row += size) t.append(row);
    t.flush();
    return;
  }
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
  if (v.empty()) return;  // an empty list: the attribute has no element to write (HDF5 refuses a null buffer)
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

namespace {

Handle packed_copy(hid_t type) {
  Handle t(H5Tcopy(type), H5Tclose, "packed type");
  ok(H5Tpack(t), "packed type");
  return t;
}

}  // namespace

AppendTable::AppendTable(hid_t parent, const char* name, Handle type, std::size_t row_size)
    : type_(packed_copy(type)),
      ds_(create_table(parent, name, type_, 0, kChunkRows, true)),
      packed_size_(H5Tget_size(type_)) {
  // Each member's place in the C++ row and in the packed row, merged into
  // runs where both are contiguous.
  const int members = H5Tget_nmembers(type);
  if (members < 0) throw std::runtime_error("HDF5: an appendable table needs a compound type");
  for (int i = 0; i < members; ++i) {
    const auto u = static_cast<unsigned>(i);
    Handle member(H5Tget_member_type(type, u), H5Tclose, "member type");
    const std::size_t memory = H5Tget_member_offset(type, u);
    const std::size_t file = H5Tget_member_offset(type_, u);
    const std::size_t size = H5Tget_size(member);
    if (memory + size > row_size) throw std::logic_error("HDF5: a table member lies outside its row");
    if (!runs_.empty() && runs_.back().memory + runs_.back().size == memory &&
        runs_.back().file + runs_.back().size == file) {
      runs_.back().size += size;
    } else {
      runs_.push_back({memory, file, size});
    }
  }
  buffer_.reserve(kChunkRows * packed_size_);
}

AppendTable::~AppendTable() {
  // A run that ends by an exception: let the workers finish before their buffers go.
  for (Pending& p : pending_) {
    if (p.compressed.valid()) p.compressed.wait();
  }
}

namespace {

// HDF5's shuffle filter (byte j of every element, then byte j + 1...), then
// its deflate filter (zlib's compress2 at the dataset's level 1).
std::vector<unsigned char> shuffle_deflate(const std::vector<char>& chunk, std::size_t element) {
  const std::size_t n = chunk.size() / element;
  std::vector<unsigned char> shuffled(chunk.size());
  for (std::size_t j = 0; j < element; ++j) {
    unsigned char* to = shuffled.data() + j * n;
    const char* from = chunk.data() + j;
    for (std::size_t i = 0; i < n; ++i) to[i] = static_cast<unsigned char>(from[i * element]);
  }
  uLongf size = compressBound(static_cast<uLong>(shuffled.size()));
  std::vector<unsigned char> out(size);
  if (compress2(out.data(), &size, shuffled.data(), static_cast<uLong>(shuffled.size()), 1) != Z_OK) {
    throw std::runtime_error("zlib: cannot compress a table chunk");
  }
  out.resize(size);
  return out;
}

// The cores this process may run on (its CPU affinity, which a container's
// cpuset or taskset narrows; hardware_concurrency counts the whole machine).
unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
  return std::max(1U, std::thread::hardware_concurrency());
}

// The threads that shuffle and deflate every table's chunks, in the order
// given, for the whole process: the usable cores but the run's own, at least
// one and at most kMaxThreads (one core deflates about as fast as a run
// reports spans; more would only take time from the run where a CPU quota,
// which affinity does not show, shares few cores). A thread per chunk, as
// std::async starts, would take the run's core by the scheduler's fair share
// whenever a backlog of chunks waits: 1/n of a core with n chunks in flight.
class Deflaters {
 public:
  static constexpr unsigned kMaxThreads = 2;
  static Deflaters& instance() {
    static Deflaters d;  // joined at exit, after every table has drained
    return d;
  }
  std::future<std::vector<unsigned char>> submit(std::vector<char> chunk, std::size_t element) {
    std::packaged_task<std::vector<unsigned char>()> job(
        [chunk = std::move(chunk), element] { return shuffle_deflate(chunk, element); });
    auto done = job.get_future();
    {
      const std::lock_guard lock(mutex_);
      if (!started_) {
        started_ = true;
        const unsigned n = std::clamp(usable_cores() - 1, 1U, kMaxThreads);
        try {
          for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
        } catch (const std::system_error&) {  // no thread to be had: the caller compresses
        }
      }
      if (!threads_.empty()) jobs_.push_back(std::move(job));
    }
    if (job.valid()) {
      job();  // no worker: compressed here, at once
    } else {
      ready_.notify_one();
    }
    return done;
  }
  // Runs the oldest waiting job on the calling thread; false when none waits.
  // (The thread that owns the file helps while it waits for the last chunks.)
  bool run_one() {
    std::packaged_task<std::vector<unsigned char>()> job;
    {
      const std::lock_guard lock(mutex_);
      if (jobs_.empty()) return false;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
    return true;
  }
  Deflaters(const Deflaters&) = delete;
  Deflaters& operator=(const Deflaters&) = delete;
  ~Deflaters() {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    ready_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  Deflaters() = default;
  void work() {
    for (;;) {
      std::packaged_task<std::vector<unsigned char>()> job;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (stop_) return;  // at exit; a job left unrun tells its waiter broken_promise
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();  // an exception (zlib's) reaches the waiter
    }
  }
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::packaged_task<std::vector<unsigned char>()>> jobs_;
  std::vector<std::thread> threads_;
  bool started_ = false;
  bool stop_ = false;
};

}  // namespace

void AppendTable::submit() {
  const hsize_t n = buffer_.size() / packed_size_;
  if (n == 0) return;
  buffer_.resize(kChunkRows * packed_size_, 0);  // the last chunk, padded: rows past the extent are never read
  Pending p;
  p.first_row = rows_;
  p.compressed = Deflaters::instance().submit(std::move(buffer_), packed_size_);
  pending_.push_back(std::move(p));
  rows_ += n;
  buffer_ = {};
  buffer_.reserve(kChunkRows * packed_size_);
  const hsize_t size[1] = {rows_};
  ok(H5Dset_extent(ds_, size), "table rows");
  drain(false);
}

void AppendTable::drain(bool all) {
  // A fixed lag (kInFlight), not "whatever is ready": the file's bytes
  // (where HDF5 allocates each chunk) depend on the order of its calls, which
  // must not depend on the workers' timing.
  while (!pending_.empty() && (all || pending_.size() > kInFlight)) {
    Pending& p = pending_.front();
    if (all) {  // nothing else to do: compress beside the workers
      while (p.compressed.wait_for(std::chrono::seconds(0)) != std::future_status::ready &&
             Deflaters::instance().run_one()) {
      }
    }
    const std::vector<unsigned char> bytes = p.compressed.get();
    const hsize_t offset[1] = {p.first_row};
    ok(H5Dwrite_chunk(ds_, H5P_DEFAULT, 0, offset, bytes.size(), bytes.data()), "table rows");
    pending_.pop_front();
  }
}

void AppendTable::flush() {
  submit();
  drain(true);
}

}  // namespace orrery::trace::h5
