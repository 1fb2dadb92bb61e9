// test_support.h — fixtures shared by the authz unit tests (not part of the library).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "catalog/yaml_util.h"
#include "http/form.h"
#include "http/server.h"

namespace tollgate::authz::testing {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("tollgate_authz_test_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Two products with different lifetimes and audiences; two partners, one of
// which has contracted only sim-swap.
inline constexpr std::string_view kTestCatalog = R"(
products:
  sim-swap:
    scopes: [sim-swap, sim-swap:check, sim-swap:retrieve-date]
    audience: https://api.tollgate.example/sim-swap
    token_lifetime: 15m
  location:
    scopes: [location-verification:verify]
    audience: https://api.tollgate.example/location
    token_lifetime: 5m
tiers:
  gold: { rate: 500/s }
  bronze: { rate: 10/s }
partners:
  demo-partner: { tier: gold, products: [sim-swap, location] }
  small-partner: { tier: bronze, products: [sim-swap] }
)";

inline std::shared_ptr<const catalog::Catalog> test_catalog() {
  return catalog::Catalog::from_yaml(catalog::load_string(std::string(kTestCatalog)));
}

// Standard (padded) base64, as HTTP Basic uses.
inline std::string base64_std(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// "Basic base64(urlencode(id):urlencode(secret))" per RFC 6749 §2.3.1.
inline std::string basic(std::string_view id, std::string_view secret) {
  return "Basic " + base64_std(http::url_encode(id) + ":" + http::url_encode(secret));
}

inline http::Request make_request(
    boost::beast::http::verb method, std::string_view target, std::string body = {},
    std::string_view content_type = "application/x-www-form-urlencoded") {
  http::Request req{method, target, 11};
  req.set(boost::beast::http::field::host, "127.0.0.1");
  if (!body.empty() || method == boost::beast::http::verb::post) {
    if (!content_type.empty()) req.set(boost::beast::http::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
  }
  return req;
}

inline http::ConnectionInfo test_connection() {
  http::ConnectionInfo info;
  info.remote = {boost::asio::ip::make_address("127.0.0.1"), 40000};
  info.local = {boost::asio::ip::make_address("127.0.0.1"), 9000};
  return info;
}

}  // namespace tollgate::authz::testing
