#!/usr/bin/env python3
"""Generates awsdata.json, the AWS facts config validation checks values against.

Run it with `go generate ./config` (or `python3 gen_awsdata.py` in this folder) after upgrading the
sources, then `go test ./config` and commit the result. Sources (pip install botocore moto cfn-lint):

- regions: botocore's data/endpoints.json, partitions aws, aws-cn and aws-us-gov;
- instanceTypes: botocore's EC2 service model (the InstanceType enum), merged with moto's
  ec2/resources/instance_types.json, which knows some types botocore's enum lags behind on;
- zones: moto's ec2/resources/instance_type_offerings/availability-zone/<region>.json, the zones
  where EC2 offers instance types (regions moto has no data for are not zone-checked);
- configRules: moto's config/resources/aws_managed_rules.json (scraped from the AWS Config developer
  guide), each managed rule identifier with its required (non-optional) parameters;
- appStreamInstanceTypes: cfn-lint's AppStream Fleet schema extension instancetype_enum.json, the
  union over its regions;
- auroraPostgresInstanceClasses: cfn-lint's RDS DBInstance schema extension dbinstanceclass_enum.json,
  the aurora-postgresql classes of every region, without the db. prefix (as config writes them);
- auroraPostgresVersions: cfn-lint's RDS DBCluster schema extensions engine_version.json (versions
  the RDS API lists) and engine_version_deprecated.json (versions it marks deprecated for new
  clusters), both "automatically updated using aws api", plus EXTRA_DEPRECATED below.
"""
import datetime
import glob
import gzip
import json
import os
import re

import botocore
import cfnlint
import moto

# Versions newer cfn-lint data marks deprecated for new clusters that this cfn-lint release does
# not yet (issue 11: "16.6 is deprecated for new Aurora PostgreSQL clusters").
EXTRA_DEPRECATED = ["16.6"]

PARTITIONS = ["aws", "aws-cn", "aws-us-gov"]


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def main():
    boto = os.path.join(os.path.dirname(botocore.__file__), "data")
    mo = os.path.dirname(moto.__file__)
    extensions = os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas", "extensions")
    lint = os.path.join(extensions, "aws_rds_dbcluster")

    endpoints = load(os.path.join(boto, "endpoints.json"))
    regions = sorted(r for p in endpoints["partitions"] if p["partition"] in PARTITIONS for r in p["regions"])

    ec2 = load(sorted(glob.glob(os.path.join(boto, "ec2", "*", "service-2.json*")))[-1])
    types = set(ec2["shapes"]["InstanceType"]["enum"])
    types |= set(load(os.path.join(mo, "ec2", "resources", "instance_types.json.gz")))

    zones = {}
    for path in sorted(glob.glob(os.path.join(mo, "ec2", "resources", "instance_type_offerings", "availability-zone", "*.json*"))):
        region = os.path.basename(path).split(".")[0]
        zones[region] = sorted({o["Location"] for o in load(path)})

    rules = {}
    for ident, rule in load(os.path.join(mo, "config", "resources", "aws_managed_rules.json.gz"))["ManagedRules"].items():
        rules[ident] = sorted(p["Name"] for p in rule.get("Parameters", []) if not p.get("Optional", True))

    def versions(name):
        for cond in load(os.path.join(lint, name))["allOf"]:
            props = cond["if"].get("properties", {})
            if props.get("Engine", {}).get("const") == "aurora-postgresql":
                ev = cond["then"]["properties"]["EngineVersion"] if "then" in cond and cond["then"] else props["EngineVersion"]
                return set(ev["enum"])
        raise SystemExit("no aurora-postgresql versions in " + name)

    appstream = set()
    for region, v in load(os.path.join(extensions, "aws_appstream_fleet", "instancetype_enum.json")).items():
        if isinstance(v, dict):
            appstream |= set(v["enum"])

    classes = set()
    for region, v in load(os.path.join(extensions, "aws_rds_dbinstance", "dbinstanceclass_enum.json")).items():
        for cond in v.get("allOf", []) if isinstance(v, dict) else []:
            if cond["if"]["properties"].get("Engine", {}).get("const") == "aurora-postgresql":
                classes |= {c.removeprefix("db.") for c in cond["then"]["properties"]["DBInstanceClass"]["enum"]}
    classes.discard("serverless")  # Serverless v2 is mode: serverless, not an instance class

    deprecated = versions("engine_version_deprecated.json") | set(EXTRA_DEPRECATED)
    offered = {v for v in versions("engine_version.json") if re.fullmatch(r"\d+\.\d+", v)}

    def vkey(v):
        return tuple(int(x) for x in v.split("."))

    data = {
        "source": "gen_awsdata.py on %s from botocore %s, moto %s, cfn-lint %s" % (
            datetime.date.today().isoformat(), botocore.__version__, moto.__version__, cfnlint.version.__version__),
        "regions": regions,
        "zones": zones,
        "instanceTypes": sorted(types),
        "appStreamInstanceTypes": sorted(appstream),
        "configRules": dict(sorted(rules.items())),
        "auroraPostgresInstanceClasses": sorted(classes),
        "auroraPostgresVersions": {
            "current": sorted(offered - deprecated, key=vkey),
            "deprecated": sorted((v for v in deprecated if re.fullmatch(r"\d+\.\d+", v)), key=vkey),
        },
    }
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "awsdata.json"), "w") as f:
        json.dump(data, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
