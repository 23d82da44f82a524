//! What CloudTrail's event history (`LookupEvents`: the last 90 days of management
//! events in a region, kept whether or not a trail exists) says about one resource:
//! the names and times of the calls made on it. A read like any other facet, for the
//! states a resource can't tell by itself: an account with no GuardDuty detector
//! either never enabled it or deleted it; a key pending deletion doesn't say whether
//! it was enabled before.
//!
//! Only the call's name and time are kept, never its request or response.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How far back CloudTrail's event history reaches.
pub const HISTORY_DAYS: u32 = 90;

/// One recorded call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedCall {
    /// The CloudTrail `eventName` (`DeleteDetector`).
    pub name: String,
    pub time: DateTime<Utc>,
}

/// The calls of interest recorded about a resource, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CallHistory {
    pub calls: Vec<RecordedCall>,
}

impl CallHistory {
    pub fn of(mut calls: Vec<RecordedCall>) -> Self {
        calls.sort_by_key(|c| std::cmp::Reverse(c.time));
        CallHistory { calls }
    }
    /// The newest call among `names`.
    pub fn last_of(&self, names: &[&str]) -> Option<&RecordedCall> {
        self.calls.iter().find(|c| names.contains(&c.name.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_newest_matching_call_is_found_whatever_the_order_given() {
        let t = |h| Utc.with_ymd_and_hms(2026, 11, 29, h, 0, 0).single().unwrap_or_default();
        let h = CallHistory::of(vec![
            RecordedCall {
                name: "EnableKey".into(),
                time: t(1),
            },
            RecordedCall {
                name: "DisableKey".into(),
                time: t(3),
            },
            RecordedCall {
                name: "ScheduleKeyDeletion".into(),
                time: t(4),
            },
        ]);
        assert_eq!(
            h.last_of(&["EnableKey", "DisableKey"]).map(|c| c.name.as_str()),
            Some("DisableKey")
        );
        assert_eq!(h.last_of(&["CreateKey"]), None);
    }
}
