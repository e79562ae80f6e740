//! Contact-center metrics of calls and live chats in queues ([contract](crate::contract) "Contact center").
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use csm_metrics::metrics::calls::CallCenter;
//! use csm_metrics::{AgentId, Calculator, Call, CallId, QueueId};
//!
//! let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
//! let s = |x| t0 + TimeDelta::seconds(x);
//! let call = |id, answered: Option<i64>, ended| Call {
//!     id: CallId(id), queue: QueueId(1), offered_at: t0, answered_at: answered.map(s),
//!     ended_at: s(ended), hold: 0, wrap: if answered.is_some() { 30 } else { 0 },
//!     agent: answered.map(|_| AgentId(1)),
//!     customer: None, transferred: false,
//! };
//! let mut queue = CallCenter::default();
//! queue.observe(&call(1, Some(10), 310))?; // answered in 10 s, 300 s talk + 30 s wrap
//! queue.observe(&call(2, Some(40), 140))?; // answered in 40 s
//! queue.observe(&call(3, None, 3))?; // hung up after 3 s: a short abandon
//! queue.observe(&call(4, None, 60))?; // abandoned after 60 s
//! let r = queue.snapshot();
//! // Service level: 1 answered within 20 s / (4 offered − 1 short abandon).
//! assert_eq!(r.service_level, Some(1.0 / 3.0));
//! assert_eq!(r.abandonment_rate, Some(1.0 / 3.0));
//! assert_eq!(r.asa.mean, Some(25.0));
//! assert_eq!(r.aht.mean, Some(230.0)); // (330 + 130) / 2
//! # Ok::<(), csm_metrics::Error>(())
//! ```

use crate::calculator::Calculator;
use crate::error::{Error, Result};
use crate::model::Call;
use crate::stats::{DurationSnapshot, DurationSummary};

const WHAT: &str = "call center";

/// Which calls the service level divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ServiceLevelBase {
    /// Offered calls less short abandons (the default).
    #[default]
    OfferedLessShortAbandons,
    /// Answered calls only.
    Answered,
    /// Answered calls plus calls abandoned after the answer-time target.
    AnsweredAndLateAbandons,
}

/// How a [`CallCenter`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CallConfig {
    /// A call abandoned less than this many seconds after it was offered is a short
    /// abandon (default 5): it leaves both rates' numerators and denominators.
    pub short_abandon: u64,
    /// The answer-time target of the service level, seconds (default 20); answered within
    /// means a wait of at most this.
    pub answer_target: u64,
    /// The service level's denominator.
    pub base: ServiceLevelBase,
}

impl Default for CallConfig {
    fn default() -> Self {
        CallConfig {
            short_abandon: 5,
            answer_target: 20,
            base: ServiceLevelBase::default(),
        }
    }
}

/// Offered, answered, abandoned and short-abandoned calls; ASA and handle time summaries;
/// service level, abandonment, hold and transfer rates.
///
/// Definitions: the wait of an answered call is answered − offered; AHT is talk + hold +
/// after-call work, that is (ended − answered) + wrap, since `hold` lies inside the
/// connected time; abandonment rate = abandons after the short-abandon threshold /
/// (offered − short abandons); hold rate and transfer rate are over answered calls.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(remote = "Self"))]
pub struct CallCenter {
    config: CallConfig,
    offered: u64,
    answered: u64,
    abandoned: u64,
    short_abandons: u64,
    answered_within: u64,
    late_abandons: u64,
    held: u64,
    transferred: u64,
    hold_seconds: u64,
    wrap_seconds: u64,
    wait: DurationSummary,
    handle: DurationSummary,
    #[cfg_attr(feature = "serde", serde(skip))]
    epoch: crate::zone::EpochCache,
}

