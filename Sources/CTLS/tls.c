// The SSL_CTX of a TLS listener, and the X.509 calls of the local certificate authority.
// See include/ctls.h for why these are in C.

#define _GNU_SOURCE
#include "ctls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// MARK: Initialization

#include <pthread.h>

static pthread_once_t initialized = PTHREAD_ONCE_INIT;

static void initialize(void) {
    // No atexit handler: OpenSSL's would free its state while a worker or the thread that
    // loads the certificate may still be inside OpenSSL as the process exits, which
    // crashed `rostra serve` (SIGSEGV) when it was stopped right after starting. The
    // process is ending; the kernel takes the memory back.
    OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
}

void rostra_tls_initialize(void) {
    pthread_once(&initialized, initialize);
}

// MARK: Errors

/// Writes "what: OpenSSL's reason" into `error` and empties the error queue.
static void fail(char *error, size_t error_size, const char *what) {
    if (error == NULL || error_size == 0) {
        ERR_clear_error();
        return;
    }
    unsigned long code = ERR_peek_last_error();
    if (code != 0) {
        char reason[256];
        ERR_error_string_n(code, reason, sizeof reason);
        snprintf(error, error_size, "%s (%s)", what, reason);
    } else {
        snprintf(error, error_size, "%s", what);
    }
    ERR_clear_error();
}

void rostra_tls_take_error(char *reason, size_t reason_size, int *is_plain_http) {
    unsigned long code = ERR_get_error();
    *is_plain_http = code != 0 && ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_HTTP_REQUEST;
    if (reason_size > 0) {
        const char *text = code != 0 ? ERR_reason_error_string(code) : NULL;
        snprintf(reason, reason_size, "%s", text != NULL ? text : (code != 0 ? "unknown error" : "connection closed"));
    }
    ERR_clear_error();
}

// MARK: Server context

