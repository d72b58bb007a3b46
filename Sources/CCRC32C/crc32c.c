#include "auditshipper_crc32c.h"

#include <string.h>

static uint32_t table[256];
static int table_ready = 0;

static void build_table(void) {
    for (uint32_t byte = 0; byte < 256; byte++) {
        uint32_t crc = byte;
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        table[byte] = crc;
    }
    table_ready = 1;
}

static uint32_t crc32c_software(uint32_t crc, const uint8_t *bytes, size_t length) {
    if (!table_ready) build_table();
    for (size_t i = 0; i < length; i++) {
        crc = (crc >> 8) ^ table[(crc ^ bytes[i]) & 0xFF];
    }
    return crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *bytes, size_t length) {
    uint64_t crc64 = crc;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        crc64 = _mm_crc32_u64(crc64, word);
        bytes += 8;
        length -= 8;
    }
    uint32_t crc32 = (uint32_t)crc64;
    while (length > 0) {
        crc32 = _mm_crc32_u8(crc32, *bytes);
        bytes++;
        length--;
    }
    return crc32;
}
#endif

uint32_t auditshipper_crc32c(uint32_t crc, const void *data, size_t length) {
    const uint8_t *bytes = (const uint8_t *)data;
    crc = ~crc;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2")) {
        return ~crc32c_sse42(crc, bytes, length);
    }
#endif
    return ~crc32c_software(crc, bytes, length);
}
