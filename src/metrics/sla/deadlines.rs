//! The running SLA instances by deadline: buckets of about 68 minutes in a `BTreeMap`,
//! an instance pushed into its bucket when it starts running and dropped lazily when it
//! stops (it is known stale by its run number), compacted when the stale outnumber the
//! live. Starting and stopping a clock is a push and a count, where a `BTreeSet` of every
//! running instance rebalanced nodes on each.

use std::collections::BTreeMap;

use crate::model::TicketId;

/// Seconds per bucket: 2^12 (68 minutes and 16 seconds).
const SHIFT: u32 = 12;

/// One running instance, as it was when it started running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Running {
    pub(super) deadline: i64,
    pub(super) ticket: TicketId,
    pub(super) clock: u8,
    /// The run number of the clock when it started (unique in the index): an entry whose
    /// clock has stopped, or runs again under another number, is stale.
    pub(super) run: u64,
}

/// Running instances by deadline, removal lazy.
#[derive(Debug, Clone, Default)]
pub(super) struct Deadlines {
    buckets: BTreeMap<i64, Vec<Running>>,
    /// Entries held, stale included.
    entries: usize,
    /// Entries live (started and not yet stopped).
    live: usize,
    /// The next run number.
    next_run: u64,
}

impl Deadlines {
    /// A run number not given before.
    #[inline]
    fn next_run(&mut self) -> u64 {
        self.next_run += 1;
        self.next_run
    }

    /// Numbers up to `run` are taken (after a restore).
    #[cfg(feature = "serde")]
    pub(super) fn taken(&mut self, run: u64) {
        self.next_run = self.next_run.max(run);
    }

    /// An instance of clock `clock` of `ticket` starts running until `deadline`: its new
    /// run number.
    #[inline]
    pub(super) fn start(&mut self, deadline: i64, ticket: TicketId, clock: u8) -> u64 {
        let run = self.next_run();
        self.insert(Running {
            deadline,
            ticket,
            clock,
            run,
        });
        run
    }

    /// An instance starts running (under a run number given before).
    #[inline]
    pub(super) fn insert(&mut self, r: Running) {
        self.buckets.entry(r.deadline >> SHIFT).or_default().push(r);
        self.entries += 1;
        self.live += 1;
    }

    /// A running instance stops (its entry goes stale).
    #[inline]
    pub(super) fn stopped(&mut self) {
        self.live -= 1;
    }

    /// Whether stale entries outnumber the live ones enough to drop them.
    #[inline]
    pub(super) fn wants_compaction(&self) -> bool {
        self.entries > 2 * self.live + 4096
    }

    /// Keeps the entries `live` says are live.
    pub(super) fn compact(&mut self, mut live: impl FnMut(&Running) -> bool) {
        let mut entries = 0;
        self.buckets.retain(|_, v| {
            v.retain(&mut live);
            entries += v.len();
            !v.is_empty()
        });
        self.entries = entries;
        self.live = entries;
    }

    /// Every entry with a deadline before `t`, in no order (stale ones too).
    pub(super) fn before(&self, t: i64) -> impl Iterator<Item = &Running> {
        self.buckets
            .range(..=(t >> SHIFT))
            .flat_map(|(_, v)| v.iter())
            .filter(move |r| r.deadline < t)
    }

    /// The first `k` entries `live` says are live with a deadline at or after `t`, soonest
    /// first (ties by ticket, then clock).
    pub(super) fn first_from(
        &self,
        t: i64,
        k: usize,
        mut live: impl FnMut(&Running) -> bool,
    ) -> Vec<Running> {
        let mut out = Vec::new();
        for (_, bucket) in self.buckets.range((t >> SHIFT)..) {
            if out.len() >= k {
                break;
            }
            let mut here: Vec<Running> = bucket
                .iter()
                .filter(|r| r.deadline >= t && live(r))
                .copied()
                .collect();
            here.sort_unstable();
            out.extend(here.into_iter().take(k - out.len()));
        }
        out
    }
}
