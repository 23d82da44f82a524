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

``POST /moto-api/hipaa/faults``
    ``{"seed": 7, "throttle_percent": 30, "after_change_percent": 10}`` (all
    optional; zeros switch faults off). From then on the fault middleware (which
    wraps moto's whole WSGI app) answers ``throttle_percent`` % of AWS requests
    with the service's own throttling error, without passing them to moto:

    * REST-XML (S3, S3 Control): HTTP 503, ``<Error><Code>SlowDown</Code>...``;
    * query XML (IAM, STS): HTTP 400, ``<ErrorResponse><Error><Code>Throttling``;
    * JSON protocols (DynamoDB, Secrets Manager, SQS, Config, ...): HTTP 400,
      ``x-amzn-ErrorType: ThrottlingException`` and ``{"__type": "ThrottlingException"}``.

    Of the mutating requests it lets through (S3: PUT, POST, DELETE; IAM/STS: an
    ``Action`` that is not Get/List/Describe/Generate/Simulate; JSON: an
    ``X-Amz-Target`` operation that is not Get/List/Describe/Query/Scan/BatchGet/
    Receive), ``after_change_percent`` % reach moto and, when moto succeeded (the
    change happened), the client is answered HTTP 500 ``InternalError`` instead:
    "changed, but the client was told it failed". Requests to ``/moto-api/`` are
    never touched.

    Each decision is a hash of the seed, the request's identity (method, path,
    query, ``X-Amz-Target``, and a query-protocol body) and how many times that
    identity was seen: a run is reproducible however the server's threads
    interleave, except that concurrent requests with the same identity share one
    sequence. Answers 200 with the settings in force.

``GET /moto-api/hipaa/requests``
    Counts of the AWS requests seen since start (or the last ``POST`` to
    ``/moto-api/hipaa/requests/reset``): ``{"total": n, "by_service": {...},
    "by_operation": {"iam:ListUsers": n, ...}, "throttled": n, "after_change": n,
    "sequence": ["iam:CreateGroup", ...]}`` (``sequence``: the operations in the
    order they arrived, the last 10,000). Injected faults are counted too (a
    throttled request is a request).
``POST /moto-api/hipaa/cloudtrail/events``
    ``{"events": [{"EventName": "EnableKey", "EventTime": 1764500000,
    "Resources": [{"ResourceName": "arn:aws:kms:..."}]}]}``: the events CloudTrail's
    ``LookupEvents`` answers with (filtered by its ``EventName`` or ``ResourceName``
    lookup attribute), none by default. moto 5.2.5 has no ``LookupEvents``: this is a
    stand-in for that one call (README, testing notes), so that the CLI and the demo
    can run the rules that read the event history. Likewise AWS Config's
    ``DescribeDeliveryChannelStatus`` (moto raises NotImplementedError) is answered
    with no status for any channel.
``GET /moto-api/hipaa/securityhub/batch-updates`` (``POST`` to forget them)
    ``{"calls": [<BatchUpdateFindings request body>, ...]}``. moto 5.2.5 does not
    route Security Hub's ``BatchUpdateFindings`` (``PATCH /findings/batchupdate``):
    the stand-in sets ``Workflow`` and ``Note`` on the findings moto holds from
    ``BatchImportFindings`` and records each call as sent.

