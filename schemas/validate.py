"""Validates exchange records (one JSON document per file argument, or JSON lines on stdin)
against exchange-record-v1.schema.json, or another schema of this directory with `--schema NAME`
(drop-notice-v1, evidence-bundle-v1, ...). Exit 0 when all are valid; otherwise prints each error."""
import json
import os
import sys

import jsonschema

arguments = sys.argv[1:]
schema_name = "exchange-record-v1"
if arguments[:1] == ["--schema"]:
    schema_name, arguments = arguments[1], arguments[2:]
schema_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{schema_name}.schema.json")
with open(schema_path) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

documents = []
if arguments:
    for path in arguments:
        with open(path, "rb") as f:
            documents.append((path, json.load(f)))
else:
    for number, line in enumerate(sys.stdin, 1):
        if line.strip():
            documents.append((f"line {number}", json.loads(line)))

failures = 0
for name, document in documents:
    for error in validator.iter_errors(document):
        failures += 1
        location = "/".join(str(part) for part in error.absolute_path)
        print(f"{name}: /{location}: {error.message[:300]}")
print(f"{len(documents)} documents, {failures} errors")
sys.exit(1 if failures or not documents else 0)
