"""Verifies Standing's LoTE (compact JAdES) with libraries that share no code with Standing.

The JWS is verified with joserfc, a strict RFC 7515 implementation: a `crit` naming a member it does not know
(JAdES `sigT`) is refused, as other generic LoTE consumers refuse it. The `x5c` chain is validated with pyca/cryptography
to a pinned anchor. The header must carry the signing time as `iat` and no `sigT` (ETSI TS 119 182-1: signatures made
since 2025-05-15).

Subcommands:
  make-chain KEYS_DIR OUT_PEM OUT_ANCHOR   issue a CA and a leaf certificate for the service's ES256 key
  verify LOTE_FILE ANCHOR_PEM              verify a fetched LoTE against the pinned anchor
"""

import base64
import datetime
import hashlib
import json
import pathlib
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from joserfc.jws import JWSRegistry
from joserfc.registry import HeaderParameter


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


class LoTERegistry(JWSRegistry):
    """joserfc's JWS registry with size limits that fit a LoTE: an x5c chain in the header, a list as the payload."""

    max_header_length = 32 * 1024
    max_payload_length = 8 * 1024 * 1024


# The consumer understands JAdES's registered JWT-style signing time; nothing else beyond RFC 7515.
REGISTRY = LoTERegistry(
    header_registry={"iat": HeaderParameter("Claimed signing time (JAdES, RFC 7519 NumericDate)", "int")},
    algorithms=["ES256"],
)


def make_chain(keys_dir: str, out_pem: str, out_anchor: str) -> None:
    """A CA and a leaf certifying the service's active ES256 key (its public JWK), so the chain has two links."""
    jwk = None
    for path in sorted(pathlib.Path(keys_dir).glob("*.jwk")):
        candidate = json.loads(path.read_text())
        if candidate.get("crv") == "P-256":
            jwk = candidate
    if jwk is None:
        fail(f"no P-256 key in {keys_dir}")
    x = int.from_bytes(b64url_decode(jwk["x"]), "big")
    y = int.from_bytes(b64url_decode(jwk["y"]), "big")
    service_key = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Probe LoTE CA"), x509.NameAttribute(NameOID.COUNTRY_NAME, "EU")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Probe trust registry seal")]))
        .issuer_name(ca_name)
        .public_key(service_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    pathlib.Path(out_pem).write_bytes(pem)
    pathlib.Path(out_anchor).write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    print(f"issued a leaf for the service's ES256 key (kid {jwk.get('kid')}) under a probe CA")


def validate_chain(der_chain: list, anchor: x509.Certificate) -> x509.Certificate:
    """Each certificate issued (signature checked) by the next, every issuer a CA, all valid now, the path ending at
    the pinned anchor (the last certificate of x5c, or the one that issued it)."""
    chain = [x509.load_der_x509_certificate(der) for der in der_chain]
    der = lambda certificate: certificate.public_bytes(serialization.Encoding.DER)
    path = chain if der(chain[-1]) == der(anchor) else chain + [anchor]
    now = datetime.datetime.now(datetime.timezone.utc)
    for certificate in path:
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            fail(f"certificate {certificate.subject.rfc4514_string()} is not valid now")
    for child, issuer in zip(path, path[1:]):
        child.verify_directly_issued_by(issuer)
        if not issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            fail(f"{issuer.subject.rfc4514_string()} issues certificates but is not a CA")
    anchor.verify_directly_issued_by(anchor)
    return chain[0]


def raw_es256_signature(private_key: ec.EllipticCurvePrivateKey, signing_input: bytes) -> bytes:
    r, s = decode_dss_signature(private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(lote_file: str, anchor_pem: str) -> None:
    compact = pathlib.Path(lote_file).read_text().strip()
    parts = compact.split(".")
    if len(parts) != 3:
        fail("the LoTE is not a compact JWS")
    header = json.loads(b64url_decode(parts[0]))
    print(f"protected header members: {sorted(header)}")
    if header.get("alg") != "ES256":
        fail(f"alg is {header.get('alg')}, expected ES256")
    if "sigT" in header:
        fail("the header carries sigT, which TS 119 182-1 forbids in signatures made since 2025-05-15")
    if "crit" in header:
        fail(f"the header marks {header['crit']} critical")
    if not isinstance(header.get("iat"), int):
        fail("the header has no integer iat (the claimed signing time)")
    x5c = header.get("x5c")
    if not isinstance(x5c, list) or not x5c:
        fail("the header has no x5c")
    der_chain = [base64.b64decode(entry, validate=True) for entry in x5c]
    if header.get("x5t#S256") != b64url(hashlib.sha256(der_chain[0]).digest()):
        fail("x5t#S256 does not match the x5c leaf")
    anchors = x509.load_pem_x509_certificates(pathlib.Path(anchor_pem).read_bytes())
    leaf = validate_chain(der_chain, anchors[-1])
    print(f"x5c: {len(der_chain)} certificate(s), leaf {leaf.subject.rfc4514_string()}, validated to the pinned anchor")

    key = ECKey.import_key(leaf.public_key())
    try:
        verified = jws.deserialize_compact(compact, key, algorithms=["ES256"], registry=REGISTRY)
    except JoseError as error:
        fail(f"joserfc refused the LoTE: {error.error}: {error.description}")
    document = json.loads(verified.payload)
    information = document["LoTE"]["ListAndSchemeInformation"]
    signed_at = datetime.datetime.fromtimestamp(header["iat"], datetime.timezone.utc)
    print(
        f"joserfc verified the JAdES signature: LoTESequenceNumber {information['LoTESequenceNumber']}, "
        f"{len(document['LoTE'].get('TrustedEntitiesList', []))} trusted entities, iat {signed_at.isoformat()}"
    )

    # Control: the same library refuses the header Standing used to emit (sigT marked critical), so this check fails
    # if Standing ever emits it again.
    control_key = ec.generate_private_key(ec.SECP256R1())
    legacy_header = {"alg": "ES256", "crit": ["sigT"], "sigT": "2025-01-01T00:00:00Z"}
    signing_input = (b64url(json.dumps(legacy_header).encode()) + "." + parts[1]).encode()
    legacy = signing_input.decode() + "." + b64url(raw_es256_signature(control_key, signing_input))
    try:
        jws.deserialize_compact(legacy, ECKey.import_key(control_key.public_key()), algorithms=["ES256"], registry=REGISTRY)
    except JoseError as error:
        print(f"control: joserfc refuses a critical sigT ({error.error})")
    else:
        fail("control: joserfc accepted a critical sigT, so it cannot tell the two headers apart")
    print("OK")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "make-chain":
        make_chain(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3])
    else:
        print(__doc__)
        sys.exit(2)
