#include "authz/oauth_response.h"

#include <algorithm>
#include <boost/json.hpp>

namespace tollgate::authz {

namespace bhttp = boost::beast::http;

http::Response oauth_json(const http::Request& req, unsigned status, std::string body) {
  http::Response res{static_cast<bhttp::status>(status), req.version()};
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::cache_control, "no-store");
  res.set(bhttp::field::pragma, "no-cache");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

http::Response oauth_error(const http::Request& req, unsigned status, std::string_view error,
                           std::string_view description, std::chrono::seconds retry_after) {
  boost::json::object body{{"error", error}};
  if (!description.empty()) body["error_description"] = description;
  http::Response res = oauth_json(req, status, boost::json::serialize(body));
  if (status == 401) res.set(bhttp::field::www_authenticate, "Basic realm=\"tollgate\"");
  if (status == 503) res.set(bhttp::field::retry_after, "1");
  if (status == 429)
    res.set(bhttp::field::retry_after,
            std::to_string(std::max<std::int64_t>(1, retry_after.count())));
  return res;
}

http::Response oauth_server_error(unsigned status, std::string_view message) {
  http::Request req;
  req.version(11);
  req.keep_alive(false);
  return oauth_error(req, status, "invalid_request", message);
}

}  // namespace tollgate::authz
