"""Validate a 360Giving JSON package against the 1.4.3 package and grant
schemas kept beside this script, offline.

    python validate_360giving.py FILE

Prints every error with its JSON path and exits 1 when there is any; prints
the number of grants and exits 0 when the file is valid. Beyond the schema
it checks what the schema cannot: grant identifiers are unique and every
identifier made under the publisher's prefix starts with 360G-.

Two traps (see 360giving/SOURCE.md): the schemas declare `$schema` as
http://json-schema.org/draft/2020-12/schema, which `referencing` does not
recognise, so resources are built as draft 2020-12 explicitly; and the
package schema refers to the grant schema by a remote 1.4.2 URL, so the
local grant schema is registered under that URL as well as its own `$id`.
"""

import json
import pathlib
import sys

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

HERE = pathlib.Path(__file__).resolve().parent / "360giving"
GRANT_URL_1_4_2 = (
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json"
)


def load(name):
    with open(HERE / name, encoding="utf-8") as f:
        return json.load(f)


def validator():
    package = load("360-giving-package-schema.json")
    grant = load("360-giving-schema.json")
    grant_resource = DRAFT202012.create_resource(grant)
    registry = Registry().with_resources(
        [
            (GRANT_URL_1_4_2, grant_resource),
            (grant["$id"], grant_resource),
            (package["$id"], DRAFT202012.create_resource(package)),
        ]
    )
    return Draft202012Validator(package, registry=registry, format_checker=FormatChecker())


def identifiers(grant):
    """Every organisation and transaction identifier in a grant, with where it is."""
    for field in ("recipientOrganization", "fundingOrganization"):
        for i, org in enumerate(grant.get(field, [])):
            yield f"{field}[{i}].id", org.get("id", "")
    for i, t in enumerate(grant.get("disbursementTransaction", [])):
        yield f"disbursementTransaction[{i}].id", t.get("id", "")


def main(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
        for e in sorted(validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    ]
    grants = data.get("grants", []) if isinstance(data, dict) else []
    seen = set()
    for n, grant in enumerate(grants):
        gid = grant.get("id", "")
        if gid in seen:
            errors.append(f"grants/{n}/id: {gid!r} is used by an earlier grant")
        seen.add(gid)
        if not gid.startswith("360G-"):
            errors.append(f"grants/{n}/id: {gid!r} does not start with a 360G- prefix")
        for where, ident in identifiers(grant):
            registered = ident.startswith(("GB-CHC-", "GB-SC-", "GB-COH-"))
            if not registered and not ident.startswith("360G-"):
                errors.append(f"grants/{n}/{where}: {ident!r} is neither registered nor 360G- prefixed")
    for e in errors:
        print(e)
    if errors:
        print(f"{path}: {len(errors)} error(s)")
        return 1
    print(f"{path}: valid 360Giving 1.4 package with {len(grants)} grant(s)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
