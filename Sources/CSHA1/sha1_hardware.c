// SHA-1 block compression (FIPS 180-4 §6.1.2) with the x86 SHA extensions.
//
// Why C: the Rosa File Store hashes every uploaded byte, and the portable Swift rounds
// (Sources/Emulator/State/SHA1.swift) run at about 180 MB/s on these machines, which
// held uploads far below the 400 MB/s the API must sustain. SHA1RNDS4 performs four
// rounds per instruction; Swift has no portable way to reach it.
//
// The instructions (Intel SDM, "SHA Extensions"):
// - SHA1RNDS4 abcd, w, f: four rounds of function/constant group f (0..3, one per
//   20 rounds); w holds W[i]+E, W[i+1], W[i+2], W[i+3] from the highest lane down.
// - SHA1NEXTE e4, w: the E of the next four rounds — A from four rounds earlier,
//   rotated left by 30 — added to the highest lane of w.
// - SHA1MSG1 / SHA1MSG2: the message schedule, W[i] = rol1(W[i-3] ^ W[i-8] ^ W[i-14] ^ W[i-16]),
//   four words at a time: msg2(msg1(W[t-4], W[t-3]) ^ W[t-2], W[t-1]).

#include "csha1.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

int rostra_sha1_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    // Leaf 7, sub-leaf 0: EBX bit 29 is SHA. SSSE3 (leaf 1 ECX bit 9) and SSE4.1
    // (bit 19) are needed for the byte shuffle and the lane extract.
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    if (!(ecx & (1u << 9)) || !(ecx & (1u << 19))) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    return (ebx & (1u << 29)) != 0;
}

// Four message words, big-endian in memory, as one vector with W[i] in the highest lane.
#define LOAD(t) _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * (t))), byte_reverse)

// One group of four rounds, t = 0..19, using m0..m3 as the last four message vectors
// (m[t % 4] is written here). `f` is the round function group, t / 5.
#define GROUP(t, f, cur, older3, older2, older1)                                              \
    do {                                                                                      \
        if ((t) < 4) {                                                                        \
            cur = LOAD(t);                                                                    \
        } else {                                                                              \
            cur = _mm_sha1msg2_epu32(                                                         \
                _mm_xor_si128(_mm_sha1msg1_epu32(cur, older3), older2), older1);              \
        }                                                                                     \
        __m128i e_plus_w = (t) == 0 ? _mm_add_epi32(e, cur) : _mm_sha1nexte_epu32(previous, cur); \
        previous = abcd;                                                                      \
        abcd = _mm_sha1rnds4_epu32(abcd, e_plus_w, f);                                        \
    } while (0)

__attribute__((target("sha,ssse3,sse4.1")))
void rostra_sha1_blocks_hardware(uint32_t state[5], const uint8_t *data, size_t blocks) {
    const __m128i byte_reverse = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
    // a in the highest lane, d in the lowest; e alone in the highest lane of its vector.
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)state), 0x1B);
    __m128i e = _mm_set_epi32((int)state[4], 0, 0, 0);

    while (blocks--) {
        const __m128i abcd_before = abcd;
        const __m128i e_before = e;
        __m128i m0 = _mm_setzero_si128(), m1 = m0, m2 = m0, m3 = m0, previous = abcd;

        // m(t % 4) is computed from m(t-4) (the same variable), m(t-3), m(t-2), m(t-1).
        GROUP(0, 0, m0, m1, m2, m3);
        GROUP(1, 0, m1, m2, m3, m0);
        GROUP(2, 0, m2, m3, m0, m1);
        GROUP(3, 0, m3, m0, m1, m2);
        GROUP(4, 0, m0, m1, m2, m3);
        GROUP(5, 1, m1, m2, m3, m0);
        GROUP(6, 1, m2, m3, m0, m1);
        GROUP(7, 1, m3, m0, m1, m2);
        GROUP(8, 1, m0, m1, m2, m3);
        GROUP(9, 1, m1, m2, m3, m0);
        GROUP(10, 2, m2, m3, m0, m1);
        GROUP(11, 2, m3, m0, m1, m2);
        GROUP(12, 2, m0, m1, m2, m3);
        GROUP(13, 2, m1, m2, m3, m0);
        GROUP(14, 2, m2, m3, m0, m1);
        GROUP(15, 3, m3, m0, m1, m2);
        GROUP(16, 3, m0, m1, m2, m3);
        GROUP(17, 3, m1, m2, m3, m0);
        GROUP(18, 3, m2, m3, m0, m1);
        GROUP(19, 3, m3, m0, m1, m2);

        // E after the last round is A from four rounds before it, rotated by 30: add it
        // to the E this block started with; A..D add lane by lane.
        e = _mm_sha1nexte_epu32(previous, e_before);
        abcd = _mm_add_epi32(abcd, abcd_before);
        data += 64;
    }

    _mm_storeu_si128((__m128i *)state, _mm_shuffle_epi32(abcd, 0x1B));
    state[4] = (uint32_t)_mm_extract_epi32(e, 3);
}

#else

int rostra_sha1_hardware_available(void) { return 0; }

void rostra_sha1_blocks_hardware(uint32_t state[5], const uint8_t *data, size_t blocks) {
    (void)state; (void)data; (void)blocks;
}

#endif
