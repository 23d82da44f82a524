//! The `network-exposure` function, through its real Lambda handler, against moto
//! (EC2 security groups, their rules and network interfaces) and a local Slack receiver.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, Ipv6Range, Tag, UserIdGroupPair};
use harness::{ACCOUNT, EXEMPT_TAG, REGION, World, date_in_days, fixture};
use policy::{LedgerRecord, Mode, Outcome, Plan, ResourceKind, ResourceRef};
use serde_json::Value;

const FAMILY: &str = "network-exposure";
const ADMIN_PORTS: &str = "ec2-security-group-admin-ports";
const DEFAULT_SG: &str = "ec2-default-security-group-closed";

fn ec2(world: &World) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&world.sdk)
}

fn group_ref(id: &str) -> ResourceRef {
    ResourceRef::of(ResourceKind::Ec2SecurityGroup, id, ACCOUNT, REGION)
}

async fn default_vpc(world: &World) -> String {
    let out = ec2(world)
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .expect("DescribeVpcs");
    out.vpcs()[0].vpc_id().unwrap().to_string()
}

async fn create_group(world: &World, name: &str) -> String {
    let vpc = default_vpc(world).await;
    ec2(world)
        .create_security_group()
        .group_name(name)
        .description(name)
        .vpc_id(vpc)
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id()
        .unwrap()
        .to_string()
}

fn tcp(port: i32) -> aws_sdk_ec2::types::builders::IpPermissionBuilder {
    IpPermission::builder().ip_protocol("tcp").from_port(port).to_port(port)
}

fn v4(cidr: &str, description: Option<&str>) -> IpRange {
    IpRange::builder()
        .cidr_ip(cidr)
        .set_description(description.map(str::to_owned))
        .build()
}

async fn authorize(world: &World, group: &str, perms: Vec<IpPermission>) {
    ec2(world)
        .authorize_security_group_ingress()
        .group_id(group)
        .set_ip_permissions(Some(perms))
        .send()
        .await
        .expect("AuthorizeSecurityGroupIngress");
}

