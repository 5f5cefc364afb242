// S3Store (s3_store.h) and uriEncode (http_transport.h).
#include "supervisor/storage/s3_store.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <thread>

namespace pgbr {

namespace {

const std::pair<std::string, std::string> kUnsignedPayload{"x-amz-content-sha256",
                                                           "UNSIGNED-PAYLOAD"};

struct XmlDocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDoc = std::unique_ptr<xmlDoc, XmlDocDeleter>;

XmlDoc parseXml(const std::string& text) {
  if (text.empty()) return nullptr;
  return XmlDoc(xmlReadMemory(text.data(), static_cast<int>(text.size()), "s3.xml", nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

bool named(const xmlNode* node, const char* name) {
  return node->type == XML_ELEMENT_NODE &&
         std::strcmp(reinterpret_cast<const char*>(node->name), name) == 0;
}

// The first element child of `parent` with the local name `name` (S3 answers carry a namespace).
xmlNode* childOf(xmlNode* parent, const char* name) {
  if (parent == nullptr) return nullptr;
  for (xmlNode* node = parent->children; node != nullptr; node = node->next)
    if (named(node, name)) return node;
  return nullptr;
}

std::string textOf(xmlNode* node) {
  if (node == nullptr) return "";
  xmlChar* content = xmlNodeGetContent(node);
  std::string text = content != nullptr ? reinterpret_cast<const char*>(content) : "";
  xmlFree(content);
  return text;
}

std::function<size_t(char*, size_t)> sourceOf(std::string_view bytes) {
  return [bytes](char* into, size_t max) mutable {
    const size_t n = std::min(max, bytes.size());
    std::memcpy(into, bytes.data(), n);
    bytes.remove_prefix(n);
    return n;
  };
}

bool success(const HttpResponse& response) {
  return response.error.empty() && !response.stopped && response.status >= 200 &&
         response.status < 300;
}

class S3Writer : public ObjectWriter {
 public:
  S3Writer(S3Store store, std::string key, std::string full_key)
      : store_(std::move(store)), key_(std::move(key)), full_key_(std::move(full_key)) {
    buffer_.reserve(store_.location().part_size);
  }
  ~S3Writer() override {
    if (committed_ || upload_id_.empty()) return;
    // Best effort: the upload is abandoned either way; a failure here leaves parts that a
    // bucket lifecycle rule for incomplete uploads would clean.
    HttpRequest request{.method = "DELETE",
                        .url = store_.urlOf(full_key_, "uploadId=" + uriEncode(upload_id_, false)),
                        .headers = {kUnsignedPayload}};
    store_.send(request);
  }
  S3Writer(const S3Writer&) = delete;
  S3Writer& operator=(const S3Writer&) = delete;

  std::string write(std::string_view bytes) override {
    if (closed_) return "the object " + key_ + " is already closed";
    if (!failed_.empty()) return failed_;
    const size_t part_size = store_.location().part_size;
    while (!bytes.empty()) {
      const size_t take = std::min(part_size - buffer_.size(), bytes.size());
      buffer_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      written_ += take;
      if (buffer_.size() == part_size) {
        failed_ = sendPart();
        if (!failed_.empty()) return failed_;
      }
    }
    return "";
  }

  std::string commit() override {
    if (closed_) return "the object " + key_ + " is already closed";
    if (!failed_.empty()) return failed_;
    closed_ = true;
    if (upload_id_.empty()) {
      HttpRequest request{
          .method = "PUT",
          .url = store_.urlOf(full_key_),
          .headers = {kUnsignedPayload},
      };
      const HttpResponse response = store_.send(request, buffer_);
      if (!success(response)) return store_.failure("cannot write " + key_, response);
      committed_ = true;
      return "";
    }
    if (!buffer_.empty()) {
      if (std::string error = sendPart(); !error.empty()) return error;
    }
    std::string xml = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < etags_.size(); ++i)
      xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags_[i] +
             "</ETag></Part>";
    xml += "</CompleteMultipartUpload>";
    HttpRequest request{
        .method = "POST",
        .url = store_.urlOf(full_key_, "uploadId=" + uriEncode(upload_id_, false)),
        .headers = {kUnsignedPayload, {"Content-Type", "application/xml"}},
    };
    const HttpResponse response = store_.send(request, xml);
    // S3 may answer 200 and still report an error in the body of a CompleteMultipartUpload.
    XmlDoc doc = parseXml(response.body);
    xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
    if (!success(response) || (root != nullptr && named(root, "Error"))) {
      HttpResponse failed = response;
      if (failed.status >= 200 && failed.status < 300) failed.status = 500;
      return store_.failure("cannot complete the upload of " + key_, failed);
    }
    committed_ = true;
    return "";
  }

  uint64_t written() const override { return written_; }

 private:
  std::string sendPart() {
    if (upload_id_.empty()) {
      HttpRequest start{
          .method = "POST",
          .url = store_.urlOf(full_key_, "uploads="),
          .headers = {kUnsignedPayload},
      };
      const HttpResponse response = store_.send(start, "");
      if (!success(response)) return store_.failure("cannot start the upload of " + key_, response);
      XmlDoc doc = parseXml(response.body);
      upload_id_ = textOf(childOf(doc ? xmlDocGetRootElement(doc.get()) : nullptr, "UploadId"));
      if (upload_id_.empty())
        return "cannot start the upload of " + key_ + ": S3 answered without an UploadId";
    }
    const std::string query = "partNumber=" + std::to_string(etags_.size() + 1) +
                              "&uploadId=" + uriEncode(upload_id_, false);
    HttpRequest request{
        .method = "PUT",
        .url = store_.urlOf(full_key_, query),
        .headers = {kUnsignedPayload},
    };
    const HttpResponse response = store_.send(request, buffer_);
    if (!success(response))
      return store_.failure(
          "cannot write part " + std::to_string(etags_.size() + 1) + " of " + key_, response);
    auto etag = response.headers.find("etag");
    if (etag == response.headers.end() || etag->second.empty())
      return "cannot write " + key_ + ": S3 answered a part without an ETag";
    etags_.push_back(etag->second);
    buffer_.clear();  // keeps its capacity: the one part buffer is reused
    return "";
  }

  S3Store store_;
  std::string key_;
  std::string full_key_;
  std::string buffer_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  std::string failed_;
  uint64_t written_ = 0;
  bool closed_ = false;
  bool committed_ = false;
};

}  // namespace

std::string uriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

S3Store::S3Store(S3Location location, std::shared_ptr<HttpTransport> transport)
    : location_(std::move(location)), transport_(std::move(transport)) {}

std::string S3Store::baseUrl() const {
  std::string url = "https://";
  url += location_.path_style ? location_.endpoint : location_.bucket + "." + location_.endpoint;
  if (location_.port != 443) url += ":" + std::to_string(location_.port);
  if (location_.path_style) url += "/" + location_.bucket;
  return url;
}

std::string S3Store::urlOf(const std::string& full_key, const std::string& query) const {
  std::string url = baseUrl() + "/" + uriEncode(full_key, true);
  if (!query.empty()) url += "?" + query;
  return url;
}

HttpResponse S3Store::send(HttpRequest request, std::string_view body) {
  const bool has_body = request.method == "PUT" || request.method == "POST";
  const ChunkSink sink = request.body_sink;
  bool delivered = false;
  if (sink) {
    request.body_sink = [&](std::string_view bytes) {
      delivered = true;
      return sink(bytes);
    };
  }
  std::chrono::milliseconds delay = location_.retry_delay;
  for (int attempt = 1;; ++attempt) {
    if (has_body) {
      request.body_source = sourceOf(body);  // a fresh source: the last attempt consumed its own
      request.body_size = body.size();
    }
    HttpResponse response = transport_->perform(request);
    const bool transient = !response.stopped && (!response.error.empty() ||
                                                 response.status == 500 || response.status == 502 ||
                                                 response.status == 503 || response.status == 504);
    if (!transient || delivered || attempt >= location_.attempts) return response;
    std::this_thread::sleep_for(delay);
    delay *= 2;
  }
}

std::string S3Store::describe() const {
  std::string prefix = location_.prefix;
  if (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return "s3 " + baseUrl() + (prefix.empty() ? "" : "/" + prefix);
}

std::string S3Store::failure(const std::string& what, const HttpResponse& response) const {
  std::string line = what + ": ";
  if (!response.error.empty()) {
    line += response.error;
  } else {
    line += "HTTP " + std::to_string(response.status);
    XmlDoc doc = parseXml(response.body);
    xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
    if (root != nullptr && named(root, "Error")) {
      const std::string code = textOf(childOf(root, "Code"));
      const std::string message = textOf(childOf(root, "Message"));
      if (!code.empty()) line += " " + code;
      if (!message.empty()) line += ": " + message;
    } else if (response.status == 404) {
      line += " not found";
    }
  }
  std::replace_if(
      line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  if (location_.secret.size() >= 4) {
    for (size_t at = line.find(location_.secret); at != std::string::npos;
         at = line.find(location_.secret, at))
      line.replace(at, location_.secret.size(), "[secret]");
  }
  return line;
}

std::unique_ptr<ObjectWriter> S3Store::create(const std::string& key, std::string* error) {
  if (!validKey(key)) {
    *error = "not a valid object name: " + key;
    return nullptr;
  }
  return std::make_unique<S3Writer>(*this, key, location_.prefix + key);
}

std::string S3Store::read(const std::string& key, const ChunkSink& sink) {
  if (!validKey(key)) return "not a valid object name: " + key;
  HttpRequest request{.method = "GET",
                      .url = urlOf(location_.prefix + key),
                      .headers = {kUnsignedPayload},
                      .body_sink = sink};
  const HttpResponse response = send(request);
  if (response.stopped) return "stopped by the reader";
  if (!success(response)) return failure("cannot read " + key, response);
  return "";
}

std::optional<uint64_t> S3Store::size(const std::string& key, std::string* error) {
  if (!validKey(key)) {
    *error = "not a valid object name: " + key;
    return std::nullopt;
  }
  HttpRequest request{
      .method = "HEAD", .url = urlOf(location_.prefix + key), .headers = {kUnsignedPayload}};
  const HttpResponse response = send(request);
  if (response.error.empty() && response.status == 404) return std::nullopt;
  if (!success(response)) {
    *error = failure("cannot read the size of " + key, response);
    return std::nullopt;
  }
  auto length = response.headers.find("content-length");
  uint64_t bytes = 0;
  if (length == response.headers.end() ||
      std::from_chars(length->second.data(), length->second.data() + length->second.size(), bytes)
              .ec != std::errc()) {
    *error = "cannot read the size of " + key + ": S3 answered without a Content-Length";
    return std::nullopt;
  }
  return bytes;
}

std::string S3Store::list(const std::string& prefix, std::vector<ObjectInfo>* out) {
  out->clear();
  if (!validPrefix(prefix)) return "not a valid object prefix: " + prefix;
  std::string token;
  for (;;) {
    // Parameters in sorted order: curl 7.88 signs the query string exactly as given.
    std::string query;
    if (!token.empty()) query += "continuation-token=" + uriEncode(token, false) + "&";
    query += "list-type=2&prefix=" + uriEncode(location_.prefix + prefix, false);
    HttpRequest request{.method = "GET", .url = urlOf("", query), .headers = {kUnsignedPayload}};
    const HttpResponse response = send(request);
    if (!success(response)) return failure("cannot list " + describe(), response);
    XmlDoc doc = parseXml(response.body);
    xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
    if (root == nullptr || !named(root, "ListBucketResult"))
      return failure("cannot list " + describe(),
                     HttpResponse{.error = "S3 answered something other than a listing: " +
                                           response.body.substr(0, 200)});
    for (xmlNode* node = root->children; node != nullptr; node = node->next) {
      if (!named(node, "Contents")) continue;
      const std::string full_key = textOf(childOf(node, "Key"));
      if (full_key.compare(0, location_.prefix.size(), location_.prefix) != 0) continue;
      std::string key = full_key.substr(location_.prefix.size());
      if (!validKey(key)) continue;  // folder markers and names this store never writes
      const std::string size_text = textOf(childOf(node, "Size"));
      uint64_t bytes = 0;
      std::from_chars(size_text.data(), size_text.data() + size_text.size(), bytes);
      out->push_back({std::move(key), bytes});
    }
    if (textOf(childOf(root, "IsTruncated")) != "true") break;
    token = textOf(childOf(root, "NextContinuationToken"));
    if (token.empty())
      return "cannot list " + describe() +
             ": S3 cut the listing short without a continuation token";
  }
  std::sort(out->begin(), out->end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return "";
}

std::string S3Store::remove(const std::string& key) {
  if (!validKey(key)) return "not a valid object name: " + key;
  HttpRequest request{
      .method = "DELETE", .url = urlOf(location_.prefix + key), .headers = {kUnsignedPayload}};
  const HttpResponse response = send(request);
  if (response.error.empty() && response.status == 404) return "";
  if (!success(response)) return failure("cannot remove " + key, response);
  return "";
}

}  // namespace pgbr
