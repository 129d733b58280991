#!/usr/bin/env python3
"""Checks the Grafana dashboard: valid JSON, and every PromQL expression in it parses.

promtool has no command that parses a lone expression, so each one becomes a recording rule in a
throw-away rule file that `promtool check rules` reads. Used by .ci/run.
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

dashboard = json.loads((Path(__file__).parent / "warehouse-dashboard.json").read_text())
expressions = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
expressions += [annotation["expr"] for annotation in dashboard["annotations"]["list"] if "expr" in annotation]
rules = {"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:expr{i}", "expr": e} for i, e in enumerate(expressions)]}]}
with tempfile.NamedTemporaryFile("w", suffix=".yml") as file:
    json.dump(rules, file)  # JSON is YAML
    file.flush()
    result = subprocess.run(["promtool", "check", "rules", file.name], capture_output=True, text=True)
print(f"{len(expressions)} dashboard expressions: {'all parse' if result.returncode == 0 else 'some do not parse'}")
if result.returncode != 0:
    print(result.stdout, result.stderr)
sys.exit(result.returncode)
