//! Remediation plans as data: the actions a rule's fix takes, in order.
use serde::{Deserialize, Serialize};

use crate::kinds::Action;

/// A rule's fix: actions in the order they run, and what they are for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Plan {
    pub actions: Vec<Action>,
    /// Fixes the rule would make but its parameters withhold (said in the notice).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
}

impl Plan {
    pub fn of(actions: Vec<Action>) -> Plan {
        Plan {
            actions,
            withheld: vec![],
        }
    }
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
    pub fn descriptions(&self) -> Vec<String> {
        self.actions.iter().map(Action::describe).collect()
    }
    /// How loudly the plan's notice is posted: its loudest action's severity.
    pub fn severity(&self) -> crate::notice::Severity {
        self.actions.iter().map(|a| a.info().severity).max().unwrap_or_default()
    }
    /// The undo plan: inverse actions in reverse order; `None` when any action is irreversible.
    pub fn undo(&self) -> Option<Plan> {
        let actions: Option<Vec<Action>> = self.actions.iter().rev().map(Action::undo).collect();
        actions.map(|actions| Plan {
            actions,
            withheld: vec![],
        })
    }
}