/// (egress, protocol, from, to, peer, description) of every rule of the group, sorted.
async fn rules(world: &World, group: &str) -> Vec<(bool, String, i32, i32, String, String)> {
    let out = ec2(world)
        .describe_security_group_rules()
        .filters(Filter::builder().name("group-id").values(group).build())
        .send()
        .await
        .expect("DescribeSecurityGroupRules");
    let mut v: Vec<_> = out
        .security_group_rules()
        .iter()
        .map(|r| {
            let peer = r
                .cidr_ipv4()
                .or(r.cidr_ipv6())
                .or(r.prefix_list_id())
                .map(str::to_owned)
                .or_else(|| r.referenced_group_info().and_then(|g| g.group_id()).map(str::to_owned))
                .unwrap_or_default();
            (
                r.is_egress().unwrap_or(false),
                r.ip_protocol().unwrap_or_default().to_string(),
                r.from_port().unwrap_or(-1),
                r.to_port().unwrap_or(-1),
                peer,
                r.description().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn ingress(rules: &[(bool, String, i32, i32, String, String)]) -> Vec<(String, i32, String)> {
    rules
        .iter()
        .filter(|r| !r.0)
        .map(|r| (r.1.clone(), r.2, r.4.clone()))
        .collect()
}

/// The `AuthorizeSecurityGroupIngress` fixture, about `group`, with its own event id.
fn event(group: &str, id: &str) -> Value {
    let mut v = fixture("cloudtrail-authorize-security-group-ingress.json");
    v["id"] = Value::from(id);
    v["detail"]["requestParameters"]["groupId"] = Value::from(group);
    v["detail"]["responseElements"]["securityGroupRuleSet"]["items"][0]["groupId"] = Value::from(group);
    v
}

async fn records(world: &World, rule: &str, group: &str) -> Vec<LedgerRecord> {
    world
        .ledger_for(&group_ref(group).arn())
        .await
        .into_iter()
        .filter(|r| r.rule == rule)
        .collect()
}

/// Apply the undo of the one fixed record through the function's own remediator.
async fn undo(world: &World, f: &harness::Function, rule: &str, group: &str) {
    let recs = records(world, rule, group).await;
    let rec = recs
        .iter()
        .find(|r| r.outcome == Outcome::Fixed)
        .unwrap_or_else(|| panic!("no fixed record: {recs:#?}"));
    let plan = Plan::of(rec.actions.clone()).undo().expect("reversible");
    for a in &plan.actions {
        f.app
            .ports
            .remediator
            .apply(&group_ref(group), a)
            .await
            .expect("undo action");
    }
}

/// A group with SSH from the world (described), SSH from a narrow CIDR, HTTPS from the
/// world and SSH from another security group.
async fn ssh_open_group(world: &World, name: &str) -> (String, String) {
    let other = create_group(world, &format!("{name}-peer")).await;
    let g = create_group(world, name).await;
    authorize(
        world,
        &g,
        vec![
            tcp(22)
                .ip_ranges(v4("0.0.0.0/0", Some("temporary admin access")))
                .ip_ranges(v4("10.20.0.0/16", Some("office VPN")))
                .build(),
            tcp(443).ip_ranges(v4("0.0.0.0/0", None)).build(),
            tcp(5432)
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(&other).build())
                .build(),
        ],
    )
    .await;
    (g, other)
}

#[tokio::test]
async fn the_world_open_ssh_rule_is_revoked_and_every_legitimate_rule_stays() {
    let world = World::for_family(FAMILY).await;
    let (g, other) = ssh_open_group(&world, "phi-web").await;
    let before = rules(&world, &g).await;
    let f = world.function().await;

    f.handle(event(&g, "ev-ssh")).await.expect("handler");

    let after = ingress(&rules(&world, &g).await);
    assert_eq!(
        after,
        [
            ("tcp".to_string(), 22, "10.20.0.0/16".to_string()),
            ("tcp".to_string(), 443, "0.0.0.0/0".to_string()),
            ("tcp".to_string(), 5432, other.clone()),
        ],
        "before: {before:#?}"
    );
    let recs = records(&world, ADMIN_PORTS, &g).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Fixed);
    assert!(recs[0].verified);
    assert_eq!(world.slack.posts_mentioning(&g).await.len(), 1);

    undo(&world, &f, ADMIN_PORTS, &g).await;
    assert_eq!(
        rules(&world, &g).await,
        before,
        "undo must restore the rule with its description"
    );
}

#[tokio::test]
async fn an_all_traffic_rule_from_anywhere_on_ipv6_is_revoked() {
    let world = World::for_family(FAMILY).await;
    let g = create_group(&world, "phi-all-open").await;
    authorize(
        &world,
        &g,
        vec![
            IpPermission::builder()
                .ip_protocol("-1")
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .build(),
            tcp(3306).ip_ranges(v4("172.16.0.0/12", None)).build(),
        ],
    )
    .await;
    let f = world.function().await;

    f.handle(event(&g, "ev-all")).await.expect("handler");

    assert_eq!(
        ingress(&rules(&world, &g).await),
        [("tcp".to_string(), 3306, "172.16.0.0/12".to_string())]
    );
}

#[tokio::test]
async fn notify_mode_changes_nothing_and_posts_the_planned_revoke() {
    let world = World::for_family(FAMILY).await;
    world.set_mode(ADMIN_PORTS, Mode::Notify).await;
    let (g, _) = ssh_open_group(&world, "phi-notify").await;
    let before = rules(&world, &g).await;
    let f = world.function().await;

    f.handle(event(&g, "ev-notify")).await.expect("handler");

    assert_eq!(rules(&world, &g).await, before);
    let recs = records(&world, ADMIN_PORTS, &g).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Notified);
    assert!(!recs[0].actions.is_empty());
    assert_eq!(world.slack.posts_mentioning(&g).await.len(), 1);
}

#[tokio::test]
async fn a_bastion_tagged_exempt_keeps_its_ssh_rule() {
    let world = World::for_family(FAMILY).await;
    let (g, _) = ssh_open_group(&world, "phi-bastion").await;
    let until = date_in_days(30);
    ec2(&world)
        .create_tags()
        .resources(&g)
        .tags(
            Tag::builder()
                .key(EXEMPT_TAG)
                .value(format!("deliberate bastion until={until}"))
                .build(),
        )
        .send()
        .await
        .expect("CreateTags");
    let before = rules(&world, &g).await;
    let f = world.function().await;

    f.handle(event(&g, "ev-bastion")).await.expect("handler");

    assert_eq!(rules(&world, &g).await, before, "an exempt group was changed");
    let recs = records(&world, ADMIN_PORTS, &g).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Exempt);
    assert!(recs[0].notes.join(" ").contains("deliberate bastion"));
}

