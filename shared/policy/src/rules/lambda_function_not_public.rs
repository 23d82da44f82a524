//! `lambda-function-not-public`: no Lambda function may be invoked by anyone.
//!
//! HIPAA Security Rule: access control, 45 CFR 164.312(a)(1). Mirrors the AWS Config
//! managed rule `LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED` (Security Hub Lambda.1).
//!
//! The function's resource-based policy is judged statement by statement by the same
//! analysis as bucket policies ([`crate::resource_policy`], in the Lambda
//! [`FunctionPolicy`] dialect): a statement with `Principal: *` pinned by
//! `AWS:SourceArn` or `AWS:SourceAccount`, as S3, SNS and EventBridge triggers write
//! them, is not public. The fix removes only the public statements
//! (`RemovePermission` by `Sid`); undo adds them back.
//!
//! A function URL with `AuthType NONE` (and the statement that lets anyone call it,
//! `lambda:InvokeFunctionUrl` with `lambda:FunctionUrlAuthType`) is reported, never
//! changed: a webhook that checks its own signatures may need it. The notice says
//! what to do. The stack's own slack-interactions function is such a webhook: the
//! deployment names it (`OWN_RESOURCE_ARNS`) and the executor never judges it.
use serde_json::Value;

use crate::family;
use crate::kinds::lambda_function::{
    self, Facet, FunctionUrl, LambdaFunction, RemoveFunctionPolicyStatements, Snapshot, statements,
};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::plan::Plan;
use crate::resource_policy::{Dialect, ServiceKey, judge_statement};
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::settings::Mode;

pub const ID: &str = "lambda-function-not-public";

const POLICY: AnyFacet = AnyFacet::LambdaFunction(Facet::Policy);
const URLS: AnyFacet = AnyFacet::LambdaFunction(Facet::Urls);

/// Lambda's dialect of "the meaning of public": a function policy. Lambda has no key of
/// its own that pins the caller (`lambda:FunctionUrlAuthType` says how a URL is
/// called, not who calls it), so only the global keys pin.
#[derive(Debug, Clone, Copy, Default)]
pub struct FunctionPolicy;

impl Dialect for FunctionPolicy {
    fn what(&self) -> &'static str {
        "function policy"
    }
    fn service_keys(&self) -> &'static [ServiceKey] {
        &[]
    }
}

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "No Lambda function may be invoked by anyone",
    safeguard: "164.312(a)(1) Access control",
    kind: ResourceKind::LambdaFunction,
    family: family::DATA_STORE_EXPOSURE,
    triggers: Triggers {
        config_rules: &["LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED"],
        cloudtrail: &[
            "AddPermission20150331v2",
            "CreateFunctionUrlConfig20211031",
            "UpdateFunctionUrlConfig20211031",
        ],
        schedule: true,
        security_hub: &["Lambda.1"],
    },
    facets: &[POLICY, URLS],
    reads: &[POLICY, URLS],
    actions: &[RemoveFunctionPolicyStatements::INFO],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct LambdaFunctionNotPublic;

/// Whether a statement only serves a function URL (anyone may call the URL when its
/// auth type is `NONE`): reported with the URL, never removed.
pub fn serves_function_url(st: &Value) -> bool {
    let invokes_url = match st.get("Action") {
        Some(Value::String(a)) => a.eq_ignore_ascii_case("lambda:InvokeFunctionUrl"),
        Some(Value::Array(a)) => {
            !a.is_empty()
                && a.iter().all(|x| {
                    x.as_str()
                        .is_some_and(|x| x.eq_ignore_ascii_case("lambda:InvokeFunctionUrl"))
                })
        }
        _ => false,
    };
    let url_condition = st.get("Condition").and_then(Value::as_object).is_some_and(|ops| {
        ops.values()
            .filter_map(Value::as_object)
            .any(|m| m.keys().any(|k| k.eq_ignore_ascii_case("lambda:FunctionUrlAuthType")))
    });
    invokes_url && url_condition
}

/// The statements to remove: public by the shared analysis, and not a URL's own.
fn public_statements(policy: &Value) -> Vec<(Value, String)> {
    statements(policy)
        .into_iter()
        .enumerate()
        .filter(|(_, st)| !serves_function_url(st))
        .filter_map(|(i, st)| {
            let v = judge_statement(i, st, &FunctionPolicy);
            v.public.then(|| (st.clone(), v.reason))
        })
        .collect()
}

fn open_urls(urls: &[FunctionUrl]) -> Vec<&FunctionUrl> {
    urls.iter().filter(|u| u.is_open()).collect()
}

