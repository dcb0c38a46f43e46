#include <zlib.h>

// deflateInit2 and inflateInit2 are macros, which Swift does not import.
static inline int czlib_deflate_init(z_streamp strm, int level, int windowBits) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
static inline int czlib_inflate_init(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}

// The checksum combiners are renamed by macros when large-file support is on; these fixed names avoid depending on
// which variant the headers select.
static inline unsigned long czlib_crc32_combine(unsigned long crc1, unsigned long crc2, long long length2) {
    return crc32_combine(crc1, crc2, (z_off_t)length2);
}
static inline unsigned long czlib_adler32_combine(unsigned long adler1, unsigned long adler2, long long length2) {
    return adler32_combine(adler1, adler2, (z_off_t)length2);
}
