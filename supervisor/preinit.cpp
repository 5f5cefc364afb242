// Runs before any shared library's initialisers (an executable's .preinit_array comes first).
//
// Debian's cpp-httplib is built with TLS support, and its initialiser asks OpenSSL to load every
// error string at start-up although the API speaks plain HTTP and nothing here uses TLS in this
// process: about 0.6 MB of the supervisor's resident memory for text no one reads. Declaring
// first that the crypto strings are not wanted makes OpenSSL ignore that later request. libpq
// (the only other OpenSSL user in the process) connects over the Unix socket without TLS; were it
// ever to report a TLS error, it would show OpenSSL's numeric reason instead of the text.
#include <openssl/crypto.h>

namespace {

void skipOpenSslErrorStrings(int /*argc*/, char** /*argv*/, char** /*envp*/) {
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, nullptr);
}

}  // namespace

// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): the loader reads this table
__attribute__((section(".preinit_array"),
               used)) void (*const pgbr_preinit[])(int, char**, char**) = {skipOpenSslErrorStrings};
