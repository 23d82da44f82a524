//! What every kind module declares: the [`Kind`] it is, and for each action one
//! [`ActionSpec`] holding the whole truth about it (name, permissions, the facet it
//! writes, its undo, its description, and its effect as a pure simulation).
//!
//! The `kind_actions!` macro turns a kind's list of action
//! structs into its `Action` enum and the few exhaustive matches that delegate to
//! each spec, so adding an action is one struct, one `impl ActionSpec` and one entry
//! in that list; leaving any of them out fails to compile.
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Facet, ResourceKind, Snapshot};

/// One kind of resource, seen from the code that is generic over kinds (the typed
/// rule trait, the conformance test). Implemented by each kind module's marker type.
pub trait Kind: 'static {
    const KIND: ResourceKind;
    /// The kind's snapshot (e.g. `s3_bucket::Snapshot`).
    type Snapshot: Clone + fmt::Debug + PartialEq + Send + Sync + Into<Snapshot> + 'static;
    /// The kind's fieldless facet enum.
    type Facet: Copy + fmt::Debug + Eq + Into<Facet> + 'static;
    /// The kind's action enum.
    type Action: Clone + fmt::Debug + Into<super::Action>;
    /// The kind's own snapshot inside a crate-wide one, if it is of this kind.
    fn project(s: &Snapshot) -> Option<&Self::Snapshot>;
    /// The same, mutably.
    fn project_mut(s: &mut Snapshot) -> Option<&mut Self::Snapshot>;
}

/// How an action is undone, known statically (the Slack buttons' permission list
/// needs no sample actions).
#[derive(Debug, Clone, Copy)]
pub enum Undo {
    /// Undone by one of these actions (which one depends on the state it replaced).
    By(&'static [ActionInfo]),
    /// AWS offers no way to restore the state exactly; why.
    Irreversible(&'static str),
}

/// The static facts of one action, for rules to declare their actions typed and
/// for everything derived from them (permissions, the template meta-test).
#[derive(Clone, Copy)]
pub struct ActionInfo {
    pub kind: ResourceKind,
    /// The serialized name (`"PutBucketPublicAccessBlock"`), as ledger records hold it.
    pub name: &'static str,
    /// The IAM actions the adapter calls to apply it.
    pub permissions: &'static [&'static str],
    /// The facet it writes.
    pub writes: Facet,
    /// How it is undone. A function, so that two actions undoing each other can
    /// name each other without a cycle between constants.
    pub undo: fn() -> Undo,
}

impl ActionInfo {
    pub fn undo(&self) -> Undo {
        (self.undo)()
    }
    /// Whether AWS can restore what the action replaced.
    pub fn reversible(&self) -> bool {
        matches!(self.undo(), Undo::By(_))
    }
}

impl fmt::Debug for ActionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionInfo")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("permissions", &self.permissions)
            .field("writes", &self.writes)
            .finish()
    }
}

/// Two infos are the same action when kind and name are.
impl PartialEq for ActionInfo {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.name == other.name
    }
}
impl Eq for ActionInfo {}

/// The undo of an action type, as a plain function (see [`ActionInfo::undo`]).
pub fn undo_of<A: ActionSpec>() -> Undo {
    A::UNDO
}

/// The whole truth about one action, in one `impl`.
pub trait ActionSpec: Clone + Into<<Self::Kind as Kind>::Action> {
    type Kind: Kind;
    /// The serialized name; never changes (ledger records hold it).
    const NAME: &'static str;
    /// The IAM actions the adapter calls to apply it.
    const PERMISSIONS: &'static [&'static str];
    /// The facet it writes.
    const WRITES: <Self::Kind as Kind>::Facet;
    /// How it is undone; [`ActionSpec::undo`] must agree (a unit test checks it).
    const UNDO: Undo;
    /// One line for people: what the action changes.
    fn describe(&self) -> String;
    /// The action that restores the state this one replaced, when AWS allows it.
    fn undo(&self) -> Option<<Self::Kind as Kind>::Action>;
    /// Whether the state this action establishes is what `s` shows (`None` when the
    /// facet it writes was not read). Undo uses it twice: to refuse when the resource
    /// changed since the fix, and to verify the undo.
    fn holds_in(&self, s: &<Self::Kind as Kind>::Snapshot) -> Option<bool>;
    /// The action's effect on a snapshot, as a pure simulation: powers the in-memory
    /// remediator and the conformance test. Afterwards `holds_in` is `Some(true)`.
    fn apply_to(&self, s: &mut <Self::Kind as Kind>::Snapshot);
}

