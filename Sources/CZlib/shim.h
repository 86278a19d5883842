// The system's zlib (Debian: zlib1g-dev), for SocketHTTP's gzip responses.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H

#include <zlib.h>

/// deflateInit2 (a macro, so Swift cannot call it) set up for the gzip format:
/// 15-bit window plus 16, default memory level and strategy.
static inline int czlib_deflate_init_gzip(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

/// inflateInit2 (a macro) for the gzip format only.
static inline int czlib_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 15 + 16);
}

#endif