impl KindRule for LambdaFunctionNotPublic {
    type Kind = LambdaFunction;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, f: &Snapshot) -> Verdict {
        let (Some(policy), Some(urls)) = (f.policy.get(), f.urls.get()) else {
            return Verdict::NeedsFacets {
                facets: vec![POLICY, URLS],
            };
        };
        let mut findings: Vec<String> = policy
            .as_ref()
            .map(public_statements)
            .unwrap_or_default()
            .into_iter()
            .map(|(st, why)| {
                format!(
                    "statement {} of the policy of {} makes it public: {why}",
                    lambda_function::sid(&st).unwrap_or("(no Sid)"),
                    f.function_name
                )
            })
            .collect();
        findings.extend(open_urls(urls).into_iter().map(|u| {
            format!(
                "function URL {} of {} has AuthType NONE: anyone can invoke it",
                u.url, f.function_name
            )
        }));
        if findings.is_empty() {
            Verdict::Compliant {
                reason: "no public statement and no function URL without auth".into(),
            }
        } else {
            Verdict::NonCompliant { findings }
        }
    }
    fn plan(&self, f: &Snapshot) -> Plan {
        let (Some(policy), Some(urls)) = (f.policy.get(), f.urls.get()) else {
            return Plan::default();
        };
        let public: Vec<Value> = policy
            .as_ref()
            .map(public_statements)
            .unwrap_or_default()
            .into_iter()
            .map(|(st, _)| st)
            .collect();
        let mut p = if public.is_empty() {
            Plan::default()
        } else {
            Plan::of(vec![
                RemoveFunctionPolicyStatements {
                    function_name: f.function_name.clone(),
                    statements: public,
                }
                .into(),
            ])
        };
        for u in open_urls(urls) {
            p.withheld.push(format!(
                "function URL {} of {} has AuthType NONE and is left as it is (it may be a deliberate webhook that checks its own signatures). If it is deliberate, exempt the function with the exemption tag; otherwise switch it to IAM auth: aws lambda update-function-url-config --function-name {} --auth-type AWS_IAM",
                u.url, f.function_name, f.function_name
            ));
        }
        p
    }
    fn examples(&self) -> Examples<Snapshot> {
        use serde_json::json;
        let s3_trigger = json!({
            "Sid": "s3-invoke", "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:ingest",
            "Condition": {
                "StringEquals": {"AWS:SourceAccount": "123456789012"},
                "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::phi-intake"}
            }
        });
        let anyone = json!({
            "Sid": "anyone", "Effect": "Allow", "Principal": "*",
            "Action": "lambda:InvokeFunction",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:ingest"
        });
        let f = |stmts: Vec<Value>, urls: Vec<FunctionUrl>| Snapshot {
            function_name: "ingest".into(),
            policy: Read::Value(Some(
                json!({"Version": "2012-10-17", "Id": "default", "Statement": stmts}),
            )),
            urls: Read::Value(urls),
            tags: Read::Value(Default::default()),
        };
        Examples {
            non_compliant: f(vec![s3_trigger.clone(), anyone], vec![]),
            compliant: f(vec![s3_trigger.clone()], vec![]),
            // A URL open to anyone: reported, nothing changed.
            edge: f(
                vec![s3_trigger],
                vec![FunctionUrl {
                    url: "https://abc.lambda-url.us-east-1.on.aws/".into(),
                    auth_type: "NONE".into(),
                }],
            ),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with(stmts: Vec<Value>) -> Snapshot {
        Snapshot {
            function_name: "ingest".into(),
            policy: Read::Value(Some(json!({"Version": "2012-10-17", "Statement": stmts}))),
            urls: Read::Value(vec![]),
            tags: Read::Value(Default::default()),
        }
    }

    fn removed(s: &Snapshot) -> Vec<String> {
        let plan = LambdaFunctionNotPublic.plan(s);
        plan.descriptions()
    }

    #[test]
    fn principal_star_pinned_by_source_arn_or_account_is_not_public() {
        let pinned_arn = json!({"Sid": "sns", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:us-east-1:123456789012:alerts"}}});
        let pinned_account = json!({"Sid": "events", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "lambda:InvokeFunction",
            "Condition": {"StringEquals": {"AWS:SourceAccount": "123456789012"}}});
        let s = with(vec![pinned_arn, pinned_account]);
        assert!(matches!(
            LambdaFunctionNotPublic.evaluate(&s),
            Verdict::Compliant { .. }
        ));
        assert!(LambdaFunctionNotPublic.plan(&s).is_empty());
    }

    #[test]
    fn only_the_public_statement_is_removed_and_undo_adds_it_back() {
        let ex = LambdaFunctionNotPublic.examples();
        let plan = LambdaFunctionNotPublic.plan(&ex.non_compliant);
        assert_eq!(plan.actions.len(), 1);
        assert!(removed(&ex.non_compliant)[0].contains("anyone"));
        assert!(!removed(&ex.non_compliant)[0].contains("s3-invoke"));
        assert_eq!(plan.undo().unwrap().actions[0].name(), "AddFunctionPolicyStatements");
    }

    #[test]
    fn a_wildcard_source_arn_does_not_pin() {
        let st = json!({"Sid": "wild", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::*"}}});
        assert_eq!(LambdaFunctionNotPublic.plan(&with(vec![st])).actions.len(), 1);
    }

    #[test]
    fn an_open_function_url_is_reported_with_what_to_do_and_never_changed() {
        let url_stmt = json!({"Sid": "FunctionURLAllowPublicAccess", "Effect": "Allow", "Principal": "*",
            "Action": "lambda:InvokeFunctionUrl",
            "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}});
        let mut s = with(vec![url_stmt]);
        s.urls = Read::Value(vec![FunctionUrl {
            url: "https://x.lambda-url.us-east-1.on.aws/".into(),
            auth_type: "NONE".into(),
        }]);
        let Verdict::NonCompliant { findings } = LambdaFunctionNotPublic.evaluate(&s) else {
            panic!("an open URL is a finding");
        };
        assert!(findings[0].contains("AuthType NONE"), "{findings:?}");
        let plan = LambdaFunctionNotPublic.plan(&s);
        assert!(plan.actions.is_empty(), "the URL's statement is not removed");
        assert!(plan.withheld[0].contains("--auth-type AWS_IAM"));
    }
}
