// An ObjectStore that encrypts what it writes and decrypts what it reads, over any other store
// (local or S3): used when the pgBackRest repository is encrypted (repoN-cipher-type=aes-256-cbc),
// with its repoN-cipher-pass as the passphrase. Objects are in `openssl enc` format (cipher.h),
// so they can be decrypted without the supervisor.
//
// Policy: everything streams (a chunk in, its ciphertext out), so memory stays flat. size() and
// list() report the stored size, i.e. the ciphertext: 16 header bytes plus the plaintext rounded
// up to the next multiple of 16 (always at least one padding byte); they do not read objects to
// find the plaintext size. written() of a writer counts plaintext bytes. A read that fails to
// decrypt (wrong passphrase, damaged object) returns an error after the sink may already have
// received garbage: the caller discards what it got, as with any failed read.
#pragma once

#include <memory>
#include <string>

#include "supervisor/storage/object_store.h"

namespace pgbr {

class EncryptedStore : public ObjectStore {
 public:
  EncryptedStore(std::unique_ptr<ObjectStore> inner, std::string passphrase);

  std::string describe() const override;
  bool encrypted() const override { return true; }
  std::unique_ptr<ObjectWriter> create(const std::string& key, std::string* error) override;
  std::string read(const std::string& key, const ChunkSink& sink) override;
  std::optional<uint64_t> size(const std::string& key, std::string* error) override;
  std::string list(const std::string& prefix, std::vector<ObjectInfo>* out) override;
  std::string remove(const std::string& key) override;

  ObjectStore& inner() { return *inner_; }

 private:
  std::unique_ptr<ObjectStore> inner_;
  std::string passphrase_;
};

}  // namespace pgbr
