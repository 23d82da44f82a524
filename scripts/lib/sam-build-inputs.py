"""Print what `sam build` depends on beyond the Rust sources, one line per function:
`<logical id> <sha256>`, sorted by id. A function's hash covers

- the build script (scripts/sam-build.sh) and samconfig.toml;
- the workspace manifest's build settings: everything in Cargo.toml except the
  member list and [workspace.dependencies] (their effect on this function shows
  in its dependency tree below), so the release profile counts and a dependency
  added for another function doesn't;
- the function's template build settings (scripts/lib/template-build-settings.py:
  CodeUri, Handler, Runtime, Architectures, BuildMethod, BuildProperties, the
  Globals and parameters they use);
- the function's own manifest (functions/<name>/Cargo.toml);
- its resolved dependency tree with each package's features, as cargo selects
  them for this package alone (so a lock-file change that touches only tests, the
  CLI or another function doesn't count).

    python scripts/lib/sam-build-inputs.py [template.yaml]            # every function
    python scripts/lib/sam-build-inputs.py --changed RECORDED [tmpl]  # ids whose line
                                                                      # differs from RECORDED
    python scripts/lib/sam-build-inputs.py --workspace-build-settings Cargo.toml

scripts/sam-build.sh records the lines of the functions it built in
.ci/sam-build.inputs; scripts/test.sh builds again only the functions whose line
changed. Needs PyYAML (the SAM venv's Python has it).
"""

import hashlib
import json
import os
import subprocess
import sys
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
template_build_settings = __import__("template-build-settings")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sha(data):
    return hashlib.sha256(data).hexdigest()


def file_sha(path):
    with open(os.path.join(REPO, path), "rb") as f:
        return sha(f.read())


def workspace_build_settings(path=os.path.join(REPO, "Cargo.toml")):
    with open(path, "rb") as f:
        manifest = tomllib.load(f)
    workspace = dict(manifest.get("workspace") or {})
    workspace.pop("members", None)
    workspace.pop("dependencies", None)
    manifest["workspace"] = workspace
    return json.dumps(manifest, sort_keys=True)


def dependency_tree(manifest):
    args = [
        "cargo", "tree", "--locked", "--manifest-path", manifest,
        "-e", "normal,build", "--prefix", "none", "--format", "{p} [{f}]",
    ]
    run = subprocess.run(args + ["--offline"], cwd=REPO, capture_output=True, text=True)
    if run.returncode != 0:
        run = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"sam-build-inputs: cargo tree for {manifest} failed:\n{run.stderr}")
    lines = []
    for line in run.stdout.splitlines():
        # A path dependency prints its absolute path: leave it out.
        if " (/" in line:
            head, _, rest = line.partition(" (/")
            line = head + rest[rest.index(")") + 1:]
        lines.append(line)
    return "\n".join(lines)


def inputs(template_path):
    common = "\n".join([
        "scripts/sam-build.sh " + file_sha("scripts/sam-build.sh"),
        "samconfig.toml " + file_sha("samconfig.toml"),
        "Cargo.toml " + sha(workspace_build_settings().encode()),
    ])
    functions = template_build_settings.per_function(template_build_settings.load(template_path))
    lines = {}
    for name, settings in sorted(functions.items()):
        code_uri = settings.get("CodeUri")
        if not isinstance(code_uri, str):
            sys.exit(f"sam-build-inputs: {name}: CodeUri is not a path: {code_uri!r}")
        manifest = os.path.join(code_uri, "Cargo.toml")
        parts = [
            common,
            "template " + json.dumps(settings, sort_keys=True),
            manifest + " " + file_sha(manifest),
            dependency_tree(manifest),
        ]
        lines[name] = sha("\n".join(parts).encode())
    return lines


def main(argv):
    if argv[:1] == ["--workspace-build-settings"] and len(argv) == 2:
        print(workspace_build_settings(argv[1]))
        return
    changed_against = None
    if argv[:1] == ["--changed"]:
        if len(argv) < 2:
            sys.exit("usage: sam-build-inputs.py --changed RECORDED [template.yaml]")
        changed_against, argv = argv[1], argv[2:]
    template_path = argv[0] if argv else os.path.join(REPO, "template.yaml")
    current = inputs(template_path)
    if changed_against is None:
        for name, digest in current.items():
            print(f"{name} {digest}")
        return
    recorded = {}
    if os.path.exists(changed_against):
        with open(changed_against, encoding="utf-8") as f:
            for line in f:
                fields = line.split()
                if len(fields) == 2:
                    recorded[fields[0]] = fields[1]
    for name, digest in current.items():
        if recorded.get(name) != digest:
            print(name)


if __name__ == "__main__":
    main(sys.argv[1:])
