// The PKCS#11 (Cryptoki) interface as Debian ships it in libp11-kit-dev (/usr/include/p11-kit-1/p11-kit/pkcs11.h).
// Only the header: no library is linked. A token's module (e.g. SoftHSM2's libsofthsm2.so) is opened at run time with
// dlopen and reached through the function list its C_GetFunctionList returns (see Sources/HardwareKeys).
#ifndef STANDING_CPKCS11_SHIM_H
#define STANDING_CPKCS11_SHIM_H

#if __has_include(<p11-kit/pkcs11.h>)
#include <p11-kit/pkcs11.h>
#elif __has_include(<p11-kit-1/p11-kit/pkcs11.h>)
#include <p11-kit-1/p11-kit/pkcs11.h>
#else
#error "the PKCS#11 header is missing: install Debian's libp11-kit-dev (apt-get install libp11-kit-dev)"
#endif

// Values the header writes as shifts or casts, which Swift does not import as constants.
static const CK_FLAGS STANDING_CKF_OS_LOCKING_OK = CKF_OS_LOCKING_OK;
static const CK_FLAGS STANDING_CKF_RW_SESSION = CKF_RW_SESSION;
static const CK_FLAGS STANDING_CKF_SERIAL_SESSION = CKF_SERIAL_SESSION;
static const CK_FLAGS STANDING_CKF_TOKEN_INITIALIZED = CKF_TOKEN_INITIALIZED;
static const CK_FLAGS STANDING_CKF_TOKEN_PRESENT = CKF_TOKEN_PRESENT;
static const CK_FLAGS STANDING_CKF_SIGN = CKF_SIGN;
static const CK_ULONG STANDING_CK_UNAVAILABLE_INFORMATION = CK_UNAVAILABLE_INFORMATION;

#endif
