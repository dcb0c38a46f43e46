#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into DIRECTORY/<target>/, from the spec vectors in the repository.

Usage: python3 Fuzz/seeds.py DIRECTORY

Sources: Tests/*/Vectors (IETF Token Status List draft examples: lst, compressed bytes, the status list JWT and CWT,
its example key; W3C Data Integrity vectors: documents, did:key verification methods), the W3C Bitstring Status
List example encodedList quoted in the StatusList tests, a few CBOR items from RFC 8949 Appendix A, and X.509
certificates made with openssl when it is installed.
"""
import base64
import glob
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BITS = {1: 0, 2: 1, 4: 2, 8: 3}  # index in StatusSize.allCases, the targets' first byte


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def write(directory, target, data):
    if isinstance(data, str):
        data = data.encode()
    path = os.path.join(directory, target)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def main(directory):
    ietf = json.load(open(os.path.join(ROOT, "Tests/StatusListTests/Vectors/ietf-draft-examples.json")))
    for example in ietf["lists"]:
        selector = BITS[example["bits"]]
        compressed = b64url_decode(example["lst"])
        write(directory, "FuzzIETFList", bytes([selector]) + example["lst"].encode())
        write(directory, "FuzzIETFList", bytes([selector | 0x80]) + compressed)
        # The same byte arrays as W3C lists (GZIP, mtime 0), so the W3C decoder starts from valid streams of every size.
        raw = gzip.compress(zlib.decompress(compressed), mtime=0)
        write(directory, "FuzzW3CList", bytes([selector | 0x80]) + raw)
        write(directory, "FuzzW3CList", bytes([selector]) + ("u" + b64url_encode(raw)).encode())

    # The W3C specification's example encodedList (and variants) as the StatusList tests quote it.
    for path in glob.glob(os.path.join(ROOT, "Tests/StatusListTests/*.swift")):
        for encoded in set(re.findall(r'"(uH4sI[A-Za-z0-9_-]+)"', open(path).read())):
            write(directory, "FuzzW3CList", b"\x00" + encoded.encode())
            write(directory, "FuzzW3CList", b"\x80" + b64url_decode(encoded[1:]))

    jwt = ietf["jwt"]
    write(directory, "FuzzCompactJWS", jwt)
    header, payload, _ = jwt.split(".")
    for part in (header, payload):
        write(directory, "FuzzJSON", b64url_decode(part))
    cwt = bytes.fromhex(ietf["cwt_hex"])
    write(directory, "FuzzCOSESign1", cwt)
    write(directory, "FuzzCBOR", cwt)
    # RFC 8949 Appendix A: integers, floats, strings, arrays, maps, tags, simple values, indefinite lengths.
    for item in ["00", "1903e8", "3bffffffffffffffff", "c249010000000000000000", "f97c00", "fb3ff199999999999a",
                 "6449455446", "4401020304", "83010203", "a201020304", "d82076687474703a2f2f7777772e6578616d706c652e636f6d",
                 "f4", "f6", "9f018202039f0405ffff", "bf61610161629f0203ffff", "5f42010243030405ff"]:
        write(directory, "FuzzCBOR", bytes.fromhex(item))

    jwk = ietf["example_key_public_jwk"]
    did = "did:web:status.example.com"
    write(directory, "FuzzDIDDocument", json.dumps({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did,
        "verificationMethod": [{"id": did + "#" + jwk["kid"], "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}],
        "assertionMethod": [did + "#" + jwk["kid"]],
        "authentication": ["#" + jwk["kid"]],
    }))

    for path in sorted(glob.glob(os.path.join(ROOT, "Tests/*/Vectors/*.json"))):
        document = open(path, "rb").read()
        write(directory, "FuzzJSON", document)
        method = json.loads(document).get("proof", {}).get("verificationMethod")
        if isinstance(method, str) and method.startswith("did:key:"):
            write(directory, "FuzzDIDDocument", method)
            multibase = method.split("#")[0][len("did:key:"):]
            key_did = method.split("#")[0]
            write(directory, "FuzzDIDDocument", json.dumps({
                "@context": "https://www.w3.org/ns/did/v1",
                "id": key_did,
                "verificationMethod": [{"id": method, "type": "Multikey", "controller": key_did, "publicKeyMultibase": multibase}],
                "assertionMethod": [{"id": method, "type": "Multikey", "controller": key_did, "publicKeyMultibase": multibase}],
            }))

    write_certificates(directory)


def write_certificates(directory):
    """A P-256 CA and a leaf it issued, as a PEM chain and as a DER chain (2-byte length of the first, then both)."""
    try:
        subprocess.run(["openssl", "version"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        print("seeds: openssl not found; FuzzX509 starts from an empty corpus", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        def run(*arguments):
            subprocess.run(["openssl", *arguments], check=True, capture_output=True, cwd=tmp)
        run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "30", "-subj", "/CN=Fuzz CA", "-addext", "basicConstraints=critical,CA:TRUE")
        run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key", "-out",
            "leaf.csr", "-subj", "/CN=Fuzz leaf/O=Standing/C=ES")
        run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-out", "leaf.pem", "-days", "30",
            "-set_serial", "2")
        for name in ("ca", "leaf"):
            run("x509", "-in", name + ".pem", "-outform", "DER", "-out", name + ".der")
        ca_pem, leaf_pem = (open(os.path.join(tmp, n + ".pem"), "rb").read() for n in ("ca", "leaf"))
        ca_der, leaf_der = (open(os.path.join(tmp, n + ".der"), "rb").read() for n in ("ca", "leaf"))
    write(directory, "FuzzX509", leaf_pem + ca_pem)
    write(directory, "FuzzX509", ca_pem)
    write(directory, "FuzzX509", len(leaf_der).to_bytes(2, "big") + leaf_der + ca_der)
    write(directory, "FuzzX509", len(ca_der).to_bytes(2, "big") + ca_der)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
