//! hipaa-autofix policy crate: rules decide, the executor acts, adapters talk to AWS.
//!
//! Everything in this crate is free of AWS SDK code. A [`rule::Rule`] reads a
//! [`resource::Snapshot`] and returns a [`rule::Verdict`] and a [`action::Plan`]
//! (data). The [`executor::Executor`] applies plans through the traits in
//! [`ports`], which `hipaa-aws` implements over the AWS SDK.

pub mod account;
pub mod action;
pub mod admin;
pub mod error;
pub mod event;
pub mod executor;
pub mod iam;
pub mod ledger;
pub mod memory;
pub mod notice;
pub mod params;
pub mod permissions;
pub mod ports;
pub mod resource;
pub mod rule;
pub mod rules;
pub mod s3;
pub mod settings;

pub use account::{AccountRefusal, AccountScope, OwnAccountError};
pub use action::{Action, Plan};
pub use error::{EventError, PortError};
pub use event::{AccountClaim, AccountField, Actor, Event, EventSource};
pub use executor::{Decision, ExecOptions, Executor, Ports, Progress, RunReport};
pub use ledger::{LedgerRecord, Outcome};
pub use resource::{ResourceKind, ResourceRef, Snapshot};
pub use rule::{Rule, Verdict};
pub use settings::Mode;
