//! The IAM credential report: one CSV row per user of the account, with its access
//! keys' status, age and last use, its console password's state and last use, and
//! whether it has MFA. A sweep reads it once (`GenerateCredentialReport` until
//! `COMPLETE`, then `GetCredentialReport`) and turns each row into a
//! [`Summary`](policy::ports::Summary) of the user, so that a user the report shows
//! compliant costs no per-user call.
//!
//! Columns (IAM User Guide, "Getting credential reports for your AWS account"):
//! `user`, `arn`, `user_creation_time`, `password_enabled`, `password_last_used`,
//! `password_last_changed`, `password_next_rotation`, `mfa_active`,
//! `access_key_1_active`, `access_key_1_last_rotated`, `access_key_1_last_used_date`,
//! `access_key_1_last_used_region`, `access_key_1_last_used_service`, the same five
//! for key 2, `cert_1_active`, `cert_1_last_rotated`, `cert_2_active`,
//! `cert_2_last_rotated`. Dates are ISO 8601; `N/A` means not applicable (no key, a
//! key never used), `no_information` that IAM has no record, `not_supported` that the
//! field does not apply (the root account's password fields). The row of the root
//! user is `<root_account>`.
//!
//! **Conservative by construction.** A summary is trusted only when a rule finds it
//! compliant, so every value the report does not give exactly is filled in the way
//! that can only make a rule *less* likely to say compliant (which then costs a live
//! read, never a missed violation):
//! * the report names no key ids: keys get placeholders (never acted on: nothing is
//!   planned from a summary);
//! * a key's creation is its `last_rotated`; an active key whose date can't be read
//!   is taken as created at the earliest time there is;
//! * a key slot reported inactive without a date may still hold an inactive key (the
//!   report gives no date for it), so it is taken as an inactive key of that earliest
//!   time;
//! * a last use that is `N/A` or `no_information` is "never used" (ages are then
//!   judged from the creation, which is older);
//! * the console password's creation is not in the report: the user's creation is
//!   used (a password is never older than its user);
//! * `mfa_active=true` is one placeholder device; attached policies and tags are not
//!   in the report and stay unread (a rule that needs them asks, and is read live).
//!
//! The report may be up to four hours old: IAM reuses a report generated in that
//! time. A change since then that makes a user compliant costs a live read; one that
//! makes a user non-compliant (a key reactivated, a password added) is what the
//! CloudTrail triggers catch as it happens, and the next sweep's report shows it.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use policy::iam::{AccessKey, LoginProfile, MfaDevice};
use policy::kinds::Read;
use policy::kinds::iam_user::Snapshot as UserSnapshot;

/// The root user's row.
const ROOT_ROW: &str = "<root_account>";

/// Where a summary of a user comes from, for logs and notes.
pub const SOURCE: &str = "the IAM credential report";

/// Why a report could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the credential report is not CSV with the documented columns: {0}")]
    Csv(#[from] csv::Error),
    #[error("the credential report lacks the column {0}")]
    MissingColumn(&'static str),
}

/// Every column a summary is built from.
const COLUMNS: &[&str] = &[
    "user",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
];

/// Parse the report's CSV into a summary snapshot per user name (the root row left
/// out). `account` is the account the report is about; `as_of` any time (the
/// executor judges a summary as of its own clock).
pub fn parse(
    csv_text: &[u8],
    account: &str,
    as_of: DateTime<Utc>,
) -> Result<HashMap<String, UserSnapshot>, ReportError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text);
    let headers = reader.headers()?.clone();
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    for &c in COLUMNS {
        let i = headers
            .iter()
            .position(|h| h == c)
            .ok_or(ReportError::MissingColumn(c))?;
        index.insert(c, i);
    }
    let mut out = HashMap::new();
    for record in reader.records() {
        let record = record?;
        let row = Row {
            index: &index,
            record: &record,
        };
        let name = row.get("user");
        if name.is_empty() || name == ROOT_ROW {
            continue;
        }
        out.insert(name.to_string(), summary_of(account, as_of, &row));
    }
    Ok(out)
}

/// One row, its columns found by name.
struct Row<'a> {
    index: &'a HashMap<&'static str, usize>,
    record: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    fn get(&self, column: &str) -> &'a str {
        self.index.get(column).and_then(|i| self.record.get(*i)).unwrap_or("")
    }
}