#[tokio::test]
async fn the_same_event_three_times_makes_one_change_one_post_one_record() {
    let world = World::for_family(FAMILY).await;
    let (g, _) = ssh_open_group(&world, "phi-replay").await;
    let f = world.function().await;
    let e = event(&g, "ev-replay");

    for _ in 0..3 {
        f.handle(e.clone()).await.expect("handler");
    }

    assert!(
        !ingress(&rules(&world, &g).await)
            .iter()
            .any(|r| r.1 == 22 && r.2 == "0.0.0.0/0")
    );
    assert_eq!(records(&world, ADMIN_PORTS, &g).await.len(), 1);
    assert_eq!(world.slack.posts_mentioning(&g).await.len(), 1);
}

#[tokio::test]
async fn an_event_for_a_group_deleted_meanwhile_is_a_quiet_no_op() {
    let world = World::for_family(FAMILY).await;
    let g = create_group(&world, "phi-gone").await;
    authorize(&world, &g, vec![tcp(22).ip_ranges(v4("0.0.0.0/0", None)).build()]).await;
    ec2(&world)
        .delete_security_group()
        .group_id(&g)
        .send()
        .await
        .expect("DeleteSecurityGroup");
    let f = world.function().await;

    f.handle(event(&g, "ev-gone"))
        .await
        .expect("a deleted group is not an error");

    assert_eq!(world.slack.posts().await, Vec::<Value>::new());
    assert_eq!(world.ledger().await, vec![]);
}

/// A new VPC (its default group comes with AWS's default rules) and its default group.
async fn vpc_with_default_group(world: &World) -> (String, String) {
    let c = ec2(world);
    let vpc = c
        .create_vpc()
        .cidr_block("10.42.0.0/16")
        .send()
        .await
        .expect("CreateVpc")
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string();
    let sg = c
        .describe_security_groups()
        .filters(Filter::builder().name("vpc-id").values(&vpc).build())
        .filters(Filter::builder().name("group-name").values("default").build())
        .send()
        .await
        .expect("DescribeSecurityGroups")
        .security_groups()[0]
        .group_id()
        .unwrap()
        .to_string();
    (vpc, sg)
}

#[tokio::test]
async fn an_unused_default_group_loses_every_rule_in_auto_and_undo_restores_them() {
    let world = World::for_family(FAMILY).await;
    world.set_mode(DEFAULT_SG, Mode::Auto).await;
    let (_, sg) = vpc_with_default_group(&world).await;
    authorize(
        &world,
        &sg,
        vec![tcp(5432).ip_ranges(v4("10.42.0.0/16", Some("app subnet"))).build()],
    )
    .await;
    let before = rules(&world, &sg).await;
    assert!(before.len() >= 2, "{before:#?}");
    let f = world.function().await;

    f.handle(event(&sg, "ev-default")).await.expect("handler");

    assert_eq!(rules(&world, &sg).await, vec![]);
    let recs = records(&world, DEFAULT_SG, &sg).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Fixed);

    undo(&world, &f, DEFAULT_SG, &sg).await;
    assert_eq!(rules(&world, &sg).await, before, "undo must restore every rule");
}

#[tokio::test]
async fn a_default_group_is_notify_by_default() {
    let world = World::for_family(FAMILY).await;
    let (_, sg) = vpc_with_default_group(&world).await;
    let before = rules(&world, &sg).await;
    let f = world.function().await;

    f.handle(event(&sg, "ev-default-notify")).await.expect("handler");

    assert_eq!(rules(&world, &sg).await, before);
    let recs = records(&world, DEFAULT_SG, &sg).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Notified);
}

#[tokio::test]
async fn a_default_group_in_use_is_withheld_and_its_interfaces_named() {
    let world = World::for_family(FAMILY).await;
    world.set_mode(DEFAULT_SG, Mode::Auto).await;
    let (vpc, sg) = vpc_with_default_group(&world).await;
    let c = ec2(&world);
    let subnet = c
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.42.1.0/24")
        .send()
        .await
        .expect("CreateSubnet")
        .subnet()
        .unwrap()
        .subnet_id()
        .unwrap()
        .to_string();
    let eni = c
        .create_network_interface()
        .subnet_id(&subnet)
        .groups(&sg)
        .description("patient portal")
        .send()
        .await
        .expect("CreateNetworkInterface")
        .network_interface()
        .unwrap()
        .network_interface_id()
        .unwrap()
        .to_string();
    let before = rules(&world, &sg).await;
    let f = world.function().await;

    f.handle(event(&sg, "ev-default-in-use")).await.expect("handler");

    assert_eq!(rules(&world, &sg).await, before, "a default group in use was changed");
    let posts = world.slack.posts_mentioning(&eni).await;
    assert_eq!(
        posts.len(),
        1,
        "the notice names the interface: {:#?}",
        world.slack.posts().await
    );
    let recs = records(&world, DEFAULT_SG, &sg).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert!(recs[0].actions.is_empty(), "{recs:#?}");
}

