#ifndef AUDITSHIPPER_CZLIB_SHIM_H
#define AUDITSHIPPER_CZLIB_SHIM_H

#include <zlib.h>

// deflateInit2 and inflateInit2 are macros, which Swift cannot call.
static inline int auditshipper_deflate_init_gzip(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

// windowBits as deflateInit2 takes it: 15 + 16 gzip, 15 zlib, -15 raw deflate.
static inline int auditshipper_deflate_init(z_stream *stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}

static inline int auditshipper_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

// windowBits as inflateInit2 takes it: 15 + 16 gzip, 15 zlib, -15 raw deflate.
static inline int auditshipper_inflate_init(z_stream *stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

#endif
