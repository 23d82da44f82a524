//! hipaa-autofix policy crate: rules decide, the executor acts, adapters talk to AWS.
//!
//! Everything in this crate is free of AWS SDK code. A resource kind is one module
//! of [`kinds`] (its snapshot, facets, actions and their specs). A [`rule::Rule`]
//! reads a [`kinds::Snapshot`] and returns a [`rule::Verdict`] and a [`plan::Plan`]
//! (data); each declares a static [`rule::RuleSpec`], and everything about the rules
//! (families, parameters, permissions) is derived from the one list in [`rules`]
//! ([`catalog`], [`permissions`]). The [`executor::Executor`] applies plans through
//! the traits in [`ports`], which `hipaa-aws` implements over the AWS SDK.

pub mod account;
pub mod admin;
pub mod catalog;
pub mod cloudtrail;
pub mod error;
pub mod event;
pub mod executor;
pub mod family;
pub mod finding_workflow;
pub mod history;
pub mod iam;
pub mod kinds;
pub mod ledger;
pub mod memory;
pub mod metrics;
pub mod notice;
pub mod org;
pub mod params;
pub mod permissions;
pub mod plan;
pub mod ports;
pub mod resource_policy;
pub mod rule;
pub mod rules;
pub mod s3;
pub mod settings;
pub mod wording;

pub use account::{AccountRefusal, AccountScope, OwnAccountError};
pub use error::{EventError, PortError};
pub use event::{AccountClaim, AccountField, Actor, Event, EventSource};
pub use executor::{Decision, ExecOptions, Executor, Ports, Progress, RunReport};
pub use kinds::{Action, Facet, ResourceKind, ResourceRef, Snapshot};
pub use ledger::{LedgerRecord, Outcome};
pub use plan::Plan;
pub use rule::{Family, Rule, RuleSpec, Verdict};
pub use settings::Mode;
