#ifndef ROSTRA_COPENSSL_SHIM_H
#define ROSTRA_COPENSSL_SHIM_H

// The system OpenSSL 3 (Debian: libssl-dev) as a Swift module: TLS for the HTTP engine's
// TLS listeners, and the X.509 calls that make the local certificate authority's
// certificates. What Swift cannot call (macros, variadic functions, callbacks) is wrapped
// in the CTLS target.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#endif
