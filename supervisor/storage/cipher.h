// Streaming AES-256-CBC in exactly the format `openssl enc` writes, so an encrypted dump can be
// decrypted with a stock tool and no code of ours:
//
//   openssl enc -d -aes-256-cbc -pbkdf2 -iter 100000 -md sha256 -pass pass:PASSPHRASE -in F
//
// The stream is "Salted__", an 8-byte random salt, then the ciphertext (PKCS#7 padding). Key (32
// bytes) and IV (16 bytes) are the 48 bytes PBKDF2-HMAC-SHA256(passphrase, salt, 100000) yields.
// This is pgBackRest's repoN-cipher-pass used directly as the passphrase; it is not pgBackRest's
// own file format (which derives keys with EVP_BytesToKey), and pgBackRest does not read these
// files: they are ours, beside its folders.
//
// Policy: CBC has no integrity check. A wrong passphrase is detected at the end (bad padding,
// about 255 times in 256), after some garbage may already have been handed on: a reader must
// discard what it got when decryption reports an error, as with any failed read. EncryptedStore
// adds a passphrase check that refuses a wrong passphrase every time, before anything is read.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace pgbr {

class CipherStream {
 public:
  static constexpr int kIterations = 100000;

  // An encrypting stream with a fresh random salt; its first output carries the header.
  static std::unique_ptr<CipherStream> encrypting(const std::string& passphrase,
                                                  std::string* error);
  // A decrypting stream; the salt is read from the first 16 bytes of input.
  static std::unique_ptr<CipherStream> decrypting(const std::string& passphrase);

  virtual ~CipherStream() = default;
  // Appends to `out` what `in` turns into; "" or one line.
  virtual std::string update(std::string_view in, std::string* out) = 0;
  // Appends the last block (padding); after it the stream takes nothing more.
  virtual std::string finish(std::string* out) = 0;
};

}  // namespace pgbr
