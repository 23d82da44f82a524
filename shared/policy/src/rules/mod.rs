//! The rules, one file each. Adding a rule: write `rules/<id>.rs` (its spec, its
//! examples, its unit tests), add one `pub mod` line and one line to [`all_with`],
//! then its fixtures and its entries in `template.yaml` and the README (the
//! conformance test names anything missing). See CONTRIBUTING.md.
use std::sync::Arc;

use crate::params::Params;
use crate::rule::Rule;

pub mod ebs_encryption_by_default;
pub mod ebs_snapshot_not_public;
pub mod ec2_default_security_group_closed;
pub mod ec2_security_group_admin_ports;
pub mod iam_access_key_rotated;
pub mod iam_credentials_unused;
pub mod iam_inactive_access_key_deleted;
pub mod iam_password_policy;
pub mod iam_root_account_mfa;
pub mod iam_user_console_mfa;
pub mod lambda_function_not_public;
pub mod rds_instance_not_public;
pub mod rds_snapshot_not_public;
pub mod s3_account_public_access_block;
pub mod s3_bucket_access_logging;
pub mod s3_bucket_acls_disabled;
pub mod s3_bucket_default_encryption;
pub mod s3_bucket_public_access;
pub mod s3_bucket_ssl_requests_only;
pub mod s3_bucket_versioning;
pub(crate) mod samples;
// issue #11: the audit trail and the keys
pub(crate) mod audit_samples;
pub mod cloudtrail_cloudwatch_logs;
pub mod cloudtrail_enabled;
pub mod cloudtrail_encryption;
pub mod cloudtrail_log_file_validation;
pub mod config_recorder_on;
pub mod guardduty_enabled;
pub mod iam_user_no_direct_policies;
pub mod kms_key_deletion_cancelled;
pub mod kms_key_rotation;
pub mod securityhub_enabled;
pub mod ssm_document_not_public;
pub mod vpc_flow_logs_enabled;

/// Every rule hipaa-autofix knows, with parameters. A plain list; no registration
/// magic. Everything else (families, parameters, permissions) is derived from it.
pub fn all_with(p: &Params) -> Vec<Arc<dyn Rule>> {
    vec![
        Arc::new(s3_bucket_public_access::S3BucketPublicAccess),
        Arc::new(s3_account_public_access_block::S3AccountPublicAccessBlock),
        Arc::new(iam_access_key_rotated::IamAccessKeyRotated::new(p)),
        Arc::new(iam_credentials_unused::IamCredentialsUnused::new(p)),
        Arc::new(iam_inactive_access_key_deleted::IamInactiveAccessKeyDeleted::new(p)),
        Arc::new(iam_user_console_mfa::IamUserConsoleMfa::new(p)),
        Arc::new(iam_root_account_mfa::IamRootAccountMfa),
        Arc::new(iam_password_policy::IamPasswordPolicy::new(p)),
        Arc::new(s3_bucket_ssl_requests_only::S3BucketSslRequestsOnly),
        Arc::new(s3_bucket_default_encryption::S3BucketDefaultEncryption::new(p)),
        Arc::new(s3_bucket_versioning::S3BucketVersioning::new(p)),
        Arc::new(s3_bucket_access_logging::S3BucketAccessLogging::new(p)),
        Arc::new(s3_bucket_acls_disabled::S3BucketAclsDisabled),
        // issue #11: the audit trail and the keys
        Arc::new(cloudtrail_enabled::CloudTrailEnabled::new(p)),
        Arc::new(cloudtrail_log_file_validation::CloudTrailLogFileValidation),
        Arc::new(cloudtrail_encryption::CloudTrailEncryption),
        Arc::new(cloudtrail_cloudwatch_logs::CloudTrailCloudWatchLogs::new(p)),
        Arc::new(config_recorder_on::ConfigRecorderOn),
        Arc::new(guardduty_enabled::GuardDutyEnabled),
        Arc::new(securityhub_enabled::SecurityHubEnabled),
        Arc::new(kms_key_deletion_cancelled::KmsKeyDeletionCancelled),
        Arc::new(kms_key_rotation::KmsKeyRotation),
        Arc::new(iam_user_no_direct_policies::IamUserNoDirectPolicies::new(p)),
        Arc::new(ec2_security_group_admin_ports::Ec2SecurityGroupAdminPorts::new(p)),
        Arc::new(ec2_default_security_group_closed::Ec2DefaultSecurityGroupClosed),
        Arc::new(ebs_encryption_by_default::EbsEncryptionByDefault::new(p)),
        Arc::new(ebs_snapshot_not_public::EbsSnapshotNotPublic),
        Arc::new(rds_instance_not_public::RdsInstanceNotPublic),
        Arc::new(rds_snapshot_not_public::RdsSnapshotNotPublic),
        Arc::new(lambda_function_not_public::LambdaFunctionNotPublic),
        Arc::new(vpc_flow_logs_enabled::VpcFlowLogsEnabled::new(p)),
        Arc::new(ssm_document_not_public::SsmDocumentNotPublic),
    ]
}

/// Every rule with default parameters.
pub fn all() -> Vec<Arc<dyn Rule>> {
    all_with(&Params::default())
}