/// What a [`CallCenter`] reports. Rates are fractions `0..=1`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CallSnapshot {
    /// The configuration.
    pub config: CallConfig,
    /// Calls offered.
    pub offered: u64,
    /// Calls answered.
    pub answered: u64,
    /// Calls abandoned (short abandons included).
    pub abandoned: u64,
    /// Calls abandoned before the short-abandon threshold.
    pub short_abandons: u64,
    /// Calls answered within the target.
    pub answered_within_target: u64,
    /// Answered within the target / the configured base.
    pub service_level: Option<f64>,
    /// Abandons past the threshold / (offered − short abandons).
    pub abandonment_rate: Option<f64>,
    /// The wait of answered calls (ASA is its mean), seconds.
    pub asa: DurationSnapshot,
    /// Handle time of answered calls (AHT is its mean), seconds.
    pub aht: DurationSnapshot,
    /// Mean hold per answered call, seconds.
    pub mean_hold: Option<f64>,
    /// Mean after-call work per answered call, seconds.
    pub mean_wrap: Option<f64>,
    /// Answered calls put on hold / answered.
    pub hold_rate: Option<f64>,
    /// Answered calls transferred / answered.
    pub transfer_rate: Option<f64>,
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

impl CallCenter {
    /// A calculator with the given configuration.
    pub fn new(config: CallConfig) -> Self {
        CallCenter {
            config,
            ..CallCenter::default()
        }
    }
}

impl CallCenter {
    /// The state in a compact binary form, appended to `out`: for engines that carry
    /// states between processes in a byte column (the DataFusion integration does).
    /// [`from_bytes`](Self::from_bytes) reads it back, equal.
    ///
    /// Layout (little-endian): magic `CSMC`, version `1`; the configuration (short-abandon
    /// threshold and answer target `u64`, service-level base `u8`: 0 offered less short
    /// abandons, 1 answered, 2 answered and late abandons); the ten counters offered,
    /// answered, abandoned, short abandons, answered within target, late abandons, held,
    /// transferred, hold seconds, wrap seconds (`u64`); then the wait and handle summaries,
    /// each as a `u32` length and [`DurationSummary::to_bytes`](crate::DurationSummary::to_bytes);
    /// an FNV-1a 64 checksum of all that (`u64`).
    ///
    /// ```
    /// use csm_metrics::metrics::calls::CallCenter;
    ///
    /// let c = CallCenter::default();
    /// let mut bytes = Vec::new();
    /// c.to_bytes(&mut bytes)?;
    /// assert_eq!(CallCenter::from_bytes(&bytes)?, c);
    /// # Ok::<(), csm_metrics::Error>(())
    /// ```
    pub fn to_bytes(&self, out: &mut Vec<u8>) -> Result<()> {
        let mut w = crate::stats::codec::Writer(out);
        let start = w.header(crate::stats::codec::CALLS);
        w.u64(self.config.short_abandon);
        w.u64(self.config.answer_target);
        w.u8(match self.config.base {
            ServiceLevelBase::OfferedLessShortAbandons => 0,
            ServiceLevelBase::Answered => 1,
            ServiceLevelBase::AnsweredAndLateAbandons => 2,
        });
        for v in [
            self.offered,
            self.answered,
            self.abandoned,
            self.short_abandons,
            self.answered_within,
            self.late_abandons,
            self.held,
            self.transferred,
            self.hold_seconds,
            self.wrap_seconds,
        ] {
            w.u64(v);
        }
        for summary in [&self.wait, &self.handle] {
            let mut bytes = Vec::new();
            summary.to_bytes(&mut bytes)?;
            w.bytes(&bytes)?;
        }
        w.seal(start);
        Ok(())
    }

