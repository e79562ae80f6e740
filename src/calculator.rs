//! The one shape every calculator has.

use crate::error::Result;

/// A calculator: observe records, merge another state of its kind, read a snapshot.
///
/// Every metric of the crate is a `Calculator`, and so are the wrappers that group
/// ([`Grouped`](crate::Grouped)) or window ([`Windowed`](crate::Windowed)) any calculator.
///
/// # The laws
/// For every calculator, for all states `a`, `b`, `c` and record streams `xs`, `ys`:
///
/// 1. **Identity**: `Default::default()` is the empty state, and merging it into `a`, or `a`
///    into it, gives `a`.
/// 2. **Associativity**: `(a ⊕ b) ⊕ c == a ⊕ (b ⊕ c)`.
/// 3. **Commutativity**: `a ⊕ b == b ⊕ a`.
/// 4. **Split-merge is one pass**: observing `xs` into one state and `ys` into another and
///    merging them gives the state of observing `xs` then `ys` into one. Shards computed on
///    other threads, machines or days therefore combine exactly.
/// 5. **Serde round trip** (feature `serde`): serialising and deserialising gives an equal
///    state; deserialising a state that breaks an invariant is an error, not a wrong number.
///
/// "Equal" is equality of snapshots (and of states, where the state implements
/// `PartialEq`). The crate's property tests check these laws for every calculator.
///
/// # Errors leave the state unchanged
/// [`observe`](Self::observe) rejects a bad record with an [`Error`](crate::Error) naming the
/// record and the rule, and the state is then exactly as before. [`merge`](Self::merge)
/// fails when the two states were configured differently (a 1 % sketch against a 2 % one);
/// an empty state merges with any configuration and adopts it.
pub trait Calculator: Default + Clone + Send {
    /// The record it observes.
    type Record: ?Sized;
    /// What it reports.
    type Snapshot;

    /// Observes one record. A bad record is an error and changes nothing.
    fn observe(&mut self, record: &Self::Record) -> Result<()>;

    /// Merges another state of the same kind into this one.
    fn merge(&mut self, other: &Self) -> Result<()>;

    /// Reads what the state reports now.
    fn snapshot(&self) -> Self::Snapshot;

    /// Observes every record of an iterator, stopping at the first error (records before
    /// it stay observed).
    fn observe_all<'a, I>(&mut self, records: I) -> Result<()>
    where
        I: IntoIterator<Item = &'a Self::Record>,
        Self::Record: 'a,
    {
        records.into_iter().try_for_each(|r| self.observe(r))
    }
}
