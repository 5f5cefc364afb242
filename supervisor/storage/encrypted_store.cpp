// EncryptedStore (encrypted_store.h).
#include "supervisor/storage/encrypted_store.h"

#include "supervisor/storage/cipher.h"

namespace pgbr {

namespace {

class EncryptedWriter : public ObjectWriter {
 public:
  EncryptedWriter(std::unique_ptr<ObjectWriter> inner, std::unique_ptr<CipherStream> cipher)
      : inner_(std::move(inner)), cipher_(std::move(cipher)) {}

  std::string write(std::string_view bytes) override {
    out_.clear();
    if (std::string error = cipher_->update(bytes, &out_); !error.empty()) return error;
    if (std::string error = inner_->write(out_); !error.empty()) return error;
    written_ += bytes.size();
    return "";
  }

  std::string commit() override {
    out_.clear();
    if (std::string error = cipher_->finish(&out_); !error.empty()) return error;
    if (std::string error = inner_->write(out_); !error.empty()) return error;
    return inner_->commit();
  }

  uint64_t written() const override { return written_; }

 private:
  std::unique_ptr<ObjectWriter> inner_;
  std::unique_ptr<CipherStream> cipher_;
  std::string out_;  // reused for each chunk's ciphertext
  uint64_t written_ = 0;
};

}  // namespace

EncryptedStore::EncryptedStore(std::unique_ptr<ObjectStore> inner, std::string passphrase)
    : inner_(std::move(inner)), passphrase_(std::move(passphrase)) {}

std::string EncryptedStore::describe() const {
  return inner_->describe() + " (aes-256-cbc)";
}

std::unique_ptr<ObjectWriter> EncryptedStore::create(const std::string& key, std::string* error) {
  std::unique_ptr<CipherStream> cipher = CipherStream::encrypting(passphrase_, error);
  if (!cipher) return nullptr;
  std::unique_ptr<ObjectWriter> inner = inner_->create(key, error);
  if (!inner) return nullptr;
  return std::make_unique<EncryptedWriter>(std::move(inner), std::move(cipher));
}

std::string EncryptedStore::read(const std::string& key, const ChunkSink& sink) {
  std::unique_ptr<CipherStream> cipher = CipherStream::decrypting(passphrase_);
  std::string plain;
  std::string failed;
  bool stopped = false;
  std::string error = inner_->read(key, [&](std::string_view chunk) {
    plain.clear();
    failed = cipher->update(chunk, &plain);
    if (!failed.empty()) return false;
    if (!plain.empty() && !sink(plain)) {
      stopped = true;
      return false;
    }
    return true;
  });
  if (!failed.empty()) return "cannot read " + key + ": " + failed;
  if (stopped) return "stopped by the reader";
  if (!error.empty()) return error;
  plain.clear();
  if (std::string last = cipher->finish(&plain); !last.empty())
    return "cannot read " + key + ": " + last;
  if (!plain.empty() && !sink(plain)) return "stopped by the reader";
  return "";
}

std::optional<uint64_t> EncryptedStore::size(const std::string& key, std::string* error) {
  return inner_->size(key, error);
}

std::string EncryptedStore::list(const std::string& prefix, std::vector<ObjectInfo>* out) {
  return inner_->list(prefix, out);
}

std::string EncryptedStore::remove(const std::string& key) {
  return inner_->remove(key);
}

}  // namespace pgbr
