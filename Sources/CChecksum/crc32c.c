#include "CChecksum.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>

int mixrec_crc32c_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_SSE4_2) != 0;
}

__attribute__((target("sse4.2")))
uint32_t mixrec_crc32c_hardware_update(uint32_t state, const uint8_t *bytes, size_t count) {
    uint64_t crc = state;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, bytes, sizeof word);
        crc = _mm_crc32_u64(crc, word);
        bytes += 8;
        count -= 8;
    }
    uint32_t tail = (uint32_t)crc;
    while (count > 0) {
        tail = _mm_crc32_u8(tail, *bytes++);
        count -= 1;
    }
    return tail;
}
#else
int mixrec_crc32c_hardware_available(void) { return 0; }

uint32_t mixrec_crc32c_hardware_update(uint32_t state, const uint8_t *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return state;
}
#endif
