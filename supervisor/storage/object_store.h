// The repository as a store of named objects (files), for what the supervisor keeps beside
// pgBackRest's own folders (logical dumps first). One interface, two kinds of repository: a local
// path (local_store.h) and S3 (s3_store.h). Everything streams: an object is written and read in
// chunks, never held whole in memory, so memory stays flat whatever an object's size.
//
// Keys are relative paths of '/'-separated parts, each made of ASCII letters, digits, '.', '_'
// and '-' and not starting with '.' (stores keep their temporary files under such names):
// validKey() says which. A store has a root (a folder, or a bucket prefix) and
// never reads or writes outside it.
//
// Errors: every call returns "" on success or one line saying what failed (never a secret).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgbr {

struct ObjectInfo {
  std::string key;  // relative to the store's root
  uint64_t size = 0;
};

// One object being written. The object appears (under its key) only when commit() succeeds; a
// writer destroyed without a successful commit leaves nothing behind (no partial object, no
// temporary file, no unfinished multipart upload where the store can tell).
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual std::string write(std::string_view bytes) = 0;
  virtual std::string commit() = 0;
  // Bytes accepted by write() so far.
  virtual uint64_t written() const = 0;
};

// Receives an object's bytes in order; returning false stops the read (the read then returns
// "stopped by the reader").
using ChunkSink = std::function<bool(std::string_view)>;

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Where the store is, for logs and the API: "local /path/dumps/main" or
  // "s3 https://endpoint/bucket/prefix"; never credentials.
  virtual std::string describe() const = 0;
  // Whether what is read was decrypted. A wrong passphrase is refused by the store's passphrase
  // check (encrypted_store.h), but objects written before that check existed rely on CBC's
  // padding alone, which about one wrong passphrase in 256 passes: a reader that finds garbage in
  // an encrypted store names the passphrase as a likely cause.
  virtual bool encrypted() const { return false; }

  // Replaces an existing object of the same key on commit.
  virtual std::unique_ptr<ObjectWriter> create(const std::string& key, std::string* error) = 0;
  virtual std::string read(const std::string& key, const ChunkSink& sink) = 0;
  // The size of an object; std::nullopt with `error` left empty when there is no such object.
  virtual std::optional<uint64_t> size(const std::string& key, std::string* error) = 0;
  // Every object whose key starts with `prefix` (at any depth), sorted by key.
  virtual std::string list(const std::string& prefix, std::vector<ObjectInfo>* out) = 0;
  // Removing an object that does not exist succeeds.
  virtual std::string remove(const std::string& key) = 0;
};

// A key as described above; also refuses empty keys, empty parts and a leading or trailing '/'.
bool validKey(std::string_view key);
// A prefix for list(): empty, or a valid key optionally followed by '/'.
bool validPrefix(std::string_view prefix);

}  // namespace pgbr
