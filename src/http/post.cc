#include "http/post.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>
#include <optional>

namespace tollgate::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Result = std::expected<PostResult, std::string>;

constexpr std::size_t kMaxResponseHeaderBytes = 16 * 1024;

struct Target {
  bool tls = false;
  std::string host;  // name, or address text without brackets
  std::uint16_t port = 0;
  std::string target;
  std::string host_header;
};

std::expected<Target, std::string> parse_url(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return std::unexpected("bad url: " + parsed.error().message());
  const boost::urls::url_view u = *parsed;
  Target t;
  if (u.scheme_id() == boost::urls::scheme::https) {
    t.tls = true;
    t.port = 443;
  } else if (u.scheme_id() == boost::urls::scheme::http) {
    t.port = 80;
  } else {
    return std::unexpected(std::string("bad url: unsupported scheme"));
  }
  if (u.has_userinfo()) return std::unexpected(std::string("bad url: userinfo not allowed"));
  if (u.host_type() == boost::urls::host_type::ipv4) {
    t.host = u.host_ipv4_address().to_string();
  } else if (u.host_type() == boost::urls::host_type::ipv6) {
    t.host = u.host_ipv6_address().to_string();
  } else if (u.host_type() == boost::urls::host_type::name && !u.encoded_host().empty()) {
    t.host = u.host_name();
  } else {
    return std::unexpected(std::string("bad url: missing or unsupported host"));
  }
  if (u.has_port()) {
    if (u.port().empty() || u.port_number() == 0)
      return std::unexpected(std::string("bad url: bad port"));
    t.port = u.port_number();
  }
  t.target = u.encoded_path().empty() ? std::string("/") : std::string(u.encoded_path());
  if (u.has_query()) t.target += "?" + std::string(u.encoded_query());
  t.host_header = u.host_type() == boost::urls::host_type::ipv6 ? "[" + t.host + "]" : t.host;
  if (t.port != (t.tls ? 443 : 80)) t.host_header += ":" + std::to_string(t.port);
  return t;
}

bool header_value_ok(std::string_view v) {
  return v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The endpoints of `host` the guard allows, or why there are none.
asio::awaitable<std::vector<tcp::endpoint>> resolve(tcp::resolver& resolver, const Target& t,
                                                    const PostOptions& options, std::string& why) {
  std::vector<tcp::endpoint> out;
  boost::system::error_code ec;
  auto literal = asio::ip::make_address(t.host, ec);
  std::vector<tcp::endpoint> all;
  if (!ec) {
    all.emplace_back(literal, t.port);
  } else {
    auto results =
        co_await resolver.async_resolve(t.host, std::to_string(t.port), asio::use_awaitable);
    for (const auto& r : results) all.push_back(r.endpoint());
  }
  for (const auto& e : all) {
    if (options.allow_address && !options.allow_address(e.address())) {
      why = "address not allowed: " + e.address().to_string();
      continue;
    }
    out.push_back(e);
  }
  if (out.empty() && why.empty()) why = "resolve: no addresses";
  co_return out;
}

template <class Stream>
asio::awaitable<PostResult> exchange(Stream& stream, const Target& t, std::string body,
                                     const PostOptions& options) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, t.target, 11};
  req.set(bhttp::field::host, t.host_header);
  req.set(bhttp::field::user_agent, "tollgate");
  req.set(bhttp::field::content_type, options.content_type);
  req.set(bhttp::field::accept, "application/json");
  for (const auto& [name, value] : options.headers) req.set(name, value);
  req.keep_alive(false);
  req.body() = std::move(body);
  req.prepare_payload();
  co_await bhttp::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxResponseHeaderBytes);
  parser.body_limit(options.max_response_body);
  co_await bhttp::async_read(stream, buffer, parser, asio::use_awaitable);
  co_return PostResult{parser.get().result_int(), std::move(parser.get().body())};
}

