"""Run moto's server in-process on 127.0.0.1 and a free port, for hipaa-autofix's tests.

    .venv/bin/python tests/moto/launcher.py [--port N]

Prints ``PORT=<n>`` on one line (flushed) once the socket is bound, then serves
until SIGTERM or SIGINT. Port 0 (the default) lets the OS pick a free port, so
every test can have its own server with no clashes.

Before the app is built, it registers extra routes on moto's own ``/moto-api/``
(moto builds its Flask apps lazily from each backend's ``urls.url_paths``, so
adding to that dict first is enough):

``POST /moto-api/hipaa/iam/access-key-dates``
    ``{"account_id": "123456789012", "access_key_id": "AKIA...",
      "create_date": "2024-01-01T00:00:00Z",          # optional
      "last_used": "2024-02-01T00:00:00Z" | null,     # optional; null = never used
      "last_used_service": "s3", "last_used_region": "us-east-1"}``
    Edits the in-memory IAM access key's CreateDate and last-used fields: moto
    stamps CreateDate = now and has no time travel, and the access-key rules need
    old keys. Answers 200 with the key's new dates, 404 for an unknown key, 400
    for a bad body.

It also corrects one answer of moto 5.2.5's S3: ``GetBucketVersioning`` comes back
with the root element ``GetBucketVersioningResponse``, where S3 (and the Rust SDK's
strict parser) has ``VersioningConfiguration``; boto3 doesn't mind, the Rust SDK
fails. The patched method answers S3's shape from moto's own state.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from datetime import datetime, timezone
from typing import Any

from moto.moto_api._internal import urls as moto_api_urls
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server


def _json_body(request: Any) -> dict[str, Any]:
    data = request.get_data() if hasattr(request, "get_data") else request.body
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    body = json.loads(data or "{}")
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def _naive_utc(text: str) -> datetime:
    # moto keeps naive datetimes in UTC (moto.core.utils.utcnow).
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc).replace(tzinfo=None)
    return t


def access_key_dates(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    from moto.iam.models import AccessKeyLastUsed, iam_backends

    if request.method != "POST":
        return 405, {}, json.dumps({"error": "POST a JSON body"})
    try:
        body = _json_body(request)
        account_id = str(body.get("account_id", "123456789012"))
        key_id = body["access_key_id"]
        create_date = _naive_utc(body["create_date"]) if body.get("create_date") else None
        last_used = _naive_utc(body["last_used"]) if body.get("last_used") else None
    except (KeyError, ValueError, TypeError) as e:
        return 400, {}, json.dumps({"error": f"bad body: {e!r}"})

    # A user's keys live both in backend.access_keys (by id) and in user.access_keys
    # (the same objects); look in both so either moto bookkeeping finds the key.
    found = None
    for backend in iam_backends[account_id].values():
        found = backend.access_keys.get(key_id)
        if found is None:
            for user in backend.users.values():
                found = next((k for k in user.access_keys if k.access_key_id == key_id), None)
                if found:
                    break
        if found:
            break
    if found is None:
        return 404, {}, json.dumps({"error": f"no access key {key_id} in account {account_id}"})

    if create_date is not None:
        found.create_date = create_date
    if "last_used" in body:
        found.last_used = (
            AccessKeyLastUsed(
                timestamp=last_used,
                service=body.get("last_used_service") or "s3",
                region=body.get("last_used_region") or "us-east-1",
            )
            if last_used is not None
            else None
        )
    return (
        200,
        {"Content-Type": "application/json"},
        json.dumps(
            {
                "access_key_id": key_id,
                "create_date": found.create_date.isoformat() + "Z",
                "last_used": found.last_used.timestamp.isoformat() + "Z" if found.last_used else None,
            }
        ),
    )


def _get_bucket_versioning(self: Any) -> tuple[int, dict[str, str], str]:
    status = self.backend.get_bucket_versioning(self.bucket_name)
    inner = f"<Status>{status}</Status>" if status else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}</VersioningConfiguration>'
    )
    return 200, {"Content-Type": "application/xml"}, body


def patch_moto() -> None:
    from moto.s3.responses import S3Response

    S3Response.get_bucket_versioning = _get_bucket_versioning  # type: ignore[method-assign]


def register_routes() -> None:
    # Same key format as moto's own entries: "{0}" is replaced by the url base.
    moto_api_urls.url_paths["{0}/moto-api/hipaa/iam/access-key-dates"] = access_key_dates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    args = parser.parse_args()

    register_routes()
    patch_moto()
    app = DomainDispatcherApplication(create_backend_app)
    # threaded=True: the SDK may open several connections at once (sweeps run concurrently).
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)

    def stop(signum: int, frame: Any) -> None:
        # shutdown() blocks until serve_forever returns, so it can't run on the serving
        # thread; raising out of serve_forever is the simple, clean way to stop.
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    print(f"PORT={server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
