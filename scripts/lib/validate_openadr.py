#!/usr/bin/env python3
"""Validates JSON objects against a component schema of the OpenADR 3.0.1 spec (Tests/Fixtures/openadr3/openadr3.yaml).

usage: validate_openadr.py SCHEMA FILE...   (e.g. report report.json); exit 0 when every file is valid.
Discriminators are removed (OAS 3.0 keywords JSON Schema does not know); formats are checked."""
import json, os, sys

import jsonschema
import yaml

here = os.path.dirname(os.path.abspath(__file__))
spec_path = os.path.join(here, "..", "..", "Tests", "Fixtures", "openadr3", "openadr3.yaml")
with open(spec_path) as f:
    spec = yaml.safe_load(f)


def strip(node):
    if isinstance(node, dict):
        node.pop("discriminator", None)
        for value in node.values():
            strip(value)
    elif isinstance(node, list):
        for value in node:
            strip(value)


strip(spec)
name = sys.argv[1]
schema = {"$ref": "#/components/schemas/" + name, "components": spec["components"]}
validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
failed = False
for path in sys.argv[2:]:
    with open(path) as f:
        instance = json.load(f)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    for error in errors:
        failed = True
        print(f"{path}: {'/'.join(map(str, error.path))}: {error.message}")
    if not errors:
        print(f"{path}: valid {name}")
sys.exit(1 if failed else 0)
