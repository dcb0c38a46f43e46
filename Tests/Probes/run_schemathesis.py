#!/usr/bin/env python3
"""Runs schemathesis against the built `standing serve`'s own /openapi.json.

Starts the server on a temporary data directory and a free loopback port, authenticates every request with its
operator token, and runs bounded examples in every phase (examples, coverage, fuzzing, stateful) with all checks.
The caller's own token is never revoked (a hook drops or rewrites such cases), so the run keeps its credentials. Any
5xx, schema violation or other check failure fails the run (except the refusals of schema-valid requests that no
JSON Schema can describe, listed in the hooks); the server is stopped in every case.

    python3 Tests/Probes/run_schemathesis.py --binary .build/debug/standing --schemathesis VENV/bin/schemathesis
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_server import ProbeServer  # noqa: E402

HOOKS = '''
import os
import schemathesis

OWN_TOKEN_ID = os.environ["STANDING_PROBE_OWN_TOKEN_ID"]


def _revokes_own_token(case):
    return case.method.upper() == "DELETE" and (case.path_parameters or {}).get("token") == OWN_TOKEN_ID


@schemathesis.hook
def filter_case(context, case):
    return not _revokes_own_token(case)


# positive_data_acceptance (ST202) expects every schema-valid request to succeed. Some validity is not expressible in
# JSON Schema, or depends on the service's state: a registry statement must be a compact JWS signed by a registered key
# over a well-formed statement; a list's statusMessages must have 2^statusSize elements with element i of value i, and
# validitySeconds must be at least twice ttlSeconds; an index must lie inside that list (the W3C RANGE_ERROR) and be
# allocated before its status changes, a value must fit the list's statusSize, and an intent must be one the list can
# express (no revocation on a suspension or refresh list, for one); a signing identity's DID must fit its kind (a
# hosted one takes none, a did-web one needs a well-formed did:web) and its name a DID path segment, a CSR subject must
# be encodable, and an imported certificate chain must certify the identity's key. A VC-API status update must say the
# new status once (the request's `status` or credentialStatus's, not both, not neither) and select one entry its list can
# express; an allocation names each purpose once; ids and reasons are bounded in bytes, the schema in characters. Only
# those refusals are accepted;
# any other 400 to a schema-valid request still fails the run.
SEMANTIC_REFUSALS = {
    "POST /admin/registry/statements": ("",),
    "POST /admin/lists": ("statusMessage", "validitySeconds", "statusSize", "message list"),
    "GET /status/{list}/{index}": ("#RANGE_ERROR",),
    "POST /admin/lists/{list}/status": ("has not been allocated", "#RANGE_ERROR", "does not fit", "statusSize", "cannot express"),
    "POST /admin/identities": (
        "leave out did", "needs the issuer's own DID", "is not a did:web", "without a fragment", "cannot name a hosted DID",
        "certificate subject", "certificate signing request", "must be 1-128",
    ),
    "POST /admin/identities/{issuer}/chain": ("certificate chain refused",),
    "POST /credentials/status/allocate": ("name each purpose once", "must be 1-2048 bytes"),
    "POST /credentials/status": (
        "give the new status", "name the statusPurpose", "boolean status cannot name", "must be 1-2048 bytes",
        "longer than 1000 bytes", "has not been allocated", "cannot express", "statusListIndex must be",
    ),
}


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if failure.code != "ST202" or response.status_code != 400:
        return True
    accepted = SEMANTIC_REFUSALS.get(f"{case.method.upper()} {case.operation.path}")
    if accepted is None:
        return True
    detail = response.text if isinstance(getattr(response, "text", None), str) else ""
    return not any(fragment in detail for fragment in accepted)


@schemathesis.hook
def map_case(context, case):
    # The stateful phase may take the id from GET /admin/tokens; revoking it would end the run's authority.
    if _revokes_own_token(case):
        case.path_parameters["token"] = "tok_not_the_callers_own"
    return case
'''


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/debug/standing")
    parser.add_argument("--schemathesis", default="schemathesis")
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--report-dir", default=None)
    arguments, extra = parser.parse_known_args()

    with ProbeServer(arguments.binary) as server, tempfile.TemporaryDirectory(prefix="standing-st-") as scratch:
        listing = urllib.request.Request(server.base_url + "/admin/tokens", headers={"Authorization": f"Bearer {server.token}"})
        with urllib.request.urlopen(listing, timeout=10) as response:
            own = [token["id"] for token in json.load(response)["tokens"] if token["role"] == "operator"]
        with open(os.path.join(scratch, "standing_probe_hooks.py"), "w", encoding="utf-8") as hooks:
            hooks.write(HOOKS)
        environment = dict(os.environ)
        environment.update({
            "SCHEMATHESIS_HOOKS": "standing_probe_hooks",
            "PYTHONPATH": scratch + os.pathsep + environment.get("PYTHONPATH", ""),
            "STANDING_PROBE_OWN_TOKEN_ID": own[0],
        })
        command = [
            arguments.schemathesis, "run", server.base_url + "/openapi.json",
            "--header", f"Authorization: Bearer {server.token}",
            "--checks", "all",
            "--phases", "examples,coverage,fuzzing,stateful",
            "--max-examples", str(arguments.max_examples),
            "--seed", str(arguments.seed),
            "--generation-database", "none",
            "--request-timeout", "10",
            "--workers", "2",
            "--no-color",
            "--report-dir", arguments.report_dir or os.path.join(scratch, "report"),
            *extra,
        ]
        result = subprocess.run(command, env=environment, cwd=scratch)
        errors = server.error_lines()
        alive = server.alive()
    if errors:
        print(f"run_schemathesis: {len(errors)} error line(s) in the server log, first: {errors[0][:200]}")
    if not alive:
        print("run_schemathesis: the server exited during the run")
    return 1 if result.returncode != 0 or errors or not alive else 0


if __name__ == "__main__":
    sys.exit(main())
