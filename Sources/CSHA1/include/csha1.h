#ifndef ROSTRA_CSHA1_H
#define ROSTRA_CSHA1_H

#include <stddef.h>
#include <stdint.h>

/// Whether this processor has the SHA extensions (x86 SHA-NI) that
/// `rostra_sha1_blocks_hardware` needs. Checked once by the caller.
int rostra_sha1_hardware_available(void);

/// Compresses `blocks` 64-byte blocks of `data` into `state` (a, b, c, d, e), with the
/// processor's SHA instructions. Only call when `rostra_sha1_hardware_available()`.
void rostra_sha1_blocks_hardware(uint32_t state[5], const uint8_t *data, size_t blocks);

#endif
