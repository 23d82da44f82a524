//! In-process implementations of every port: the settings, ledger, notifier and
//! reporter (for the CLI when no stack is deployed, for `scan`, which records
//! nothing, and for tests), and a world of resources held in memory (the reader,
//! lister and remediator, whose changes are the actions' own simulations), with
//! fault switches for tests.
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};

use crate::error::PortError;
use crate::kinds::{Action, Facet, ResourceKind, ResourceRef, Snapshot};
use crate::ledger::LedgerRecord;
use crate::notice::Notice;
use crate::org::{ModeScope, Registry};
use crate::ports::{
    ComplianceReporter, Evaluation, Ledger, Listed, Notifier, Remediator, ResourceLister, ResourceReader,
    SettingsAdmin, SettingsStore,
};
use crate::settings::{Exemption, ExemptionEntry, ExemptionSource, Mode, ModeSetting};

fn poisoned() -> PortError {
    PortError::Unsupported("in-memory store lock poisoned".into())
}

/// Settings held in memory: each rule's default applies unless set here.
#[derive(Default)]
pub struct MemorySettings {
    modes: Mutex<BTreeMap<String, Mode>>,
    exemptions: Mutex<BTreeMap<(String, String), Exemption>>,
    scoped: Mutex<BTreeMap<(ModeScope, String), Mode>>,
    registry: Mutex<Option<Registry>>,
}

