"""Print, as canonical JSON, the parts of a SAM template that `sam build` reads to
build the functions: each function's CodeUri, Handler, Runtime, Architectures and
build Metadata (BuildMethod, BuildProperties), the Globals those default from, and
the parameters they refer to. Roles, event rules and environment variables don't
change what `sam build` produces, so a change to them doesn't count as a change of
the release build's inputs (scripts/sam-build-inputs.sh).

    python scripts/lib/template-build-settings.py template.yaml
"""

import json
import sys

import yaml


class _Loader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    # CloudFormation short forms (!Ref, !Sub, !If ...) kept as {"!Tag": value}.
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"!" + suffix: value}


_Loader.add_multi_constructor("!", _tag)

BUILD_PROPERTIES = ("CodeUri", "Handler", "Runtime", "Architectures")
BUILD_METADATA = ("BuildMethod", "BuildProperties")


def refs(value, found):
    """Every parameter name a value refers to with Ref/!Ref."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("Ref", "!Ref") and isinstance(inner, str):
                found.add(inner)
            refs(inner, found)
    elif isinstance(value, list):
        for inner in value:
            refs(inner, found)


def main(path):
    with open(path, encoding="utf-8") as f:
        template = yaml.load(f, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    settings = {"Globals": (template.get("Globals") or {}).get("Function", {})}
    functions = {}
    for name, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties") or {}
        meta = resource.get("Metadata") or {}
        functions[name] = {
            **{k: props.get(k) for k in BUILD_PROPERTIES},
            **{k: meta.get(k) for k in BUILD_METADATA},
        }
    settings["Functions"] = functions
    used = set()
    refs(settings, used)
    params = template.get("Parameters") or {}
    settings["Parameters"] = {p: params.get(p) for p in sorted(used)}
    json.dump(settings, sys.stdout, sort_keys=True, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
