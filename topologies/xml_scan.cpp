#include "topologies/xml_scan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace orrery::topo {

const XmlAttribute* XmlElement::attribute(std::string_view attribute_name) const {
  for (const XmlAttribute& a : attributes)
    if (a.name == attribute_name) return &a;
  return nullptr;
}

std::size_t XmlElement::text_offset(std::size_t i) const {
  // The last run that starts at or before i.
  auto it = std::upper_bound(text_runs.begin(), text_runs.end(), i,
                             [](std::size_t v, const auto& run) { return v < run.first; });
  if (it == text_runs.begin()) return 0;
  --it;
  return it->second + (i - it->first);
}

XmlDocument::XmlDocument(std::string text, std::string file, std::string key_path)
    : text_(std::move(text)), file_(std::move(file)), key_path_(std::move(key_path)) {
  index_lines();
}

void XmlDocument::index_lines() {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
}

SourceLocation XmlDocument::at(std::size_t offset) const {
  const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const auto line = static_cast<int>(it - line_starts_.begin());
  const std::size_t start = line_starts_[static_cast<std::size_t>(line - 1)];
  return SourceLocation{file_, line, static_cast<int>(offset - start) + 1};
}

ConfigError XmlDocument::error(std::size_t offset, const std::string& message) const {
  return ConfigError(at(offset), key_path_, message);
}

// The scan itself: one pass over the text with a stack of open elements.
class XmlScanner {
 public:
  explicit XmlScanner(XmlDocument& doc) : d_(doc), s_(doc.text_) {}

  void run() {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") p_ = 3;  // a UTF-8 byte order mark
    while (p_ < s_.size()) {
      if (s_[p_] != '<') {
        text();
      } else if (starts("<?")) {
        skip_past("?>", "a processing instruction");
      } else if (starts("<!--")) {
        skip_past("-->", "a comment");
      } else if (starts("<![CDATA[")) {
        cdata();
      } else if (starts("<!DOCTYPE")) {
        doctype();
      } else if (starts("</")) {
        end_tag();
      } else if (starts("<!")) {
        fail(p_, "'<!' starts neither a comment, a CDATA section nor a DOCTYPE");
      } else {
        start_tag();
      }
    }
    if (!open_.empty()) {
      const XmlElement& e = d_.elements_[static_cast<std::size_t>(open_.back())];
      const SourceLocation where = d_.at(e.offset);
      fail(s_.size(), fmt::format("the file ends inside <{}> (opened at line {}, column {})", e.name, where.line,
                                  where.column));
    }
    if (d_.elements_.empty()) fail(0, "no root element (is the file empty?)");
  }

