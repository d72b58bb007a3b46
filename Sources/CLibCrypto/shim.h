#ifndef AUDITSHIPPER_CLIBCRYPTO_SHIM_H
#define AUDITSHIPPER_CLIBCRYPTO_SHIM_H

// SHA-256 and Ed25519 from the system's libcrypto (Debian libssl-dev), instead of a second
// BoringSSL build. OpenSSL 3 marks the low-level SHA256_* functions deprecated in favour of EVP,
// but keeps them; they hash with the same assembly as EVP, and their context is a plain struct,
// which gives the Swift wrapper value semantics without a heap allocation or copy-on-write.
// Ed25519 (manifest signatures) goes through EVP, the only interface OpenSSL has for it; HMAC
// (keyed body digests) through the one-shot HMAC().
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/hmac.h>

#endif
