#include "sim/trace/table_file.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <stdexcept>

#include "sim/trace/atomic_file.hpp"
#include "sim/trace/hdf5_objects.hpp"

namespace orrery::trace {

using h5::Handle;

std::size_t Column::rows() const {
  return std::visit([](const auto& v) { return v.size(); }, values);
}

namespace {

void check_rows(const ColumnTable& t) {
  for (const Column& c : t.columns) {
    if (c.rows() != t.columns.front().rows()) {
      throw std::logic_error(fmt::format("table {}: column {} has {} rows, column {} has {}", t.group, c.name,
                                         c.rows(), t.columns.front().name, t.columns.front().rows()));
    }
  }
}

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void write_table_h5(const std::string& path, const ColumnTable& t, const RunInfo& info) {
  check_rows(t);
  AtomicFile out(path);
  {
    Handle file(H5Fcreate(out.temporary().c_str(), H5F_ACC_TRUNC, h5::no_times(H5P_FILE_CREATE), H5P_DEFAULT),
                H5Fclose, out.temporary().c_str());
    {
      Handle meta = h5::group(file, "meta");
      h5::run_identity(meta, info);
    }
    Handle g = h5::group(file, t.group.c_str());
    std::vector<std::string> names;
    for (const Column& c : t.columns) {
      names.push_back(c.name);
      if (const auto* d = std::get_if<std::vector<double>>(&c.values)) {
        h5::table(g, c.name.c_str(), H5T_NATIVE_DOUBLE, d->size(), d->data());
      } else if (const auto* i = std::get_if<std::vector<std::int64_t>>(&c.values)) {
        h5::table(g, c.name.c_str(), H5T_NATIVE_INT64, i->size(), i->data());
      } else {
        h5::string_table(g, c.name.c_str(), std::get<std::vector<std::string>>(c.values));
      }
    }
    h5::string_array_attribute(g, "columns", names);
    // A write error is seen here, not lost at close.
    const std::string what = fmt::format("'{}' (is the disk full?)", path);
    h5::ok(H5Fflush(file, H5F_SCOPE_GLOBAL), what.c_str());
  }
  out.commit();
}

void write_table_csv(const std::string& path, const ColumnTable& t) {
  check_rows(t);
  AtomicFile out(path);
  {
    std::ofstream f(out.temporary(), std::ios::binary);
    for (std::size_t k = 0; k < t.columns.size(); ++k) f << (k ? "," : "") << csv_text(t.columns[k].name);
    f << "\n";
    const std::size_t rows = t.columns.empty() ? 0 : t.columns.front().rows();
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t k = 0; k < t.columns.size(); ++k) {
        if (k) f << ",";
        const auto& v = t.columns[k].values;
        if (const auto* d = std::get_if<std::vector<double>>(&v)) {
          f << (std::isnan((*d)[r]) ? std::string("nan") : fmt::format("{}", (*d)[r]));
        } else if (const auto* i = std::get_if<std::vector<std::int64_t>>(&v)) {
          f << (*i)[r];
        } else {
          f << csv_text(std::get<std::vector<std::string>>(v)[r]);
        }
      }
      f << "\n";
    }
    f.flush();
    if (!f) throw std::runtime_error(fmt::format("cannot write {}", path));
  }
  out.commit();
}

}  // namespace orrery::trace
