// HttpTransport over libcurl (Debian 12: curl 7.88), with requests signed by curl's own AWS
// Signature V4 (CURLOPT_AWS_SIGV4): the project never computes a signature itself.
//
// Policy: TLS is verified unless `verify_tls` is false; `ca_file`/`ca_path` replace the system's
// CA store. Each perform() uses its own easy handle, so several threads may call it at once (a
// dump being written while the API lists dumps). A connection that makes no progress for
// `stall_seconds` is given up, so an S3 outage ends a request instead of hanging it.
//
// curl 7.88's SigV4 has quirks the callers and this file respect: it signs the query string as
// given (the caller sorts it), it adds x-amz-date itself (never pass one), it signs the
// x-amz-content-sha256 header when present (we send UNSIGNED-PAYLOAD) and an empty `Expect:`
// header breaks the signature (so curl's own Expect: 100-continue is left alone).
#pragma once

#include <memory>
#include <string>

#include "supervisor/storage/http_transport.h"

namespace pgbr {

struct CurlOptions {
  std::string region = {};  // signs as "aws:amz:<region>:s3"
  std::string access_key = {};
  std::string secret_key = {};
  std::string ca_file = {};
  std::string ca_path = {};
  bool verify_tls = true;
  long connect_seconds = 10;
  long stall_seconds = 60;
};

std::unique_ptr<HttpTransport> makeCurlTransport(const CurlOptions& options);

}  // namespace pgbr
