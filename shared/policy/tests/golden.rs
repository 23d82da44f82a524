//! Golden serialized forms: ledger records in DynamoDB hold `actions` and
//! `before`/`after` snapshots as this JSON. The strings below were captured from the
//! code before the "one place per rule" reshape; every record written before it must
//! still read, mean the same (name, description, undo) and write back byte for byte.
//!
//! Two changes of form came since, from main (issue #8), and are pinned here as main
//! defines them: a user's access keys no longer carry their last use, which is its
//! own facet (`key_last_used`); a record may carry `event_time`. Records written
//! before either still read (`USERS_BEFORE_THE_LAST_USE_SPLIT`, the records without
//! `event_time`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use policy::{Action, LedgerRecord, Plan, Snapshot};

struct GoldenAction {
    json: &'static str,
    name: &'static str,
    describe: &'static str,
    undo: Option<&'static str>,
}

const ACTIONS: &[GoldenAction] = &[
    GoldenAction {
        json: r##"{"action":"PutBucketPublicAccessBlock","bucket":"b","settings":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true},"previous":null}"##,
        name: r##"PutBucketPublicAccessBlock"##,
        describe: r##"turn on all four Block Public Access settings on bucket b (was none)"##,
        undo: Some(
            r##"{"action":"DeleteBucketPublicAccessBlock","bucket":"b","previous":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketPublicAccessBlock","bucket":"b","settings":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true},"previous":{"BlockPublicAcls":true,"IgnorePublicAcls":false,"BlockPublicPolicy":false,"RestrictPublicBuckets":false}}"##,
        name: r##"PutBucketPublicAccessBlock"##,
        describe: r##"turn on all four Block Public Access settings on bucket b (was off: IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets)"##,
        undo: Some(
            r##"{"action":"PutBucketPublicAccessBlock","bucket":"b","settings":{"BlockPublicAcls":true,"IgnorePublicAcls":false,"BlockPublicPolicy":false,"RestrictPublicBuckets":false},"previous":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"DeleteBucketPublicAccessBlock","bucket":"b","previous":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}"##,
        name: r##"DeleteBucketPublicAccessBlock"##,
        describe: r##"remove the Block Public Access configuration of bucket b"##,
        undo: Some(
            r##"{"action":"PutBucketPublicAccessBlock","bucket":"b","settings":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true},"previous":null}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketAcl","bucket":"b","acl":{"Owner":{"ID":"o1","DisplayName":"me"},"Grants":[{"Grantee":{"Type":"CanonicalUser","ID":"o1"},"Permission":"FULL_CONTROL"}]},"removed_grants":[{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"},{"Grantee":{"Type":"AmazonCustomerByEmail","EmailAddress":"a@example.com"},"Permission":"WRITE_ACP"}],"previous":{"Owner":{"ID":"o1","DisplayName":"me"},"Grants":[{"Grantee":{"Type":"CanonicalUser","ID":"o1"},"Permission":"FULL_CONTROL"},{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"},{"Grantee":{"Type":"AmazonCustomerByEmail","EmailAddress":"a@example.com"},"Permission":"WRITE_ACP"}]}}"##,
        name: r##"PutBucketAcl"##,
        describe: r##"remove public ACL grants from bucket b: READ to AllUsers; WRITE_ACP to a@example.com"##,
        undo: Some(
            r##"{"action":"PutBucketAcl","bucket":"b","acl":{"Owner":{"ID":"o1","DisplayName":"me"},"Grants":[{"Grantee":{"Type":"CanonicalUser","ID":"o1"},"Permission":"FULL_CONTROL"},{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"},{"Grantee":{"Type":"AmazonCustomerByEmail","EmailAddress":"a@example.com"},"Permission":"WRITE_ACP"}]},"removed_grants":[],"previous":{"Owner":{"ID":"o1","DisplayName":"me"},"Grants":[{"Grantee":{"Type":"CanonicalUser","ID":"o1"},"Permission":"FULL_CONTROL"}]}}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketAcl","bucket":"b","acl":{"Owner":{"ID":"o1","DisplayName":"me"},"Grants":[{"Grantee":{"Type":"CanonicalUser","ID":"o1"},"Permission":"FULL_CONTROL"},{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"},{"Grantee":{"Type":"AmazonCustomerByEmail","EmailAddress":"a@example.com"},"Permission":"WRITE_ACP"}]},"removed_grants":[],"previous":{"Owner":{"ID":"o1","DisplayName":"me"},"Grants":[{"Grantee":{"Type":"CanonicalUser","ID":"o1"},"Permission":"FULL_CONTROL"}]}}"##,
        name: r##"PutBucketAcl"##,
        describe: r##"restore the ACL of bucket b"##,
        undo: Some(
            r##"{"action":"PutBucketAcl","bucket":"b","acl":{"Owner":{"ID":"o1","DisplayName":"me"},"Grants":[{"Grantee":{"Type":"CanonicalUser","ID":"o1"},"Permission":"FULL_CONTROL"}]},"removed_grants":[],"previous":{"Owner":{"ID":"o1","DisplayName":"me"},"Grants":[{"Grantee":{"Type":"CanonicalUser","ID":"o1"},"Permission":"FULL_CONTROL"},{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"},{"Grantee":{"Type":"AmazonCustomerByEmail","EmailAddress":"a@example.com"},"Permission":"WRITE_ACP"}]}}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketPolicy","bucket":"b","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Partner\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}","removed_statements":[{"Action":"s3:GetObject","Effect":"Allow","Principal":"*","Resource":"arn:aws:s3:::b/*","Sid":"Public"}],"previous":"{\"Version\":\"2012-10-17\",\"Statement\":[]}"}"##,
        name: r##"PutBucketPolicy"##,
        describe: r##"remove 1 public statement (Sid Public) from the policy of bucket b, keeping the rest"##,
        undo: Some(
            r##"{"action":"PutBucketPolicy","bucket":"b","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[]}","removed_statements":[],"previous":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Partner\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}"}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketPolicy","bucket":"b","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Partner\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}","removed_statements":[],"previous":null}"##,
        name: r##"PutBucketPolicy"##,
        describe: r##"restore the policy of bucket b"##,
        undo: Some(
            r##"{"action":"DeleteBucketPolicy","bucket":"b","removed_statements":[],"previous":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Partner\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}"}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"DeleteBucketPolicy","bucket":"b","removed_statements":[{"Action":"s3:GetObject","Effect":"Allow","Principal":"*","Resource":"arn:aws:s3:::b/*","Sid":"Public"},{"Effect":"Allow","I":3,"N":1.5}],"previous":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Partner\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}"}"##,
        name: r##"DeleteBucketPolicy"##,
        describe: r##"delete the policy of bucket b: all 2 statements (Sid Public, #2) were public"##,
        undo: Some(
            r##"{"action":"PutBucketPolicy","bucket":"b","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Partner\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}","removed_statements":[],"previous":null}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutAccountPublicAccessBlock","account":"123456789012","settings":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true},"previous":null}"##,
        name: r##"PutAccountPublicAccessBlock"##,
        describe: r##"turn on all four account-level Block Public Access settings in account 123456789012"##,
        undo: Some(
            r##"{"action":"DeleteAccountPublicAccessBlock","account":"123456789012","previous":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutAccountPublicAccessBlock","account":"123456789012","settings":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true},"previous":{"BlockPublicAcls":true,"IgnorePublicAcls":false,"BlockPublicPolicy":false,"RestrictPublicBuckets":false}}"##,
        name: r##"PutAccountPublicAccessBlock"##,
        describe: r##"turn on all four account-level Block Public Access settings in account 123456789012"##,
        undo: Some(
            r##"{"action":"PutAccountPublicAccessBlock","account":"123456789012","settings":{"BlockPublicAcls":true,"IgnorePublicAcls":false,"BlockPublicPolicy":false,"RestrictPublicBuckets":false},"previous":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"DeleteAccountPublicAccessBlock","account":"123456789012","previous":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}"##,
        name: r##"DeleteAccountPublicAccessBlock"##,
        describe: r##"remove the account-level Block Public Access configuration of account 123456789012"##,
        undo: Some(
            r##"{"action":"PutAccountPublicAccessBlock","account":"123456789012","settings":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true},"previous":null}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"DeactivateAccessKey","user":"alice","key_id":"AKIAOLD"}"##,
        name: r##"DeactivateAccessKey"##,
        describe: r##"deactivate access key AKIAOLD of user alice"##,
        undo: Some(r##"{"action":"ActivateAccessKey","user":"alice","key_id":"AKIAOLD"}"##),
    },
    GoldenAction {
        json: r##"{"action":"ActivateAccessKey","user":"alice","key_id":"AKIAOLD"}"##,
        name: r##"ActivateAccessKey"##,
        describe: r##"reactivate access key AKIAOLD of user alice"##,
        undo: Some(r##"{"action":"DeactivateAccessKey","user":"alice","key_id":"AKIAOLD"}"##),
    },
    GoldenAction {
        json: r##"{"action":"DeleteAccessKey","user":"alice","key_id":"AKIAOFF"}"##,
        name: r##"DeleteAccessKey"##,
        describe: r##"delete inactive access key AKIAOFF of user alice (irreversible)"##,
        undo: None,
    },
    GoldenAction {
        json: r##"{"action":"DeleteLoginProfile","user":"alice"}"##,
        name: r##"DeleteLoginProfile"##,
        describe: r##"remove the console password (login profile) of user alice (irreversible)"##,
        undo: None,
    },
    GoldenAction {
        json: r##"{"action":"AttachUserPolicy","user":"alice","policy_arn":"arn:aws:iam::123456789012:policy/hipaa-autofix-mfa-quarantine"}"##,
        name: r##"AttachUserPolicy"##,
        describe: r##"quarantine user alice: attach arn:aws:iam::123456789012:policy/hipaa-autofix-mfa-quarantine, which denies everything but setting up MFA"##,
        undo: Some(
            r##"{"action":"DetachUserPolicy","user":"alice","policy_arn":"arn:aws:iam::123456789012:policy/hipaa-autofix-mfa-quarantine"}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"DetachUserPolicy","user":"alice","policy_arn":"arn:aws:iam::123456789012:policy/hipaa-autofix-mfa-quarantine"}"##,
        name: r##"DetachUserPolicy"##,
        describe: r##"lift the quarantine of user alice: detach arn:aws:iam::123456789012:policy/hipaa-autofix-mfa-quarantine"##,
        undo: Some(
            r##"{"action":"AttachUserPolicy","user":"alice","policy_arn":"arn:aws:iam::123456789012:policy/hipaa-autofix-mfa-quarantine"}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"UpdateAccountPasswordPolicy","policy":{"MinimumPasswordLength":14,"RequireSymbols":true,"RequireNumbers":true,"RequireUppercaseCharacters":true,"RequireLowercaseCharacters":true,"AllowUsersToChangePassword":true,"MaxPasswordAge":90,"PasswordReusePrevention":24,"HardExpiry":false},"previous":null}"##,
        name: r##"UpdateAccountPasswordPolicy"##,
        describe: r##"set the account password policy to length >= 14, requires [upper, lower, number, symbol], reuse prevention 24, max age 90 days (was none)"##,
        undo: Some(
            r##"{"action":"DeleteAccountPasswordPolicy","previous":{"MinimumPasswordLength":14,"RequireSymbols":true,"RequireNumbers":true,"RequireUppercaseCharacters":true,"RequireLowercaseCharacters":true,"AllowUsersToChangePassword":true,"MaxPasswordAge":90,"PasswordReusePrevention":24,"HardExpiry":false}}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"UpdateAccountPasswordPolicy","policy":{"MinimumPasswordLength":14,"RequireSymbols":true,"RequireNumbers":true,"RequireUppercaseCharacters":true,"RequireLowercaseCharacters":true,"AllowUsersToChangePassword":true,"MaxPasswordAge":90,"PasswordReusePrevention":24,"HardExpiry":false},"previous":{"MinimumPasswordLength":8,"RequireSymbols":false,"RequireNumbers":true,"RequireUppercaseCharacters":false,"RequireLowercaseCharacters":false,"AllowUsersToChangePassword":false,"MaxPasswordAge":120,"PasswordReusePrevention":null,"HardExpiry":null}}"##,
        name: r##"UpdateAccountPasswordPolicy"##,
        describe: r##"set the account password policy to length >= 14, requires [upper, lower, number, symbol], reuse prevention 24, max age 90 days (was length >= 8, requires [number], reuse prevention off, max age 120 days)"##,
        undo: Some(
            r##"{"action":"UpdateAccountPasswordPolicy","policy":{"MinimumPasswordLength":8,"RequireSymbols":false,"RequireNumbers":true,"RequireUppercaseCharacters":false,"RequireLowercaseCharacters":false,"AllowUsersToChangePassword":false,"MaxPasswordAge":120,"PasswordReusePrevention":null,"HardExpiry":null},"previous":{"MinimumPasswordLength":14,"RequireSymbols":true,"RequireNumbers":true,"RequireUppercaseCharacters":true,"RequireLowercaseCharacters":true,"AllowUsersToChangePassword":true,"MaxPasswordAge":90,"PasswordReusePrevention":24,"HardExpiry":false}}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"DeleteAccountPasswordPolicy","previous":{"MinimumPasswordLength":14,"RequireSymbols":true,"RequireNumbers":true,"RequireUppercaseCharacters":true,"RequireLowercaseCharacters":true,"AllowUsersToChangePassword":true,"MaxPasswordAge":90,"PasswordReusePrevention":24,"HardExpiry":false}}"##,
        name: r##"DeleteAccountPasswordPolicy"##,
        describe: r##"delete the account password policy"##,
        undo: Some(
            r##"{"action":"UpdateAccountPasswordPolicy","policy":{"MinimumPasswordLength":14,"RequireSymbols":true,"RequireNumbers":true,"RequireUppercaseCharacters":true,"RequireLowercaseCharacters":true,"AllowUsersToChangePassword":true,"MaxPasswordAge":90,"PasswordReusePrevention":24,"HardExpiry":false},"previous":null}"##,
        ),
    },
    // s3-data-protection (issue #10).
    GoldenAction {
        json: r##"{"action":"PutBucketEncryption","bucket":"b","encryption":{"Algorithm":"aws:kms","KmsKey":"arn:aws:kms:us-east-1:123456789012:alias/hipaa-autofix","BucketKey":true},"previous":{"Algorithm":"AES256","BucketKey":false}}"##,
        name: r##"PutBucketEncryption"##,
        describe: r##"set the default encryption of bucket b to SSE-KMS with key arn:aws:kms:us-east-1:123456789012:alias/hipaa-autofix with an S3 Bucket Key (was SSE-S3)"##,
        undo: Some(
            r##"{"action":"PutBucketEncryption","bucket":"b","encryption":{"Algorithm":"AES256","BucketKey":false},"previous":{"Algorithm":"aws:kms","KmsKey":"arn:aws:kms:us-east-1:123456789012:alias/hipaa-autofix","BucketKey":true}}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketEncryption","bucket":"b","encryption":{"Algorithm":"AES256","BucketKey":false},"previous":null}"##,
        name: r##"PutBucketEncryption"##,
        describe: r##"set the default encryption of bucket b to SSE-S3 (was none)"##,
        undo: Some(
            r##"{"action":"DeleteBucketEncryption","bucket":"b","previous":{"Algorithm":"AES256","BucketKey":false}}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"DeleteBucketEncryption","bucket":"b","previous":{"Algorithm":"AES256","BucketKey":false}}"##,
        name: r##"DeleteBucketEncryption"##,
        describe: r##"remove the default encryption configuration of bucket b"##,
        undo: Some(
            r##"{"action":"PutBucketEncryption","bucket":"b","encryption":{"Algorithm":"AES256","BucketKey":false},"previous":null}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketPolicyStatement","bucket":"b","sid":"HipaaAutofixDenyInsecureTransport","statement":"{\"Action\":\"s3:*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}},\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"*\"},\"Resource\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"],\"Sid\":\"HipaaAutofixDenyInsecureTransport\"}","replaced":null,"created_policy":true}"##,
        name: r##"PutBucketPolicyStatement"##,
        describe: r##"create the policy of bucket b with statement Sid HipaaAutofixDenyInsecureTransport, keeping every other statement"##,
        undo: Some(
            r##"{"action":"DeleteBucketPolicyStatement","bucket":"b","sid":"HipaaAutofixDenyInsecureTransport","statement":"{\"Action\":\"s3:*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}},\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"*\"},\"Resource\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"],\"Sid\":\"HipaaAutofixDenyInsecureTransport\"}","delete_empty_policy":true}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketPolicyStatement","bucket":"b","sid":"HipaaAutofixDenyInsecureTransport","statement":"{\"Action\":\"s3:*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}},\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"*\"},\"Resource\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"],\"Sid\":\"HipaaAutofixDenyInsecureTransport\"}","replaced":"{\"Sid\":\"HipaaAutofixDenyInsecureTransport\",\"Effect\":\"Deny\"}","created_policy":false}"##,
        name: r##"PutBucketPolicyStatement"##,
        describe: r##"replace, in the policy of bucket b, statement Sid HipaaAutofixDenyInsecureTransport, keeping every other statement"##,
        undo: Some(
            r##"{"action":"PutBucketPolicyStatement","bucket":"b","sid":"HipaaAutofixDenyInsecureTransport","statement":"{\"Sid\":\"HipaaAutofixDenyInsecureTransport\",\"Effect\":\"Deny\"}","replaced":"{\"Action\":\"s3:*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}},\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"*\"},\"Resource\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"],\"Sid\":\"HipaaAutofixDenyInsecureTransport\"}","created_policy":false}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"DeleteBucketPolicyStatement","bucket":"b","sid":"HipaaAutofixDenyInsecureTransport","statement":"{\"Action\":\"s3:*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}},\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"*\"},\"Resource\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"],\"Sid\":\"HipaaAutofixDenyInsecureTransport\"}","delete_empty_policy":false}"##,
        name: r##"DeleteBucketPolicyStatement"##,
        describe: r##"remove statement Sid HipaaAutofixDenyInsecureTransport from the policy of bucket b, keeping every other statement"##,
        undo: Some(
            r##"{"action":"PutBucketPolicyStatement","bucket":"b","sid":"HipaaAutofixDenyInsecureTransport","statement":"{\"Action\":\"s3:*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}},\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"*\"},\"Resource\":[\"arn:aws:s3:::b\",\"arn:aws:s3:::b/*\"],\"Sid\":\"HipaaAutofixDenyInsecureTransport\"}","replaced":null,"created_policy":false}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketVersioning","bucket":"b","status":"Enabled","previous":"Never"}"##,
        name: r##"PutBucketVersioning"##,
        describe: r##"enable versioning on bucket b (was Never); S3 cannot return a bucket to never-versioned, so an undo suspends versioning (new objects get no versions, existing versions stay)"##,
        undo: Some(r##"{"action":"PutBucketVersioning","bucket":"b","status":"Suspended","previous":"Enabled"}"##),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketVersioning","bucket":"b","status":"Suspended","previous":"Enabled"}"##,
        name: r##"PutBucketVersioning"##,
        describe: r##"suspend versioning on bucket b (was Enabled); new objects get no versions, existing versions stay"##,
        undo: Some(r##"{"action":"PutBucketVersioning","bucket":"b","status":"Enabled","previous":"Suspended"}"##),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketLogging","bucket":"b","logging":{"TargetBucket":"logs","TargetPrefix":"b/"},"previous":null}"##,
        name: r##"PutBucketLogging"##,
        describe: r##"send the server access logs of bucket b to s3://logs/b/"##,
        undo: Some(
            r##"{"action":"PutBucketLogging","bucket":"b","logging":null,"previous":{"TargetBucket":"logs","TargetPrefix":"b/"}}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketOwnershipControls","bucket":"b","ownership":"BucketOwnerEnforced","previous":"ObjectWriter"}"##,
        name: r##"PutBucketOwnershipControls"##,
        describe: r##"set the object ownership of bucket b to BucketOwnerEnforced (was ObjectWriter)"##,
        undo: Some(
            r##"{"action":"PutBucketOwnershipControls","bucket":"b","ownership":"ObjectWriter","previous":"BucketOwnerEnforced"}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketOwnershipControls","bucket":"b","ownership":"BucketOwnerEnforced","previous":null}"##,
        name: r##"PutBucketOwnershipControls"##,
        describe: r##"set the object ownership of bucket b to BucketOwnerEnforced (was no ownership controls)"##,
        undo: Some(r##"{"action":"DeleteBucketOwnershipControls","bucket":"b","previous":"BucketOwnerEnforced"}"##),
    },
    GoldenAction {
        json: r##"{"action":"DeleteBucketOwnershipControls","bucket":"b","previous":"BucketOwnerEnforced"}"##,
        name: r##"DeleteBucketOwnershipControls"##,
        describe: r##"remove the ownership controls of bucket b"##,
        undo: Some(
            r##"{"action":"PutBucketOwnershipControls","bucket":"b","ownership":"BucketOwnerEnforced","previous":null}"##,
        ),
    },
    // Issue #10's lifecycle rule (S3VersioningNoncurrentDays).
    GoldenAction {
        json: r##"{"action":"PutBucketLifecycleRule","bucket":"b","rule_id":"hipaa-autofix-noncurrent-versions","noncurrent_days":30,"previous_days":null}"##,
        name: r##"PutBucketLifecycleRule"##,
        describe: r##"add to bucket b lifecycle rule hipaa-autofix-noncurrent-versions, expiring noncurrent object versions after 30 days, keeping every other lifecycle rule; expired versions are deleted for good (an undo removes the rule, not the deletions)"##,
        undo: Some(
            r##"{"action":"DeleteBucketLifecycleRule","bucket":"b","rule_id":"hipaa-autofix-noncurrent-versions","noncurrent_days":30}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"PutBucketLifecycleRule","bucket":"b","rule_id":"hipaa-autofix-noncurrent-versions","noncurrent_days":30,"previous_days":90}"##,
        name: r##"PutBucketLifecycleRule"##,
        describe: r##"make lifecycle rule hipaa-autofix-noncurrent-versions of bucket b expire noncurrent object versions after 30 days (was 90), keeping every other lifecycle rule; expired versions are deleted for good (an undo removes the rule, not the deletions)"##,
        undo: Some(
            r##"{"action":"PutBucketLifecycleRule","bucket":"b","rule_id":"hipaa-autofix-noncurrent-versions","noncurrent_days":90,"previous_days":30}"##,
        ),
    },
    GoldenAction {
        json: r##"{"action":"DeleteBucketLifecycleRule","bucket":"b","rule_id":"hipaa-autofix-noncurrent-versions","noncurrent_days":30}"##,
        name: r##"DeleteBucketLifecycleRule"##,
        describe: r##"remove lifecycle rule hipaa-autofix-noncurrent-versions (noncurrent versions expire after 30 days) from bucket b, keeping every other lifecycle rule"##,
        undo: Some(
            r##"{"action":"PutBucketLifecycleRule","bucket":"b","rule_id":"hipaa-autofix-noncurrent-versions","noncurrent_days":30,"previous_days":null}"##,
        ),
    },
];

/// Snapshots of every kind, and the names of the golden actions (by index order) that hold in each.
const SNAPSHOTS: &[(&str, &[&str])] = &[
    (
        r##"{"type":"s3_bucket","name":"b","public_access_block":{"read":"value","value":{"BlockPublicAcls":true,"IgnorePublicAcls":false,"BlockPublicPolicy":false,"RestrictPublicBuckets":false}},"policy":{"read":"value","value":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Partner\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}"},"acl":{"read":"value","value":{"Owner":{"ID":"o1","DisplayName":"me"},"Grants":[{"Grantee":{"Type":"CanonicalUser","ID":"o1"},"Permission":"FULL_CONTROL"},{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"},{"Grantee":{"Type":"AmazonCustomerByEmail","EmailAddress":"a@example.com"},"Permission":"WRITE_ACP"}]}},"tags":{"read":"value","value":{"hipaa-autofix:exempt":"static site until=2026-12-31"}}}"##,
        &[
            "PutBucketAcl",
            "PutBucketPolicy",
            "PutBucketPolicy",
            "DeleteBucketPolicyStatement",
        ],
    ),
    (
        r##"{"type":"s3_bucket","name":"b","public_access_block":{"read":"value","value":null},"policy":{"read":"value","value":null},"acl":{"read":"not_read"},"tags":{"read":"not_read"}}"##,
        &[
            "DeleteBucketPublicAccessBlock",
            "DeleteBucketPolicy",
            "DeleteBucketPolicyStatement",
        ],
    ),
    (
        r##"{"type":"s3_account","account":"123456789012","public_access_block":{"read":"value","value":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}}}"##,
        &["PutAccountPublicAccessBlock", "PutAccountPublicAccessBlock"],
    ),
    (
        r##"{"type":"s3_account","account":"123456789012","public_access_block":{"read":"value","value":null}}"##,
        &["DeleteAccountPublicAccessBlock"],
    ),
    (
        r##"{"type":"iam_user","name":"alice","account":"123456789012","as_of":"2026-11-29T12:00:00Z","access_keys":{"read":"value","value":[{"id":"AKIAOLD","active":true,"created":"2026-08-30T12:00:00Z"},{"id":"AKIA2","active":false,"created":"2026-02-02T12:00:00Z"}]},"key_last_used":{"read":"value","value":{"AKIA2":"2026-11-26T12:00:00Z","AKIAOLD":null}},"login_profile":{"read":"value","value":{"created":"2026-11-28T11:00:00Z","password_last_used":"2026-11-29T12:00:00Z"}},"mfa_devices":{"read":"value","value":[{"serial":"arn:aws:iam::123456789012:mfa/alice","enabled":"2026-11-29T12:00:00Z"}]},"attached_policies":{"read":"value","value":["arn:aws:iam::aws:policy/ReadOnlyAccess"]},"tags":{"read":"value","value":{"hipaa-autofix:exempt":"static site until=2026-12-31"}}}"##,
        &["ActivateAccessKey", "DeleteAccessKey", "DetachUserPolicy"],
    ),
    (
        r##"{"type":"iam_user","name":"bob","account":"123456789012","as_of":"2026-11-29T12:00:00Z","access_keys":{"read":"not_read"},"key_last_used":{"read":"not_read"},"login_profile":{"read":"value","value":null},"mfa_devices":{"read":"not_read"},"attached_policies":{"read":"not_read"},"tags":{"read":"not_read"}}"##,
        &["DeleteLoginProfile"],
    ),
    (
        r##"{"type":"iam_account","account":"123456789012","as_of":"2026-11-29T12:00:00Z","password_policy":{"read":"value","value":{"MinimumPasswordLength":8,"RequireSymbols":false,"RequireNumbers":true,"RequireUppercaseCharacters":false,"RequireLowercaseCharacters":false,"AllowUsersToChangePassword":false,"MaxPasswordAge":120,"PasswordReusePrevention":null,"HardExpiry":null}},"root_mfa":{"read":"value","value":false}}"##,
        &[],
    ),
    (
        r##"{"type":"iam_account","account":"123456789012","as_of":"2026-11-29T12:00:00Z","password_policy":{"read":"value","value":null},"root_mfa":{"read":"not_read"}}"##,
        &["DeleteAccountPasswordPolicy"],
    ),
    (
        r##"{"type":"s3_bucket","name":"b","public_access_block":{"read":"not_read"},"policy":{"read":"value","value":null},"acl":{"read":"not_read"},"tags":{"read":"not_read"},"encryption":{"read":"value","value":{"Algorithm":"AES256","BucketKey":false}},"versioning":{"read":"value","value":"Suspended"},"logging":{"read":"value","value":null},"ownership":{"read":"value","value":"BucketOwnerEnforced"}}"##,
        &[
            "DeleteBucketPolicy",
            "PutBucketEncryption",
            "DeleteBucketPolicyStatement",
            "PutBucketVersioning",
            "PutBucketOwnershipControls",
            "PutBucketOwnershipControls",
        ],
    ),
    // The lifecycle facet: an owner's rule and ours (records before it have no
    // `lifecycle`: the snapshots above still read, as not read).
    (
        r##"{"type":"s3_bucket","name":"b","public_access_block":{"read":"not_read"},"policy":{"read":"not_read"},"acl":{"read":"not_read"},"tags":{"read":"not_read"},"versioning":{"read":"value","value":"Enabled"},"lifecycle":{"read":"value","value":[{"Id":"archive","Enabled":true,"WholeBucket":false,"OtherActions":true},{"Id":"hipaa-autofix-noncurrent-versions","Enabled":true,"WholeBucket":true,"NoncurrentDays":30,"OtherActions":false}]}}"##,
        &[
            "PutBucketVersioning",
            "PutBucketLifecycleRule",
            "PutBucketLifecycleRule",
        ],
    ),
    (
        r##"{"type":"s3_bucket","name":"b","public_access_block":{"read":"not_read"},"policy":{"read":"not_read"},"acl":{"read":"not_read"},"tags":{"read":"not_read"},"lifecycle":{"read":"value","value":[]}}"##,
        &["DeleteBucketLifecycleRule"],
    ),
];

/// Whole ledger records (as the ledger stores them), and the undo plan of each.
const RECORDS: &[(&str, &str)] = &[
    (
        r##"{"id":"0190b8c2-7a0e-7c3e-9a55-1a2b3c4d5e6f","time":"2026-11-29T12:00:01.500Z","rule":"s3-bucket-public-access","resource":"arn:aws:s3:::b","target":{"kind":"S3Bucket","id":"b","account":"123456789012","region":"us-east-1"},"account":"123456789012","region":"us-east-1","event_id":"e-1","trigger":"CloudTrail PutBucketAcl","actor":{"arn":"arn:aws:iam::123456789012:user/alice","role_arn":null,"kind":"IAMUser"},"mode":"auto","outcome":"fixed","dry_run":false,"findings":["public"],"actions":[{"action":"PutBucketAcl","bucket":"b","acl":{"Owner":{"ID":"o1"},"Grants":[]},"removed_grants":[{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}],"previous":{"Owner":{"ID":"o1"},"Grants":[{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}]}},{"action":"DeleteBucketPolicy","bucket":"b","removed_statements":[{"Effect":"Allow","Principal":"*"}],"previous":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\"}]}"},{"action":"PutBucketPublicAccessBlock","bucket":"b","settings":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true},"previous":null}],"before":{"type":"s3_bucket","name":"b","public_access_block":{"read":"value","value":null},"policy":{"read":"value","value":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\"}]}"},"acl":{"read":"value","value":{"Owner":{"ID":"o1"},"Grants":[{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}]}},"tags":{"read":"value","value":{}}},"after":{"type":"s3_bucket","name":"b","public_access_block":{"read":"value","value":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}},"policy":{"read":"not_read"},"acl":{"read":"not_read"},"tags":{"read":"not_read"}},"verified":true,"notes":[],"error":null}"##,
        r##"{"actions":[{"action":"DeleteBucketPublicAccessBlock","bucket":"b","previous":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true}},{"action":"PutBucketPolicy","bucket":"b","policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\"}]}","removed_statements":[],"previous":null},{"action":"PutBucketAcl","bucket":"b","acl":{"Owner":{"ID":"o1"},"Grants":[{"Grantee":{"Type":"Group","URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}]},"removed_grants":[],"previous":{"Owner":{"ID":"o1"},"Grants":[]}}]}"##,
    ),
    (
        r##"{"id":"0190b8c2-7a0e-7c3e-9a55-1a2b3c4d5e70","time":"2026-11-29T12:00:00Z","rule":"iam-password-policy","resource":"arn:aws:iam::123456789012:root","target":{"kind":"IamAccount","id":"123456789012","account":"123456789012","region":"us-east-1"},"account":"123456789012","region":"us-east-1","event_id":"manual-1","trigger":"manual run","actor":null,"mode":"notify","outcome":"not_verified","dry_run":true,"findings":[],"actions":[{"action":"UpdateAccountPasswordPolicy","policy":{"MinimumPasswordLength":14,"RequireSymbols":true,"RequireNumbers":true,"RequireUppercaseCharacters":true,"RequireLowercaseCharacters":true,"AllowUsersToChangePassword":true,"MaxPasswordAge":90,"PasswordReusePrevention":24,"HardExpiry":null},"previous":null}],"before":{"type":"iam_account","account":"123456789012","as_of":"2026-11-29T12:00:00Z","password_policy":{"read":"value","value":null},"root_mfa":{"read":"not_read"}},"after":null,"verified":false,"notes":["n"],"error":"e"}"##,
        r##"{"actions":[{"action":"DeleteAccountPasswordPolicy","previous":{"MinimumPasswordLength":14,"RequireSymbols":true,"RequireNumbers":true,"RequireUppercaseCharacters":true,"RequireLowercaseCharacters":true,"AllowUsersToChangePassword":true,"MaxPasswordAge":90,"PasswordReusePrevention":24,"HardExpiry":null}}]}"##,
    ),
    (
        r##"{"id":"0190b8c2-7a0e-7c3e-9a55-1a2b3c4d5e71","time":"2026-11-29T12:00:02Z","rule":"iam-access-key-rotated","resource":"arn:aws:iam::123456789012:user/alice","target":{"kind":"IamUser","id":"alice","account":"123456789012","region":"us-east-1"},"account":"123456789012","region":"us-east-1","event_id":"e-2","event_time":"2026-11-29T11:59:58Z","trigger":"CloudTrail CreateAccessKey","actor":null,"mode":"auto","outcome":"fixed","dry_run":false,"findings":["old"],"actions":[{"action":"DeactivateAccessKey","user":"alice","key_id":"AKIAOLD"}],"before":null,"after":null,"verified":true,"notes":[],"error":null}"##,
        r##"{"actions":[{"action":"ActivateAccessKey","user":"alice","key_id":"AKIAOLD"}]}"##,
    ),
];

#[test]
fn every_golden_action_reads_means_the_same_and_writes_back_byte_for_byte() {
    for g in ACTIONS {
        let a: Action = serde_json::from_str(g.json).unwrap_or_else(|e| panic!("{}: {e}", g.json));
        assert_eq!(serde_json::to_string(&a).unwrap(), g.json);
        assert_eq!(a.name(), g.name, "{}", g.json);
        assert_eq!(a.describe(), g.describe, "{}", g.json);
        let undo = a.undo().map(|u| serde_json::to_string(&u).unwrap());
        assert_eq!(undo.as_deref(), g.undo, "{}", g.json);
    }
}

#[test]
fn every_golden_snapshot_reads_and_writes_back_byte_for_byte() {
    let actions: Vec<Action> = ACTIONS.iter().map(|g| serde_json::from_str(g.json).unwrap()).collect();
    for (json, holding) in SNAPSHOTS {
        let s: Snapshot = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(serde_json::to_string(&s).unwrap(), *json);
        let held: Vec<&str> = actions
            .iter()
            .filter(|a| a.holds_in(&s) == Some(true))
            .map(Action::name)
            .collect();
        assert_eq!(held, *holding, "{json}");
    }
}

#[test]
fn golden_ledger_records_read_write_back_and_can_still_be_undone() {
    for (json, undo) in RECORDS {
        let r: LedgerRecord = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(serde_json::to_string(&r).unwrap(), *json);
        let plan = Plan::of(r.actions.clone()).undo().expect("reversible");
        assert_eq!(serde_json::to_string(&plan).unwrap(), *undo);
    }
}

/// Users as records held them before the last use of each key became its own facet:
/// each key carried `last_used`, and there was no `key_last_used`. They still read
/// (the last use as not read) and the same actions hold in them.
const USERS_BEFORE_THE_LAST_USE_SPLIT: &[(&str, &[&str])] = &[
    (
        r##"{"type":"iam_user","name":"alice","account":"123456789012","as_of":"2026-11-29T12:00:00Z","access_keys":{"read":"value","value":[{"id":"AKIAOLD","active":true,"created":"2026-08-30T12:00:00Z","last_used":null},{"id":"AKIA2","active":false,"created":"2026-02-02T12:00:00Z","last_used":"2026-11-26T12:00:00Z"}]},"login_profile":{"read":"value","value":{"created":"2026-11-28T11:00:00Z","password_last_used":"2026-11-29T12:00:00Z"}},"mfa_devices":{"read":"value","value":[{"serial":"arn:aws:iam::123456789012:mfa/alice","enabled":"2026-11-29T12:00:00Z"}]},"attached_policies":{"read":"value","value":["arn:aws:iam::aws:policy/ReadOnlyAccess"]},"tags":{"read":"value","value":{"hipaa-autofix:exempt":"static site until=2026-12-31"}}}"##,
        &["ActivateAccessKey", "DeleteAccessKey", "DetachUserPolicy"],
    ),
    (
        r##"{"type":"iam_user","name":"bob","account":"123456789012","as_of":"2026-11-29T12:00:00Z","access_keys":{"read":"not_read"},"login_profile":{"read":"value","value":null},"mfa_devices":{"read":"not_read"},"attached_policies":{"read":"not_read"},"tags":{"read":"not_read"}}"##,
        &["DeleteLoginProfile"],
    ),
];

#[test]
fn users_recorded_before_the_last_use_split_still_read() {
    let actions: Vec<Action> = ACTIONS.iter().map(|g| serde_json::from_str(g.json).unwrap()).collect();
    for (json, holding) in USERS_BEFORE_THE_LAST_USE_SPLIT {
        let s: Snapshot = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        let Snapshot::IamUser(u) = &s else {
            panic!("{json}: not a user")
        };
        assert!(!u.key_last_used.is_read(), "{json}");
        let held: Vec<&str> = actions
            .iter()
            .filter(|a| a.holds_in(&s) == Some(true))
            .map(Action::name)
            .collect();
        assert_eq!(held, *holding, "{json}");
    }
}
