#!/usr/bin/env bash
# Status List Tokens signed by our Swift signer with an X.509 chain, checked by an independent verifier: the Swift test
# X5CInteropArtefacts writes a CA, per algorithm (ES256, ES384, EdDSA) a CSR, the chain issued for it and a
# statuslist+jwt / statuslist+cwt carrying x5c / x5chain; then Tests/Probes/x5c_verify.py (pyca/cryptography,
# jwcrypto, pycose from PyPI, in .build/x5c-venv) must accept every token, `openssl req -verify` every CSR and
# `openssl verify` every chain, and each tampered or misconfigured case must be refused for the right reason.
# Bounded in time, exits non-zero on failure. Usage: bash Tests/Probes/x5c-interop.sh (builds the tests if needed).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
eku="1.3.6.1.5.5.7.3.99"  # the placeholder id-kp-oauthStatusSigning of X5CInteropArtefacts
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

timeout 1800 swift build --build-tests >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; echo "FAIL: build"; exit 1; }
if ! STANDING_X5C_OUT="$work/out" timeout 600 swift test --skip-build --filter X5CInteropArtefacts >"$work/test.log" 2>&1; then
    tail -30 "$work/test.log"; echo "FAIL: the artefact test failed"; exit 1
fi
out="$work/out"
[ -s "$out/anchor.pem" ] || { tail -30 "$work/test.log"; echo "FAIL: no artefacts written (was the test skipped?)"; exit 1; }

verify() { bash Tests/Probes/x5c-verify.sh "$@"; }
# expect_refusal WHAT PATTERN ARGS...: the verifier must exit non-zero and print a FAIL line matching PATTERN.
expect_refusal() {
    local what="$1" pattern="$2"
    shift 2
    if verify "$@" >"$work/refusal.log" 2>&1; then
        fail "$what: accepted"; cat "$work/refusal.log"
    elif grep -q "^FAIL .*$pattern" "$work/refusal.log"; then
        pass "$what: refused ($(grep -m1 "^FAIL .*$pattern" "$work/refusal.log"))"
    else
        fail "$what: refused for another reason"; cat "$work/refusal.log"
    fi
}
# tamper KIND IN OUT: a copy of IN with one byte changed (jwt: a payload character; cwt: the last signature byte;
# csr: a byte of the subject's common name, re-encoded as PEM).
tamper() {
    python3 - "$@" <<'PY'
import base64, sys
kind, source, target = sys.argv[1:4]
data = bytearray(open(source, "rb").read())
if kind == "jwt":
    header, payload, signature = data.decode().strip().split(".")
    i = len(payload) // 2
    payload = payload[:i] + ("A" if payload[i] != "A" else "B") + payload[i + 1:]
    data = ".".join([header, payload, signature]).encode()
elif kind == "cwt":
    data[-1] ^= 0x01
else:
    body = "".join(line for line in data.decode().splitlines() if not line.startswith("-----"))
    der = bytearray(base64.b64decode(body))
    i = der.find(b"Status signer")
    der[i] ^= 0x20
    text = base64.b64encode(bytes(der)).decode()
    data = ("-----BEGIN CERTIFICATE REQUEST-----\n" + "\n".join(text[j:j + 64] for j in range(0, len(text), 64))
            + "\n-----END CERTIFICATE REQUEST-----\n").encode()
open(target, "wb").write(bytes(data))
PY
}

for alg in es256 es384 eddsa; do
    if verify --jwt "$out/$alg.jwt" --cwt "$out/$alg.cwt" --anchor "$out/anchor.pem" --eku "$eku" >"$work/$alg.log" 2>&1; then
        pass "$alg: JWT and CWT verify ($(grep -c '^PASS' "$work/$alg.log") checks)"
    else
        fail "$alg: JWT and CWT do not verify"; cat "$work/$alg.log"
    fi
    # OpenSSL 3.0 exits 0 even when the self-signature fails, so its message is checked too.
    if openssl req -verify -noout -in "$out/$alg.csr.pem" >"$work/req.log" 2>&1 && grep -q "verify OK" "$work/req.log"; then
        pass "$alg: openssl req -verify: $(tr '\n' ' ' <"$work/req.log")"
    else
        fail "$alg: openssl req -verify"; cat "$work/req.log"
    fi
    awk '/BEGIN CERT/{n++} n==1' "$out/$alg.chain.pem" >"$work/leaf.pem"
    awk '/BEGIN CERT/{n++} n>=2' "$out/$alg.chain.pem" >"$work/intermediates.pem"
    if openssl verify -CAfile "$out/anchor.pem" -untrusted "$work/intermediates.pem" "$work/leaf.pem" >"$work/chain.log" 2>&1; then
        pass "$alg: openssl verify of the chain: $(tr '\n' ' ' <"$work/chain.log")"
    else
        fail "$alg: openssl verify of the chain"; cat "$work/chain.log"
    fi
    tamper jwt "$out/$alg.jwt" "$work/$alg.tampered.jwt"
    expect_refusal "$alg: tampered JWT" "jwt: signature verifies" --jwt "$work/$alg.tampered.jwt" --anchor "$out/anchor.pem" --eku "$eku"
    tamper cwt "$out/$alg.cwt" "$work/$alg.tampered.cwt"
    expect_refusal "$alg: tampered CWT" "cwt: signature verifies" --cwt "$work/$alg.tampered.cwt" --anchor "$out/anchor.pem" --eku "$eku"
    tamper csr "$out/$alg.csr.pem" "$work/$alg.tampered.csr.pem"
    openssl req -verify -noout -in "$work/$alg.tampered.csr.pem" >"$work/req.log" 2>&1 || true
    if grep -q "verify failure" "$work/req.log" && ! grep -q "verify OK" "$work/req.log"; then
        pass "$alg: tampered CSR refused by openssl req -verify: $(tr '\n' ' ' <"$work/req.log")"
    else
        fail "$alg: tampered CSR not refused by openssl req -verify"; cat "$work/req.log"
    fi
done
expect_refusal "another usage required" "leaf has extended key usage" --jwt "$out/es256.jwt" --cwt "$out/es256.cwt" --anchor "$out/anchor.pem" --eku "1.3.6.1.5.5.7.3.1"
expect_refusal "another anchor" "issued by the next certificate" --jwt "$out/es256.jwt" --anchor "$out/selfsigned-anchor.pem"
expect_refusal "self-signed leaf" "leaf is not self-signed" --jwt "$out/selfsigned.jwt" --anchor "$out/selfsigned-anchor.pem"

if [ "$failures" -ne 0 ]; then echo "x5c interop: $failures failure(s)"; exit 1; fi
echo "x5c interop: all checks passed"
