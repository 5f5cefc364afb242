// An ObjectStore that encrypts what it writes and decrypts what it reads, over any other store
// (local or S3): used when the pgBackRest repository is encrypted (repoN-cipher-type=aes-256-cbc),
// with its repoN-cipher-pass as the passphrase. Objects are in `openssl enc` format (cipher.h),
// so they can be decrypted without the supervisor.
//
// Policy: everything streams (a chunk in, its ciphertext out), so memory stays flat. size() and
// list() report the stored size, i.e. the ciphertext: 16 header bytes plus the plaintext rounded
// up to the next multiple of 16 (always at least one padding byte); they do not read objects to
// find the plaintext size. written() of a writer counts plaintext bytes. A read that fails to
// decrypt (damaged object) returns an error after the sink may already have received garbage:
// the caller discards what it got, as with any failed read.
//
// The passphrase check: CBC has no integrity check, and about one decryption in 256 with a wrong
// passphrase ends in valid padding. So the first write puts a known text, encrypted the same way,
// at the store's root under kCheckKey; before the first read or write, a store that finds that
// object decrypts it and compares. A wrong passphrase is then refused every time, before any
// object is read or written (a store never mixes objects of two passphrases). Stores written
// before the check existed have no such object, and reads there rely on the padding alone.
// list() does not show the check object. The check is done once per store (thread-safe).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "supervisor/storage/object_store.h"

namespace pgbr {

class EncryptedStore : public ObjectStore {
 public:
  static constexpr std::string_view kCheckKey = "passphrase-check";
  static constexpr std::string_view kCheckText = "pgbr-supervisor passphrase check v1\n";
  static constexpr std::string_view kWrongPassphrase =
      "wrong passphrase (repo cipher-pass): it is not the one this store's objects were encrypted "
      "with (its passphrase-check object does not decrypt)";

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
  // "" when the passphrase is the store's (or the store has no check object and `writing` is
  // false); with `writing`, a missing check object is written first.
  std::string checkPassphrase(bool writing);
  // read() without the check; `undecryptable` (optional) is set when the bytes did not decrypt.
  std::string decrypt(const std::string& key, const ChunkSink& sink, bool* undecryptable);

  std::unique_ptr<ObjectStore> inner_;
  std::string passphrase_;
  std::mutex check_mutex_;
  bool checked_ = false;  // guarded by check_mutex_, like absent_
  bool absent_ = false;   // the check object was looked for and is not there
};

}  // namespace pgbr