// ---------------------------------------------------------------- VPC flow logs

const FLOW_LOGS: &str = "vpc-flow-logs-enabled";
const FLOW_LOG_BUCKET: &str = "hipaa-flow-logs";

fn vpc_ref(id: &str) -> ResourceRef {
    ResourceRef::of(ResourceKind::Vpc, id, ACCOUNT, REGION)
}

/// The one ledger record of the flow-log rule about a VPC.
async fn vpc_record(world: &World, vpc: &str) -> LedgerRecord {
    let mut recs: Vec<LedgerRecord> = world
        .ledger_for(&vpc_ref(vpc).arn())
        .await
        .into_iter()
        .filter(|r| r.rule == FLOW_LOGS)
        .collect();
    assert_eq!(recs.len(), 1, "{recs:#?}");
    recs.remove(0)
}

/// Apply a fixed record's undo through the function's own remediator.
async fn undo_vpc(f: &harness::Function, rec: &LedgerRecord, vpc: &str) {
    assert_eq!(rec.outcome, Outcome::Fixed, "{rec:#?}");
    let plan = Plan::of(rec.actions.clone()).undo().expect("reversible");
    for a in &plan.actions {
        f.app
            .ports
            .remediator
            .apply(&vpc_ref(vpc), a)
            .await
            .expect("undo action");
    }
}

/// A world whose flow-log destination is set (as `--set FlowLogsDestinationArn=...`
/// or the stack's log bucket would) and exists.
async fn flow_log_world() -> World {
    let mut world = World::for_family(FAMILY).await;
    world.env.insert(
        "FLOW_LOGS_DESTINATION_ARN".into(),
        format!("arn:aws:s3:::{FLOW_LOG_BUCKET}"),
    );
    world
        .s3
        .create_bucket()
        .bucket(FLOW_LOG_BUCKET)
        .send()
        .await
        .expect("CreateBucket");
    world
}

async fn create_vpc(world: &World) -> String {
    ec2(world)
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .expect("CreateVpc")
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap()
        .to_string()
}

/// The destinations of a VPC's flow logs.
async fn flow_logs(world: &World, vpc: &str) -> Vec<String> {
    ec2(world)
        .describe_flow_logs()
        .filter(Filter::builder().name("resource-id").values(vpc).build())
        .send()
        .await
        .expect("DescribeFlowLogs")
        .flow_logs()
        .iter()
        .map(|f| f.log_destination().unwrap_or_default().to_string())
        .collect()
}

fn create_vpc_event(vpc: &str, id: &str) -> Value {
    let mut v = fixture("cloudtrail-create-vpc.json");
    v["id"] = Value::from(id);
    v["detail"]["responseElements"]["vpc"]["vpcId"] = Value::from(vpc);
    v
}

