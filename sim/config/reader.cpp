#include "sim/config/reader.hpp"

#include <filesystem>

#include <algorithm>

#include "sim/core/suggest.hpp"

namespace orrery::config {

Reader::Reader(const Document& doc, YAML::Node node, std::string path, YAML::Node resolved)
    : doc_(&doc), path_(std::move(path)) {
  node_.reset(node);
  out_.reset(resolved);
}

Reader::Reader(std::vector<KeyDoc>* docs) : docs_(docs) {}

std::string Reader::key_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

YAML::Node Reader::find(std::string_view key) const {
  const YAML::Node& self = node_;  // const access never inserts a key
  if (!self.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node n = self[std::string(key)];
  if (!n.IsDefined() || n.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  return n;
}

bool Reader::has(std::string_view key) const { return !describing() && find(key); }

SourceLocation Reader::where(std::string_view key) const {
  if (describing()) return {};
  const YAML::Node n = find(key);
  if (n) return doc_->location(n, key_path(key));
  return doc_->location(node_, path_);
}

void Reader::check(bool ok, std::string_view key, std::string_view message) const {
  if (!ok && !describing()) fail(key, message);
}

void Reader::fail(std::string_view key, std::string_view message) const {
  throw ConfigError(where(key), key.empty() ? path_ : key_path(key), std::string(message));
}

void Reader::note(std::string_view key, std::string type, bool required, std::string default_value,
                  std::string_view help) {
  if (!docs_) return;
  docs_->push_back(KeyDoc{std::string(key), std::move(type), required, std::move(default_value), std::string(help), {}});
}

std::string Reader::choice(std::string_view key, std::span<const std::string> valid,
                           std::optional<std::string> fallback, std::string_view help) {
  known_.emplace_back(key);
  if (describing()) {
    note(key, fmt::format("one of: {}", join(valid, ", ")), !fallback, fallback.value_or(""), help);
    return fallback.value_or(valid.empty() ? std::string() : valid.front());
  }
  const YAML::Node n = find(key);
  if (!n && !fallback) fail(key, fmt::format("missing required key '{}' ({})", key, help));
  std::string v = n ? parse_at<std::string>(key, n) : *fallback;
  if (std::find(valid.begin(), valid.end(), v) == valid.end()) {
    std::string msg = fmt::format("unknown value '{}'", v);
    if (auto near = nearest(v, valid)) msg += fmt::format("; did you mean '{}'?", *near);
    fail(key, msg + "; valid: " + join(valid, ", "));
  }
  out_[std::string(key)] = v;
  return v;
}

void Reader::section(std::string_view key, std::string_view help, bool required,
                     const std::function<void(Reader&)>& body) {
  known_.emplace_back(key);
  if (describing()) {
    docs_->push_back(KeyDoc{std::string(key), "section", required, "", std::string(help), {}});
    std::vector<KeyDoc> inner;
    Reader child(&inner);
    child.limits_ = limits_;
    body(child);
    docs_->back().children = std::move(inner);
    return;
  }
  YAML::Node n = find(key);
  if (!n && required) fail(key, fmt::format("missing required section '{}' ({})", key, help));
  if (n && !n.IsMap()) {
    throw ConfigError(doc_->location(n, key_path(key)), key_path(key),
                      fmt::format("expected a mapping of keys to values, found {}", detail::describe_node(n)));
  }
  YAML::Node out(YAML::NodeType::Map);
  out_[std::string(key)] = out;
  Reader child(*doc_, n ? n : YAML::Node(YAML::NodeType::Map), key_path(key), out_[std::string(key)]);
  child.limits_ = limits_;
  body(child);
  child.finish();
}

void Reader::list(std::string_view key, std::string_view help, bool required,
                  const std::function<void(Reader&, std::size_t)>& body) {
  known_.emplace_back(key);
  if (describing()) {
    docs_->push_back(KeyDoc{std::string(key), "list of sections", required, "", std::string(help), {}});
    std::vector<KeyDoc> inner;
    Reader child(&inner);
    child.limits_ = limits_;
    body(child, 0);
    docs_->back().children = std::move(inner);
    return;
  }
  const YAML::Node n = find(key);
  if (!n && required) fail(key, fmt::format("missing required list '{}' ({})", key, help));
  if (n && !n.IsSequence()) {
    throw ConfigError(doc_->location(n, key_path(key)), key_path(key),
                      fmt::format("expected a list of mappings, found {}", detail::describe_node(n)));
  }
  out_[std::string(key)] = YAML::Node(YAML::NodeType::Sequence);
  if (!n) return;
  YAML::Node out = out_[std::string(key)];
  for (std::size_t i = 0; i < n.size(); ++i) {
    const YAML::Node item = n[i];
    const std::string path = fmt::format("{}[{}]", key_path(key), i);
    if (!item.IsMap()) {
      throw ConfigError(doc_->location(item, path), path,
                        fmt::format("expected a mapping of keys to values, found {}", detail::describe_node(item)));
    }
    out.push_back(YAML::Node(YAML::NodeType::Map));
    Reader child(*doc_, item, path, out[i]);
    child.limits_ = limits_;
    body(child, i);
    child.finish();
  }
}

const Limits& Reader::limits() const {
  static const Limits kDefaults;
  return limits_ ? *limits_ : kDefaults;
}

std::string Reader::file() const { return doc_ ? doc_->file() : std::string(); }

std::string Reader::beside_file(const std::string& path) const {
  std::filesystem::path full(path);
  if (full.is_relative()) full = std::filesystem::path(file()).parent_path() / full;
  return full.string();
}

void Reader::finish() const {
  if (describing() || !node_.IsMap()) return;
  doc_->record_known(path_, known_);
  for (const auto& kv : node_) {
    const std::string k = kv.first.Scalar();
    if (std::find(known_.begin(), known_.end(), k) != known_.end()) continue;
    std::string msg = path_.empty() ? fmt::format("unknown top-level key '{}'", k) : fmt::format("unknown key '{}'", k);
    if (auto near = nearest(k, known_)) {
      msg += fmt::format("; did you mean '{}'?", *near);
    } else if (const std::string elsewhere = doc_->section_knowing(k, path_); !elsewhere.empty()) {
      msg += fmt::format("; '{}' is a key of another section: did you mean '{}'?", k, elsewhere);
    }
    std::vector<std::string> valid;
    for (const auto& key : known_)
      if (std::find(valid.begin(), valid.end(), key) == valid.end()) valid.push_back(key);
    msg += fmt::format("; valid: {}", join(valid, ", "));
    throw ConfigError(doc_->location(kv.first, key_path(k)), path_.empty() ? k : path_, msg);
  }
}

}  // namespace orrery::config
