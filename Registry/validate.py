#!/usr/bin/env python3
"""Validates the registry import file and the records it produces against the JSON Schemas in Registry/schemas.

Usage:
  python3 Registry/validate.py [IMPORT_FILE] [--snapshot SNAPSHOT_JSON]

IMPORT_FILE defaults to Registry/example.json. It is checked against import.schema.json; the payload of every
statement (base64url-decoded JWS payload) against statement.schema.json, which checks embedded entities against
entity.schema.json. With --snapshot, the records of a wallet snapshot (JSON, as the registry's snapshot payload) are
checked against accreditation.schema.json and its entities against entity.schema.json.
Needs the `jsonschema` package (4.18 or later). Exits non-zero and prints every error on failure.
"""
import base64
import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

HERE = pathlib.Path(__file__).resolve().parent
SCHEMAS = HERE / "schemas"


def load_registry():
    resources = []
    schemas = {}
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        schema = json.loads(path.read_text())
        Draft202012Validator.check_schema(schema)
        schemas[path.name] = schema
        resource = Resource.from_contents(schema)
        resources.append((schema["$id"], resource))
    return schemas, Registry().with_resources(resources)


def payload_of(jws):
    part = jws.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def report(validator, instance, label):
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    for error in errors:
        print(f"{label}: {'/'.join(str(p) for p in error.path) or '<root>'}: {error.message}")
    return len(errors)


def main(argv):
    schemas, registry = load_registry()
    validator = {name: Draft202012Validator(schema, registry=registry) for name, schema in schemas.items()}
    args = list(argv)
    snapshot = None
    if "--snapshot" in args:
        index = args.index("--snapshot")
        snapshot = pathlib.Path(args[index + 1])
        del args[index:index + 2]
    import_file = pathlib.Path(args[0]) if args else HERE / "example.json"
    failures = 0
    document = json.loads(import_file.read_text())
    failures += report(validator["import.schema.json"], document, import_file.name)
    for index, statement in enumerate(document.get("statements", [])):
        claims = payload_of(statement["jws"])
        failures += report(validator["statement.schema.json"], claims, f"statement {index + 1} ({claims.get('stmt')})")
    count = len(document.get("statements", []))
    if snapshot is not None:
        data = json.loads(snapshot.read_text())
        for record in data.get("records", []):
            failures += report(validator["accreditation.schema.json"], record, f"record {record.get('accreditationId', '?')[:12]}")
        for entity in data.get("entities", []):
            failures += report(validator["entity.schema.json"], entity, f"entity {entity.get('did')}")
        print(f"{len(data.get('records', []))} records and {len(data.get('entities', []))} entities checked")
    print(f"{count} statements checked, {failures} errors")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
