"""Verifies IETF Status List Tokens signed with an X.509 chain, with libraries that share no code with Standing.

The chain (JWS `x5c`, RFC 7515 §4.1.6; COSE `x5chain`, header 33, RFC 9360 §2) is checked with pyca/cryptography:
the leaf is not self-signed and the trust anchor is not in the chain (OpenID4VC HAIP 1.0 §6.1), each certificate is
issued by the next one and the last by the pinned anchor, issuers are CAs, every certificate (anchor included) is valid
now, and, with --eku, the leaf carries that extended key usage (id-kp-oauthStatusSigning, draft-ietf-oauth-status-list
§10). The token's signature is verified with the leaf's key by jwcrypto (JWT) or pycose (CWT).

Usage: x5c_verify.py [--jwt FILE] [--cwt FILE] --anchor CA.pem [--eku OID]
Prints one line per check (PASS/FAIL); exits 1 when any check fails, 2 on bad usage.
"""

import argparse
import base64
import binascii
import datetime
import json
import sys

import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk, jws
from pycose.keys import CoseKey
from pycose.messages import Sign1Message

X5CHAIN = 33
TYP = 16


class Checks:
    def __init__(self) -> None:
        self.failures = 0

    def report(self, ok: bool, what: str, detail: str = "") -> bool:
        print(f"{'PASS' if ok else 'FAIL'} {what}{': ' + detail if detail else ''}")
        if not ok:
            self.failures += 1
        return ok


