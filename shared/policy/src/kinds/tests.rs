use super::*;
use std::collections::HashSet;

#[test]
fn action_names_are_unique_across_kinds() {
    let mut seen = HashSet::new();
    for a in Action::all() {
        assert!(seen.insert(a.name), "two actions are named {}", a.name);
    }
}

#[test]
fn every_kind_declares_itself_and_only_its_own_facets_and_actions() {
    for k in ResourceKind::ALL {
        let s = k.spec();
        assert_eq!(s.kind, k);
        assert!(!s.config_types.is_empty(), "{k:?} has no Config resource type");
        assert!(!s.facets.is_empty(), "{k:?} has no facets");
        assert!(
            s.facets.iter().all(|f| f.kind() == k),
            "{k:?} lists another kind's facet"
        );
        assert!(
            s.actions.iter().all(|a| a.kind == k),
            "{k:?} lists another kind's action"
        );
        assert!(
            s.actions.iter().all(|a| a.writes.kind() == k),
            "{k:?}: an action writes another kind's facet"
        );
        assert!(s.tags.is_none_or(|t| s.facets.contains(&t)));
        assert!(!s.services.is_empty(), "{k:?} names no service");
    }
}

#[test]
fn every_facet_and_action_has_permissions_and_no_wildcard() {
    for k in ResourceKind::ALL {
        for f in k.spec().facets {
            assert!(!f.permissions().is_empty(), "{f:?} has no read permission");
            assert!(f.permissions().iter().all(|p| !p.contains('*')), "{f:?}");
        }
    }
    for a in Action::all() {
        assert!(!a.permissions.is_empty(), "{} has no permissions", a.name);
        assert!(a.permissions.iter().all(|p| !p.contains('*')), "{}", a.name);
    }
}

#[test]
fn an_undo_names_actions_of_the_same_kind() {
    for a in Action::all() {
        match a.undo() {
            Undo::By(by) => {
                assert!(!by.is_empty(), "{} is undone by nothing", a.name);
                assert!(by.iter().all(|u| u.kind == a.kind), "{}", a.name);
            }
            Undo::Irreversible(why) => assert!(!why.is_empty(), "{}", a.name),
        }
    }
}

#[test]
fn config_types_name_their_kinds() {
    assert_eq!(
        ResourceKind::from_config_type("AWS::S3::Bucket"),
        Some(ResourceKind::S3Bucket)
    );
    assert_eq!(
        ResourceKind::from_config_type("AWS::::Account"),
        Some(ResourceKind::S3Account)
    );
    assert_eq!(
        ResourceKind::from_config_type("AWS::S3::AccountPublicAccessBlock"),
        Some(ResourceKind::S3Account)
    );
    assert_eq!(
        ResourceKind::from_config_type("AWS::IAM::User"),
        Some(ResourceKind::IamUser)
    );
    assert_eq!(ResourceKind::from_config_type("AWS::EC2::Instance"), None);
    assert_eq!(ResourceKind::IamAccount.config_type(), "AWS::::Account");
}

#[test]
fn arns_are_as_aws_writes_them() {
    assert_eq!(ResourceRef::bucket("b", "1", "r").arn(), "arn:aws:s3:::b");
    assert_eq!(
        ResourceRef::s3_account("1", "r").arn(),
        "arn:aws:s3:r:1:account-public-access-block"
    );
    assert_eq!(ResourceRef::iam_user("u", "1", "r").arn(), "arn:aws:iam::1:user/u");
    assert_eq!(ResourceRef::iam_account("1", "r").arn(), "arn:aws:iam::1:root");
}

#[test]
fn findings_name_resources_by_their_arn_and_nothing_else() {
    let res = |kind: &'static str, id: &'static str| FindingResource {
        kind,
        id,
        details: None,
        account: "123456789012",
        region: "us-east-1",
    };
    let of = |kind, id: &str, region: &str| Some(ResourceRef::of(kind, id, "123456789012", region));
    let cases = [
        (
            res(
                "AwsCloudTrailTrail",
                "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail",
            ),
            of(ResourceKind::CloudTrailTrail, "org-trail", "eu-west-1"),
        ),
        (
            res("AwsKmsKey", "arn:aws:kms:us-east-1:123456789012:key/1234abcd"),
            of(ResourceKind::KmsKey, "1234abcd", "us-east-1"),
        ),
        (
            res(
                "AwsEc2SecurityGroup",
                "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1",
            ),
            of(ResourceKind::Ec2SecurityGroup, "sg-1", "us-east-1"),
        ),
        (
            res("AwsEc2Vpc", "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1"),
            of(ResourceKind::Vpc, "vpc-1", "us-east-1"),
        ),
        (
            res("AwsRdsDbInstance", "arn:aws:rds:us-east-1:123456789012:db:phi-db"),
            of(ResourceKind::RdsDbInstance, "phi-db", "us-east-1"),
        ),
        (
            res("AwsRdsDbSnapshot", "arn:aws:rds:us-east-1:123456789012:snapshot:s1"),
            of(ResourceKind::RdsSnapshot, "snapshot:s1", "us-east-1"),
        ),
        (
            res(
                "AwsRdsDbClusterSnapshot",
                "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:c1",
            ),
            of(ResourceKind::RdsSnapshot, "cluster-snapshot:c1", "us-east-1"),
        ),
        (
            res(
                "AwsLambdaFunction",
                "arn:aws:lambda:us-east-1:123456789012:function:fn:live",
            ),
            of(ResourceKind::LambdaFunction, "fn", "us-east-1"),
        ),
        // Not what the type says, another account's ARN, no name, not an ARN.
        (res("AwsKmsKey", "arn:aws:kms:us-east-1:123456789012:alias/x"), None),
        (res("AwsEc2Vpc", "arn:aws:ec2:us-east-1:210987654321:vpc/vpc-1"), None),
        (res("AwsEc2Vpc", "arn:aws:ec2:us-east-1:123456789012:vpc/"), None),
        (res("AwsRdsDbInstance", "phi-db"), None),
        (
            res("AwsSomethingElse", "arn:aws:rds:us-east-1:123456789012:db:phi-db"),
            None,
        ),
    ];
    for (r, want) in cases {
        assert_eq!(ResourceKind::from_finding(&r), want, "{} {}", r.kind, r.id);
    }
}
