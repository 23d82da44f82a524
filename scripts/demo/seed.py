"""Seed the local AWS world (moto) with real violations for the demo.

Uses boto3 (installed with moto) against AWS_ENDPOINT_URL. Creates the stack's
tables and Slack secret as `sam deploy` would, then buckets in every shape the
s3-public-access rules judge.
"""
import datetime
import json
import os
import sys

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
print("seeded: phi-public-read, phi-public-write, phi-mixed-policy, phi-cdn-origin, phi-no-bpa, "
      "public-website (exempt), phi-records (compliant); no account-level Block Public Access")
