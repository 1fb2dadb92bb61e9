#include "gateway/access_log.h"

#include "http/log.h"

namespace tollgate::gateway {

boost::json::object to_json(const AccessRecord& r) {
  boost::json::object o;
  o["method"] = r.method;
  o["path"] = r.path;
  o["status"] = r.status;
  o["reason"] = r.reason;
  if (!r.client_id.empty()) o["client_id"] = r.client_id;
  if (!r.jti.empty()) o["jti"] = r.jti;
  if (!r.product.empty()) o["product"] = r.product;
  if (r.upstream_ms) o["upstream_ms"] = *r.upstream_ms;
  o["total_ms"] = r.total_ms;
  o["correlator"] = r.correlator;
  return o;
}

void write_access_log(const AccessRecord& record) { http::log_json("access", to_json(record)); }

}  // namespace tollgate::gateway
