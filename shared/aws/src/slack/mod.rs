//! Slack: the incoming [`webhook`], a notice as a Block Kit message
//! ([`blocks`]), the notice's [`buttons`] and their clicks, and request
//! [`signature`]s. Nothing here logs the webhook URL, the signing secret or a
//! request body.
pub mod blocks;
pub mod buttons;
pub mod signature;
pub mod webhook;

pub use blocks::{buttons_for, message};
pub use buttons::{ACTIONS_BLOCK_ID, ButtonKind, ButtonValue};
pub use webhook::{LogNotifier, SlackNotifier};
