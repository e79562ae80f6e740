//! Exact, fast, mergeable customer-support metrics.
//!
//! `csm-metrics` turns a help desk's raw history (tickets and their interactions, calls,
//! survey responses, account events) into the numbers a support manager is judged by. It
//! has no I/O: you hand it typed records, it hands back numbers. Every calculator's state
//! merges with another of its kind, so shards computed on other threads, machines or days
//! combine into exactly the result of one pass.
//!
//! # Overview
//!
//! * **Records** ([`model`]): [`Ticket`], [`Interaction`], [`Call`], [`SurveyResponse`],
//!   [`AccountEvent`]; ids are distinct newtypes ([`TicketId`], [`AgentId`] …). Instants are
//!   `chrono::DateTime<Utc>`; durations are whole seconds (`u64`) everywhere.
//! * **One calculator shape** ([`Calculator`]): `observe` a record (a bad one is an
//!   [`Error`] naming the record and the rule, and changes nothing), `merge` another state,
//!   read a `snapshot`. `Default` is the empty state and the identity of merge.
//! * **Wrappers** that apply to any calculator: [`Grouped`] (per agent, team, queue,
//!   customer, or a key of your own) and [`Windowed`] (hour, day, ISO week, month, in any
//!   time zone).
//! * **Statistics blocks** ([`stats`]): exact [`DurationMoments`], [`Proportion`]s with
//!   Wilson intervals, a mergeable [`QuantileSketch`] with a relative-error guarantee,
//!   [`DurationBuckets`], the [`DurationSummary`] every time metric reports, and the
//!   [`SurvivalSketch`] (Kaplan-Meier on the sketch's bins) behind the censoring-aware
//!   first response and resolution figures: tickets still waiting count as "not yet
//!   after their age", so a cohort read early is not biased low, and a median more than
//!   half the cohort has not reached is reported as not reached.
//! * **Metrics** ([`metrics`]): survey metrics ([`NetPromoterScore`],
//!   [`CustomerSatisfaction`], [`CustomerEffortScore`], [`EmployeeNetPromoterScore`],
//!   [`Engagement`], [`HappinessScore`], all at once with [`SurveySuite`]); the ticket
//!   lifecycle ([`metrics::tickets::TicketTracker`]: first response, next reply, first,
//!   full and per-cycle resolution, requester wait, agent work and wait, on-hold,
//!   resolution within a target, reopens, zero-/one-/two-touch, replies per resolution,
//!   backlog and unanswered tickets, overall and per group, streaming with retraction;
//!   with field changes, custom statuses and bot hand-offs, and on request the handling
//!   figures: time in each status, assignment, stations, bot resolutions).
//! * **Business time** ([`calendar`]): [`BusinessCalendar`] (zones, several intervals a
//!   day, overnight, holidays, date overrides, DST) for business durations and deadlines;
//!   every ticket figure in business time when the tracker has one.
//! * **SLAs** ([`metrics::sla`]): policies (chosen again when priority, team or tags
//!   change), targets in calendar or business time, achieved / breached / active,
//!   attainment, and the targets about to breach.
//! * **Contact center and workforce planning** ([`metrics::calls`], [`metrics::staffing`],
//!   [`metrics::forecast`], [`metrics::patience`]): service level, abandonment, ASA;
//!   Erlang B, C and A staffing plans (chat concurrency too); seasonal forecasts of
//!   contacts and handle time per local interval, scored against seasonal-naive; callers'
//!   mean patience from the abandons, censored by answers. Shift schedules that cover a
//!   plan are in the workspace member `csm-metrics-schedule` (an integer program).
//! * **One front end** ([`metrics::desk::Desk`]): one stream of tickets, interactions,
//!   surveys and calls in any order (events before their ticket wait in a bounded buffer),
//!   one snapshot with every section; merges across pods, saves and restores whole.
//!
//! The meaning of every number is fixed by the crate's metric contract; each type's docs
//! state its definition, its denominator and its accuracy.
//!
//! # Usage
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use csm_metrics::{AgentId, ByAgent, Calculator, Grouped, NetPromoterScore, SurveyId,
//!                   SurveyResponse, SurveyScore};
//!
//! let at = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
//! let responses: Vec<SurveyResponse> = [(1, 10, 7), (2, 9, 7), (3, 4, 8), (4, 8, 8)]
//!     .into_iter()
//!     .map(|(id, score, agent)| SurveyResponse {
//!         agent: Some(AgentId(agent)),
//!         ..SurveyResponse::new(SurveyId(id), at, SurveyScore::Nps(score))
//!     })
//!     .collect();
//!
//! // Two shards (threads, machines, days), merged: the same as one pass.
//! let (left, right) = responses.split_at(2);
//! let mut overall = NetPromoterScore::default();
//! overall.observe_all(left)?;
//! let mut other = NetPromoterScore::default();
//! other.observe_all(right)?;
//! overall.merge(&other)?;
//! assert_eq!(overall.snapshot().score, Some(25.0)); // 50 % promoters − 25 % detractors
//!
//! // The same, per agent.
//! let mut by_agent = Grouped::<_, NetPromoterScore, ByAgent>::default();
//! by_agent.observe_all(&responses)?;
//! assert_eq!(by_agent.snapshot()[&Some(AgentId(7))].score, Some(100.0));
//!
//! // A bad record is an error that names it, and changes nothing.
//! let bad = SurveyResponse::new(SurveyId(17), at, SurveyScore::Nps(11));
//! let err = overall.observe(&bad).unwrap_err();
//! assert_eq!(err.to_string(), "survey 17: NPS score 11 is outside 0..=10");
//! # Ok::<(), csm_metrics::Error>(())
//! ```
//!
//! # Tickets
//!
//! A [`TicketTracker`](metrics::tickets::TicketTracker) streams tickets and their
//! interactions (in time order per ticket; any order across tickets) and keeps every
//! ticket metric exact for the history seen so far: a reopen retracts the ticket's
//! resolution figures and the next solve files new ones.
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use csm_metrics::metrics::tickets::{ByTeam, TicketTracker};
//! use csm_metrics::{AgentId, CustomerId, Interaction, Status, TeamId, Ticket, TicketId};
//!
//! let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
//! let at = |minutes| t0 + TimeDelta::minutes(minutes);
//! let mut tracker = TicketTracker::<ByTeam>::default();
//! let ticket = Ticket { team: Some(TeamId(1)), ..Ticket::new(TicketId(7), t0, CustomerId(3)) };
//! tracker.observe_ticket(&ticket)?;
//! tracker.observe_interaction(&Interaction::agent_reply(TicketId(7), at(20), AgentId(2)))?;
//! tracker.observe_interaction(&Interaction::status(TicketId(7), at(30), Status::Solved))?;
//! // The customer writes back: the ticket reopens, and is solved again.
//! tracker.observe_interaction(&Interaction::customer_message(TicketId(7), at(90)))?;
//! tracker.observe_interaction(&Interaction::status(TicketId(7), at(90), Status::Open))?;
//! tracker.observe_interaction(&Interaction::agent_reply(TicketId(7), at(100), AgentId(2)))?;
//! tracker.observe_interaction(&Interaction::status(TicketId(7), at(110), Status::Solved))?;
//!
//! let report = tracker.snapshot_at(at(120));
//! let team = &report.groups[&Some(TeamId(1))];
//! assert_eq!(team.first_response.mean, Some(1_200.0)); // 20 min
//! assert_eq!(team.first_resolution.mean, Some(1_800.0)); // the first solve, 30 min
//! assert_eq!(team.full_resolution.mean, Some(6_600.0)); // the latest solve, 110 min
//! assert_eq!(team.next_reply.mean, Some(600.0)); // customer at 90, reply at 100
//! assert_eq!(team.reopen_rate, Some(1.0));
//! assert_eq!(team.replies_per_resolution, Some(2.0));
//! # Ok::<(), csm_metrics::Error>(())
//! ```
//!
//! # Accuracy
//!
//! Counts, sums, means, rates and scores are **exact**: integer counts and sums (`u64`,
//! `u128`), divided once at snapshot time. Quantiles come from [`QuantileSketch`], within a
//! stated **relative error α (1 % by default)** of the exact type-7 quantile (linear
//! interpolation between order statistics, as numpy and SQL's `percentile_cont`).
//! Intervals: NPS and happiness use the Wald interval with `z = Φ⁻¹(0.975) = 1.959964`,
//! clamped to −100..=100; shares (CSAT, favourable, agreeing) use Wilson's score interval.
//!
//! # Memory
//!
//! A ticket tracker holds 192 bytes per ticket in play (plus about 20 bytes of index);
//! closed, merged and spam tickets are released at once, and solved tickets can be evicted
//! after a chosen instant, so memory follows the tickets in play, not the history.
//! A survey calculator is a fixed array of counts (at most 11 `u64`s, 96 bytes per state);
//! a [`DurationSummary`] holds exact moments, a few bucket counts and a sketch of one `u64`
//! per bin (746 bins, 5.8 KiB, for values from 1 s to 30 days at 1 %; at most 4,096 bins,
//! 32 KiB). A [`Grouped`] state is one calculator per group seen; a [`Windowed`] one, one
//! per window with data.
//!
//! # Guarantees
//!
//! | what | guarantee |
//! |---|---|
//! | counts, sums, rates, scores, means | exact: integer counts and `u128` sums divided once at snapshot time; merged shards give bit for bit the result of one pass |
//! | quantiles (p50 … p99, medians of every duration) | within α = 1 % relative of the exact type-7 quantile while the sketch's bin limit is not reached (35 decades at 1 %); past it the lowest values are folded (documented on [`QuantileSketch`]) |
//! | min and max of durations | exact while a copy of the extreme is held; after it was retracted (a reopen, a reassignment, a late event re-sequenced), within α |
//! | intervals | NPS and happiness: Wald with z = 1.959964, clamped to ±100; shares: Wilson; means: normal approximation |
//! | business time | exact to the second on the calendar's rules; instants outside its years are an error |
//! | memory | survey states: ≤ 96 bytes; a duration summary: a few KiB (746 bins for 1 s to 30 days); a ticket tracker: 192 bytes per ticket in play, none for released tickets (with re-sequencing, about 32 bytes more per event of a ticket in play); an SLA tracker: one small state per ticket in play |
//! | limits | counts are `u64` (1.8·10¹⁹ records), duration sums and sums of squares `u128`: 2⁶⁴ durations of up to 136 years each, or a billion tickets of any realistic length (tested: 2³⁰ tickets merged, means exact); past a limit the operation is an [`Error::Overflow`] and changes nothing, never a wrap |
//! | the ticket tracker | a ticket lives at most 136 years after its creation (instants are `u32` seconds after it); the same event twice is applied once; late events are re-sequenced on request |
//!
//! # Untrusted input
//!
//! No record makes the crate panic. A record that breaks a rule of the contract (a score
//! off its scale, a call answered before it was offered, an interaction before its
//! ticket's creation or for a ticket not in play) is an [`Error`] that names the record and
//! the rule, and leaves every figure unchanged; a ticket tracker also counts it by reason
//! in its [`IngestReport`](metrics::tickets::IngestReport), so accepted + duplicates +
//! rejected = offered; the table in [`metrics::tickets`] lists the outcome of every kind of
//! bad record (duplicates, late, out of order, unknown tickets, repeated statuses…).
//! Deserialised states are validated ([`Error::CorruptState`] names the rule); states
//! configured differently refuse to merge ([`Error::IncompatibleMerge`]). Counts are
//! checked for overflow.
//!
//! How this is tested: hostile property suites (`tests/hostile.rs`: instants at chrono's
//! limits and anywhere in `i64`, scores off every scale, `u64::MAX` durations, a ticket
//! with 10⁵ events, a million groups, DST gaps and folds, 10⁹ tickets), tampered states for
//! every calculator (`tests/serde_validation.rs`), and cargo-fuzz targets (`fuzz/`) for the
//! calendar, the tracker and every state's deserialisation.
//!
//! # Laws
//!
//! Every calculator obeys the laws written on [`Calculator`] (identity, associativity,
//! commutativity, split-merge equals one pass, serde round trip), and the crate's property
//! tests check them for each one.
//!
//! # Crate features
//!
//! * `serde`: `Serialize`/`Deserialize` for every record, snapshot and calculator state;
//!   a ticket tracker saves its whole state (tickets in play included) with
//!   [`save`](metrics::tickets::TicketTracker::save) and goes on after
//!   [`restore`](metrics::tickets::TicketTracker::restore). Deserialising checks every rule.
//!   Deserialising a state validates it: a state whose counts do not add up is an
//!   [`Error`], never a wrong number.
//! * `tz`: named IANA time zones (`chrono_tz::Tz`) for windows.
//!
//! The crate never reads the system clock ("now" is always an argument) and has no
//! `unsafe` code.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// `Serialize` and `Deserialize` for a state derived with `#[serde(remote = "Self")]`:
/// deserialising runs the state's `validate()`, so a tampered state is an error.
#[cfg(feature = "serde")]
macro_rules! validated_serde {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> core::result::Result<S::Ok, S::Error> {
                // The derived (remote = "Self") serialiser.
                <$t>::serialize(self, s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> core::result::Result<Self, D::Error> {
                let state = <$t>::deserialize(d)?;
                state.validate().map_err(serde::de::Error::custom)?;
                Ok(state)
            }
        }
    };
}

/// The metric contract: what every number of the crate means, with the vendor each
/// default follows (the repository's `docs/[contract](crate::contract)`).
#[doc = include_str!("../docs/METRICS.md")]
pub mod contract {}

mod aggregate;
mod calculator;
pub mod calendar;
mod error;
pub mod goals;
pub mod metrics;
pub mod model;
pub mod stats;
mod zone;

pub use aggregate::{
    ByAgent, ByCaller, ByCustomer, ByQueue, ByTicket, FastHash, FastHasher, Granularity, GroupBy,
    Grouped, PerGroup, Window, Windowed,
};
pub use calculator::Calculator;
pub use calendar::{BusinessCalendar, BusinessCalendarBuilder, BusinessClock, DayTime};
pub use error::{Error, RecordRef, Result, Rule};
pub use metrics::surveys::{
    CesScale, CesSnapshot, CsatScale, CsatSnapshot, CustomerEffortScore, CustomerSatisfaction,
    EmployeeNetPromoterScore, Engagement, EngagementSnapshot, HappinessScore, HappinessSnapshot,
    LikertSnapshot, MeanScore, NetPromoterScore, NetScore, NpsSnapshot, Percentage, SurveySnapshot,
    SurveySuite,
};
pub use model::{
    AccountEvent, AccountEventKind, Activity, AgentId, AgentState, Author, Call, CallId, Channel,
    CreatedBy, CustomStatus, CustomerId, FieldChange, FieldId, Happiness, Interaction,
    InteractionKind, ItemId, Priority, QueueId, ScheduledActivity, StateInterval, Status,
    StatusCategory, StatusId, SurveyId, SurveyKind, SurveyResponse, SurveyScore, TagId, TeamId,
    Ticket, TicketId, Timestamped, ValueId, Visibility,
};
pub use stats::compare;
pub use stats::{
    Bucket, DurationBuckets, DurationMoments, DurationSnapshot, DurationSummary, Interval,
    Observation, Proportion, QuantileSketch, SummaryConfig, SurvivalCurve, SurvivalQuantile,
    SurvivalSketch, SurvivalSnapshot, SurvivalStep, wilson_interval,
};
pub use zone::Zone;

// README's usage example runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
