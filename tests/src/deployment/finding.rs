//! What the conformance check reports: a missing piece of a rule's deployment, said as the fix.
use std::fmt;

/// The kinds of trigger a rule can have, each needing a fixture event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerKind {
    CloudTrail,
    Config,
    Schedule,
    SecurityHub,
}

impl fmt::Display for TriggerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TriggerKind::CloudTrail => "CloudTrail (an EventBridge \"AWS API Call via CloudTrail\" event)",
            TriggerKind::Config => "AWS Config (a compliance change, or a custom-rule invocation)",
            TriggerKind::Schedule => "schedule (an EventBridge \"Scheduled Event\")",
            TriggerKind::SecurityHub => "Security Hub (an EventBridge \"Security Hub Findings - Imported\" event)",
        })
    }
}

/// One thing the deployment lacks for a rule (or names that no rule is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    NoFunction {
        rule: &'static str,
        family: &'static str,
    },
    NoRole {
        rule: &'static str,
        function: String,
    },
    MissingPermission {
        rule: &'static str,
        role: String,
        permission: &'static str,
        action: &'static str,
    },
    MissingCloudTrailTrigger {
        rule: &'static str,
        function: String,
        event_name: &'static str,
    },
    MissingConfigTrigger {
        rule: &'static str,
        function: String,
        identifier: &'static str,
    },
    MissingSecurityHubTrigger {
        rule: &'static str,
        function: String,
        control: &'static str,
    },
    MissingCustomConfigRule {
        rule: &'static str,
        function: String,
    },
    MissingSchedule {
        rule: &'static str,
        function: String,
    },
    ModeNotOnFunction {
        rule: &'static str,
        function: String,
        var: String,
    },
    ModeNotOnInteractions {
        rule: &'static str,
        var: String,
    },
    MissingParameter {
        rule: &'static str,
        param: &'static str,
    },
    ParameterDiffers {
        rule: &'static str,
        param: &'static str,
        what: String,
    },
    ParameterNotPassed {
        rule: &'static str,
        function: String,
        param: &'static str,
        var: String,
    },
    MissingFixture {
        rule: &'static str,
        trigger: TriggerKind,
    },
    MissingReadmeRow {
        rule: &'static str,
        family: &'static str,
    },
    UnknownRule {
        id: String,
        named_by: String,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::NoFunction { rule, family } => write!(
                f,
                "{rule}: no function builds the binary {family}: add functions/{family} and its AWS::Serverless::Function (Metadata.BuildProperties.Binary: {family}) to template.yaml"
            ),
            Finding::NoRole { rule, function } => {
                write!(
                    f,
                    "{rule}: the function {function} has no role of its own in template.yaml"
                )
            }
            Finding::MissingPermission {
                rule,
                role,
                permission,
                action,
            } => write!(
                f,
                "{rule}: add {permission} (for {action}) to the role {role} in template.yaml"
            ),
            Finding::MissingCloudTrailTrigger {
                rule,
                function,
                event_name,
            } => write!(
                f,
                "{rule}: add the CloudTrail eventName {event_name} to an EventBridge pattern of {function} in template.yaml"
            ),
            Finding::MissingConfigTrigger {
                rule,
                function,
                identifier,
            } => write!(
                f,
                "{rule}: add the Config rule {} (configRuleName, or a prefix) to the compliance-change pattern of {function} in template.yaml",
                identifier.to_ascii_lowercase().replace('_', "-")
            ),
            Finding::MissingSecurityHubTrigger {
                rule,
                function,
                control,
            } => write!(
                f,
                "{rule}: add the control {control} (detail.findings.Compliance.SecurityControlId) to the Security Hub findings pattern of {function} in template.yaml"
            ),
            Finding::MissingCustomConfigRule { rule, function } => write!(
                f,
                "{rule}: add an AWS::Config::ConfigRule named hipaa-autofix-{rule} whose Source.SourceIdentifier is {function} to template.yaml"
            ),
            Finding::MissingSchedule { rule, function } => {
                write!(
                    f,
                    "{rule}: add a Schedule event to {function} in template.yaml (the rule sweeps)"
                )
            }
            Finding::ModeNotOnFunction { rule, function, var } => write!(
                f,
                "{rule}: set {var} (!Ref its Mode parameter) in the Environment of {function} in template.yaml"
            ),
            Finding::ModeNotOnInteractions { rule, var } => write!(
                f,
                "{rule}: set {var} in the Environment of the slack-interactions function in template.yaml"
            ),
            Finding::MissingParameter { rule, param } => {
                write!(f, "{rule}: add the parameter {param} to template.yaml's Parameters")
            }
            Finding::ParameterDiffers { rule, param, what } => {
                write!(f, "{rule}: the template parameter {param} {what}")
            }
            Finding::ParameterNotPassed {
                rule,
                function,
                param,
                var,
            } => write!(
                f,
                "{rule}: set {var}: !Ref {param} in the Environment of {function} in template.yaml"
            ),
            Finding::MissingFixture { rule, trigger } => write!(
                f,
                "{rule}: add an event fixture for its {trigger} trigger to tests/fixtures/events/ (and its README table)"
            ),
            Finding::MissingReadmeRow { rule, family } => write!(
                f,
                "{rule}: add its row (| `{rule}` | `{family}` | ...) to the rules table in README.md"
            ),
            Finding::UnknownRule { id, named_by } => write!(
                f,
                "{named_by} names the rule {id}, which is not in policy::rules::all(): add its line to shared/policy/src/rules/mod.rs, or remove the entry"
            ),
        }
    }
}
