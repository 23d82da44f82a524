"""Print what the demo posted to Slack and wrote to the ledger."""
import html
import json
import sys

import boto3

posts = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
print(f"\n--- {len(posts)} message(s) posted to Slack (the local webhook) ---")
for p in posts:
    body = p["body"]
    print("\n* " + html.unescape(body.get("text", "(no text)")))
    for block in body.get("blocks", []):
        text = block.get("text", {}).get("text") if isinstance(block.get("text"), dict) else None
        if text and block.get("type") == "section":
            for line in text.splitlines():
                print("    " + html.unescape(line))
        for field in block.get("fields", []) or []:
            print("    " + html.unescape(field.get("text", "").replace("\n", " ")))

ddb = boto3.client("dynamodb")
items = []
for page in ddb.get_paginator("scan").paginate(TableName="hipaa-autofix-ledger"):
    items += page["Items"]
records = [i for i in items if i.get("kind", {}).get("S") == "record"]
records.sort(key=lambda i: i.get("time", {}).get("S", ""))
print(f"\n--- {len(records)} ledger record(s) in hipaa-autofix-ledger ---")
for r in records:
    g = lambda k: r.get(k, {}).get("S") or str(r.get(k, {}).get("BOOL", ""))  # noqa: E731
    print(f"{g('time')}  {g('outcome'):<12} {g('rule'):<32} {g('resource'):<40} verified={g('verified')}  id={g('id')}")
