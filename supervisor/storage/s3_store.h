// The object store of an S3 repository: objects under a key prefix of one bucket (pgBackRest's
// repo path, then dumps/<stanza>/), spoken to through an HttpTransport (curl_transport.h in
// production, a fake in the unit tests).
//
// Policy:
// - Writes stream. Bytes gather in one part buffer (part_size, 8 MiB by default, so memory stays
//   flat whatever the object's size); an object that fits in one part is sent with a single PUT
//   at commit, a larger one as a multipart upload begun when the first part fills. A writer
//   destroyed without a successful commit aborts its multipart upload (AbortMultipartUpload), so
//   no invisible parts stay billed in the bucket. An object appears only when commit() succeeds.
// - Reads stream a GET into the sink; list() pages through ListObjectsV2 with continuation tokens
//   (XML parsed by libxml2); size() is a HEAD; remove() a DELETE (a missing key is success).
// - Transient failures (no answer, HTTP 500/502/503/504) are retried a few times with a growing
//   delay, as pgBackRest does; a read only until its first byte reached the sink.
// - Errors are one line naming the operation, the object and S3's own code and message; the
//   secret key is removed from any text before it is returned (defence in depth: the transport
//   never hands it out).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "supervisor/storage/http_transport.h"
#include "supervisor/storage/object_store.h"

namespace pgbr {

struct S3Location {
  std::string endpoint = {};  // host name (or address) of the S3 service, no scheme
  int port = 443;
  std::string bucket = {};
  bool path_style = false;  // https://endpoint/bucket/key instead of https://bucket.endpoint/key
  // The store's root inside the bucket, without a leading '/', ending in '/' unless empty:
  // "pgbackrest/dumps/main/".
  std::string prefix = {};
  std::string secret = {};             // only to scrub it from error text
  size_t part_size = 8 * 1024 * 1024;  // at least 5 MiB for real S3 (its minimum part size)
  // A request that gets no answer or a 500/502/503/504 is tried again, up to `attempts` times in
  // all, after retry_delay, then twice that...; a read is retried only before its first byte.
  int attempts = 3;
  std::chrono::milliseconds retry_delay{500};
};

class S3Store : public ObjectStore {
 public:
  S3Store(S3Location location, std::shared_ptr<HttpTransport> transport);

  std::string describe() const override;
  std::unique_ptr<ObjectWriter> create(const std::string& key, std::string* error) override;
  std::string read(const std::string& key, const ChunkSink& sink) override;
  std::optional<uint64_t> size(const std::string& key, std::string* error) override;
  std::string list(const std::string& prefix, std::vector<ObjectInfo>* out) override;
  std::string remove(const std::string& key) override;

  // For the writer: the URL of an object key (already under the prefix), with `query` sorted.
  std::string urlOf(const std::string& full_key, const std::string& query = "") const;
  // Performs `request` with the retries described above; `body` (PUT, POST) is sent again whole
  // on each attempt.
  HttpResponse send(HttpRequest request, std::string_view body = {});
  // One line about a failed request, with the secret scrubbed.
  std::string failure(const std::string& what, const HttpResponse& response) const;
  HttpTransport& transport() { return *transport_; }
  const S3Location& location() const { return location_; }

 private:
  std::string baseUrl() const;

  S3Location location_;
  std::shared_ptr<HttpTransport> transport_;
};

}  // namespace pgbr
