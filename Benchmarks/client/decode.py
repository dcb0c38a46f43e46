#!/usr/bin/env python3
"""Independent decoding of the 1M-entry IETF Status List JWT that ClientReport serves, for the side-by-side figures.

Usage: decode.py <list-1m.jwt> <key.jwk.json> <output.json> [--quick]

Times, in alternating order within one run (time.perf_counter, batches of ~30 ms, median per call):
  decode-only         base64url of the payload, json.loads, base64url of lst, zlib.decompress
  verify+decode       the same plus header JSON and ES256 verification with `cryptography` (P-256, SHA-256)
  token-status-list   the PyPI package's BitArray.load on the status_list claim (base64url + zlib), after the same
                      payload decoding, when the package is installed
  zlib alone          zlib.decompress of the lst bytes
"""

import base64
import json
import statistics
import sys
import time
import zlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

try:
    import token_status_list
except ImportError:  # reported as absent
    token_status_list = None


def b64url(data):
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


def public_key(jwk):
    x = int.from_bytes(b64url(jwk["x"].encode()), "big")
    y = int.from_bytes(b64url(jwk["y"].encode()), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def decode_only(token):
    _, payload, _ = token.split(b".")
    claims = json.loads(b64url(payload))
    status_list = claims["status_list"]
    return len(zlib.decompress(b64url(status_list["lst"].encode())))


def verify_and_decode(token, key):
    header, payload, signature = token.split(b".")
    if json.loads(b64url(header))["alg"] != "ES256":
        raise ValueError("not ES256")
    raw = b64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key.verify(der, header + b"." + payload, ec.ECDSA(hashes.SHA256()))  # raises InvalidSignature
    claims = json.loads(b64url(payload))
    return len(zlib.decompress(b64url(claims["status_list"]["lst"].encode())))


def package_decode(token):
    _, payload, _ = token.split(b".")
    claims = json.loads(b64url(payload))
    return len(token_status_list.BitArray.load(claims["status_list"]).lst)


def main():
    token = open(sys.argv[1], "rb").read().strip()
    key = public_key(json.load(open(sys.argv[2])))
    output = sys.argv[3]
    rounds = 5 if "--quick" in sys.argv else 15

    _, payload, _ = token.split(b".")
    compressed = b64url(json.loads(b64url(payload))["status_list"]["lst"].encode())
    operations = {
        "decode-only": lambda: decode_only(token),
        "verify+decode": lambda: verify_and_decode(token, key),
        "zlib alone": lambda: len(zlib.decompress(compressed)),
    }
    if token_status_list is not None:
        operations["token-status-list BitArray.load"] = lambda: package_decode(token)

    expected = 1_048_576 // 8
    for name, operation in operations.items():
        if operation() != expected:
            raise SystemExit(f"{name}: wrong decoded size")
    try:
        tampered = token[:-2] + (b"A" if token[-2:-1] != b"A" else b"B") + token[-1:]
        verify_and_decode(tampered, key)
        raise SystemExit("a tampered signature verified")
    except InvalidSignature:
        pass

    batches = {}
    for name, operation in operations.items():
        start = time.perf_counter()
        for _ in range(3):
            operation()
        single = (time.perf_counter() - start) / 3
        batches[name] = max(1, int(0.030 / single))
    names = list(operations)
    samples = {name: [] for name in names}
    for round_index in range(rounds):
        for offset in range(len(names)):
            name = names[(offset + round_index) % len(names)]
            operation = operations[name]
            count = batches[name]
            start = time.perf_counter()
            for _ in range(count):
                operation()
            samples[name].append((time.perf_counter() - start) / count * 1e9)
    result = {
        "python": sys.version.split()[0],
        "token_status_list": getattr(token_status_list, "__name__", None) and "installed",
        "figures": [],
    }
    for name in names:
        values = sorted(samples[name])
        quartiles = statistics.quantiles(values, n=4)
        figure = {
            "name": name,
            "nanoseconds": statistics.median(values),
            "p25": quartiles[0],
            "p75": quartiles[2],
            "rounds": rounds,
            "batch": batches[name],
        }
        result["figures"].append(figure)
        print(f"{name:40} {figure['nanoseconds'] / 1000:10.1f} us  [{quartiles[0] / 1000:.1f}-{quartiles[2] / 1000:.1f}]")
    json.dump(result, open(output, "w"), indent=2)


if __name__ == "__main__":
    main()