 private:
  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    throw d_.error(at, "not well-formed XML: " + what);
  }
  [[nodiscard]] bool starts(std::string_view prefix) const { return s_.compare(p_, prefix.size(), prefix) == 0; }
  static bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  static bool name_start(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || c == '_' || c == ':' || u >= 0x80;
  }
  static bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }
  void skip_space() {
    while (p_ < s_.size() && space(s_[p_])) ++p_;
  }

  void skip_past(std::string_view end, std::string_view what) {
    const std::size_t close = s_.find(end, p_);
    if (close == std::string::npos) fail(p_, fmt::format("{} that is never closed ('{}')", what, end));
    p_ = close + end.size();
  }

  std::string name(std::string_view what) {
    const std::size_t start = p_;
    if (p_ >= s_.size() || !name_start(s_[p_])) fail(p_, fmt::format("expected {}", what));
    while (p_ < s_.size() && name_char(s_[p_])) ++p_;
    return s_.substr(start, p_ - start);
  }

  // Decodes the entity at p_ ('&'), appending it to `out`.
  void entity(std::string& out) {
    const std::size_t amp = p_;
    const std::size_t semi = s_.find(';', p_);
    if (semi == std::string::npos || semi - amp > 12) fail(amp, "'&' starts no entity (write '&amp;' for '&')");
    const std::string_view ref(s_.data() + amp + 1, semi - amp - 1);
    p_ = semi + 1;
    if (ref == "lt") return out.push_back('<');
    if (ref == "gt") return out.push_back('>');
    if (ref == "amp") return out.push_back('&');
    if (ref == "quot") return out.push_back('"');
    if (ref == "apos") return out.push_back('\'');
    if (ref.size() < 2 || ref[0] != '#') fail(amp, fmt::format("unknown entity '&{};'", ref));
    const bool hex = ref[1] == 'x';
    std::uint32_t cp = 0;
    const std::string_view digits = ref.substr(hex ? 2 : 1);
    if (digits.empty()) fail(amp, fmt::format("character reference '&{};' has no digits", ref));
    for (char c : digits) {
      int v = -1;
      if (c >= '0' && c <= '9') v = c - '0';
      if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
      if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
      if (v < 0 || cp > 0x10FFFF) fail(amp, fmt::format("bad character reference '&{};'", ref));
      cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
    }
    if (cp == 0 || cp > 0x10FFFF) fail(amp, fmt::format("bad character reference '&{};'", ref));
    append_utf8(out, cp);
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    const auto byte = [&out](std::uint32_t b) { out.push_back(static_cast<char>(b)); };
    if (cp < 0x80) {
      byte(cp);
    } else if (cp < 0x800) {
      byte(0xC0 | (cp >> 6));
      byte(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      byte(0xE0 | (cp >> 12));
      byte(0x80 | ((cp >> 6) & 0x3F));
      byte(0x80 | (cp & 0x3F));
    } else {
      byte(0xF0 | (cp >> 18));
      byte(0x80 | ((cp >> 12) & 0x3F));
      byte(0x80 | ((cp >> 6) & 0x3F));
      byte(0x80 | (cp & 0x3F));
    }
  }

  XmlElement* current() { return open_.empty() ? nullptr : &d_.elements_[static_cast<std::size_t>(open_.back())]; }

  void text() {
    XmlElement* e = current();
    if (e == nullptr) {
      if (!space(s_[p_])) fail(p_, "text outside the root element");
      ++p_;
      return;
    }
    e->text_runs.emplace_back(e->text.size(), p_);
    while (p_ < s_.size() && s_[p_] != '<') {
      if (s_[p_] == '&') {
        entity(e->text);
        e->text_runs.emplace_back(e->text.size(), p_);
      } else {
        e->text.push_back(s_[p_++]);
      }
    }
  }

  void cdata() {
    XmlElement* e = current();
    if (e == nullptr) fail(p_, "a CDATA section outside the root element");
    const std::size_t start = p_ + 9;
    const std::size_t close = s_.find("]]>", start);
    if (close == std::string::npos) fail(p_, "a CDATA section that is never closed (']]>')");
    e->text_runs.emplace_back(e->text.size(), start);
    e->text.append(s_, start, close - start);
    p_ = close + 3;
  }

  void doctype() {
    if (!d_.elements_.empty()) fail(p_, "a DOCTYPE after the root element");
    const std::size_t start = p_;
    while (p_ < s_.size() && s_[p_] != '>') {
      if (s_[p_] == '[') fail(p_, "a DOCTYPE with an internal subset (GraphML needs none)");
      ++p_;
    }
    if (p_ >= s_.size()) fail(start, "a DOCTYPE that is never closed ('>')");
    ++p_;
  }

  void end_tag() {
    const std::size_t start = p_;
    p_ += 2;
    const std::string n = name("an element name after '</'");
    skip_space();
    if (p_ >= s_.size() || s_[p_] != '>') fail(p_, fmt::format("expected '>' to end </{}>", n));
    ++p_;
    XmlElement* e = current();
    if (e == nullptr) fail(start, fmt::format("</{}> closes no element", n));
    if (e->name != n) {
      const SourceLocation where = d_.at(e->offset);
      fail(start, fmt::format("</{}> closes <{}> (opened at line {}, column {})", n, e->name, where.line,
                              where.column));
    }
    open_.pop_back();
  }

  void start_tag() {
    const std::size_t start = p_;
    ++p_;
    if (open_.empty() && !d_.elements_.empty()) fail(start, "a second root element");
    XmlElement e;
    e.offset = start;
    e.name = name("an element name after '<'");
    e.parent = open_.empty() ? -1 : open_.back();
    bool empty = false;
    while (true) {
      const std::size_t before = p_;
      skip_space();
      if (p_ >= s_.size()) fail(start, fmt::format("<{}> is never closed ('>')", e.name));
      if (s_[p_] == '>') {
        ++p_;
        break;
      }
      if (starts("/>")) {
        p_ += 2;
        empty = true;
        break;
      }
      if (p_ == before) fail(p_, "expected a space before the attribute");
      attribute(e);
    }
    const auto index = static_cast<int>(d_.elements_.size());
    if (e.parent >= 0) d_.elements_[static_cast<std::size_t>(e.parent)].children.push_back(index);
    d_.elements_.push_back(std::move(e));
    if (!empty) open_.push_back(index);
  }

  void attribute(XmlElement& e) {
    XmlAttribute a;
    a.offset = p_;
    a.name = name("an attribute name, '>' or '/>'");
    if (e.attribute(a.name) != nullptr) fail(a.offset, fmt::format("attribute '{}' given twice", a.name));
    skip_space();
    if (p_ >= s_.size() || s_[p_] != '=') fail(p_, fmt::format("expected '=' after attribute '{}'", a.name));
    ++p_;
    skip_space();
    if (p_ >= s_.size() || (s_[p_] != '"' && s_[p_] != '\'')) {
      fail(p_, fmt::format("the value of attribute '{}' must be quoted", a.name));
    }
    const char quote = s_[p_++];
    a.value_offset = p_;
    while (p_ < s_.size() && s_[p_] != quote) {
      if (s_[p_] == '<') fail(p_, fmt::format("'<' inside the value of attribute '{}'", a.name));
      if (s_[p_] == '&') {
        entity(a.value);
      } else {
        a.value.push_back(s_[p_++]);
      }
    }
    if (p_ >= s_.size()) fail(a.value_offset - 1, fmt::format("the value of attribute '{}' is never closed", a.name));
    ++p_;
    e.attributes.push_back(std::move(a));
  }

  XmlDocument& d_;
  const std::string& s_;
  std::size_t p_ = 0;
  std::vector<int> open_;
};

XmlDocument XmlDocument::scan(std::string text, std::string file, std::string key_path) {
  XmlDocument doc(std::move(text), std::move(file), std::move(key_path));
  XmlScanner(doc).run();
  return doc;
}

}  // namespace orrery::topo
