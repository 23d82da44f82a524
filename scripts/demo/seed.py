"""Seed the local AWS world (moto) with real violations for the demo.

Uses boto3 (installed with moto) against AWS_ENDPOINT_URL. Creates the stack's
tables and Slack secret as `sam deploy` would, then buckets in every shape the
s3-public-access rules judge.
"""
import datetime
import json
import os
import sys
import urllib.request

import boto3

ACCOUNT = "123456789012"
STACK = "hipaa-autofix"
slack_url = sys.argv[1]

s3 = boto3.client("s3")
ddb = boto3.client("dynamodb")
sm = boto3.client("secretsmanager")

# The stack's tables and Slack secret, as template.yaml creates them.
ddb.create_table(TableName=f"{STACK}-settings", BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
ddb.create_table(TableName=f"{STACK}-ledger", BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
sm.create_secret(Name=f"{STACK}/slack-webhook", SecretString=json.dumps({"webhook_url": slack_url}))

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def bucket(name, tags=None):
    s3.create_bucket(Bucket=name)
    # New buckets in real AWS get Block Public Access on by default; these are the
    # ones someone turned it off for.
    s3.delete_public_access_block(Bucket=name)
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})


def grant_all_users(name, permission):
    acl = s3.get_bucket_acl(Bucket=name)
    grants = acl["Grants"] + [{"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": permission}]
    s3.put_bucket_acl(Bucket=name, AccessControlPolicy={"Owner": acl["Owner"], "Grants": grants})


def policy(name, statements):
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))


cdn = {"Sid": "CloudFrontOnly", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
       "Action": "s3:GetObject", "Resource": None,
       "Condition": {"StringEquals": {"AWS:SourceArn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/EDFDVBD6EXAMPLE"}}}

bucket("phi-public-read")
grant_all_users("phi-public-read", "READ")

bucket("phi-public-write")
grant_all_users("phi-public-write", "WRITE")