/// ALPN: HTTP/1.1 is the one protocol served. A client that offers only others (h2 alone)
/// goes on without ALPN, as nginx does, and speaks HTTP/1.1 or fails on its own terms.
static int select_http11(SSL *ssl, const unsigned char **out, unsigned char *out_length,
                         const unsigned char *offered, unsigned int offered_length, void *argument) {
    (void)ssl;
    (void)argument;
    static const unsigned char http11[] = "\x08http/1.1";
    unsigned char *selected = NULL;
    if (SSL_select_next_proto(&selected, out_length, http11, sizeof http11 - 1, offered, offered_length)
        == OPENSSL_NPN_NEGOTIATED) {
        *out = selected;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

SSL_CTX *rostra_tls_server_context(const char *certificate_chain_file, const char *private_key_file,
                                   char *error, size_t error_size) {
    rostra_tls_initialize();
    ERR_clear_error();
    SSL_CTX *context = SSL_CTX_new(TLS_server_method());
    if (context == NULL) {
        fail(error, error_size, "cannot create a TLS context");
        return NULL;
    }
    // TLS 1.0 and 1.1 are deprecated (RFC 8996); browsers and every client in use speak 1.2.
    if (!SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION)
        || !SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION)) {
        fail(error, error_size, "cannot limit the TLS versions");
        SSL_CTX_free(context);
        return NULL;
    }
    // No renegotiation (a client could make the server work for nothing), and a client
    // that closes without close_notify is an end of stream, as for plain HTTP.
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE
                                     | SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    // Non-blocking writes: SSL_write returns after each record it could send, and a retry
    // may pass the same bytes at another address. A connection waiting in the poller holds
    // no TLS buffers (the engine's "a parked connection holds no buffers").
    SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                                  | SSL_MODE_RELEASE_BUFFERS);
    // Read-ahead: one recv takes every record the kernel holds, instead of a header and a
    // body per record (an upload arrives in 16 KiB records). What it reads ahead is seen by
    // SSL_has_pending, which the engine asks before it parks a connection.
    SSL_CTX_set_read_ahead(context, 1);
    SSL_CTX_set_default_read_buffer_len(context, 64 * 1024);
    // AES-128-GCM first (then AES-256-GCM, then ChaCha20 for processors without AES
    // instructions), as Mozilla's "intermediate" configuration orders them: OpenSSL's
    // default puts AES-256 first, which costs a quarter more per byte on both ends — on a
    // 256 MiB upload with client and server on two cores, 285 against 3xx MB/s
    // (docs/performance.md). ECDSA certificates only: the TLS 1.2 list names those.
    if (!SSL_CTX_set_ciphersuites(context, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256")
        || !SSL_CTX_set_cipher_list(context, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305")) {
        fail(error, error_size, "cannot set the cipher suites");
        SSL_CTX_free(context);
        return NULL;
    }
    static const unsigned char session_context[] = "rostra";
    SSL_CTX_set_session_id_context(context, session_context, sizeof session_context - 1);
    SSL_CTX_set_alpn_select_cb(context, select_http11, NULL);
    if (SSL_CTX_use_certificate_chain_file(context, certificate_chain_file) != 1) {
        char what[512];
        snprintf(what, sizeof what, "cannot load the certificate %s", certificate_chain_file);
        fail(error, error_size, what);
        SSL_CTX_free(context);
        return NULL;
    }
    if (SSL_CTX_use_PrivateKey_file(context, private_key_file, SSL_FILETYPE_PEM) != 1) {
        char what[512];
        snprintf(what, sizeof what, "cannot load the private key %s", private_key_file);
        fail(error, error_size, what);
        SSL_CTX_free(context);
        return NULL;
    }
    if (SSL_CTX_check_private_key(context) != 1) {
        fail(error, error_size, "the private key does not belong to the certificate");
        SSL_CTX_free(context);
        return NULL;
    }
    return context;
}

// MARK: Certificates

static X509 *read_certificate(const char *pem) {
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (bio == NULL) return NULL;
    X509 *certificate = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return certificate;
}

static EVP_PKEY *read_private_key(const char *pem) {
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (bio == NULL) return NULL;
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    return key;
}

/// The BIO's contents as a NUL-terminated string from malloc.
static char *bio_string(BIO *bio) {
    char *data = NULL;
    long length = BIO_get_mem_data(bio, &data);
    if (length < 0) return NULL;
    char *copy = malloc((size_t)length + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, data, (size_t)length);
    copy[length] = 0;
    return copy;
}

static int write_pem(X509 *certificate, EVP_PKEY *key, char **certificate_pem, char **private_key_pem) {
    BIO *certificate_bio = BIO_new(BIO_s_mem());
    BIO *key_bio = BIO_new(BIO_s_mem());
    int ok = certificate_bio != NULL && key_bio != NULL && PEM_write_bio_X509(certificate_bio, certificate)
             && PEM_write_bio_PrivateKey(key_bio, key, NULL, NULL, 0, NULL, NULL);
    if (ok) {
        *certificate_pem = bio_string(certificate_bio);
        *private_key_pem = bio_string(key_bio);
        ok = *certificate_pem != NULL && *private_key_pem != NULL;
        if (!ok) {
            free(*certificate_pem);
            free(*private_key_pem);
            *certificate_pem = *private_key_pem = NULL;
        }
    }
    BIO_free(certificate_bio);
    BIO_free(key_bio);
    return ok;
}

/// A random positive 159-bit serial number (RFC 5280 allows 20 octets; CAs use at least 64
/// random bits so that no two certificates share one).
static int set_random_serial(X509 *certificate) {
    BIGNUM *number = BN_new();
    int ok = number != NULL && BN_rand(number, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
    ASN1_INTEGER *serial = ok ? BN_to_ASN1_INTEGER(number, NULL) : NULL;
    ok = serial != NULL && X509_set_serialNumber(certificate, serial);
    ASN1_INTEGER_free(serial);
    BN_free(number);
    return ok;
}

/// Version 3, a random serial, valid from an hour ago (a client whose clock is a little
/// behind still accepts it) for `days`, the subject's names, its key.
static int set_basics(X509 *certificate, EVP_PKEY *key, const char *organization, const char *common_name, int days) {
    X509_NAME *name = X509_get_subject_name(certificate);
    return X509_set_version(certificate, 2) && set_random_serial(certificate)
           && X509_gmtime_adj(X509_getm_notBefore(certificate), -3600)
           && X509_time_adj_ex(X509_getm_notAfter(certificate), days, 0, NULL)
           && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)organization, -1, -1, 0)
           && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)common_name, -1, -1, 0)
           && X509_set_pubkey(certificate, key);
}