``POST /moto-api/hipaa/sts/missing-roles``
    ``{"role_arns": ["arn:aws:iam::210987654321:role/hipaa-autofix-member-s3-public-access"]}``:
    from then on STS ``AssumeRole`` of any of these roles is answered as AWS answers
    for a role that does not exist (or doesn't trust the caller): HTTP 403
    ``AccessDenied``, "not authorized to perform: sts:AssumeRole". moto 5.2.5 hands
    out credentials for any role ARN, existing or not (it keeps a world per account
    id); this stands in for the refusal, so that "a member account without the
    member role is reported and skipped" can be tested. An empty list clears it.

It also corrects one answer of moto 5.2.5's S3: ``GetBucketVersioning`` comes back
with the root element ``GetBucketVersioningResponse``, where S3 (and the Rust SDK's
strict parser) has ``VersioningConfiguration``; boto3 doesn't mind, the Rust SDK
fails. The patched method answers S3's shape from moto's own state. And it adds
what moto's ``ListBuckets`` leaves out: each bucket's ``BucketRegion``, as S3 answers.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import signal
import sys
import threading
import uuid
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

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


# ---------------------------------------------------------------------------
# Fault injection and request counting


class Faults:
    """The fault settings and request counters the middleware shares (under a lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seed = 0
        self.throttle_percent = 0.0
        self.after_change_percent = 0.0
        self.seen: Counter[str] = Counter()
        # Role ARNs whose AssumeRole is refused (POST /moto-api/hipaa/sts/missing-roles).
        self.missing_roles: set[str] = set()
        self.reset_counts()

    def reset_counts(self) -> None:
        self.total = 0
        self.by_service: Counter[str] = Counter()
        self.by_operation: Counter[str] = Counter()
        self.throttled = 0
        self.after_change = 0
        # The operations in the order they arrived (the last SEQUENCE_MAX): tests
        # check the order of a fix's calls with it.
        self.sequence: list[str] = []

    def draw(self, identity: str, purpose: str) -> float:
        """A number in [0, 100) fixed by the seed, the identity and its occurrence."""
        with self.lock:
            self.seen[identity + purpose] += 1
            n = self.seen[identity + purpose]
            seed = self.seed
        digest = hashlib.sha256(f"{seed}|{purpose}|{n}|{identity}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 * 100.0

    def counts(self) -> dict[str, Any]:
        with self.lock:
            return {
                "total": self.total,
                "by_service": dict(self.by_service),
                "by_operation": dict(self.by_operation),
                "throttled": self.throttled,
                "after_change": self.after_change,
                "sequence": list(self.sequence),
            }


FAULTS = Faults()
SEQUENCE_MAX = 10_000

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
_READ_ONLY_QUERY = ("Get", "List", "Describe", "Generate", "Simulate")
_READ_ONLY_JSON = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "Receive")


class Request:
    """What the middleware needs to know about one AWS request."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.method = environ.get("REQUEST_METHOD", "GET")
        self.path = environ.get("PATH_INFO", "")
        self.query = environ.get("QUERY_STRING", "")
        auth = environ.get("HTTP_AUTHORIZATION", "")
        m = _CREDENTIAL_SCOPE.search(auth)
        self.service = m.group(1) if m else "unknown"
        self.target = environ.get("HTTP_X_AMZ_TARGET", "")
        content_type = environ.get("CONTENT_TYPE", "")
        self.body = b""
        # Read the body once and hand moto an identical stream.
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            self.body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(self.body)
        if self.target:
            self.protocol = "json"
            self.operation = self.target.rsplit(".", 1)[-1]
        elif self.service in ("s3", "s3control") or "x-www-form-urlencoded" not in content_type:
            self.protocol = "rest-xml"
            first = self.query.split("&", 1)[0].split("=", 1)[0]
            self.operation = f"{self.method} {first or 'object'}"
        else:
            self.protocol = "query"
            params = parse_qs(self.body.decode("utf-8", "replace"))
            self.operation = (params.get("Action") or ["?"])[0]

    @property
    def identity(self) -> str:
        body = self.body.decode("utf-8", "replace") if self.protocol == "query" else ""
        return "|".join([self.method, self.path, self.query, self.target, body])

    @property
    def mutating(self) -> bool:
        if self.protocol == "rest-xml":
            return self.method in ("PUT", "POST", "DELETE")
        if self.protocol == "query":
            return not self.operation.startswith(_READ_ONLY_QUERY)
        return not self.operation.startswith(_READ_ONLY_JSON)


def _error(req: Request, status: int, code: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """An error in the shape the request's protocol uses."""
    request_id = str(uuid.uuid4())
    reason = {400: "Bad Request", 500: "Internal Server Error", 503: "Slow Down"}.get(status, "Error")
    if req.protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id),
        ]
    elif req.protocol == "query":
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>{kind}</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    else:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Error><Code>{code}</Code><Message>{message}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
        if req.method == "HEAD":
            body = b""
    headers.append(("Content-Length", str(len(body))))
    return f"{status} {reason}", headers, body


