//! S3 data protection (issue #10) in the local world.
use super::*;

/// The access-log bucket the stack creates (`AccessLogBucket` empty), as the CLI
/// names it when it finds the stack's tables.
pub fn stack_log_bucket() -> String {
    policy::s3::protection::stack_access_log_bucket("hipaa-autofix", ACCOUNT, REGION)
}

impl World {
    /// A log bucket as the template makes one: S3's logging service may write to it
    /// (`aws:SourceAccount`), Block Public Access, SSE-S3, versioned, ACLs disabled,
    /// TLS only; so every S3 rule finds it compliant.
    pub async fn log_bucket(&self, name: &str) {
        use aws_sdk_s3::types as t;
        self.compliant_bucket(name).await;
        self.put_policy(
            name,
            &serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "S3ServerAccessLogsPolicy", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{name}/*"),
                 "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
                serde_json::from_str::<Value>(&policy::s3::protection::tls_statement(name)).expect("JSON")]}),
        )
        .await;
        let default = t::ServerSideEncryptionByDefault::builder()
            .sse_algorithm(t::ServerSideEncryption::Aes256)
            .build()
            .expect("SSE-S3");
        self.s3
            .put_bucket_encryption()
            .bucket(name)
            .server_side_encryption_configuration(
                t::ServerSideEncryptionConfiguration::builder()
                    .rules(
                        t::ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(default)
                            .build(),
                    )
                    .build()
                    .expect("rules"),
            )
            .send()
            .await
            .expect("PutBucketEncryption");
        self.versioning_and_no_acls(name).await;
    }

    /// A bucket compliant with every S3 bucket rule, logging to `log_bucket`.
    pub async fn data_protected_bucket(&self, name: &str, log_bucket: &str) {
        use aws_sdk_s3::types as t;
        self.compliant_bucket(name).await;
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            policy::s3::protection::tls_statement(name)
        );
        self.s3
            .put_bucket_policy()
            .bucket(name)
            .policy(policy)
            .send()
            .await
            .expect("PutBucketPolicy");
        let default = t::ServerSideEncryptionByDefault::builder()
            .sse_algorithm(t::ServerSideEncryption::AwsKms)
            .build()
            .expect("SSE-KMS");
        self.s3
            .put_bucket_encryption()
            .bucket(name)
            .server_side_encryption_configuration(
                t::ServerSideEncryptionConfiguration::builder()
                    .rules(
                        t::ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(default)
                            .bucket_key_enabled(true)
                            .build(),
                    )
                    .build()
                    .expect("rules"),
            )
            .send()
            .await
            .expect("PutBucketEncryption");
        self.s3
            .put_bucket_logging()
            .bucket(name)
            .bucket_logging_status(
                t::BucketLoggingStatus::builder()
                    .logging_enabled(
                        t::LoggingEnabled::builder()
                            .target_bucket(log_bucket)
                            .target_prefix(format!("{name}/"))
                            .build()
                            .expect("logging"),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("PutBucketLogging");
        self.versioning_and_no_acls(name).await;
    }

    async fn versioning_and_no_acls(&self, name: &str) {
        use aws_sdk_s3::types as t;
        self.s3
            .put_bucket_versioning()
            .bucket(name)
            .versioning_configuration(
                t::VersioningConfiguration::builder()
                    .status(t::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .expect("PutBucketVersioning");
        self.s3
            .put_bucket_ownership_controls()
            .bucket(name)
            .ownership_controls(
                t::OwnershipControls::builder()
                    .rules(
                        t::OwnershipControlsRule::builder()
                            .object_ownership(t::ObjectOwnership::BucketOwnerEnforced)
                            .build()
                            .expect("rule"),
                    )
                    .build()
                    .expect("controls"),
            )
            .send()
            .await
            .expect("PutBucketOwnershipControls");
    }
}
