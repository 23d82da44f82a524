"""Print, as canonical JSON, the parts of a SAM template that `sam build` reads to
build each function: per function (by logical id), its CodeUri, Handler, Runtime,
Architectures and build Metadata (BuildMethod, BuildProperties), the Globals those
default from, and the parameters they refer to. Roles, event rules and environment
variables don't change what `sam build` produces, so a change to them doesn't count
as a change of the release build's inputs (scripts/sam-build-inputs.sh); nor does a
change to another function's settings.

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


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)


def per_function(template):
    """{logical id: that function's build settings, with the Globals and parameters they use}."""
    # Only the Globals a build reads: an environment variable set for every function
    # (Globals.Function.Environment) changes no binary.
    all_globals = (template.get("Globals") or {}).get("Function") or {}
    globals_ = {k: all_globals[k] for k in BUILD_PROPERTIES if k in all_globals}
    params = template.get("Parameters") or {}
    functions = {}
    for name, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties") or {}
        meta = resource.get("Metadata") or {}
        settings = {
            "Globals": globals_,
            **{k: props.get(k) for k in BUILD_PROPERTIES},
            **{k: meta.get(k) for k in BUILD_METADATA},
        }
        used = set()
        refs(settings, used)
        settings["Parameters"] = {p: params.get(p) for p in sorted(used)}
        functions[name] = settings
    return functions


def main(path):
    json.dump(per_function(load(path)), sys.stdout, sort_keys=True, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
