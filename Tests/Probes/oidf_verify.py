#!/usr/bin/env python3
"""Checks Standing's OpenID Federation view with independent implementations from PyPI.

    python oidf_verify.py BASE_URL ISSUER_DID SUSPENDED_DID

- pygrindvakt (Python bindings of the grindvakt Rust library, OpenID Federation 1.1, protocol-identical to 1.0):
  fetches the Trust Anchor's Entity Configuration at BASE_URL/.well-known/openid-federation and verifies it as
  self-signed; verifies the Subordinate Statement about ISSUER_DID with the Trust Anchor's keys and typ
  entity-statement+jwt; verifies the issuer's Trust Mark (typ trust-mark+jwt, iss, sub, exp, kid) and the Trust Mark
  Status responses (typ trust-mark-status-response+jwt) for it (active) and for a tampered copy (invalid); checks that
  SUSPENDED_DID (suspended by its accreditation body) holds no Trust Mark.
- fedservice (IdentityPython) with cryptojwt: verifies the trust chain [Trust Anchor Entity Configuration,
  Subordinate Statement] with the Trust Anchor's keys as the only trust root, and evaluates the chain's metadata.

A strict OpenID Federation resolver (pygrindvakt's resolve_via_trust_anchors) wants the chain to start with the
subject's own Entity Configuration; subjects named by DIDs (the DCC convention Standing follows) publish none, so the
chain checked here is the Subordinate Statement under the Trust Anchor's Entity Configuration.

Exit status 0 when every check passes; the last line is 'N passed, N failed'.
"""
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from pygrindvakt import federation
from pygrindvakt import jwt as gv_jwt

passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