asio::awaitable<Result> run(asio::io_context& ioc, Target t, std::string body,
                            const PostOptions& options) {
  std::string stage = "resolve";
  try {
    tcp::resolver resolver(ioc);
    std::string why;
    auto endpoints = co_await resolve(resolver, t, options, why);
    if (endpoints.empty()) co_return std::unexpected(why);
    stage = "connect";
    if (!t.tls) {
      beast::tcp_stream stream(ioc);
      co_await stream.async_connect(endpoints, asio::use_awaitable);
      stage = "http";
      auto r = co_await exchange(stream, t, std::move(body), options);
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      co_return r;
    }
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1);
    ctx.set_default_verify_paths();
    if (!options.ca_file.empty()) ctx.load_verify_file(options.ca_file);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    stream.set_verify_callback(asio::ssl::host_name_verification(t.host));
    boost::system::error_code ec;
    (void)asio::ip::make_address(t.host, ec);
    if (ec && !SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str()))
      co_return std::unexpected(std::string("tls: cannot set SNI"));
    co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
    stage = "tls";
    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    stage = "http";
    auto r = co_await exchange(stream, t, std::move(body), options);
    co_return r;  // no TLS close_notify wait: the response is complete (Connection: close)
  } catch (const boost::system::system_error& e) {
    co_return std::unexpected(stage + ": " + e.code().message());
  } catch (const std::exception& e) {
    co_return std::unexpected(stage + ": " + std::string(e.what()));
  }
}

bool in_v4(const asio::ip::address_v4& a, std::uint32_t net, int bits) {
  const std::uint32_t mask = bits == 0 ? 0 : 0xFFFFFFFFu << (32 - bits);
  return (a.to_uint() & mask) == (net & mask);
}

}  // namespace

bool is_public_address(const asio::ip::address& address) {
  if (address.is_v6()) {
    const auto a = address.to_v6();
    if (a.is_v4_mapped())
      return is_public_address(asio::ip::make_address_v4(asio::ip::v4_mapped, a));
    if (a.is_loopback() || a.is_unspecified() || a.is_multicast() || a.is_link_local() ||
        a.is_site_local())
      return false;
    const auto b = a.to_bytes();
    if ((b[0] & 0xFE) == 0xFC) return false;  // fc00::/7 unique local
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
      return false;  // 2001:db8::/32
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)
      return false;  // 64:ff9b::/96 NAT64
    return true;
  }
  const auto a = address.to_v4();
  static constexpr std::pair<std::uint32_t, int> kBlocked[] = {
      {0x00000000, 8},  {0x0A000000, 8},  {0x64400000, 10}, {0x7F000000, 8},  {0xA9FE0000, 16},
      {0xAC100000, 12}, {0xC0000000, 24}, {0xC0000200, 24}, {0xC0A80000, 16}, {0xC6120000, 15},
      {0xC6336400, 24}, {0xCB007100, 24}, {0xE0000000, 4},  {0xF0000000, 4},
  };
  for (const auto& [net, bits] : kBlocked)
    if (in_v4(a, net, bits)) return false;
  return true;
}

std::expected<PostResult, std::string> post_json(std::string_view url, std::string body,
                                                 const PostOptions& options) {
  auto target = parse_url(url);
  if (!target) return std::unexpected(target.error());
  if (!header_value_ok(options.content_type)) return std::unexpected(std::string("bad header"));
  for (const auto& [name, value] : options.headers)
    if (name.empty() || !header_value_ok(name) || !header_value_ok(value))
      return std::unexpected(std::string("bad header"));
  try {
    asio::io_context ioc;
    std::optional<Result> result;
    asio::co_spawn(ioc, run(ioc, std::move(*target), std::move(body), options),
                   [&result](std::exception_ptr e, Result r) {
                     if (e) {
                       result = std::unexpected(std::string("internal error"));
                     } else {
                       result = std::move(r);
                     }
                   });
    ioc.run_for(options.timeout);
    if (!result) return std::unexpected(std::string("timeout"));
    return std::move(*result);
  } catch (const std::exception& e) {
    return std::unexpected(std::string("post: ") + e.what());
  }
}

}  // namespace tollgate::http