impl MemorySettings {
    pub fn with_modes(modes: impl IntoIterator<Item = (String, Mode)>) -> Self {
        Self {
            modes: Mutex::new(modes.into_iter().collect()),
            ..Self::default()
        }
    }
    /// Set a rule's mode for one account or OU.
    pub fn set_scoped(&self, rule: &str, scope: ModeScope, mode: Mode) {
        if let Ok(mut m) = self.scoped.lock() {
            m.insert((scope, rule.into()), mode);
        }
    }
    /// Hold `registry` as the organisation's accounts.
    pub fn set_registry(&self, registry: Registry) {
        if let Ok(mut r) = self.registry.lock() {
            *r = Some(registry);
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
impl SettingsAdmin for MemorySettings {
    async fn set_mode(&self, rule: &str, mode: Mode, _by: &str, _reason: &str) -> Result<(), PortError> {
        self.modes.lock().map_err(|_| poisoned())?.insert(rule.into(), mode);
        Ok(())
    }
    async fn put_exemption(
        &self,
        rule: &str,
        arn: &str,
        reason: &str,
        until: Option<NaiveDate>,
        by: &str,
    ) -> Result<(), PortError> {
        let e = Exemption {
            reason: reason.into(),
            until,
            source: ExemptionSource::Settings { by: Some(by.into()) },
        };
        self.exemptions
            .lock()
            .map_err(|_| poisoned())?
            .insert((rule.into(), arn.into()), e);
        Ok(())
    }
    async fn delete_exemption(&self, rule: &str, arn: &str) -> Result<bool, PortError> {
        Ok(self
            .exemptions
            .lock()
            .map_err(|_| poisoned())?
            .remove(&(rule.to_string(), arn.to_string()))
            .is_some())
    }
    async fn list_modes(&self) -> Result<Vec<ModeSetting>, PortError> {
        Ok(self
            .modes
            .lock()
            .map_err(|_| poisoned())?
            .iter()
            .map(|(rule, mode)| ModeSetting {
                rule: rule.clone(),
                mode: *mode,
                scope: None,
                updated_by: None,
                updated_at: None,
                reason: None,
            })
            .chain(
                self.scoped
                    .lock()
                    .map_err(|_| poisoned())?
                    .iter()
                    .map(|((scope, rule), mode)| ModeSetting {
                        rule: rule.clone(),
                        mode: *mode,
                        scope: Some(scope.clone()),
                        updated_by: None,
                        updated_at: None,
                        reason: None,
                    }),
            )
            .collect())
    }
    async fn set_scoped_mode(
        &self,
        rule: &str,
        scope: &ModeScope,
        mode: Mode,
        _by: &str,
        _reason: &str,
    ) -> Result<(), PortError> {
        self.scoped
            .lock()
            .map_err(|_| poisoned())?
            .insert((scope.clone(), rule.into()), mode);
        Ok(())
    }
    async fn put_registry(&self, registry: &Registry) -> Result<(), PortError> {
        *self.registry.lock().map_err(|_| poisoned())? = Some(registry.clone());
        Ok(())
    }
    async fn list_exemptions(&self) -> Result<Vec<ExemptionEntry>, PortError> {
        Ok(self
            .exemptions
            .lock()
            .map_err(|_| poisoned())?
            .iter()
            .map(|((rule, arn), e)| ExemptionEntry {
                rule: rule.clone(),
                resource_arn: arn.clone(),
                account: None,
                exemption: e.clone(),
                created_at: Some(Utc::now()),
            })
            .collect())
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
    async fn scoped_mode(&self, rule: &str, scope: &ModeScope) -> Result<Option<Mode>, PortError> {
        Ok(self
            .scoped
            .lock()
            .map_err(|_| poisoned())?
            .get(&(scope.clone(), rule.to_string()))
            .copied())
    }
    async fn registry(&self) -> Result<Option<Registry>, PortError> {
        Ok(self.registry.lock().map_err(|_| poisoned())?.clone())
    }
}

/// A ledger kept in memory for the length of one process.
#[derive(Default)]
pub struct MemoryLedger {
    claims: Mutex<HashSet<String>>,
    records: Mutex<Vec<LedgerRecord>>,
    /// Changes per (account, hour), for the per-account limit.
    changes: Mutex<BTreeMap<(String, String), u32>>,
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
    async fn count_change(&self, account: &str, hour: &str, max: u32) -> Result<bool, PortError> {
        let mut changes = self.changes.lock().map_err(|_| poisoned())?;
        let n = changes.entry((account.to_string(), hour.to_string())).or_insert(0);
        if *n >= max {
            return Ok(false);
        }
        *n += 1;
        Ok(true)
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

/// Makes the error a fault switch answers with.
pub type MakeError = fn() -> PortError;

/// Fault switches of a [`MemoryWorld`], for tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Every read fails with this error.
    pub read: Option<MakeError>,
    /// Every listing fails with this error.
    pub list: Option<MakeError>,
    /// Every apply fails with this error, changing nothing.
    pub apply: Option<MakeError>,
    /// Every apply changes the resource, then reports this error ("changed but
    /// reported failure").
    pub apply_changes_then: Option<MakeError>,
    /// Every apply reports success and changes nothing (a fix that doesn't verify).
    pub apply_ignored: bool,
    /// The resource vanishes when an action is about to be applied to it.
    pub vanish_on_apply: bool,
}

#[derive(Default)]
struct WorldState {
    resources: BTreeMap<ResourceRef, Snapshot>,
    faults: Faults,
    reads: Vec<(ResourceRef, Facet)>,
    applied: Vec<(ResourceRef, Action)>,
}

/// Resources held in memory: the reader reads their facets, the lister lists them,
/// the remediator applies actions with their own simulation (`ActionSpec::apply_to`).
/// Each resource is held as a full snapshot (every facet read).
#[derive(Default)]
pub struct MemoryWorld {
    state: Mutex<WorldState>,
}

impl MemoryWorld {
    fn with<T>(&self, f: impl FnOnce(&mut WorldState) -> T) -> Result<T, PortError> {
        self.state.lock().map(|mut s| f(&mut s)).map_err(|_| poisoned())
    }
    /// Put (or replace) a resource.
    pub fn insert(&self, r: ResourceRef, s: impl Into<Snapshot>) {
        let _ = self.with(|w| w.resources.insert(r, s.into()));
    }
    /// The resource as it is now.
    pub fn get(&self, r: &ResourceRef) -> Option<Snapshot> {
        self.with(|w| w.resources.get(r).cloned()).ok().flatten()
    }
    /// The resource vanishes.
    pub fn remove(&self, r: &ResourceRef) {
        let _ = self.with(|w| w.resources.remove(r));
    }
    pub fn set_faults(&self, faults: Faults) {
        let _ = self.with(|w| w.faults = faults);
    }
    /// Every facet read, in order.
    pub fn reads(&self) -> Vec<(ResourceRef, Facet)> {
        self.with(|w| w.reads.clone()).unwrap_or_default()
    }
    /// Every action applied, in order.
    pub fn applied(&self) -> Vec<(ResourceRef, Action)> {
        self.with(|w| w.applied.clone()).unwrap_or_default()
    }
}

fn gone(r: &ResourceRef) -> PortError {
    PortError::NotFound { what: r.to_string() }
}

#[async_trait]
impl ResourceReader for MemoryWorld {
    async fn fill(&self, r: &ResourceRef, snapshot: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        self.with(|w| {
            if let Some(make) = w.faults.read {
                return Err(make());
            }
            let stored = w.resources.get(r).ok_or_else(|| gone(r))?;
            for f in facets {
                if !snapshot.has(*f) {
                    snapshot.copy_facet(stored, *f);
                    w.reads.push((r.clone(), *f));
                }
            }
            Ok(())
        })?
    }
}

#[async_trait]
impl ResourceLister for MemoryWorld {
    async fn list(&self, kind: ResourceKind, account: &str, _region: &str) -> Result<Vec<Listed>, PortError> {
        self.with(|w| {
            if let Some(make) = w.faults.list {
                return Err(make());
            }
            Ok(w.resources
                .keys()
                .filter(|r| r.kind == kind && r.account == account)
                .cloned()
                .map(Listed::bare)
                .collect())
        })?
    }
}

#[async_trait]
impl Remediator for MemoryWorld {
    async fn apply(&self, r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        self.with(|w| {
            if let Some(make) = w.faults.apply {
                return Err(make());
            }
            if w.faults.vanish_on_apply {
                w.resources.remove(r);
            }
            let stored = w.resources.get_mut(r).ok_or_else(|| gone(r))?;
            if w.faults.apply_ignored {
                return Ok(());
            }
            action.apply_to(stored);
            w.applied.push((r.clone(), action.clone()));
            match w.faults.apply_changes_then {
                Some(make) => Err(make()),
                None => Ok(()),
            }
        })?
    }
}