    /// Reads a state written by [`to_bytes`](Self::to_bytes), checking the same rules as
    /// [`validate`](Self::validate); an error ([`Error::CorruptState`]) for anything
    /// damaged or left over.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = crate::stats::codec::Reader::new(bytes, WHAT)?;
        r.header(crate::stats::codec::CALLS)?;
        let short_abandon = r.u64()?;
        let answer_target = r.u64()?;
        let base = match r.u8()? {
            0 => ServiceLevelBase::OfferedLessShortAbandons,
            1 => ServiceLevelBase::Answered,
            2 => ServiceLevelBase::AnsweredAndLateAbandons,
            b => return Err(Error::corrupt(WHAT, format!("service-level base {b}"))),
        };
        let mut counts = [0u64; 10];
        for c in &mut counts {
            *c = r.u64()?;
        }
        let wait = DurationSummary::from_bytes(r.bytes()?)?;
        let handle = DurationSummary::from_bytes(r.bytes()?)?;
        r.finish()?;
        let [
            offered,
            answered,
            abandoned,
            short_abandons,
            answered_within,
            late_abandons,
            held,
            transferred,
            hold_seconds,
            wrap_seconds,
        ] = counts;
        let c = CallCenter {
            config: CallConfig {
                short_abandon,
                answer_target,
                base,
            },
            offered,
            answered,
            abandoned,
            short_abandons,
            answered_within,
            late_abandons,
            held,
            transferred,
            hold_seconds,
            wrap_seconds,
            wait,
            handle,
            epoch: Default::default(),
        };
        c.validate()?;
        Ok(c)
    }

    /// Checks that the counts of a state agree with each other (what a deserialised state
    /// must satisfy).
    pub fn validate(&self) -> Result<()> {
        let bad = |rule: &str| Err(Error::corrupt(WHAT, rule.to_string()));
        if self.answered.checked_add(self.abandoned) != Some(self.offered) {
            return bad("answered and abandoned calls do not add up to the offered ones");
        }
        if self.short_abandons + self.late_abandons > self.abandoned {
            return bad("more short and late abandons than abandons");
        }
        if self.answered_within > self.answered
            || self.held > self.answered
            || self.transferred > self.answered
        {
            return bad("more calls answered in time, held or transferred than answered");
        }
        if self.wait.count() != self.answered || self.handle.count() != self.answered {
            return bad("wait or handle times that do not match the answered calls");
        }
        Ok(())
    }
}

#[cfg(feature = "serde")]
validated_serde!(CallCenter);

impl Calculator for CallCenter {
    type Record = Call;
    type Snapshot = CallSnapshot;