def _throttle(req: Request) -> tuple[str, list[tuple[str, str]], bytes]:
    if req.protocol == "rest-xml":
        return _error(req, 503, "SlowDown", "Please reduce your request rate.")
    if req.protocol == "query":
        return _error(req, 400, "Throttling", "Rate exceeded")
    return _error(req, 400, "ThrottlingException", "Rate exceeded")


# ---------------------------------------------------------------------------
# CloudTrail LookupEvents: a stand-in for the one call moto 5.2.5 lacks


class EventHistory:
    """The events ``LookupEvents`` answers with: those a test or the demo recorded
    (``POST /moto-api/hipaa/cloudtrail/events``), none by default. Only names, times
    and resource names are kept, as the adapters read nothing else."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[dict[str, Any]] = []

    def answer(self, body: bytes) -> bytes:
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = {}
        wanted = {(a.get("AttributeKey"), a.get("AttributeValue")) for a in request.get("LookupAttributes") or []}
        with self.lock:
            events = list(self.events)

        def matches(e: dict[str, Any]) -> bool:
            for key, value in wanted:
                if key == "EventName" and e.get("EventName") != value:
                    return False
                if key == "ResourceName" and value not in [r.get("ResourceName") for r in e.get("Resources", [])]:
                    return False
            return True

        return json.dumps({"Events": [e for e in events if matches(e)]}).encode()


HISTORY = EventHistory()


def _lookup_events(req: Request) -> tuple[str, list[tuple[str, str]], bytes]:
    body = HISTORY.answer(req.body)
    return (
        "200 OK",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            ("Content-Length", str(len(body))),
        ],
        body,
    )


def _delivery_channel_status() -> tuple[str, list[tuple[str, str]], bytes]:
    """AWS Config's DescribeDeliveryChannelStatus, which moto 5.2.5 answers with
    NotImplementedError: no delivery status for any channel (the channels themselves
    come from moto's DescribeDeliveryChannels)."""
    body = json.dumps({"DeliveryChannelsStatus": []}).encode()
    return (
        "200 OK",
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            ("Content-Length", str(len(body))),
        ],
        body,
    )