def name(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string()


def is_self_signed(certificate: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(certificate)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


def check_chain(checks: Checks, label: str, chain: list, anchor: x509.Certificate, eku: str | None) -> x509.Certificate | None:
    """Checks the chain (DER, leaf first); returns the leaf when every chain check passed."""
    try:
        certificates = [x509.load_der_x509_certificate(der) for der in chain]
    except ValueError as error:
        checks.report(False, f"{label}: chain parses", str(error))
        return None
    if not checks.report(1 <= len(certificates) <= 8, f"{label}: chain holds 1 to 8 certificates", str(len(certificates))):
        return None
    leaf = certificates[0]
    ok = checks.report(not is_self_signed(leaf), f"{label}: leaf is not self-signed", name(leaf))
    ok &= checks.report(
        all(c.public_bytes(serialization.Encoding.DER) != anchor.public_bytes(serialization.Encoding.DER) for c in certificates),
        f"{label}: trust anchor is not in the chain")
    now = datetime.datetime.now(datetime.timezone.utc)
    for certificate in certificates + [anchor]:
        valid = certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc
        ok &= checks.report(valid, f"{label}: valid now", f"{name(certificate)} {certificate.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ}..{certificate.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}")
    for child, parent in zip(certificates, certificates[1:] + [anchor]):
        try:
            child.verify_directly_issued_by(parent)
            issued = True
            detail = f"{name(child)} <- {name(parent)}"
        except (ValueError, TypeError, InvalidSignature) as error:
            issued = False
            detail = f"{name(child)} <- {name(parent)}: {error or type(error).__name__}"
        ok &= checks.report(issued, f"{label}: issued by the next certificate", detail)
        try:
            is_ca = parent.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        ok &= checks.report(is_ca, f"{label}: issuer is a CA", name(parent))
    if eku is not None:
        try:
            usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            has = x509.ObjectIdentifier(eku) in usages
            detail = ", ".join(u.dotted_string for u in usages)
        except x509.ExtensionNotFound:
            has, detail = False, "no extended key usage extension"
        ok &= checks.report(has, f"{label}: leaf has extended key usage {eku}", detail)
    return leaf if ok else None


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jwt(checks: Checks, path: str, anchor: x509.Certificate, eku: str | None) -> None:
    token = open(path, "rb").read().decode("ascii").strip()
    try:
        header = json.loads(b64url_decode(token.split(".")[0]))
    except (ValueError, IndexError) as error:
        checks.report(False, "jwt: header parses", str(error))
        return
    checks.report(header.get("typ") == "statuslist+jwt", "jwt: typ is statuslist+jwt", str(header.get("typ")))
    checks.report(isinstance(header.get("kid"), str), "jwt: kid present", str(header.get("kid")))
    x5c = header.get("x5c")
    if not checks.report(isinstance(x5c, list) and len(x5c) > 0, "jwt: x5c present"):
        return
    chain = []
    for entry in x5c:
        try:
            # RFC 7515 §4.1.6: standard base64 (not base64url), padded.
            chain.append(base64.b64decode(entry, validate=True))
        except (binascii.Error, TypeError) as error:
            checks.report(False, "jwt: x5c entries are standard base64", str(error))
            return
    checks.report(True, "jwt: x5c entries are standard base64")
    leaf = check_chain(checks, "jwt", chain, anchor, eku)
    if leaf is None:
        return
    key = jwk.JWK.from_pyca(leaf.public_key())
    signed = jws.JWS()
    try:
        signed.deserialize(token)
        signed.allowed_algs = ["ES256", "ES384", "EdDSA"]
        signed.verify(key)
        checks.report(True, "jwt: signature verifies with the leaf key", header.get("alg", ""))
    except Exception as error:  # jwcrypto raises several types; any is a failed verification
        checks.report(False, "jwt: signature verifies with the leaf key", f"{type(error).__name__}: {error}")


def verify_cwt(checks: Checks, path: str, anchor: x509.Certificate, eku: str | None) -> None:
    data = open(path, "rb").read()
    try:
        outer = cbor2.loads(data)
        checks.report(isinstance(outer, cbor2.CBORTag) and outer.tag == 18, "cwt: COSE_Sign1_Tagged (18)")
        protected = cbor2.loads(outer.value[0]) if outer.value[0] else {}
        unprotected = outer.value[1]
    except Exception as error:
        checks.report(False, "cwt: COSE_Sign1 parses", f"{type(error).__name__}: {error}")
        return
    checks.report(protected.get(TYP) == "application/statuslist+cwt", "cwt: protected typ is application/statuslist+cwt", str(protected.get(TYP)))
    checks.report(4 in unprotected or 4 in protected, "cwt: kid present")
    checks.report(X5CHAIN not in unprotected, "cwt: x5chain is not unprotected")
    value = protected.get(X5CHAIN)
    if isinstance(value, bytes):
        chain = [value]
    elif isinstance(value, (list, tuple)) and len(value) > 1 and all(isinstance(v, bytes) for v in value):
        chain = list(value)  # RFC 9360 §2: several certificates as an array, one as a bare bstr
    else:
        checks.report(False, "cwt: protected x5chain (33) is a bstr or an array of 2+ bstr", repr(type(value)))
        return
    checks.report(True, "cwt: protected x5chain (33) is a bstr or an array of 2+ bstr", f"{len(chain)} certificate(s)")
    leaf = check_chain(checks, "cwt", chain, anchor, eku)
    if leaf is None:
        return
    try:
        message = Sign1Message.decode(data)
        pem = leaf.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        message.key = CoseKey.from_pem_public_key(pem.decode())
        verified = message.verify_signature()
    except Exception as error:
        checks.report(False, "cwt: signature verifies with the leaf key", f"{type(error).__name__}: {error}")
        return
    checks.report(bool(verified), "cwt: signature verifies with the leaf key")


def verify_vc_jwt(checks: Checks, path: str, document_path: str) -> None:
    """The W3C list as vc+jwt against the issuer's DID document: the credential names the document's DID as issuer, and
    the key its kid names in that document verifies the signature."""
    token = open(path, "rb").read().decode("ascii").strip()
    document = json.load(open(document_path))
    try:
        header = json.loads(b64url_decode(token.split(".")[0]))
        payload = json.loads(b64url_decode(token.split(".")[1]))
    except (ValueError, IndexError) as error:
        checks.report(False, "vc+jwt: parses", str(error))
        return
    issuer = payload.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    checks.report(issuer == document.get("id"), "vc+jwt: issuer is the DID document's DID", f"{issuer} / {document.get('id')}")
    kid = str(header.get("kid", ""))
    fragment = kid.split("#")[-1]
    methods = [m for m in document.get("verificationMethod", []) if m.get("id", "").split("#")[-1] == fragment]
    asserted = [a.split("#")[-1] for a in document.get("assertionMethod", [])]
    if not checks.report(len(methods) == 1 and fragment in asserted, "vc+jwt: kid names an assertion method of the DID document", kid):
        return
    try:
        key = jwk.JWK(**methods[0]["publicKeyJwk"])
        signed = jws.JWS()
        signed.deserialize(token)
        signed.allowed_algs = ["ES256", "ES384", "EdDSA"]
        signed.verify(key)
        checks.report(True, "vc+jwt: signature verifies with the DID document's key", header.get("alg", ""))
    except Exception as error:  # jwcrypto raises several types; any is a failed verification
        checks.report(False, "vc+jwt: signature verifies with the DID document's key", f"{type(error).__name__}: {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jwt", help="a statuslist+jwt file (compact JWS)")
    parser.add_argument("--cwt", help="a statuslist+cwt file (binary COSE_Sign1)")
    parser.add_argument("--anchor", required=True, help="the trust anchor, PEM")
    parser.add_argument("--eku", help="the extended key usage OID the leaf must carry")
    parser.add_argument("--vc-jwt", help="the W3C list as vc+jwt, verified against --did-document")
    parser.add_argument("--did-document", help="the issuer's DID document (JSON)")
    args = parser.parse_args()
    if not args.jwt and not args.cwt:
        parser.error("give --jwt and/or --cwt")
    if bool(args.vc_jwt) != bool(args.did_document):
        parser.error("--vc-jwt and --did-document go together")
    anchor = x509.load_pem_x509_certificate(open(args.anchor, "rb").read())
    checks = Checks()
    checks.report(is_self_signed(anchor), "anchor is a self-signed root", name(anchor))
    if args.jwt:
        verify_jwt(checks, args.jwt, anchor, args.eku)
    if args.cwt:
        verify_cwt(checks, args.cwt, anchor, args.eku)
    if args.vc_jwt:
        verify_vc_jwt(checks, args.vc_jwt, args.did_document)
    print(f"{'OK' if checks.failures == 0 else 'FAILED'}: {checks.failures} failed check(s)")
    return 0 if checks.failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