    #[inline]
    fn observe(&mut self, c: &Call) -> Result<()> {
        let offered = self.epoch.seconds(&c.offered_at);
        let ended = self.epoch.seconds(&c.ended_at);
        // Whole seconds prove most calls valid at once (strictly ordered instants, a hold
        // below the connected time); ties and close holds get the full check.
        let answered_s = c.answered_at.map(|a| self.epoch.seconds(&a));
        let surely_valid = match answered_s {
            Some(a) => {
                a > offered && ended > a && (c.hold == 0 || c.hold <= (ended - a - 1) as u64)
            }
            None => ended > offered && c.agent.is_none() && c.hold == 0 && c.wrap == 0,
        };
        if !surely_valid {
            c.validate()?;
        }
        let offered_count = self
            .offered
            .checked_add(1)
            .ok_or(Error::Overflow { what: WHAT })?;
        match answered_s {
            Some(answered) => {
                // The instants are ordered (checked above): these differences are not
                // negative.
                let wait = (answered - offered) as u64;
                let overflow = || Error::Overflow { what: WHAT };
                let handle = ((ended - answered) as u64)
                    .checked_add(c.wrap)
                    .ok_or_else(overflow)?;
                let hold_seconds = self.hold_seconds.checked_add(c.hold).ok_or_else(overflow)?;
                let wrap_seconds = self.wrap_seconds.checked_add(c.wrap).ok_or_else(overflow)?;
                self.wait.add(wait)?;
                if let Err(e) = self.handle.add(handle) {
                    let _ = self.wait.remove(wait);
                    return Err(e);
                }
                self.answered += 1;
                self.answered_within += u64::from(wait <= self.config.answer_target);
                self.held += u64::from(c.hold > 0);
                self.transferred += u64::from(c.transferred);
                self.hold_seconds = hold_seconds;
                self.wrap_seconds = wrap_seconds;
            }
            None => {
                let waited = (ended - offered) as u64;
                self.abandoned += 1;
                if waited < self.config.short_abandon {
                    self.short_abandons += 1;
                } else if waited > self.config.answer_target {
                    self.late_abandons += 1;
                }
            }
        }
        self.offered = offered_count;
        Ok(())
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        if self.config != other.config {
            if other.offered == 0 {
                return Ok(());
            }
            if self.offered != 0 {
                return Err(Error::incompatible(
                    WHAT,
                    format!("{:?} against {:?}", self.config, other.config),
                ));
            }
            self.config = other.config;
        }
        let mut wait = self.wait.clone();
        wait.merge(&other.wait)?;
        let mut handle = self.handle.clone();
        handle.merge(&other.handle)?;
        let add = |a: u64, b: u64| a.checked_add(b).ok_or(Error::Overflow { what: WHAT });
        let offered = add(self.offered, other.offered)?;
        self.wait = wait;
        self.handle = handle;
        self.offered = offered;
        self.answered += other.answered;
        self.abandoned += other.abandoned;
        self.short_abandons += other.short_abandons;
        self.answered_within += other.answered_within;
        self.late_abandons += other.late_abandons;
        self.held += other.held;
        self.transferred += other.transferred;
        self.hold_seconds += other.hold_seconds;
        self.wrap_seconds += other.wrap_seconds;
        Ok(())
    }

    fn snapshot(&self) -> CallSnapshot {
        let base = match self.config.base {
            ServiceLevelBase::OfferedLessShortAbandons => self.offered - self.short_abandons,
            ServiceLevelBase::Answered => self.answered,
            ServiceLevelBase::AnsweredAndLateAbandons => self.answered + self.late_abandons,
        };
        CallSnapshot {
            config: self.config,
            offered: self.offered,
            answered: self.answered,
            abandoned: self.abandoned,
            short_abandons: self.short_abandons,
            answered_within_target: self.answered_within,
            service_level: ratio(self.answered_within, base),
            abandonment_rate: ratio(
                self.abandoned - self.short_abandons,
                self.offered - self.short_abandons,
            ),
            asa: self.wait.snapshot(),
            aht: self.handle.snapshot(),
            mean_hold: ratio(self.hold_seconds, self.answered),
            mean_wrap: ratio(self.wrap_seconds, self.answered),
            hold_rate: ratio(self.held, self.answered),
            transfer_rate: ratio(self.transferred, self.answered),
        }
    }
}

/// The default first-contact-resolution window: 7 days.
pub const DEFAULT_FCR_WINDOW: u64 = 7 * 86_400;