/// One user's summary from its row.
fn summary_of(account: &str, as_of: DateTime<Utc>, row: &Row<'_>) -> UserSnapshot {
    let get = |c: &str| row.get(c);
    let user_created = date(get("user_creation_time")).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let mut keys = Vec::new();
    let mut last_used = BTreeMap::new();
    for n in [1, 2] {
        let active = get(&format!("access_key_{n}_active"));
        let rotated = date(get(&format!("access_key_{n}_last_rotated")));
        let key = match (flag(active), rotated) {
            // No key in this slot, or an inactive one whose date the report omits:
            // assume an inactive key as old as can be.
            (Some(false), None) | (None, None) => AccessKey {
                id: placeholder(n),
                active: false,
                created: DateTime::<Utc>::MIN_UTC,
            },
            (Some(false), Some(created)) => AccessKey {
                id: placeholder(n),
                active: false,
                created,
            },
            // An active key (or one whose status can't be read: assume active).
            (Some(true) | None, created) => AccessKey {
                id: placeholder(n),
                active: true,
                created: created.unwrap_or(DateTime::<Utc>::MIN_UTC),
            },
        };
        last_used.insert(key.id.clone(), date(get(&format!("access_key_{n}_last_used_date"))));
        keys.push(key);
    }
    let login_profile = match flag(get("password_enabled")) {
        Some(true) => Read::Value(Some(LoginProfile {
            created: user_created,
            password_last_used: date(get("password_last_used")),
        })),
        Some(false) => Read::Value(None),
        None => Read::NotRead,
    };
    let mfa_devices = match flag(get("mfa_active")) {
        Some(true) => Read::Value(vec![MfaDevice {
            serial: format!("(an MFA device, from {SOURCE})"),
            enabled: user_created,
        }]),
        Some(false) => Read::Value(vec![]),
        None => Read::NotRead,
    };
    UserSnapshot {
        name: get("user").to_string(),
        account: account.to_string(),
        as_of,
        access_keys: Read::Value(keys),
        key_last_used: Read::Value(last_used),
        login_profile,
        mfa_devices,
        attached_policies: Read::NotRead,
        tags: Read::NotRead,
    }
}

fn placeholder(n: u8) -> String {
    format!("(access key {n}, from {SOURCE})")
}

/// `true`/`false` (any case); anything else is unknown.
fn flag(v: &str) -> Option<bool> {
    if v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// An ISO 8601 date-time; `None` for `N/A`, `no_information`, `not_supported` or
/// anything unreadable.
fn date(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v).ok().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default()
    }

    fn report(rows: &[&str]) -> HashMap<String, UserSnapshot> {
        let text = format!("{HEADER}\n{}\n", rows.join("\n"));
        parse(text.as_bytes(), "123456789012", now()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_row_becomes_a_summary_with_placeholder_keys() {
        let r = report(&[
            "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2025-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
            "alice,arn:aws:iam::123456789012:user/alice,2024-01-01T00:00:00+00:00,true,2025-12-01T10:00:00+00:00,2024-01-01T00:00:00+00:00,N/A,false,true,2025-09-01T00:00:00+00:00,2025-12-30T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        ]);
        assert_eq!(r.len(), 1, "the root row is left out");
        let a = &r["alice"];
        assert_eq!(a.name, "alice");
        let keys = a.access_keys.get().unwrap_or_else(|| panic!("keys"));
        assert!(keys[0].active);
        assert_eq!(keys[0].created.to_rfc3339(), "2025-09-01T00:00:00+00:00");
        assert!(keys[0].id.contains("credential report"), "{}", keys[0].id);
        assert_eq!(
            a.last_use_of(&keys[0].id).flatten().map(|t| t.to_rfc3339()),
            Some("2025-12-30T00:00:00+00:00".to_string())
        );
        // Slot 2 reported inactive without a date: an inactive key as old as can be.
        assert!(!keys[1].active);
        assert_eq!(keys[1].created, DateTime::<Utc>::MIN_UTC);
        let lp = a
            .login_profile
            .get()
            .and_then(Option::as_ref)
            .unwrap_or_else(|| panic!("password"));
        assert_eq!(
            lp.created.to_rfc3339(),
            "2024-01-01T00:00:00+00:00",
            "the user's creation"
        );
        assert!(lp.password_last_used.is_some());
        assert_eq!(a.mfa_devices.get().map(Vec::len), Some(0));
        assert!(!a.attached_policies.is_read() && !a.tags.is_read());
    }

    #[test]
    fn unknown_values_lean_towards_non_compliance() {
        let r = report(&[
            "bob,arn:aws:iam::123456789012:user/bob,garbage,maybe,no_information,N/A,N/A,true,true,garbage,N/A,N/A,N/A,true,2025-01-01T00:00:00+00:00,no_information,N/A,N/A,false,N/A,false,N/A",
        ]);
        let b = &r["bob"];
        let keys = b.access_keys.get().unwrap_or_else(|| panic!("keys"));
        assert!(keys[0].active);
        assert_eq!(
            keys[0].created,
            DateTime::<Utc>::MIN_UTC,
            "an unreadable date is the oldest"
        );
        assert_eq!(b.last_use_of(&keys[1].id), Some(None), "no_information is never used");
        assert!(!b.login_profile.is_read(), "an unreadable password flag is left unread");
        assert_eq!(b.mfa_devices.get().map(Vec::len), Some(1));
    }

    #[test]
    fn a_report_without_the_documented_columns_is_refused() {
        let e = parse(b"user,arn\nalice,x\n", "1", now()).err();
        assert!(matches!(e, Some(ReportError::MissingColumn(_))), "{e:?}");
    }

    #[test]
    fn moto_and_aws_date_formats_both_read() {
        assert!(date("2014-09-01T22:28:48+00:00").is_some());
        assert!(date("2014-09-01T22:28:48Z").is_some());
        assert!(date("N/A").is_none() && date("not_supported").is_none());
    }
}
