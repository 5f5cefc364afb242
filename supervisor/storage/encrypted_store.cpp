// EncryptedStore (encrypted_store.h).
#include "supervisor/storage/encrypted_store.h"

#include <algorithm>

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

std::string EncryptedStore::checkPassphrase(bool writing) {
  std::lock_guard lock(check_mutex_);
  if (checked_ || (absent_ && !writing)) return "";
  const std::string key(kCheckKey);
  std::string error;
  // Only this store writes the check, so once found absent it stays so until it writes it.
  const std::optional<uint64_t> stored = absent_ ? std::nullopt : inner_->size(key, &error);
  if (!error.empty()) return error;
  if (!stored) {
    absent_ = true;
    if (!writing) return "";  // written before the check existed, or nothing written yet
    std::unique_ptr<CipherStream> cipher = CipherStream::encrypting(passphrase_, &error);
    if (!cipher) return error;
    std::unique_ptr<ObjectWriter> inner = inner_->create(key, &error);
    if (!inner) return error;
    EncryptedWriter writer(std::move(inner), std::move(cipher));
    if (error = writer.write(kCheckText); !error.empty()) return error;
    if (error = writer.commit(); !error.empty()) return error;
    checked_ = true;
    return "";
  }
  std::string text;
  bool undecryptable = false;
  error = decrypt(
      key,
      [&](std::string_view chunk) {
        text.append(chunk);
        return text.size() <= kCheckText.size();  // the check is short; anything else is not it
      },
      &undecryptable);
  if (undecryptable || (error.empty() && text != kCheckText) || text.size() > kCheckText.size())
    return std::string(kWrongPassphrase);
  if (!error.empty()) return error;
  checked_ = true;
  return "";
}

std::unique_ptr<ObjectWriter> EncryptedStore::create(const std::string& key, std::string* error) {
  if (std::string problem = checkPassphrase(true); !problem.empty()) {
    *error = "cannot write " + key + ": " + problem;
    return nullptr;
  }
  std::unique_ptr<CipherStream> cipher = CipherStream::encrypting(passphrase_, error);
  if (!cipher) return nullptr;
  std::unique_ptr<ObjectWriter> inner = inner_->create(key, error);
  if (!inner) return nullptr;
  return std::make_unique<EncryptedWriter>(std::move(inner), std::move(cipher));
}

std::string EncryptedStore::read(const std::string& key, const ChunkSink& sink) {
  if (std::string problem = checkPassphrase(false); !problem.empty())
    return "cannot read " + key + ": " + problem;
  return decrypt(key, sink, nullptr);
}

std::string EncryptedStore::decrypt(const std::string& key, const ChunkSink& sink,
                                    bool* undecryptable) {
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
  if (!failed.empty()) {
    if (undecryptable) *undecryptable = true;
    return "cannot read " + key + ": " + failed;
  }
  if (stopped) return "stopped by the reader";
  if (!error.empty()) return error;
  plain.clear();
  if (std::string last = cipher->finish(&plain); !last.empty()) {
    if (undecryptable) *undecryptable = true;
    return "cannot read " + key + ": " + last;
  }
  if (!plain.empty() && !sink(plain)) return "stopped by the reader";
  return "";
}

std::optional<uint64_t> EncryptedStore::size(const std::string& key, std::string* error) {
  return inner_->size(key, error);
}

std::string EncryptedStore::list(const std::string& prefix, std::vector<ObjectInfo>* out) {
  const size_t before = out->size();
  if (std::string error = inner_->list(prefix, out); !error.empty()) return error;
  const auto check = std::find_if(out->begin() + static_cast<std::ptrdiff_t>(before), out->end(),
                                  [](const ObjectInfo& o) { return o.key == kCheckKey; });
  if (check != out->end()) out->erase(check);
  return "";
}

std::string EncryptedStore::remove(const std::string& key) {
  return inner_->remove(key);
}

}  // namespace pgbr