/// First contact resolution: answered contacts with no further contact from the same
/// customer within a window (7 days by default) / answered contacts judged.
///
/// Streaming, in time order per customer: an answered contact waits for its verdict until
/// the customer calls again within the window (not resolved) or the window passes (resolved,
/// settled by [`settle`](Self::settle) or at a snapshot's "as of" instant). Memory holds one
/// entry per customer with an answered contact in the last window; `settle` releases the
/// older ones. Contacts without a customer cannot be judged and are counted apart.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use csm_metrics::metrics::calls::FirstContactResolution;
/// use csm_metrics::{AgentId, Call, CallId, CustomerId, QueueId};
///
/// let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
/// let call = |id, customer, day: i64| Call {
///     id: CallId(id), queue: QueueId(1), offered_at: t0 + TimeDelta::days(day),
///     answered_at: Some(t0 + TimeDelta::days(day)),
///     ended_at: t0 + TimeDelta::days(day) + TimeDelta::minutes(5),
///     hold: 0, wrap: 0, agent: Some(AgentId(1)), customer: Some(CustomerId(customer)),
///     transferred: false,
/// };
/// let mut fcr = FirstContactResolution::default();
/// fcr.observe(&call(1, 7, 0))?; // customer 7 calls …
/// fcr.observe(&call(2, 7, 2))?; // … and again two days later: the first was not resolved
/// fcr.observe(&call(3, 8, 0))?; // customer 8 calls once
/// let s = fcr.snapshot_at(t0 + TimeDelta::days(20));
/// // Judged: call 1 (repeat), call 2 and call 3 (no contact within 7 days).
/// assert_eq!((s.resolved, s.repeated), (2, 1));
/// assert_eq!(s.rate, Some(2.0 / 3.0));
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "FcrRepr", into = "FcrRepr"))]
pub struct FirstContactResolution {
    window: u64,
    /// Customers whose last answered contact awaits its verdict: its end instant.
    pending: std::collections::HashMap<crate::model::CustomerId, i64, crate::aggregate::FastHash>,
    resolved: u64,
    repeated: u64,
    no_customer: u64,
    /// The latest instant seen (a contact's end), which dates [`Calculator::snapshot`].
    latest: i64,
    epoch: crate::zone::EpochCache,
}

/// The stored form of [`FirstContactResolution`]: pending contacts sorted by customer.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FcrRepr {
    window: u64,
    pending: Vec<(crate::model::CustomerId, i64)>,
    resolved: u64,
    repeated: u64,
    no_customer: u64,
    #[serde(default = "no_instant")]
    latest: i64,
}

#[cfg(feature = "serde")]
fn no_instant() -> i64 {
    i64::MIN
}

