// CipherStream (cipher.h) over OpenSSL EVP.
#include "supervisor/storage/cipher.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstring>

namespace pgbr {

namespace {

constexpr std::string_view kMagic = "Salted__";
constexpr size_t kSaltSize = 8;
constexpr size_t kHeaderSize = kMagic.size() + kSaltSize;
constexpr size_t kBlock = 16;

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

class EvpStream : public CipherStream {
 public:
  EvpStream(std::string passphrase, bool encrypt)
      : passphrase_(std::move(passphrase)), encrypt_(encrypt), ctx_(EVP_CIPHER_CTX_new()) {}
  ~EvpStream() override { OPENSSL_cleanse(passphrase_.data(), passphrase_.size()); }
  EvpStream(const EvpStream&) = delete;
  EvpStream& operator=(const EvpStream&) = delete;

  // Derives key and IV from the salt and starts the cipher.
  std::string start(const unsigned char* salt) {
    std::array<unsigned char, 48> derived{};
    if (!ctx_ ||
        PKCS5_PBKDF2_HMAC(passphrase_.data(), static_cast<int>(passphrase_.size()), salt, kSaltSize,
                          kIterations, EVP_sha256(), derived.size(), derived.data()) != 1)
      return "cannot derive the encryption key (openssl pbkdf2 failed)";
    const int ok = EVP_CipherInit_ex(ctx_.get(), EVP_aes_256_cbc(), nullptr, derived.data(),
                                     derived.data() + 32, encrypt_ ? 1 : 0);
    OPENSSL_cleanse(derived.data(), derived.size());
    if (ok != 1) return "cannot start aes-256-cbc (openssl refused the key)";
    started_ = true;
    return "";
  }

  std::string update(std::string_view in, std::string* out) override {
    if (finished_) return "the cipher stream is already finished";
    if (!started_) {
      // Decrypting: gather the header first.
      const size_t take = std::min(kHeaderSize - header_.size(), in.size());
      header_.append(in.substr(0, take));
      in.remove_prefix(take);
      if (header_.size() < kHeaderSize) return "";
      if (header_.compare(0, kMagic.size(), kMagic) != 0)
        return "cannot decrypt: the data does not start with \"Salted__\" (not encrypted, or not "
               "in openssl enc format)";
      if (std::string error =
              start(reinterpret_cast<const unsigned char*>(header_.data()) + kMagic.size());
          !error.empty())
        return error;
    }
    if (in.empty()) return "";
    const size_t at = out->size();
    out->resize(at + in.size() + kBlock);
    int n = 0;
    if (EVP_CipherUpdate(ctx_.get(), reinterpret_cast<unsigned char*>(out->data() + at), &n,
                         reinterpret_cast<const unsigned char*>(in.data()),
                         static_cast<int>(in.size())) != 1) {
      out->resize(at);
      return encrypt_ ? "cannot encrypt (openssl failed)" : "cannot decrypt (openssl failed)";
    }
    out->resize(at + static_cast<size_t>(n));
    return "";
  }

  std::string finish(std::string* out) override {
    if (finished_) return "the cipher stream is already finished";
    finished_ = true;
    if (!started_)
      return "cannot decrypt: the data ends before its \"Salted__\" header (empty or truncated)";
    const size_t at = out->size();
    out->resize(at + kBlock);
    int n = 0;
    if (EVP_CipherFinal_ex(ctx_.get(), reinterpret_cast<unsigned char*>(out->data() + at), &n) !=
        1) {
      out->resize(at);
      return encrypt_ ? "cannot encrypt (openssl failed)"
                      : "cannot decrypt: wrong passphrase (repo cipher-pass) or damaged data";
    }
    out->resize(at + static_cast<size_t>(n));
    return "";
  }

 private:
  std::string header_;  // decrypting: the "Salted__" header gathered so far
  std::string passphrase_;
  bool encrypt_;
  std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx_;
  bool started_ = false;
  bool finished_ = false;
};

class Encryptor : public CipherStream {
 public:
  explicit Encryptor(std::unique_ptr<EvpStream> evp, std::string header)
      : evp_(std::move(evp)), header_(std::move(header)) {}
  std::string update(std::string_view in, std::string* out) override {
    flushHeader(out);
    return evp_->update(in, out);
  }
  std::string finish(std::string* out) override {
    flushHeader(out);
    return evp_->finish(out);
  }

 private:
  void flushHeader(std::string* out) {
    out->append(header_);
    header_.clear();
  }
  std::unique_ptr<EvpStream> evp_;
  std::string header_;
};

}  // namespace

std::unique_ptr<CipherStream> CipherStream::encrypting(const std::string& passphrase,
                                                       std::string* error) {
  std::array<unsigned char, kSaltSize> salt{};
  if (RAND_bytes(salt.data(), salt.size()) != 1) {
    *error = "cannot encrypt: openssl has no random bytes for the salt";
    return nullptr;
  }
  auto evp = std::make_unique<EvpStream>(passphrase, true);
  *error = evp->start(salt.data());
  if (!error->empty()) return nullptr;
  std::string header(kMagic);
  header.append(reinterpret_cast<const char*>(salt.data()), salt.size());
  return std::make_unique<Encryptor>(std::move(evp), std::move(header));
}

std::unique_ptr<CipherStream> CipherStream::decrypting(const std::string& passphrase) {
  return std::make_unique<EvpStream>(passphrase, false);
}

}  // namespace pgbr