/// A facet that may not have been read yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "read", content = "value", rename_all = "snake_case")]
pub enum Read<T> {
    #[default]
    NotRead,
    Value(T),
}

impl<T> Read<T> {
    pub fn get(&self) -> Option<&T> {
        match self {
            Read::NotRead => None,
            Read::Value(v) => Some(v),
        }
    }
    pub fn get_mut(&mut self) -> Option<&mut T> {
        match self {
            Read::NotRead => None,
            Read::Value(v) => Some(v),
        }
    }
    pub fn is_read(&self) -> bool {
        matches!(self, Read::Value(_))
    }
    pub fn is_not_read(&self) -> bool {
        !self.is_read()
    }
}

/// A kind's `Action` enum from its list of action structs, with the exhaustive
/// matches that delegate to each struct's [`ActionSpec`], its `INFO` constants and
/// the conversions into the kind's and the crate's `Action`.
///
/// ```ignore
/// kind_actions!(S3Bucket; PutBucketPublicAccessBlock, DeleteBucketPublicAccessBlock, ...);
/// ```
/// (used by the kind modules through `super::kind_actions`).
/// The first argument names both the kind's marker type and its variant in the
/// crate-wide `Facet` and `Action`. The enum is tagged `"action"`, each variant
/// named as its struct: the JSON is `{"action": "<Name>", <the struct's fields>}`.
macro_rules! kind_actions {
    ($kind:ident; $($name:ident),+ $(,)?) => {
        /// Every action on this kind, one variant per action.
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "action")]
        pub enum Action {
            $($name($name)),+
        }

        impl Action {
            /// Every action of the kind.
            pub const ALL: &'static [$crate::kinds::ActionInfo] = &[$($name::INFO),+];

            pub fn info(&self) -> $crate::kinds::ActionInfo {
                match self {
                    $(Action::$name(_) => $name::INFO),+
                }
            }
            pub fn describe(&self) -> String {
                match self {
                    $(Action::$name(a) => $crate::kinds::ActionSpec::describe(a)),+
                }
            }
            pub fn undo(&self) -> Option<Action> {
                match self {
                    $(Action::$name(a) => $crate::kinds::ActionSpec::undo(a)),+
                }
            }
            pub fn holds_in(&self, s: &Snapshot) -> Option<bool> {
                match self {
                    $(Action::$name(a) => $crate::kinds::ActionSpec::holds_in(a, s)),+
                }
            }
            pub fn apply_to(&self, s: &mut Snapshot) {
                match self {
                    $(Action::$name(a) => $crate::kinds::ActionSpec::apply_to(a, s)),+
                }
            }
        }

        $(
            impl $name {
                pub const INFO: $crate::kinds::ActionInfo = $crate::kinds::ActionInfo {
                    kind: $crate::kinds::ResourceKind::$kind,
                    name: <$name as $crate::kinds::ActionSpec>::NAME,
                    permissions: <$name as $crate::kinds::ActionSpec>::PERMISSIONS,
                    writes: $crate::kinds::Facet::$kind(<$name as $crate::kinds::ActionSpec>::WRITES),
                    undo: $crate::kinds::undo_of::<$name>,
                };
            }
            impl From<$name> for Action {
                fn from(a: $name) -> Action {
                    Action::$name(a)
                }
            }
            impl From<$name> for $crate::kinds::Action {
                fn from(a: $name) -> $crate::kinds::Action {
                    $crate::kinds::Action::$kind(Action::$name(a))
                }
            }
        )+

        impl From<Action> for $crate::kinds::Action {
            fn from(a: Action) -> $crate::kinds::Action {
                $crate::kinds::Action::$kind(a)
            }
        }
    };
}

pub(crate) use kind_actions;