#[tokio::test]
async fn a_vpc_without_flow_logs_gets_s3_flow_logs_and_undo_deletes_them() {
    let world = flow_log_world().await;
    let vpc = create_vpc(&world).await;
    let f = world.function().await;

    f.handle(create_vpc_event(&vpc, "ev-vpc-fix")).await.expect("handler");

    let dest = format!("arn:aws:s3:::{FLOW_LOG_BUCKET}");
    assert_eq!(flow_logs(&world, &vpc).await, [dest.as_str()]);
    let rec = vpc_record(&world, &vpc).await;
    assert!(rec.verified, "{rec:#?}");
    let posts = world.slack.posts_mentioning(&vpc).await;
    assert_eq!(posts.len(), 1, "{posts:#?}");
    undo_vpc(&f, &vpc_record(&world, &vpc).await, &vpc).await;
    assert_eq!(flow_logs(&world, &vpc).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_vpc_with_flow_logs_elsewhere_is_compliant_and_left_alone() {
    let world = flow_log_world().await;
    let vpc = create_vpc(&world).await;
    world
        .s3
        .create_bucket()
        .bucket("owners-own-flow-logs")
        .send()
        .await
        .expect("CreateBucket");
    ec2(&world)
        .create_flow_logs()
        .resource_type(aws_sdk_ec2::types::FlowLogsResourceType::Vpc)
        .resource_ids(&vpc)
        .traffic_type(aws_sdk_ec2::types::TrafficType::Reject)
        .log_destination_type(aws_sdk_ec2::types::LogDestinationType::S3)
        .log_destination("arn:aws:s3:::owners-own-flow-logs")
        .send()
        .await
        .expect("CreateFlowLogs");
    let f = world.function().await;

    f.handle(create_vpc_event(&vpc, "ev-vpc-ok")).await.expect("handler");

    assert_eq!(flow_logs(&world, &vpc).await, ["arn:aws:s3:::owners-own-flow-logs"]);
    assert_eq!(world.slack.posts_mentioning(&vpc).await.len(), 0);
}

#[tokio::test]
async fn a_vpc_in_notify_mode_or_exempt_keeps_no_flow_logs() {
    let world = flow_log_world().await;
    world.set_mode(FLOW_LOGS, Mode::Notify).await;
    let vpc = create_vpc(&world).await;
    let f = world.function().await;
    f.handle(create_vpc_event(&vpc, "ev-vpc-notify"))
        .await
        .expect("handler");
    assert!(flow_logs(&world, &vpc).await.is_empty());
    assert_eq!(vpc_record(&world, &vpc).await.outcome, Outcome::Notified);

    world.set_mode(FLOW_LOGS, Mode::Auto).await;
    let exempt = create_vpc(&world).await;
    ec2(&world)
        .create_tags()
        .resources(&exempt)
        .tags(
            Tag::builder()
                .key(EXEMPT_TAG)
                .value(format!("lab network until={}", date_in_days(30)))
                .build(),
        )
        .send()
        .await
        .expect("CreateTags");
    let f = world.function().await;
    f.handle(create_vpc_event(&exempt, "ev-vpc-exempt"))
        .await
        .expect("handler");
    assert!(flow_logs(&world, &exempt).await.is_empty());
    assert_eq!(vpc_record(&world, &exempt).await.outcome, Outcome::Exempt);
}

#[tokio::test]
async fn a_vpc_event_replayed_three_times_is_one_flow_log_and_one_post() {
    let world = flow_log_world().await;
    let vpc = create_vpc(&world).await;
    let f = world.function().await;
    let e = create_vpc_event(&vpc, "ev-vpc-replay");
    for _ in 0..3 {
        f.handle(e.clone()).await.expect("handler");
    }
    assert_eq!(flow_logs(&world, &vpc).await.len(), 1);
    vpc_record(&world, &vpc).await;
    assert_eq!(world.slack.posts_mentioning(&vpc).await.len(), 1);
}

#[tokio::test]
async fn a_vpc_deleted_meanwhile_is_a_quiet_no_op() {
    let world = flow_log_world().await;
    let vpc = create_vpc(&world).await;
    ec2(&world).delete_vpc().vpc_id(&vpc).send().await.expect("DeleteVpc");
    let f = world.function().await;

    f.handle(create_vpc_event(&vpc, "ev-vpc-gone"))
        .await
        .expect("not an error");

    assert_eq!(world.slack.posts().await, Vec::<Value>::new());
    assert_eq!(world.ledger().await, vec![]);
}

#[tokio::test]
async fn deleted_flow_logs_are_found_by_sweeping_the_regions_vpcs() {
    let world = flow_log_world().await;
    let vpc = create_vpc(&world).await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-delete-flow-logs.json"))
        .await
        .expect("handler");

    let dest = format!("arn:aws:s3:::{FLOW_LOG_BUCKET}");
    assert_eq!(flow_logs(&world, &vpc).await, [dest.as_str()]);
    // The default VPC too: the event names no VPC, every one is judged.
    assert_eq!(flow_logs(&world, &default_vpc(&world).await).await, [dest]);
}

#[tokio::test]
async fn without_a_flow_log_destination_the_fix_is_withheld_saying_what_to_set() {
    let world = World::for_family(FAMILY).await;
    let vpc = create_vpc(&world).await;
    let f = world.function().await;

    f.handle(create_vpc_event(&vpc, "ev-vpc-nodest"))
        .await
        .expect("handler");

    assert!(flow_logs(&world, &vpc).await.is_empty());
    let rec = vpc_record(&world, &vpc).await;
    assert_ne!(rec.outcome, Outcome::Fixed, "{rec:#?}");
    let post = world.slack.posts_mentioning(&vpc).await;
    assert!(
        serde_json::to_string(&post).unwrap().contains("FlowLogsDestinationArn"),
        "{post:#?}"
    );
}
