//! Lambda functions: the reader, lister and remediator of the `lambda_function` kind.
use async_trait::async_trait;
use aws_sdk_lambda::types as lt;
use policy::PortError;
use policy::kinds::lambda_function::{Action, Facet, FunctionUrl, LambdaFunction, Snapshot, sid};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;
use serde_json::Value;

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::{error_code, port_error};

/// "No such function", and also "the function has no policy".
const NOT_FOUND: &str = "ResourceNotFoundException";

/// Lambda over the SDK.
#[derive(Debug)]
pub struct LambdaFunctionAdapter {
    lambda: aws_sdk_lambda::Client,
}

/// The one string value of `Condition.<any operator>.<key>` (keys match in any case).
fn condition(stmt: &Value, key: &str) -> Option<String> {
    stmt.get("Condition")?.as_object()?.values().find_map(|op| {
        op.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_str().or_else(|| v.as_array()?.first()?.as_str()))
            .map(str::to_owned)
    })
}

/// The principal `AddPermission` takes: `*`, an account or ARN, or a service.
fn principal(stmt: &Value) -> Option<String> {
    match stmt.get("Principal")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m
            .get("Service")
            .or_else(|| m.get("AWS"))
            .and_then(|v| v.as_str().or_else(|| v.as_array()?.first()?.as_str()))
            .map(str::to_owned),
        _ => None,
    }
}

impl LambdaFunctionAdapter {
    pub fn new(clients: &Clients) -> Self {
        LambdaFunctionAdapter {
            lambda: clients.lambda.clone(),
        }
    }

    async fn exists(&self, name: &str) -> Result<(), PortError> {
        self.lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                if error_code(&e) == Some(NOT_FOUND) {
                    PortError::NotFound { what: name.to_string() }
                } else {
                    port_error("GetFunctionConfiguration", name, e)
                }
            })
    }

    async fn policy(&self, name: &str) -> Result<Option<Value>, PortError> {
        match self.lambda.get_policy().function_name(name).send().await {
            Ok(out) => match out.policy() {
                Some(p) => serde_json::from_str(p).map(Some).map_err(|e| PortError::InvalidData {
                    operation: "GetPolicy".into(),
                    reason: format!("the policy of {name} is not JSON: {e}"),
                }),
                None => Ok(None),
            },
            Err(e) if error_code(&e) == Some(NOT_FOUND) => {
                self.exists(name).await?;
                Ok(None)
            }
            Err(e) => Err(port_error("GetPolicy", name, e)),
        }
    }

    /// The function's URLs: the unqualified one and each alias's. (Not
    /// `ListFunctionUrlConfigs`, which moto lacks: these two calls cover the same URLs,
    /// a URL being either the function's own or an alias's.)
    async fn urls(&self, name: &str) -> Result<Vec<FunctionUrl>, PortError> {
        let mut qualifiers: Vec<Option<String>> = vec![None];
        let mut pages = self.lambda.list_aliases().function_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("ListAliases", name, e))?;
            qualifiers.extend(
                page.aliases()
                    .iter()
                    .filter_map(|a| a.name().map(|n| Some(n.to_string()))),
            );
        }
        let mut out: Vec<FunctionUrl> = Vec::new();
        for q in qualifiers {
            match self
                .lambda
                .get_function_url_config()
                .function_name(name)
                .set_qualifier(q.clone())
                .send()
                .await
            {
                Ok(u) => {
                    let url = FunctionUrl {
                        url: u.function_url().to_string(),
                        auth_type: u.auth_type().as_str().to_string(),
                    };
                    if !out.contains(&url) {
                        out.push(url);
                    }
                }
                // No URL there.
                Err(e) if error_code(&e) == Some(NOT_FOUND) => {}
                Err(e) => return Err(port_error("GetFunctionUrlConfig", name, e)),
            }
        }
        Ok(out)
    }

    async fn remove(&self, name: &str, statements: &[Value]) -> Result<(), PortError> {
        for st in statements {
            let Some(id) = sid(st) else { continue };
            match self
                .lambda
                .remove_permission()
                .function_name(name)
                .statement_id(id)
                .send()
                .await
            {
                Ok(_) => {}
                // Already gone (or the function is: the executor's re-read says which).
                Err(e) if error_code(&e) == Some(NOT_FOUND) => self.exists(name).await?,
                Err(e) => return Err(port_error("RemovePermission", name, e)),
            }
        }
        Ok(())
    }

    async fn add(&self, name: &str, statements: &[Value]) -> Result<(), PortError> {
        for st in statements {
            let (Some(id), Some(action), Some(who)) =
                (sid(st), st.get("Action").and_then(Value::as_str), principal(st))
            else {
                return Err(PortError::InvalidData {
                    operation: "AddPermission".into(),
                    reason: format!("a statement of {name} has no Sid, Action or Principal AddPermission can take"),
                });
            };
            let res = self
                .lambda
                .add_permission()
                .function_name(name)
                .statement_id(id)
                .action(action)
                .principal(who)
                .set_source_arn(condition(st, "AWS:SourceArn"))
                .set_source_account(condition(st, "AWS:SourceAccount"))
                .set_principal_org_id(condition(st, "aws:PrincipalOrgID"))
                .set_function_url_auth_type(
                    condition(st, "lambda:FunctionUrlAuthType").map(|t| lt::FunctionUrlAuthType::from(t.as_str())),
                )
                .send()
                .await;
            match res {
                Ok(_) => {}
                // The statement id is taken: it is there already.
                Err(e) if error_code(&e) == Some("ResourceConflictException") => {}
                Err(e) => return Err(port_error("AddPermission", name, e)),
            }
        }
        Ok(())
    }
}

#[async_trait]
impl KindAdapter<LambdaFunction> for LambdaFunctionAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::Policy => s.policy = Read::Value(self.policy(&r.id).await?),
                Facet::Urls => s.urls = Read::Value(self.urls(&r.id).await?),
                Facet::Tags => {
                    let out = self
                        .lambda
                        .list_tags()
                        .resource(r.arn())
                        .send()
                        .await
                        .map_err(|e| port_error("ListTags", &r.id, e))?;
                    s.tags = Read::Value(
                        out.tags()
                            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                            .unwrap_or_default(),
                    );
                }
            }
        }
        Ok(())
    }

    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        let mut out = Vec::new();
        let mut pages = self.lambda.list_functions().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("ListFunctions", "functions", e))?;
            out.extend(page.functions().iter().filter_map(|f| {
                Some(ResourceRef::of(
                    ResourceKind::LambdaFunction,
                    f.function_name()?,
                    account,
                    region,
                ))
            }));
        }
        Ok(out.into_iter().map(Listed::bare).collect())
    }

    async fn apply(&self, r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        match action {
            Action::RemoveFunctionPolicyStatements(a) => self.remove(&r.id, &a.statements).await,
            Action::AddFunctionPolicyStatements(a) => self.add(&r.id, &a.statements).await,
        }
    }
}