/// Adds one extension written in OpenSSL's configuration syntax.
static int add_extension(X509 *certificate, X509V3_CTX *context, int nid, const char *value) {
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(NULL, context, nid, value);
    if (extension == NULL) return 0;
    int ok = X509_add_ext(certificate, extension, -1);
    X509_EXTENSION_free(extension);
    return ok;
}

int rostra_tls_make_authority(const char *organization, const char *common_name, int days,
                              char **certificate_pem, char **private_key_pem, char *error, size_t error_size) {
    rostra_tls_initialize();
    ERR_clear_error();
    *certificate_pem = *private_key_pem = NULL;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *certificate = X509_new();
    X509V3_CTX context;
    int ok = key != NULL && certificate != NULL && set_basics(certificate, key, organization, common_name, days)
             && X509_set_issuer_name(certificate, X509_get_subject_name(certificate));
    if (ok) {
        X509V3_set_ctx(&context, certificate, certificate, NULL, NULL, 0);
        ok = add_extension(certificate, &context, NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
             && add_extension(certificate, &context, NID_key_usage, "critical,keyCertSign,cRLSign")
             && add_extension(certificate, &context, NID_subject_key_identifier, "hash")
             && X509_sign(certificate, key, EVP_sha256()) > 0
             && write_pem(certificate, key, certificate_pem, private_key_pem);
    }
    if (!ok) fail(error, error_size, "cannot make the certificate authority");
    X509_free(certificate);
    EVP_PKEY_free(key);
    return ok;
}

/// The names as subject alternative names: IP literals as addresses, the rest as DNS names.
static GENERAL_NAMES *alternative_names(const char *const *names, size_t count) {
    GENERAL_NAMES *all = sk_GENERAL_NAME_new_null();
    if (all == NULL) return NULL;
    for (size_t index = 0; index < count; index++) {
        GENERAL_NAME *entry = GENERAL_NAME_new();
        if (entry == NULL) goto failed;
        ASN1_OCTET_STRING *address = a2i_IPADDRESS(names[index]);
        if (address != NULL) {
            GENERAL_NAME_set0_value(entry, GEN_IPADD, address);
        } else {
            ERR_clear_error();  // not an IP literal: a DNS name
            ASN1_IA5STRING *dns = ASN1_IA5STRING_new();
            if (dns == NULL || !ASN1_STRING_set(dns, names[index], -1)) {
                ASN1_IA5STRING_free(dns);
                GENERAL_NAME_free(entry);
                goto failed;
            }
            GENERAL_NAME_set0_value(entry, GEN_DNS, dns);
        }
        if (!sk_GENERAL_NAME_push(all, entry)) {
            GENERAL_NAME_free(entry);
            goto failed;
        }
    }
    return all;
failed:
    GENERAL_NAMES_free(all);
    return NULL;
}

int rostra_tls_issue_server_certificate(const char *authority_certificate_pem, const char *authority_key_pem,
                                        const char *organization, const char *const *names, size_t name_count,
                                        int days, char **certificate_pem, char **private_key_pem,
                                        char *error, size_t error_size) {
    rostra_tls_initialize();
    ERR_clear_error();
    *certificate_pem = *private_key_pem = NULL;
    if (name_count == 0) {
        fail(error, error_size, "a server certificate needs at least one name");
        return 0;
    }
    X509 *authority = read_certificate(authority_certificate_pem);
    EVP_PKEY *authority_key = read_private_key(authority_key_pem);
    if (authority == NULL || authority_key == NULL || X509_check_private_key(authority, authority_key) != 1) {
        fail(error, error_size, "the certificate authority's certificate and key do not read as a pair");
        X509_free(authority);
        EVP_PKEY_free(authority_key);
        return 0;
    }
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *certificate = X509_new();
    GENERAL_NAMES *alternatives = alternative_names(names, name_count);
    X509V3_CTX context;
    int ok = key != NULL && certificate != NULL && alternatives != NULL
             && set_basics(certificate, key, organization, names[0], days)
             && X509_set_issuer_name(certificate, X509_get_subject_name(authority));
    if (ok) {
        X509V3_set_ctx(&context, authority, certificate, NULL, NULL, 0);
        ok = add_extension(certificate, &context, NID_basic_constraints, "critical,CA:FALSE")
             // ECDSA keys sign; keyEncipherment is for RSA key transport.
             && add_extension(certificate, &context, NID_key_usage, "critical,digitalSignature")
             && add_extension(certificate, &context, NID_ext_key_usage, "serverAuth")
             && add_extension(certificate, &context, NID_subject_key_identifier, "hash")
             && add_extension(certificate, &context, NID_authority_key_identifier, "keyid:always")
             && X509_add1_ext_i2d(certificate, NID_subject_alt_name, alternatives, 0, X509V3_ADD_DEFAULT) == 1
             && X509_sign(certificate, authority_key, EVP_sha256()) > 0
             && write_pem(certificate, key, certificate_pem, private_key_pem);
    }
    if (!ok) fail(error, error_size, "cannot issue the server certificate");
    GENERAL_NAMES_free(alternatives);
    X509_free(certificate);
    EVP_PKEY_free(key);
    X509_free(authority);
    EVP_PKEY_free(authority_key);
    return ok;
}

int rostra_tls_certificate_facts(const char *certificate_pem, const char *authority_certificate_pem,
                                 rostra_tls_facts *facts, char *error, size_t error_size) {
    rostra_tls_initialize();
    ERR_clear_error();
    X509 *certificate = read_certificate(certificate_pem);
    if (certificate == NULL) {
        fail(error, error_size, "the certificate does not read as PEM");
        return 0;
    }
    struct tm not_after;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(certificate), &not_after) != 1) {
        fail(error, error_size, "the certificate's notAfter does not read");
        X509_free(certificate);
        return 0;
    }
    facts->not_after = (int64_t)timegm(&not_after);
    facts->issued_by_authority = 0;
    if (authority_certificate_pem != NULL) {
        X509 *authority = read_certificate(authority_certificate_pem);
        EVP_PKEY *authority_key = authority != NULL ? X509_get0_pubkey(authority) : NULL;
        facts->issued_by_authority = authority_key != NULL && X509_check_issued(authority, certificate) == X509_V_OK
                                     && X509_verify(certificate, authority_key) == 1;
        X509_free(authority);
    }
    X509_free(certificate);
    ERR_clear_error();
    return 1;
}

int rostra_tls_certificate_covers(const char *certificate_pem, const char *name) {
    rostra_tls_initialize();
    X509 *certificate = read_certificate(certificate_pem);
    if (certificate == NULL) {
        ERR_clear_error();
        return -1;
    }
    ASN1_OCTET_STRING *address = a2i_IPADDRESS(name);
    int covered;
    if (address != NULL) {
        covered = X509_check_ip(certificate, ASN1_STRING_get0_data(address), (size_t)ASN1_STRING_length(address), 0) == 1;
        ASN1_OCTET_STRING_free(address);
    } else {
        covered = X509_check_host(certificate, name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
    }
    X509_free(certificate);
    ERR_clear_error();
    return covered;
}

int rostra_tls_key_matches(const char *certificate_pem, const char *private_key_pem) {
    rostra_tls_initialize();
    X509 *certificate = read_certificate(certificate_pem);
    EVP_PKEY *key = read_private_key(private_key_pem);
    int matches = certificate != NULL && key != NULL && X509_check_private_key(certificate, key) == 1;
    X509_free(certificate);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return matches;
}
