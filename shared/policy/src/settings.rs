//! Rule modes and exemptions.
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What the executor does with a violation of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Fix, verify, record, notify.
    Auto,
    /// Record and notify what would be done; change nothing.
    Notify,
    /// Nothing at all: no reads, no notice.
    Off,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Auto => "auto",
            Mode::Notify => "notify",
            Mode::Off => "off",
        })
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Mode::Auto),
            "notify" => Ok(Mode::Notify),
            "off" => Ok(Mode::Off),
            other => Err(format!("unknown mode {other:?}: expected auto, notify or off")),
        }
    }
}

/// A rule's mode as set by an admin (settings table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModeSetting {
    pub rule: String,
    pub mode: Mode,
    /// Set for one account or OU (organisation mode); `None`: organisation-wide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<crate::org::ModeScope>,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

/// An exemption held in the settings table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExemptionEntry {
    pub rule: String,
    pub resource_arn: String,
    /// The account the resource is in, when the admin named it (`exempt add --account`);
    /// S3 bucket ARNs name none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `source` is `ExemptionSource::Settings { by: created_by }`.
    pub exemption: Exemption,
    pub created_at: Option<DateTime<Utc>>,
}

/// The tag key that exempts a resource, unless configured otherwise.
pub const DEFAULT_EXEMPT_TAG: &str = "hipaa-autofix:exempt";

/// The tag key that marks a break-glass resource, unless configured otherwise.
pub const DEFAULT_BREAK_GLASS_TAG: &str = "hipaa-autofix:break-glass";

/// Where an exemption came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExemptionSource {
    /// A tag on the resource.
    Tag { key: String },
    /// An entry in the settings table (`autofix exempt add`).
    Settings { by: Option<String> },
}

/// A resource excused from a rule, with a reason and an optional expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exemption {
    pub reason: String,
    /// The last day the exemption holds (inclusive, UTC).
    pub until: Option<NaiveDate>,
    pub source: ExemptionSource,
}

/// The state of an exemption at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExemptionCheck {
    Active(Exemption),
    Expired(Exemption),
    /// The tag is present but unreadable (e.g. a bad date): it is ignored, loudly.
    Invalid(String),
}

impl Exemption {
    pub fn check(self, now: DateTime<Utc>) -> ExemptionCheck {
        match self.until {
            Some(d) if now.date_naive() > d => ExemptionCheck::Expired(self),
            _ => ExemptionCheck::Active(self),
        }
    }

    pub fn describe(&self) -> String {
        let src = match &self.source {
            ExemptionSource::Tag { key } => format!("tag {key}"),
            ExemptionSource::Settings { by: Some(by) } => format!("exemption by {by}"),
            ExemptionSource::Settings { by: None } => "exemption in the settings table".to_string(),
        };
        match self.until {
            Some(d) => format!("{src}: \"{}\" until {d}", self.reason),
            None => format!("{src}: \"{}\" (no expiry)", self.reason),
        }
    }
}

/// Read an exemption tag's value: a reason, optionally with `until=YYYY-MM-DD`
/// anywhere in it (S3 tag values allow letters, digits, spaces and `+ - = . _ : / @`).
pub fn parse_exempt_tag(key: &str, value: &str) -> Result<Exemption, String> {
    let mut until = None;
    let mut reason_words = Vec::new();
    for word in value.split_whitespace() {
        if let Some(d) = word.strip_prefix("until=") {
            let date = NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| format!("exemption tag {key}: `until={d}` is not a date (expected until=YYYY-MM-DD)"))?;
            until = Some(date);
        } else {
            reason_words.push(word);
        }
    }
    let reason = reason_words.join(" ");
    let reason = if reason.is_empty() {
        "no reason given".to_string()
    } else {
        reason
    };
    Ok(Exemption {
        reason,
        until,
        source: ExemptionSource::Tag { key: key.to_string() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn tag_with_reason_and_until_parses() {
        let e = parse_exempt_tag("k", "public website until=2026-12-31 ticket SEC-1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.reason, "public website ticket SEC-1");
        assert_eq!(e.until, NaiveDate::from_ymd_opt(2026, 12, 31));
    }
    #[test]
    fn exemption_holds_through_its_last_day_and_expires_after() {
        let e = parse_exempt_tag("k", "until=2026-12-31").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(e.clone().check(at(2026, 12, 31)), ExemptionCheck::Active(_)));
        assert!(matches!(e.check(at(2027, 1, 1)), ExemptionCheck::Expired(_)));
    }
    #[test]
    fn tag_without_until_never_expires() {
        let e = parse_exempt_tag("k", "static site").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(e.check(at(2099, 1, 1)), ExemptionCheck::Active(_)));
    }
    #[test]
    fn bad_until_is_an_error() {
        assert!(parse_exempt_tag("k", "x until=31/12/2026").is_err());
    }
    #[test]
    fn modes_parse_case_insensitively() {
        assert_eq!("AUTO".parse::<Mode>(), Ok(Mode::Auto));
        assert!("fix".parse::<Mode>().is_err());
    }
}
