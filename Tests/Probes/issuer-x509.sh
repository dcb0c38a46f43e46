#!/usr/bin/env bash
# End-to-end check of issue 12's X.509 signing identity, against a real `standing serve` and independent tools:
#   - openssl acts as the issuer's CA: it certifies the CSR `standing identities create --kind x509` wrote, with the
#     status-signing extended key usage (a test OID, since id-kp-oauthStatusSigning is still TBD in the draft);
#   - `standing identities import-chain` imports the chain; a list owned by the issuer is then served as
#     statuslist+jwt and statuslist+cwt with an x5c chain;
#   - Python `cryptography` + `jwcrypto` + `pycose` (Tests/Probes/x5c_verify.py) validate the chain to the CA, the
#     leaf's usage, that the leaf is not self-signed, and the signatures;
#   - the W3C forms are checked against the issuer's DID document fetched from the service (x5c_verify.py --did-document).
# Usage: Tests/Probes/issuer-x509.sh [path/to/standing]     (default .build/debug/standing)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
binary="$(cd "$(dirname "${1:-$root/.build/debug/standing}")" && pwd)/$(basename "${1:-$root/.build/debug/standing}")"
work="$(mktemp -d)"
server_pid=""
# The server is waited for before its data directory goes: at shutdown it still writes (the registry's checkpoint).
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
command -v openssl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null; }

usage_oid="1.3.6.1.4.1.58978.1.1"     # a private test arc standing in for id-kp-oauthStatusSigning (TBD)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export STANDING_SERVER="http://127.0.0.1:$port"
"$binary" serve --data-dir "$work/data" --port "$port" --status-signing-eku "$usage_oid" --log-level warning > "$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "$STANDING_SERVER/health" >/dev/null && break; sleep 0.1; done
export STANDING_TOKEN="$(cat "$work/data/operator-token")"

echo "== the issuer's CA (openssl) certifies the service-held key"
"$binary" identities create --issuer academy --kind x509 --csr-out "$work/academy.csr" --organization "Test Academy" --country ES
openssl req -in "$work/academy.csr" -noout -verify
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 30 \
    -subj "/CN=Test Academy Root CA/O=Test Academy/C=ES" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
# An intermediate CA issues the leaf: the chain the CA hands back is leaf + intermediate (HAIP: never the root).
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/intermediate.key" -out "$work/intermediate.csr" \
    -subj "/CN=Test Academy Issuing CA/O=Test Academy/C=ES" 2>/dev/null
cat > "$work/intermediate.ext" <<EXT
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
EXT
openssl x509 -req -in "$work/intermediate.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 20 \
    -extfile "$work/intermediate.ext" -out "$work/intermediate.pem" 2>/dev/null
cat > "$work/leaf.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=$usage_oid
EXT
openssl x509 -req -in "$work/academy.csr" -CA "$work/intermediate.pem" -CAkey "$work/intermediate.key" -CAcreateserial -days 10 \
    -extfile "$work/leaf.ext" -out "$work/leaf.pem" 2>/dev/null
cat "$work/leaf.pem" "$work/intermediate.pem" > "$work/chain.pem"

echo "== a chain without the usage is refused"
cat > "$work/plain.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
EXT
openssl x509 -req -in "$work/academy.csr" -CA "$work/intermediate.pem" -CAkey "$work/intermediate.key" -CAcreateserial -days 10 \
    -extfile "$work/plain.ext" -out "$work/plain.pem" 2>/dev/null
cat "$work/plain.pem" "$work/intermediate.pem" > "$work/plain-chain.pem"
if "$binary" identities import-chain --issuer academy "$work/plain-chain.pem" 2> "$work/refused.txt"; then
    echo "FAIL: a chain whose leaf lacks the status-signing usage was imported"; exit 1
fi
grep -q "$usage_oid" "$work/refused.txt" || { echo "FAIL: the refusal does not name the usage:"; cat "$work/refused.txt"; exit 1; }
echo "refused: $(cat "$work/refused.txt")"

echo "== the chain is imported and the issuer's lists carry it"
"$binary" identities import-chain --issuer academy "$work/chain.pem"
"$binary" lists create --purpose revocation --id academy-2026 --owner academy
for _ in $(seq 1 50); do
    curl -sf -H 'Accept: application/statuslist+jwt' "$STANDING_SERVER/status/academy-2026" > "$work/list.jwt" || true
    python3 - "$work/list.jwt" <<'PY' && break
import base64, json, sys
token = open(sys.argv[1]).read().split(".")
header = json.loads(base64.urlsafe_b64decode(token[0] + "=" * (-len(token[0]) % 4)))
sys.exit(0 if "x5c" in header else 1)
PY
    sleep 0.1
done
curl -sf -H 'Accept: application/statuslist+cwt' "$STANDING_SERVER/status/academy-2026" > "$work/list.cwt"
curl -sf -H 'Accept: application/vc+jwt' "$STANDING_SERVER/status/academy-2026" > "$work/list.vc.jwt"
curl -sf "$STANDING_SERVER/issuers/academy/did.json" > "$work/did.json"

echo "== independent verification (cryptography, jwcrypto, pycose)"
bash "$root/Tests/Probes/x5c-verify.sh" --jwt "$work/list.jwt" --cwt "$work/list.cwt" --anchor "$work/ca.pem" --eku "$usage_oid" \
    --vc-jwt "$work/list.vc.jwt" --did-document "$work/did.json"
echo "issuer-x509: ok"
