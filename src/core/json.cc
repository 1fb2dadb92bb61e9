// json.cc — strict JSON object parsing (see json.h).
//
// A boost::json::basic_parser SAX handler builds the document itself so that it
// can see every member name as it arrives: boost::json::object silently keeps
// one of two duplicate keys, so duplicates must be caught before insertion.
// The parser already refuses invalid UTF-8 (allow_invalid_utf8 = false),
// comments, trailing commas and non-finite numbers.
#include "core/json.h"

#include <boost/json/basic_parser_impl.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace tollgate::core {
namespace {

namespace json = boost::json;

class BuildHandler {
 public:
  static constexpr std::size_t max_object_size = 4096;
  static constexpr std::size_t max_array_size = 65536;
  static constexpr std::size_t max_key_size = 4096;
  static constexpr std::size_t max_string_size = 1 << 20;

  static constexpr std::size_t kInitialObjectCapacity = 12;

  BuildHandler() { stack_.reserve(kMaxJsonDepth); }

  std::optional<JsonError> failure;  // set when this handler stopped the parse
  json::value root;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }

  bool on_object_begin(json::error_code& ec) {
    // JOSE headers and JWT payloads have a handful to a dozen members: one
    // allocation up front instead of several while the object grows.
    json::object obj;
    obj.reserve(kInitialObjectCapacity);
    return open(std::move(obj), ec);
  }
  bool on_object_end(std::size_t, json::error_code& ec) { return close(ec); }
  bool on_array_begin(json::error_code& ec) { return open(json::array(), ec); }
  bool on_array_end(std::size_t, json::error_code& ec) { return close(ec); }

  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    buf_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    json::string_view key = s;
    if (!buf_.empty()) {
      buf_.append(s.data(), s.size());
      key = buf_;
    }
    // Insert the member now with a null placeholder: a second insertion of the
    // same name is the duplicate. The slot stays valid until its value arrives,
    // because nothing else is inserted into this object before then.
    auto [it, inserted] = stack_.back().value.get_object().emplace(key, nullptr);
    buf_.clear();
    if (!inserted) return fail(JsonError::kDuplicateMember, ec);
    stack_.back().slot = &it->value();
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    buf_.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
    if (buf_.empty()) return emit(json::value(s), ec);
    buf_.append(s.data(), s.size());
    json::value v(buf_);
    buf_.clear();
    return emit(std::move(v), ec);
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code& ec) { return emit(i, ec); }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code& ec) { return emit(u, ec); }
  bool on_double(double d, json::string_view, json::error_code& ec) { return emit(d, ec); }
  bool on_bool(bool b, json::error_code& ec) { return emit(b, ec); }
  bool on_null(json::error_code& ec) { return emit(nullptr, ec); }
  bool on_comment_part(json::string_view, json::error_code&) { return false; }
  bool on_comment(json::string_view, json::error_code&) { return false; }

 private:
  struct Frame {
    json::value value;            // an object or an array under construction
    json::value* slot = nullptr;  // object: the member whose value comes next
  };

  bool fail(JsonError e, json::error_code& ec) {
    failure = e;
    ec = json::make_error_code(json::error::syntax);  // any failure code stops the parser
    return false;
  }

  bool open(json::value container, json::error_code& ec) {
    if (stack_.size() >= static_cast<std::size_t>(kMaxJsonDepth)) {
      return fail(JsonError::kTooDeep, ec);
    }
    stack_.push_back(Frame{std::move(container), nullptr});
    return true;
  }

  bool close(json::error_code& ec) {
    json::value done = std::move(stack_.back().value);
    stack_.pop_back();
    return emit(std::move(done), ec);
  }

  bool emit(json::value v, json::error_code&) {
    if (stack_.empty()) {
      root = std::move(v);
      return true;
    }
    Frame& top = stack_.back();
    if (top.value.is_object()) {
      *top.slot = std::move(v);
      top.slot = nullptr;
    } else {
      top.value.get_array().push_back(std::move(v));
    }
    return true;
  }

  std::vector<Frame> stack_;
  std::string buf_;
};

}  // namespace

std::expected<boost::json::object, JsonError> parse_strict_object(std::string_view text) {
  try {
    json::parse_options opts;
    opts.max_depth = static_cast<std::size_t>(kMaxJsonDepth) + 8;  // our handler enforces the real limit
    opts.allow_comments = false;
    opts.allow_trailing_commas = false;
    opts.allow_invalid_utf8 = false;
    json::basic_parser<BuildHandler> parser(opts);
    json::error_code ec;
    const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
    BuildHandler& h = parser.handler();
    if (h.failure) return std::unexpected(*h.failure);
    if (ec || used != text.size() || !parser.done()) return std::unexpected(JsonError::kSyntax);
    json::object* obj = h.root.if_object();
    if (obj == nullptr) return std::unexpected(JsonError::kNotObject);
    return std::move(*obj);
  } catch (...) {
    // Allocation failure or a limit of the parser: treat as unparseable input.
    return std::unexpected(JsonError::kSyntax);
  }
}

std::optional<std::string_view> get_string(const boost::json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) return std::nullopt;
  const json::string* s = v->if_string();
  if (s == nullptr) return std::nullopt;
  return std::string_view(s->data(), s->size());
}

std::optional<std::int64_t> get_int(const boost::json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (const std::int64_t* i = v->if_int64()) return *i;
  if (const std::uint64_t* u = v->if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(*u);
    }
    return std::nullopt;
  }
  if (const double* d = v->if_double()) {
    // -2^63 <= d < 2^63, finite, no fractional part.
    if (!std::isfinite(*d) || std::trunc(*d) != *d) return std::nullopt;
    if (*d < -9223372036854775808.0 || *d >= 9223372036854775808.0) return std::nullopt;
    return static_cast<std::int64_t>(*d);
  }
  return std::nullopt;
}

}  // namespace tollgate::core
