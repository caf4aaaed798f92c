#ifndef ROSTRA_CTLS_H
#define ROSTRA_CTLS_H

// What Swift cannot do with OpenSSL on its own: the SSL_CTX set-up (its options and modes
// are macros over SSL_CTX_ctrl), the ALPN callback, reading reasons out of packed error
// codes, and the few X.509 calls that make a certificate (variadic and macro-heavy).
//
// Certificates are made here with OpenSSL's own X.509 API rather than with
// swift-certificates and swift-crypto: libcrypto is linked for TLS anyway, and those two
// packages would add a minute or more to every build for what these functions do.
//
// Strings returned through `char **` are allocated with malloc; the caller frees them.
// `error` receives a sentence saying what failed (OpenSSL's reason included) when a
// function returns 0 or NULL.

#include <stddef.h>
#include <stdint.h>

// OpenSSL's context, forward-declared so that this header does not pull OpenSSL's into a
// second Swift module (the COpenSSL module has them).
struct ssl_ctx_st;

/// Initializes OpenSSL once for the process, without its atexit handler (see tls.c); every
/// function here calls it first, so OpenSSL is never started any other way in Rostra.
void rostra_tls_initialize(void);

// MARK: TLS server context

/// A server context for TLS 1.2 and 1.3 only, ALPN `http/1.1`, serving the certificate
/// chain and private key of the two PEM files; NULL when they cannot be loaded or do not
/// match. Non-blocking use: partial writes, a write buffer that may move between retries,
/// buffers released while a connection is idle, and read-ahead.
struct ssl_ctx_st *rostra_tls_server_context(const char *certificate_chain_file, const char *private_key_file,
                                   char *error, size_t error_size);

/// The reason of the oldest error on this thread's OpenSSL error queue, in words
/// ("wrong version number"), and whether it is OpenSSL's "http request": plain HTTP sent
/// where a TLS record was expected. Empties the queue.
void rostra_tls_take_error(char *reason, size_t reason_size, int *is_plain_http);

// MARK: Certificates

/// A new certificate authority: an ECDSA P-256 key and a self-signed certificate
/// (CA:TRUE, pathlen 0, keyCertSign and cRLSign) named `organization` / `common_name`,
/// valid from an hour ago for `days` days. 1 on success.
int rostra_tls_make_authority(const char *organization, const char *common_name, int days,
                              char **certificate_pem, char **private_key_pem, char *error, size_t error_size);

/// A new server certificate issued by the authority (its certificate and key in PEM): a
/// fresh ECDSA P-256 key, the names as subject alternative names (an IPv4 or IPv6 literal
/// as an IP address, anything else as a DNS name), serverAuth, valid from an hour ago for
/// `days` days. 1 on success.
int rostra_tls_issue_server_certificate(const char *authority_certificate_pem, const char *authority_key_pem,
                                        const char *organization, const char *const *names, size_t name_count,
                                        int days, char **certificate_pem, char **private_key_pem,
                                        char *error, size_t error_size);

/// What a PEM certificate says about itself, for deciding whether to re-issue it.
typedef struct {
    /// notAfter, in seconds since 1970.
    int64_t not_after;
    /// 1 when the certificate is signed by the authority given (0 when none was given).
    int issued_by_authority;
} rostra_tls_facts;

/// Reads the facts of `certificate_pem`, checking it against `authority_certificate_pem`
/// when not NULL. 1 on success, 0 when the certificate does not parse.
int rostra_tls_certificate_facts(const char *certificate_pem, const char *authority_certificate_pem,
                                 rostra_tls_facts *facts, char *error, size_t error_size);

/// 1 when the certificate's subject alternative names cover `name` (a DNS name, or an IP
/// literal matched as an address), 0 when not, -1 when the certificate does not parse.
int rostra_tls_certificate_covers(const char *certificate_pem, const char *name);

/// 1 when the private key is the one the certificate's public key belongs to.
int rostra_tls_key_matches(const char *certificate_pem, const char *private_key_pem);

#endif