class Loopback:
    """pygrindvakt's outbound HTTP client protocol over urllib (no redirects, bounded size and time)."""

    def get(self, url):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return (response.status, response.read(1 << 20), response.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as error:
            return (error.code, error.read(1 << 20), error.headers.get("Content-Type", ""))

    def post_form(self, url, form, *args, **kwargs):
        body = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return (response.status, response.read(1 << 20), response.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as error:
            return (error.code, error.read(1 << 20), error.headers.get("Content-Type", ""))


def get(url):
    status, body, content_type = Loopback().get(url)
    return status, body.decode(), content_type


def main():
    base, issuer, suspended = sys.argv[1], sys.argv[2], sys.argv[3]
    http = Loopback()
    now = int(time.time())

    # 1. The Entity Configuration: fetched and verified as self-signed by pygrindvakt.
    configuration_jwt = federation.fetch_entity_configuration(http, base)
    configuration = federation.verify_self_signed(configuration_jwt)
    header = gv_jwt.peek_header(configuration_jwt)
    check("entity configuration typ", header.get("typ") == "entity-statement+jwt", header)
    check("entity configuration kid", bool(header.get("kid")), header)
    check("entity configuration iss = sub = base", configuration.iss() == base and configuration.sub() == base)
    check("trust anchor has no authority_hints", configuration.authority_hints() == [])
    claims = configuration.claims
    check("entity configuration not expired", claims["iat"] <= now + 60 < claims["exp"] + 60, claims)
    anchor_jwks = configuration.jwks()
    fed = configuration.metadata("federation_entity") or {}
    for endpoint in ("federation_fetch_endpoint", "federation_list_endpoint", "federation_trust_mark_endpoint",
                     "federation_trust_mark_list_endpoint", "federation_trust_mark_status_endpoint"):
        check(f"advertises {endpoint}", fed.get(endpoint, "").startswith(base + "/federation/"), fed)
    mark_type = base + "/tm/issue/MicroCredential"
    check("trust_mark_issuers names the type", claims.get("trust_mark_issuers", {}).get(mark_type) == [base], claims.get("trust_mark_issuers"))
    _, _, content_type = get(base + "/.well-known/openid-federation")
    check("entity configuration media type", content_type == "application/entity-statement+jwt", content_type)

    # 2. The listing and the Subordinate Statement, verified with the Trust Anchor's keys only.
    status, body, content_type = get(fed["federation_list_endpoint"])
    subordinates = json.loads(body)
    check("list answers a JSON array", status == 200 and content_type.startswith("application/json") and isinstance(subordinates, list))
    check("list holds the issuer", issuer in subordinates, subordinates)
    status, body, _ = get(fed["federation_list_endpoint"] + "?unknown_filter=1")
    check("unsupported parameter refused", status == 400 and json.loads(body).get("error") == "unsupported_parameter", body)
    fetch_url = fed["federation_fetch_endpoint"] + "?" + urllib.parse.urlencode({"sub": issuer})
    status, statement_jwt, content_type = get(fetch_url)
    check("fetch answers an entity statement", status == 200 and content_type == "application/entity-statement+jwt", (status, content_type))
    statement = federation.verify_typed(statement_jwt, anchor_jwks, "entity-statement+jwt")
    check("subordinate statement iss/sub", statement.iss() == base and statement.sub() == issuer)
    check("subordinate statement has the issuer's keys", len(statement.jwks().get("keys", [])) >= 1)
    check("subordinate statement names the organisation", bool((statement.metadata("federation_entity") or {}).get("organization_name")))
    try:
        federation.verify_typed(statement_jwt, anchor_jwks, "trust-mark+jwt")
        check("wrong typ refused", False)
    except Exception:
        check("wrong typ refused", True)

    # 3. The trust chain with IdentityPython's fedservice and cryptojwt: the Trust Anchor's keys are the only root.
    from cryptojwt.key_jar import KeyJar
    from fedservice.entity_statement.verify import eval_chain, verify_trust_chain
    key_jar = KeyJar()
    key_jar.import_jwks(anchor_jwks, base)
    verified = verify_trust_chain([configuration_jwt, statement_jwt], key_jar)
    check("fedservice verifies the chain", [v["sub"] for v in verified] == [base, issuer], verified)
    key_jar = KeyJar()
    key_jar.import_jwks(anchor_jwks, base)
    resolved = eval_chain([configuration_jwt, statement_jwt], key_jar, "federation_entity")
    check("fedservice resolves the issuer's metadata", resolved.metadata.get("organization_name") == statement.metadata("federation_entity")["organization_name"], resolved.metadata)
    stranger = KeyJar()
    from cryptojwt.jwk.ec import new_ec_key
    other = new_ec_key("P-256", kid=json.loads(json.dumps(gv_jwt.peek_header(configuration_jwt)))["kid"])
    stranger.add_keys(base, [other])
    try:
        verify_trust_chain([configuration_jwt, statement_jwt], stranger)
        check("fedservice refuses another root key", False)
    except Exception:
        check("fedservice refuses another root key", True)

    # 4. The Trust Mark and its status.
    mark_url = fed["federation_trust_mark_endpoint"] + "?" + urllib.parse.urlencode({"trust_mark_type": mark_type, "sub": issuer})
    status, mark, content_type = get(mark_url)
    check("trust mark served", status == 200 and content_type == "application/trust-mark+jwt", (status, content_type, mark[:200]))
    validation = (gv_jwt.Validation().with_typ("trust-mark+jwt").with_issuer(base).with_subject(issuer)
                  .require_exp().require_iat().require_kid().with_allowed_algorithms(["ES256"]))
    mark_claims = gv_jwt.verify_with_jwks(anchor_jwks, mark, validation)
    check("trust mark type", mark_claims.get("trust_mark_type") == mark_type, mark_claims)
    status, body, _ = get(fed["federation_trust_mark_list_endpoint"] + "?" + urllib.parse.urlencode({"trust_mark_type": mark_type}))
    marked = json.loads(body)
    check("trust-marked listing holds the issuer, not the suspended one", issuer in marked and suspended not in marked, marked)
    status, body, _ = get(fed["federation_trust_mark_endpoint"] + "?" + urllib.parse.urlencode({"trust_mark_type": mark_type, "sub": suspended}))
    check("suspended issuer has no trust mark", status == 404 and json.loads(body).get("error") == "not_found", (status, body))

    status_validation = gv_jwt.Validation().with_typ("trust-mark-status-response+jwt").with_issuer(base).require_iat().require_kid()
    for presented, expected in ((mark, "active"), (mark[:-4] + ("AAAA" if not mark.endswith("AAAA") else "BBBB"), "invalid")):
        status, body, content_type = http.post_form(fed["federation_trust_mark_status_endpoint"], {"trust_mark": presented})
        check(f"status response served ({expected})", status == 200 and content_type == "application/trust-mark-status-response+jwt", (status, content_type))
        answer = gv_jwt.verify_with_jwks(anchor_jwks, body.decode(), status_validation)
        check(f"status is {expected}", answer.get("status") == expected and answer.get("trust_mark") == presented, answer)

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