#[cfg(feature = "serde")]
impl From<FirstContactResolution> for FcrRepr {
    fn from(f: FirstContactResolution) -> Self {
        let mut pending: Vec<_> = f.pending.into_iter().collect();
        pending.sort_unstable();
        FcrRepr {
            window: f.window,
            pending,
            resolved: f.resolved,
            repeated: f.repeated,
            no_customer: f.no_customer,
            latest: f.latest,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<FcrRepr> for FirstContactResolution {
    type Error = Error;
    fn try_from(r: FcrRepr) -> Result<Self> {
        let mut f = FirstContactResolution::new(r.window);
        for (customer, ended) in r.pending {
            if chrono::DateTime::from_timestamp(ended, 0).is_none() {
                return Err(Error::corrupt(
                    WHAT,
                    format!("{customer}: an instant out of range"),
                ));
            }
            if f.pending.insert(customer, ended).is_some() {
                return Err(Error::corrupt(WHAT, format!("{customer} pending twice")));
            }
        }
        if r.resolved.checked_add(r.repeated).is_none() {
            return Err(Error::corrupt(WHAT, "counts out of range".to_string()));
        }
        (f.resolved, f.repeated, f.no_customer) = (r.resolved, r.repeated, r.no_customer);
        if r.latest != i64::MIN && chrono::DateTime::from_timestamp(r.latest, 0).is_none() {
            return Err(Error::corrupt(WHAT, "an instant out of range".to_string()));
        }
        f.latest = r.latest;
        Ok(f)
    }
}

impl Default for FirstContactResolution {
    fn default() -> Self {
        FirstContactResolution::new(DEFAULT_FCR_WINDOW)
    }
}

/// What [`FirstContactResolution`] reports at an instant.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FcrSnapshot {
    /// The window, seconds.
    pub window: u64,
    /// Answered contacts with no further contact within the window.
    pub resolved: u64,
    /// Answered contacts followed by another contact within the window.
    pub repeated: u64,
    /// Answered contacts still inside their window.
    pub pending: u64,
    /// Contacts without a customer (not judged).
    pub no_customer: u64,
    /// resolved / (resolved + repeated).
    pub rate: Option<f64>,
}

impl FirstContactResolution {
    /// A calculator with a window of `window` seconds.
    pub fn new(window: u64) -> Self {
        FirstContactResolution {
            window,
            pending: Default::default(),
            resolved: 0,
            repeated: 0,
            no_customer: 0,
            latest: i64::MIN,
            epoch: Default::default(),
        }
    }

    /// Nothing observed.
    fn is_empty(&self) -> bool {
        self.pending.is_empty()
            && self.resolved + self.repeated + self.no_customer == 0
            && self.latest == i64::MIN
    }

    fn window(&self) -> i64 {
        i64::try_from(self.window).unwrap_or(i64::MAX)
    }

    /// Observes a contact (in time order per customer).
    pub fn observe(&mut self, c: &Call) -> Result<()> {
        c.validate()?;
        self.latest = self.latest.max(c.ended_at.timestamp());
        let Some(customer) = c.customer else {
            self.no_customer += 1;
            return Ok(());
        };
        let offered = self.epoch.seconds(&c.offered_at);
        if let Some(ended) = self.pending.remove(&customer) {
            if offered.saturating_sub(ended) <= self.window() {
                self.repeated += 1;
            } else {
                self.resolved += 1;
            }
        }
        if c.answered_at.is_some() {
            let ended = self.epoch.seconds(&c.ended_at);
            self.pending.insert(customer, ended);
        }
        Ok(())
    }

    /// Judges every pending contact whose window ended by `as_of` (resolved), releasing
    /// its memory.
    pub fn settle(&mut self, as_of: chrono::DateTime<chrono::Utc>) {
        let t = as_of.timestamp();
        let window = self.window();
        let before = self.pending.len();
        self.pending
            .retain(|_, ended| t.saturating_sub(*ended) <= window);
        self.resolved += (before - self.pending.len()) as u64;
    }

    /// Merges the state of another shard of customers (disjoint); a customer pending in
    /// both is an error. An empty state takes the other's window.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if other.is_empty() {
            return Ok(());
        }
        if self.is_empty() {
            *self = other.clone();
            return Ok(());
        }
        if self.window != other.window {
            return Err(Error::incompatible(WHAT, "FCR windows differ"));
        }
        if let Some(c) = other.pending.keys().find(|c| self.pending.contains_key(c)) {
            return Err(Error::incompatible(
                WHAT,
                format!("{c} is pending in both shards"),
            ));
        }
        self.pending
            .extend(other.pending.iter().map(|(k, v)| (*k, *v)));
        self.resolved += other.resolved;
        self.repeated += other.repeated;
        self.no_customer += other.no_customer;
        self.latest = self.latest.max(other.latest);
        Ok(())
    }

    /// The figures at `as_of`: pending contacts whose window has passed count as resolved.
    pub fn snapshot_at(&self, as_of: chrono::DateTime<chrono::Utc>) -> FcrSnapshot {
        let t = as_of.timestamp();
        let window = self.window();
        let settled = self
            .pending
            .values()
            .filter(|ended| t.saturating_sub(**ended) > window)
            .count() as u64;
        let resolved = self.resolved + settled;
        FcrSnapshot {
            window: self.window,
            resolved,
            repeated: self.repeated,
            pending: self.pending.len() as u64 - settled,
            no_customer: self.no_customer,
            rate: ratio(resolved, resolved + self.repeated),
        }
    }
}

impl Calculator for FirstContactResolution {
    type Record = Call;
    type Snapshot = FcrSnapshot;

    fn observe(&mut self, call: &Call) -> Result<()> {
        FirstContactResolution::observe(self, call)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        FirstContactResolution::merge(self, other)
    }

    /// The figures at the latest instant seen (the end of the latest contact).
    fn snapshot(&self) -> FcrSnapshot {
        let as_of = chrono::DateTime::from_timestamp(self.latest, 0).unwrap_or_default();
        self.snapshot_at(as_of)
    }
}
