//! An AWS Organization in moto: the central account ([`ACCOUNT`]) creates the
//! organisation and its member accounts (Organizations `CreateOrganization`,
//! `CreateAccount`); moto keeps a separate world per account id reached through STS
//! `AssumeRole`, so seeding a member and reading it back go through a role in it.
use aws_config::SdkConfig;
use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration, Permission};

use crate::{ALL_USERS, AUTHENTICATED_USERS, World};

/// The external id the tests' member roles require.
pub const EXTERNAL_ID: &str = "hipaa-autofix-tests-external-id";

/// The organisation moto made.
pub struct Org {
    pub id: String,
    pub root: String,
    /// The member accounts created, in order.
    pub members: Vec<String>,
}

/// Create the organisation (the central account is its management account) and one
/// member account per name.
pub async fn create_org(sdk: &SdkConfig, names: &[&str]) -> Org {
    let org = aws_sdk_organizations::Client::new(sdk);
    let created = org
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("CreateOrganization");
    let id = created
        .organization()
        .and_then(|o| o.id())
        .expect("an org id")
        .to_string();
    let root = org.list_roots().send().await.expect("ListRoots").roots()[0]
        .id()
        .expect("a root id")
        .to_string();
    let mut members = Vec::new();
    for name in names {
        let out = org
            .create_account()
            .email(format!("{name}@example.com"))
            .account_name(*name)
            .send()
            .await
            .expect("CreateAccount");
        members.push(
            out.create_account_status()
                .and_then(|s| s.account_id())
                .expect("an account id")
                .to_string(),
        );
    }
    Org { id, root, members }
}

/// An SDK configuration acting in `account` (moto: credentials of a role assumed there).
pub async fn account_sdk(base: &SdkConfig, account: &str, region: &str) -> SdkConfig {
    let out = aws_sdk_sts::Client::new(base)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/OrganizationAccountAccessRole"))
        .role_session_name("hipaa-autofix-tests-seed")
        .send()
        .await
        .expect("AssumeRole into the member");
    let c = out.credentials().expect("credentials");
    base.to_builder()
        .region(aws_config::Region::new(region.to_string()))
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
            Credentials::new(
                c.access_key_id(),
                c.secret_access_key(),
                Some(c.session_token().to_string()),
                None,
                "hipaa-autofix-tests-member",
            ),
        ))
        .build()
}

/// One member account's S3, in one region.
pub struct MemberS3 {
    pub account: String,
    pub region: String,
    pub s3: aws_sdk_s3::Client,
}

impl MemberS3 {
    pub async fn new(world: &World, account: &str, region: &str) -> MemberS3 {
        let sdk = account_sdk(&world.sdk, account, region).await;
        MemberS3 {
            account: account.to_string(),
            region: region.to_string(),
            s3: crate::s3_client(&sdk),
        }
    }

    /// A bucket in this region readable by everyone (AllUsers READ), without BPA.
    pub async fn public_read_bucket(&self, name: &str) {
        let mut req = self.s3.create_bucket().bucket(name);
        if self.region != "us-east-1" {
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(self.region.as_str()))
                    .build(),
            );
        }
        req.send().await.expect("CreateBucket in the member");
        let acl = self
            .s3
            .get_bucket_acl()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketAcl");
        let owner = acl.owner().cloned().expect("an owner");
        let mut grants = acl.grants().to_vec();
        grants.push(
            aws_sdk_s3::types::Grant::builder()
                .grantee(
                    aws_sdk_s3::types::Grantee::builder()
                        .r#type(aws_sdk_s3::types::Type::Group)
                        .uri(ALL_USERS)
                        .build()
                        .expect("grantee"),
                )
                .permission(Permission::Read)
                .build(),
        );
        self.s3
            .put_bucket_acl()
            .bucket(name)
            .access_control_policy(
                aws_sdk_s3::types::AccessControlPolicy::builder()
                    .owner(owner)
                    .set_grants(Some(grants))
                    .build(),
            )
            .send()
            .await
            .expect("PutBucketAcl in the member");
    }

    /// Whether the bucket still grants to AllUsers or AuthenticatedUsers.
    pub async fn is_public(&self, name: &str) -> bool {
        let acl = self
            .s3
            .get_bucket_acl()
            .bucket(name)
            .send()
            .await
            .expect("GetBucketAcl");
        acl.grants().iter().any(|g| {
            g.grantee()
                .and_then(|e| e.uri())
                .is_some_and(|u| u == ALL_USERS || u == AUTHENTICATED_USERS)
        })
    }

    /// Whether the bucket has all four Block Public Access settings on.
    pub async fn blocked(&self, name: &str) -> bool {
        match self.s3.get_public_access_block().bucket(name).send().await {
            Ok(o) => o.public_access_block_configuration().is_some_and(|c| {
                c.block_public_acls() == Some(true)
                    && c.ignore_public_acls() == Some(true)
                    && c.block_public_policy() == Some(true)
                    && c.restrict_public_buckets() == Some(true)
            }),
            Err(_) => false,
        }
    }
}

/// The member role of `family` in `account`, as the member stack names it.
pub fn member_role(account: &str, family: &str) -> String {
    policy::org::member_role_arn("aws", account, policy::org::DEFAULT_MEMBER_ROLE_PREFIX, family)
}

impl crate::Moto {
    /// Make STS refuse `AssumeRole` of these roles (the launcher's
    /// `POST /moto-api/hipaa/sts/missing-roles`): moto hands out credentials for any
    /// role ARN, so this stands in for a member account without the member role.
    pub async fn set_missing_roles(&self, role_arns: &[String]) -> anyhow::Result<()> {
        let r = reqwest::Client::new()
            .post(format!("{}/moto-api/hipaa/sts/missing-roles", self.endpoint))
            .json(&serde_json::json!({ "role_arns": role_arns }))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "missing-roles answered {}", r.status());
        Ok(())
    }
}
