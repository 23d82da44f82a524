//! The function families: one Lambda each (`functions/<name>`, its own role and
//! triggers in `template.yaml`). A rule names its family in its spec; which rules a
//! family runs, and which families exist, is derived from the rules (`catalog`).
use crate::rule::Family;

/// Public S3 buckets and the account-level S3 Block Public Access.
pub const S3_PUBLIC_ACCESS: Family = Family::new("s3-public-access");
/// IAM access keys: old, unused, long inactive.
pub const IAM_ACCESS_KEYS: Family = Family::new("iam-access-keys");
/// IAM console users without MFA, and the root user's MFA.
pub const IAM_MFA: Family = Family::new("iam-mfa");
/// The account password policy.
pub const IAM_PASSWORD_POLICY: Family = Family::new("iam-password-policy");
/// S3 data protection: default encryption, TLS only, versioning, access logs, ACLs disabled.
pub const S3_DATA_PROTECTION: Family = Family::new("s3-data-protection");
/// The audit trail and detection stay on: CloudTrail, the AWS Config recorder,
/// GuardDuty, Security Hub.
pub const AUDIT_TRAIL: Family = Family::new("audit-trail");
/// Customer-managed KMS keys: rotation on, no deletion scheduled.
pub const KMS_KEYS: Family = Family::new("kms-keys");
/// IAM least privilege: users get permissions through groups, not policies of their
/// own. A family of its own because its role may create groups and attach any policy
/// to them, which no other IAM function's role may.
pub const IAM_LEAST_PRIVILEGE: Family = Family::new("iam-least-privilege");
/// Network paths from the internet: security groups (admin ports, default groups).
/// Links the EC2 SDK.
pub const NETWORK_EXPOSURE: Family = Family::new("network-exposure");
/// Data stores open to anyone or unencrypted by default: EBS encryption by default,
/// public EBS and RDS snapshots, public RDS instances, public Lambda functions.
/// Links the EC2, RDS and Lambda SDKs.
pub const DATA_STORE_EXPOSURE: Family = Family::new("data-store-exposure");