def cloudtrail_events(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """``POST {"events": [{"EventName": "EnableKey", "EventTime": <epoch seconds>,
    "Resources": [{"ResourceName": "<key ARN>"}]}, ...]}``: what LookupEvents answers."""
    if request.method != "POST":
        return 405, {}, json.dumps({"error": "POST a JSON body"})
    try:
        events = list(_json_body(request).get("events", []))
    except (ValueError, TypeError) as e:
        return 400, {}, json.dumps({"error": f"bad body: {e!r}"})
    with HISTORY.lock:
        HISTORY.events = events
    return 200, {"Content-Type": "application/json"}, json.dumps({"events": len(events)})


# ---------------------------------------------------------------------------
# Security Hub BatchUpdateFindings: a stand-in for the call moto 5.2.5 lacks


class FindingUpdates:
    """``BatchUpdateFindings`` (``PATCH /findings/batchupdate``), which moto 5.2.5 does
    not route: sets ``Workflow.Status`` and ``Note`` on the findings moto holds (from
    ``BatchImportFindings``, in any account and region) and records every call, as
    sent, for tests (``GET /moto-api/hipaa/securityhub/batch-updates``)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[dict[str, Any]] = []

    def answer(self, body: bytes) -> bytes:
        from moto.securityhub.models import securityhub_backends

        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = {}
        with self.lock:
            self.calls.append(request)
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        held = [
            finding
            for _account, regions in securityhub_backends.items()
            for _region, backend in regions.items()
            for finding in backend.findings
        ]
        processed, unprocessed = [], []
        for ident in request.get("FindingIdentifiers") or []:
            matches = [
                f
                for f in held
                if f.data.get("Id") == ident.get("Id") and f.data.get("ProductArn") == ident.get("ProductArn")
            ]
            if not matches:
                unprocessed.append(
                    {"FindingIdentifier": ident, "ErrorCode": "FindingNotFound", "ErrorMessage": "no such finding"}
                )
                continue
            for f in matches:
                if "Workflow" in request:
                    f.data["Workflow"] = dict(request["Workflow"])
                if "Note" in request:
                    f.data["Note"] = {**request["Note"], "UpdatedAt": now}
                f.data["UpdatedAt"] = now
            processed.append(ident)
        return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}).encode()


FINDING_UPDATES = FindingUpdates()


def securityhub_batch_updates(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """``GET``: every ``BatchUpdateFindings`` request body so far; ``POST``: forget them."""
    with FINDING_UPDATES.lock:
        if request.method == "POST":
            FINDING_UPDATES.calls.clear()
        calls = list(FINDING_UPDATES.calls)
    return 200, {"Content-Type": "application/json"}, json.dumps({"calls": calls})


class FaultMiddleware:
    """Wraps moto's WSGI app: counts AWS requests and injects the configured faults."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/moto-api/"):
            return self.app(environ, start_response)
        req = Request(environ)
        with FAULTS.lock:
            FAULTS.total += 1
            FAULTS.by_service[req.service] += 1
            FAULTS.by_operation[f"{req.service}:{req.operation}"] += 1
            FAULTS.sequence.append(f"{req.service}:{req.operation}")
            del FAULTS.sequence[:-SEQUENCE_MAX]
            throttle, after = FAULTS.throttle_percent, FAULTS.after_change_percent
        if req.target.endswith("CloudTrail_20131101.LookupEvents"):
            status, headers, body = _lookup_events(req)
            start_response(status, headers)
            return [body]
        if req.service == "securityhub" and req.method == "PATCH" and req.path == "/findings/batchupdate":
            body = FINDING_UPDATES.answer(req.body)
            start_response(
                "200 OK",
                [
                    ("Content-Type", "application/json"),
                    ("x-amzn-RequestId", str(uuid.uuid4())),
                    ("Content-Length", str(len(body))),
                ],
            )
            return [body]
        if req.target.endswith("StarlingDoveService.DescribeDeliveryChannelStatus"):
            status, headers, body = _delivery_channel_status()
            start_response(status, headers)
            return [body]
        if req.protocol == "query" and req.operation == "AssumeRole":
            role = (parse_qs(req.body.decode("utf-8", "replace")).get("RoleArn") or [""])[0]
            with FAULTS.lock:
                missing = role in FAULTS.missing_roles
            if missing:
                status, headers, body = _error(
                    req, 403, "AccessDenied", f"User is not authorized to perform: sts:AssumeRole on resource: {role}"
                )
                start_response(status, headers)
                return [body]
        if throttle > 0 and FAULTS.draw(req.identity, "throttle") < throttle:
            with FAULTS.lock:
                FAULTS.throttled += 1
            status, headers, body = _throttle(req)
            start_response(status, headers)
            return [body]
        if not (after > 0 and req.mutating):
            return self.app(environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        chunks = self.app(environ, capture)
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        ok = str(captured.get("status", "500")).startswith("2")
        if ok and FAULTS.draw(req.identity, "after-change") < after:
            with FAULTS.lock:
                FAULTS.after_change += 1
            status, headers, err = _error(req, 500, "InternalError", "We encountered an internal error. Please try again.")
            start_response(status, headers)
            return [err]
        start_response(captured.get("status", "500 Internal Server Error"), captured.get("headers", []))
        return [body]


def faults(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    if request.method != "POST":
        return 405, {}, json.dumps({"error": "POST a JSON body"})
    try:
        body = _json_body(request)
        seed = int(body.get("seed", 0))
        throttle = float(body.get("throttle_percent", 0))
        after = float(body.get("after_change_percent", 0))
        if not (0 <= throttle <= 100 and 0 <= after <= 100):
            raise ValueError("percentages are 0 to 100")
    except (ValueError, TypeError) as e:
        return 400, {}, json.dumps({"error": f"bad body: {e!r}"})
    with FAULTS.lock:
        FAULTS.seed, FAULTS.throttle_percent, FAULTS.after_change_percent = seed, throttle, after
        FAULTS.seen.clear()
    return (
        200,
        {"Content-Type": "application/json"},
        json.dumps({"seed": seed, "throttle_percent": throttle, "after_change_percent": after}),
    )


def missing_roles(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    if request.method != "POST":
        return 405, {}, json.dumps({"error": "POST a JSON body"})
    try:
        roles = _json_body(request).get("role_arns", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise ValueError("role_arns is a list of ARNs")
    except ValueError as e:
        return 400, {}, json.dumps({"error": f"bad body: {e!r}"})
    with FAULTS.lock:
        FAULTS.missing_roles = set(roles)
    return 200, {"Content-Type": "application/json"}, json.dumps({"role_arns": sorted(roles)})


def requests_seen(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    return 200, {"Content-Type": "application/json"}, json.dumps(FAULTS.counts())


def reset_requests(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    if request.method != "POST":
        return 405, {}, json.dumps({"error": "POST"})
    with FAULTS.lock:
        FAULTS.reset_counts()
    return 200, {"Content-Type": "application/json"}, json.dumps(FAULTS.counts())
def _get_bucket_versioning(self: Any) -> tuple[int, dict[str, str], str]:
    status = self.backend.get_bucket_versioning(self.bucket_name)
    inner = f"<Status>{status}</Status>" if status else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}</VersioningConfiguration>'
    )
    return 200, {"Content-Type": "application/xml"}, body


def _all_buckets(self: Any) -> tuple[int, dict[str, str], str]:
    # moto 5.2.5's ListBuckets omits each bucket's BucketRegion, which S3 answers
    # (and the bucket lister reads: an organisation sweep judges a bucket in its own
    # region's sweep only). The same answer, with the region moto keeps.
    from moto.core.responses import ActionResult

    self.data["Action"] = "ListAllMyBuckets"
    self._authenticate_and_authorize_s3_action()
    all_buckets = self.backend.list_buckets(
        prefix=self._get_param("prefix"),
        bucket_region=self._get_param("bucket-region"),
        max_buckets=self._get_param("max-buckets"),
    )
    buckets = [
        {"Name": b.name, "CreationDate": b.creation_date_ISO8601, "BucketRegion": b.region_name} for b in all_buckets
    ]
    self.data["Action"] = "ListBuckets"
    return self.serialized(
        ActionResult({"Owner": {"ID": "bcaf1ffd86f41161ca5fb16fd081034f", "DisplayName": "webfile"}, "Buckets": buckets})
    )


def patch_moto() -> None:
    from moto.s3.responses import S3Response

    S3Response.get_bucket_versioning = _get_bucket_versioning  # type: ignore[method-assign]
    S3Response.all_buckets = _all_buckets  # type: ignore[method-assign]


def register_routes() -> None:
    # Same key format as moto's own entries: "{0}" is replaced by the url base.
    moto_api_urls.url_paths["{0}/moto-api/hipaa/iam/access-key-dates"] = access_key_dates
    moto_api_urls.url_paths["{0}/moto-api/hipaa/faults"] = faults
    moto_api_urls.url_paths["{0}/moto-api/hipaa/requests"] = requests_seen
    moto_api_urls.url_paths["{0}/moto-api/hipaa/requests/reset"] = reset_requests
    moto_api_urls.url_paths["{0}/moto-api/hipaa/cloudtrail/events"] = cloudtrail_events
    moto_api_urls.url_paths["{0}/moto-api/hipaa/securityhub/batch-updates"] = securityhub_batch_updates
    moto_api_urls.url_paths["{0}/moto-api/hipaa/sts/missing-roles"] = missing_roles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    args = parser.parse_args()

    register_routes()
    patch_moto()
    app = FaultMiddleware(DomainDispatcherApplication(create_backend_app))
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
