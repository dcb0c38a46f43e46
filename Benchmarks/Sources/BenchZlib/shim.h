#include <zlib.h>

// deflateInit2 and inflateInit2 are macros, which Swift does not import.
static inline int benchzlib_deflate_init(z_streamp strm, int level, int windowBits) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
static inline int benchzlib_inflate_init(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
