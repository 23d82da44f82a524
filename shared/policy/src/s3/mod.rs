//! S3 data shapes and the analysis of what makes a bucket public.
pub mod public;

use serde::{Deserialize, Serialize};

/// The four S3 Block Public Access settings (bucket or account level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub const ALL_ON: PublicAccessBlock = PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

    pub fn all_on(&self) -> bool {
        *self == Self::ALL_ON
    }

    /// Names of the settings that are off.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.block_public_acls {
            out.push("BlockPublicAcls");
        }
        if !self.ignore_public_acls {
            out.push("IgnorePublicAcls");
        }
        if !self.block_public_policy {
            out.push("BlockPublicPolicy");
        }
        if !self.restrict_public_buckets {
            out.push("RestrictPublicBuckets");
        }
        out
    }
}

/// Who an ACL grant is to, in `GetBucketAcl` terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "Type")]
pub enum Grantee {
    CanonicalUser {
        #[serde(rename = "ID")]
        id: String,
        #[serde(rename = "DisplayName", default, skip_serializing_if = "Option::is_none")]
        display_name: Option<String>,
    },
    Group {
        #[serde(rename = "URI")]
        uri: String,
    },
    AmazonCustomerByEmail {
        #[serde(rename = "EmailAddress")]
        email: String,
    },
}

/// One ACL grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    #[serde(rename = "Grantee")]
    pub grantee: Grantee,
    /// FULL_CONTROL, WRITE, WRITE_ACP, READ or READ_ACP.
    #[serde(rename = "Permission")]
    pub permission: String,
}

/// The ACL's owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "DisplayName", default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// A bucket ACL in the shape `GetBucketAcl` returns (`aws s3api get-bucket-acl`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acl {
    #[serde(rename = "Owner", default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    #[serde(rename = "Grants", default)]
    pub grants: Vec<Grant>,
}

pub const ALL_USERS_URI: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
pub const AUTHENTICATED_USERS_URI: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
pub const LOG_DELIVERY_URI: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";

pub mod policy_text;
pub mod protection;
