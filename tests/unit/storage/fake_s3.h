// A fake HttpTransport that behaves like a small S3 bucket in memory: single PUTs, multipart
// uploads (initiate, parts, complete, abort), GET, HEAD, DELETE and ListObjectsV2 in pages of
// `page_size` keys. Every request is recorded, so tests check what the store sent; `fail_next`
// makes chosen requests fail with an S3 error body or no answer at all.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "supervisor/storage/http_transport.h"

namespace pgbr::testing {

struct RecordedRequest {
  std::string method;
  std::string path;   // after the bucket, without the leading '/'
  std::string query;  // as sent
  std::vector<std::pair<std::string, std::string>> headers;
  uint64_t body_size = 0;
};

class FakeS3 : public HttpTransport {
 public:
  struct Failure {
    long status = 500;       // 0: no answer (transport error)
    std::string body = {};   // an S3 <Error> document
    std::string error = {};  // the transport's message when status is 0
  };

  // Base of every URL the store under test is given (path style).
  std::string base = "https://s3.test:9000/bucket/";
  size_t page_size = 1000;
  std::map<std::string, std::string> objects;                 // full key -> bytes
  std::map<std::string, std::map<int, std::string>> uploads;  // upload id -> parts
  std::vector<RecordedRequest> requests;
  std::vector<Failure> fail_next;  // consumed one per request, front first
  size_t largest_body = 0;         // the largest request body seen

  HttpResponse perform(const HttpRequest& request) override {
    RecordedRequest rec{request.method, "", "", request.headers, request.body_size};
    std::string rest = request.url.rfind(base, 0) == 0 ? request.url.substr(base.size()) : "?bad";
    const size_t q = rest.find('?');
    rec.path = rest.substr(0, q);
    rec.query = q == std::string::npos ? "" : rest.substr(q + 1);
    requests.push_back(rec);

    std::string body;
    if (request.body_source) {
      char chunk[4096];
      for (size_t n; (n = request.body_source(chunk, sizeof chunk)) > 0;) body.append(chunk, n);
    }
    largest_body = std::max(largest_body, body.size());
    HttpResponse response;
    if (!fail_next.empty()) {
      Failure f = fail_next.front();
      fail_next.erase(fail_next.begin());
      response.status = f.status;
      response.body = f.body;
      response.error = f.error;
      return response;
    }
    const std::string key = decode(rec.path);
    const std::map<std::string, std::string> query = params(rec.query);
    response.status = 200;
    if (request.method == "PUT" && query.count("uploadId")) {
      auto& parts = uploads.at(query.at("uploadId"));
      parts[std::stoi(query.at("partNumber"))] = body;
      response.headers["etag"] = "\"etag-" + query.at("partNumber") + "\"";
    } else if (request.method == "PUT") {
      objects[key] = body;
    } else if (request.method == "POST" && query.count("uploads")) {
      const std::string id = "upload-" + std::to_string(++upload_counter_);
      uploads[id];
      response.body =
          "<?xml version=\"1.0\"?><InitiateMultipartUploadResult "
          "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><UploadId>" +
          id + "</UploadId></InitiateMultipartUploadResult>";
    } else if (request.method == "POST" && query.count("uploadId")) {
      std::string whole;
      for (const auto& [n, part] : uploads.at(query.at("uploadId"))) whole += part;
      uploads.erase(query.at("uploadId"));
      objects[key] = whole;
      response.body = "<CompleteMultipartUploadResult/>";
    } else if (request.method == "DELETE" && query.count("uploadId")) {
      uploads.erase(query.at("uploadId"));
      response.status = 204;
    } else if (request.method == "DELETE") {
      objects.erase(key);
      response.status = 204;
    } else if (request.method == "GET" && query.count("list-type")) {
      response.body = listing(query);
    } else if (!objects.count(key)) {
      response.status = 404;
      if (request.method == "GET")
        response.body = "<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>";
    } else if (request.method == "HEAD") {
      response.headers["content-length"] = std::to_string(objects.at(key).size());
    } else if (request.method == "GET") {
      const std::string& bytes = objects.at(key);
      for (size_t at = 0; at < bytes.size(); at += 1000) {
        if (!request.body_sink(std::string_view(bytes).substr(at, 1000))) {
          response.stopped = true;
          break;
        }
      }
    }
    return response;
  }

  static std::string decode(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size()) {
        out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        out.push_back(text[i]);
      }
    }
    return out;
  }

  static std::map<std::string, std::string> params(const std::string& query) {
    std::map<std::string, std::string> out;
    size_t start = 0;
    while (start < query.size()) {
      size_t amp = query.find('&', start);
      if (amp == std::string::npos) amp = query.size();
      const std::string pair = query.substr(start, amp - start);
      const size_t eq = pair.find('=');
      out[pair.substr(0, eq)] = eq == std::string::npos ? "" : decode(pair.substr(eq + 1));
      start = amp + 1;
    }
    return out;
  }

 private:
  std::string listing(const std::map<std::string, std::string>& query) {
    const std::string prefix = query.count("prefix") ? query.at("prefix") : "";
    const std::string after =
        query.count("continuation-token") ? query.at("continuation-token") : "";
    std::string xml = "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
    size_t n = 0;
    std::string last;
    bool truncated = false;
    for (auto it = objects.upper_bound(after); it != objects.end(); ++it) {
      if (it->first.rfind(prefix, 0) != 0) continue;
      if (n == page_size) {
        truncated = true;
        break;
      }
      xml += "<Contents><Key>" + it->first + "</Key><Size>" + std::to_string(it->second.size()) +
             "</Size></Contents>";
      last = it->first;
      ++n;
    }
    xml += truncated ? "<IsTruncated>true</IsTruncated><NextContinuationToken>" + last +
                           "</NextContinuationToken>"
                     : "<IsTruncated>false</IsTruncated>";
    return xml + "</ListBucketResult>";
  }

  int upload_counter_ = 0;
};

}  // namespace pgbr::testing
