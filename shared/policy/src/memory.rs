//! In-process implementations of the settings, ledger, notifier and reporter ports:
//! for the CLI when no stack is deployed, for `scan` (which records nothing), and
//! for tests.
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::error::PortError;
use crate::ledger::LedgerRecord;
use crate::notice::Notice;
use crate::ports::{ComplianceReporter, Evaluation, Ledger, Notifier, SettingsStore};
use crate::settings::{Exemption, Mode};

fn poisoned() -> PortError {
    PortError::Unsupported("in-memory store lock poisoned".into())
}

/// Settings held in memory: each rule's default applies unless set here.
#[derive(Default)]
pub struct MemorySettings {
    modes: Mutex<BTreeMap<String, Mode>>,
    exemptions: Mutex<BTreeMap<(String, String), Exemption>>,
}

impl MemorySettings {
    pub fn with_modes(modes: impl IntoIterator<Item = (String, Mode)>) -> Self {
        Self {
            modes: Mutex::new(modes.into_iter().collect()),
            exemptions: Mutex::default(),
        }
    }
    pub fn set_mode(&self, rule: &str, mode: Mode) {
        if let Ok(mut m) = self.modes.lock() {
            m.insert(rule.into(), mode);
        }
    }
    pub fn exempt(&self, rule: &str, arn: &str, e: Exemption) {
        if let Ok(mut m) = self.exemptions.lock() {
            m.insert((rule.into(), arn.into()), e);
        }
    }
}

#[async_trait]
impl SettingsStore for MemorySettings {
    async fn mode(&self, rule: &str) -> Result<Option<Mode>, PortError> {
        Ok(self.modes.lock().map_err(|_| poisoned())?.get(rule).copied())
    }
    async fn exemption(&self, rule: &str, arn: &str) -> Result<Option<Exemption>, PortError> {
        Ok(self
            .exemptions
            .lock()
            .map_err(|_| poisoned())?
            .get(&(rule.to_string(), arn.to_string()))
            .cloned())
    }
}

/// A ledger kept in memory for the length of one process.
#[derive(Default)]
pub struct MemoryLedger {
    claims: Mutex<HashSet<String>>,
    records: Mutex<Vec<LedgerRecord>>,
}

impl MemoryLedger {
    pub fn records(&self) -> Vec<LedgerRecord> {
        self.records.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Ledger for MemoryLedger {
    async fn claim(&self, key: &str) -> Result<bool, PortError> {
        Ok(self.claims.lock().map_err(|_| poisoned())?.insert(key.to_string()))
    }
    async fn release(&self, key: &str) -> Result<(), PortError> {
        self.claims.lock().map_err(|_| poisoned())?.remove(key);
        Ok(())
    }
    async fn record(&self, record: &LedgerRecord) -> Result<(), PortError> {
        self.records.lock().map_err(|_| poisoned())?.push(record.clone());
        Ok(())
    }
    async fn get(&self, id: &str) -> Result<Option<LedgerRecord>, PortError> {
        Ok(self
            .records
            .lock()
            .map_err(|_| poisoned())?
            .iter()
            .find(|r| r.id == id)
            .cloned())
    }
    async fn list(&self) -> Result<Vec<LedgerRecord>, PortError> {
        Ok(self.records.lock().map_err(|_| poisoned())?.clone())
    }
}

/// Keeps every notice it is given (for `scan`, which sends none, and for tests).
#[derive(Default)]
pub struct RecordingNotifier {
    notices: Mutex<Vec<Notice>>,
}

impl RecordingNotifier {
    pub fn notices(&self) -> Vec<Notice> {
        self.notices.lock().map(|n| n.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Notifier for RecordingNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), PortError> {
        self.notices.lock().map_err(|_| poisoned())?.push(notice.clone());
        Ok(())
    }
}

/// Records `PutEvaluations` calls. Stands in for AWS Config where the real call
/// can't be made (moto answers it only in TestMode), and for scans.
#[derive(Default)]
pub struct RecordingReporter {
    calls: Mutex<Vec<(String, Vec<Evaluation>)>>,
}

impl RecordingReporter {
    pub fn calls(&self) -> Vec<(String, Vec<Evaluation>)> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl ComplianceReporter for RecordingReporter {
    async fn put_evaluations(&self, token: &str, evaluations: &[Evaluation]) -> Result<(), PortError> {
        self.calls
            .lock()
            .map_err(|_| poisoned())?
            .push((token.to_string(), evaluations.to_vec()));
        Ok(())
    }
}