bucket("phi-mixed-policy")
policy("phi-mixed-policy", [
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::phi-mixed-policy/*"},
    dict(cdn, Resource="arn:aws:s3:::phi-mixed-policy/*"),
])

bucket("phi-cdn-origin")
policy("phi-cdn-origin", [dict(cdn, Resource="arn:aws:s3:::phi-cdn-origin/*")])

bucket("phi-no-bpa")

until = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
bucket("public-website", tags={"hipaa-autofix:exempt": f"marketing site no PHI until={until}"})
policy("public-website", [{"Sid": "Website", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::public-website/*"}])

s3.create_bucket(Bucket="phi-records")
s3.put_public_access_block(Bucket="phi-records", PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})

# The account is left without account-level Block Public Access (moto's default).

# IAM: a developer's 120-day-old key, a console user without MFA, and the stack's
# MFA quarantine policy (the same document template.yaml creates).
iam = boto3.client("iam")
repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(repo, "tests/fixtures/mfa-quarantine-policy.json"), encoding="utf-8") as f:
    iam.create_policy(PolicyName="hipaa-autofix-mfa-quarantine", PolicyDocument=f.read())
iam.create_user(UserName="dev-old-key")
key = iam.create_access_key(UserName="dev-old-key")["AccessKey"]["AccessKeyId"]
old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=120)).isoformat()
used = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2)).isoformat()
# moto stamps CreateDate = now: the launcher's route backdates the key.
req = urllib.request.Request(
    os.environ["AWS_ENDPOINT_URL"] + "/moto-api/hipaa/iam/access-key-dates",
    data=json.dumps({"account_id": ACCOUNT, "access_key_id": key, "create_date": old, "last_used": used,
                     "last_used_service": "s3", "last_used_region": "us-east-1"}).encode(),
    headers={"Content-Type": "application/json"}, method="POST")
urllib.request.urlopen(req).read()
iam.create_user(UserName="nurse-console")
iam.create_login_profile(UserName="nurse-console", Password="Temp-Passw0rd-123!", PasswordResetRequired=True)

# S3 data protection (issue #10): the stack's access-log bucket, made as template.yaml
# makes it, and one bucket per data-protection violation. (moto's buckets start with
# no default encryption, versioning, logging or ownership controls, so the buckets
# above violate these rules too.)
LOG_BUCKET = f"{STACK}-access-logs-{ACCOUNT}-us-east-1"
s3.create_bucket(Bucket=LOG_BUCKET)
s3.put_public_access_block(Bucket=LOG_BUCKET, PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
s3.put_bucket_encryption(Bucket=LOG_BUCKET, ServerSideEncryptionConfiguration={
    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
s3.put_bucket_versioning(Bucket=LOG_BUCKET, VersioningConfiguration={"Status": "Enabled"})
s3.put_bucket_ownership_controls(Bucket=LOG_BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
policy(LOG_BUCKET, [
    {"Sid": "S3ServerAccessLogsPolicy", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
     "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{LOG_BUCKET}/*",
     "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
    {"Sid": "HipaaAutofixDenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
     "Resource": [f"arn:aws:s3:::{LOG_BUCKET}", f"arn:aws:s3:::{LOG_BUCKET}/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
])


def private_bucket(name):
    s3.create_bucket(Bucket=name)
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})


private_bucket("phi-unencrypted")
s3.put_bucket_encryption(Bucket="phi-unencrypted", ServerSideEncryptionConfiguration={
    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
private_bucket("phi-no-tls")
# Pretty-printed on purpose: the TLS statement is merged without touching these bytes.
s3.put_bucket_policy(Bucket="phi-no-tls", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::phi-no-tls/*"}]}, indent=2))
private_bucket("phi-unversioned")
private_bucket("phi-unlogged")
private_bucket("phi-acls-enabled")
s3.put_bucket_ownership_controls(Bucket="phi-acls-enabled", OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
# CloudFront standard logs are delivered by an ACL grant to its log account: ACLs must stay.
private_bucket("phi-cloudfront-logs")
s3.put_bucket_ownership_controls(Bucket="phi-cloudfront-logs", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
acl = s3.get_bucket_acl(Bucket="phi-cloudfront-logs")
s3.put_bucket_acl(Bucket="phi-cloudfront-logs", AccessControlPolicy={"Owner": acl["Owner"], "Grants": acl["Grants"] + [
    {"Grantee": {"Type": "CanonicalUser", "ID": "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"},
     "Permission": "FULL_CONTROL"}]})
print(f"seeded (S3 data protection): the stack's log bucket {LOG_BUCKET}; phi-unencrypted (SSE-S3), "
      "phi-no-tls, phi-unversioned, phi-unlogged, phi-acls-enabled, phi-cloudfront-logs (a CloudFront log grant)")

# The audit trail and the keys (issue #11): a trail someone stopped (its bucket, and a
# key CloudTrail may encrypt with, as the stack makes them), a key without rotation,
# a key pending deletion. CloudTrail's event history (moto lacks it; the launcher's
# stand-in answers) is empty: no key changed state in 90 days, so the key pending
# deletion was enabled before and is enabled again.
kms = boto3.client("kms")
ct = boto3.client("cloudtrail")
TRAIL_BUCKET = f"{STACK}-trail-{ACCOUNT}-us-east-1"
s3.create_bucket(Bucket=TRAIL_BUCKET)
trail_key = kms.create_key(Description="hipaa-autofix CloudTrail logs", Policy=json.dumps({
    "Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "CloudTrailEncryptsThisAccountsTrails", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "kms:GenerateDataKey*", "Resource": "*",
         "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"}}}]}))
trail_key_arn = trail_key["KeyMetadata"]["Arn"]
kms.enable_key_rotation(KeyId=trail_key_arn)
ct.create_trail(Name="org-audit", S3BucketName=TRAIL_BUCKET, IsMultiRegionTrail=True,
                IncludeGlobalServiceEvents=True, EnableLogFileValidation=True, KmsKeyId=trail_key_arn)
# CreateTrail does not start logging: this is the trail after someone's StopLogging.
no_rotation = kms.create_key(Description="phi-records data key")["KeyMetadata"]["KeyId"]
pending = kms.create_key(Description="phi-archive data key")["KeyMetadata"]["KeyId"]
kms.schedule_key_deletion(KeyId=pending, PendingWindowInDays=30)
print(f"seeded (audit trail, keys): trail org-audit (stopped), key {no_rotation} (no rotation), "
      f"key {pending} (pending deletion)")

print("seeded: buckets phi-public-read, phi-public-write, phi-mixed-policy, phi-cdn-origin, phi-no-bpa, "
      "public-website (exempt), phi-records (compliant); no account-level Block Public Access; "
      "IAM user dev-old-key (a 120-day-old key), nurse-console (a console password, no MFA); no password policy")

# Issue #12 (network and data-store exposure): one SSH-open security group beside a
# narrow rule, and one public EBS snapshot also shared with a partner account.
ec2 = boto3.client("ec2")
vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
sg = ec2.create_security_group(GroupName="phi-db-ssh-open", Description="patients db", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "temporary"}]},
    {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "app tier"}]}])
vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
snap = ec2.create_snapshot(VolumeId=vol, Description="patients db nightly")["SnapshotId"]
ec2.modify_snapshot_attribute(SnapshotId=snap, Attribute="createVolumePermission", OperationType="add",
                              GroupNames=["all"], UserIds=["111122223333"])
print(f"seeded (network and data stores): security group {sg} (SSH from anywhere, Postgres from 10.0.0.0/16); "
      f"EBS snapshot {snap} (public, and shared with 111122223333)")
