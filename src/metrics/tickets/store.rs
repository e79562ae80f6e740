//! The tickets in play: a creation-ordered slab and its id index.

use std::collections::HashMap;

use crate::aggregate::FastHash;
use crate::model::TicketId;

use super::machine::TicketState;

/// Slots per index page: tickets whose ids share all but the low 8 bits.
const PAGE: usize = 256;
const EMPTY: u32 = u32::MAX;

/// Slots of 256 consecutive ticket ids.
#[derive(Debug, Clone)]
struct Page {
    live: u32,
    slots: Box<[u32; PAGE]>,
}

/// Ticket id → slab slot. Help desks number tickets in sequence, so new tickets arrive at
/// the frontier of the ids seen: those are found through direct-mapped pages of 256 ids
/// (one small hash lookup per page, then an array), which keeps the entries of recent
/// tickets together in memory. An id behind the frontier with no page, or ids so scattered
/// that pages would hold fewer than 64 tickets each on average, go to a plain hash map, so
/// memory stays bounded whatever the ids.
#[derive(Debug, Clone, Default)]
struct TicketIndex {
    pages: HashMap<u64, Page, FastHash>,
    sparse: HashMap<TicketId, u32, FastHash>,
    len: usize,
    /// The highest page key seen, tickets ever inserted, pages ever created.
    frontier: u64,
    inserted: u64,
    pages_created: u64,
}

impl TicketIndex {
    #[inline]
    pub(crate) fn get(&self, id: TicketId) -> Option<u32> {
        if let Some(page) = self.pages.get(&(id.0 / PAGE as u64)) {
            let slot = page.slots[(id.0 % PAGE as u64) as usize];
            if slot != EMPTY {
                return Some(slot);
            }
        }
        if self.sparse.is_empty() {
            return None;
        }
        self.sparse.get(&id).copied()
    }

    /// Points an id already in the index at another slot.
    pub(crate) fn set(&mut self, id: TicketId, slot: u32) {
        if let Some(page) = self.pages.get_mut(&(id.0 / PAGE as u64)) {
            let at = &mut page.slots[(id.0 % PAGE as u64) as usize];
            if *at != EMPTY {
                *at = slot;
                return;
            }
        }
        if let Some(at) = self.sparse.get_mut(&id) {
            *at = slot;
        }
    }

    /// Inserts an id that is not in the index.
    pub(crate) fn insert(&mut self, id: TicketId, slot: u32) {
        self.len += 1;
        self.inserted += 1;
        let key = id.0 / PAGE as u64;
        let at = (id.0 % PAGE as u64) as usize;
        if let Some(page) = self.pages.get_mut(&key) {
            page.slots[at] = slot;
            page.live += 1;
            return;
        }
        let at_frontier = key.saturating_add(1) >= self.frontier;
        let dense = self.pages_created < 4 * (self.inserted / PAGE as u64) + 16;
        if at_frontier && dense {
            let mut slots = Box::new([EMPTY; PAGE]);
            slots[at] = slot;
            self.pages.insert(key, Page { live: 1, slots });
            self.pages_created += 1;
            self.frontier = self.frontier.max(key);
        } else {
            self.sparse.insert(id, slot);
        }
    }

    pub(crate) fn remove(&mut self, id: TicketId) -> Option<u32> {
        let key = id.0 / PAGE as u64;
        if let Some(page) = self.pages.get_mut(&key) {
            let at = (id.0 % PAGE as u64) as usize;
            let slot = page.slots[at];
            if slot != EMPTY {
                page.slots[at] = EMPTY;
                page.live -= 1;
                if page.live == 0 {
                    self.pages.remove(&key);
                }
                self.len -= 1;
                return Some(slot);
            }
        }
        let slot = self.sparse.remove(&id)?;
        self.len -= 1;
        Some(slot)
    }
}

/// Tickets in play: states in a slab kept in creation order (tickets created together sit
/// together in memory, and a time-ordered stream works at the slab's end), found through
/// the index. Released states leave holes; when holes outnumber the tickets in play the
/// slab is compacted, so it holds at most about three times the tickets in play.
#[derive(Debug, Clone)]
pub(crate) struct TicketStore<T = TicketState> {
    index: TicketIndex,
    pub(crate) slots: Vec<Option<T>>,
    pub(crate) holes: usize,
    /// For a [`TicketReplay`]: the state of the last ticket released, kept (`keep_removed`).
    pub(crate) keep_removed: bool,
    pub(crate) removed: Option<T>,
}

/// A state the store keeps: it knows its ticket.
pub(crate) trait InPlay {
    /// The ticket.
    fn ticket(&self) -> TicketId;
}

impl InPlay for TicketState {
    #[inline]
    fn ticket(&self) -> TicketId {
        self.id
    }
}

impl<T> Default for TicketStore<T> {
    fn default() -> Self {
        TicketStore {
            index: TicketIndex::default(),
            slots: Vec::new(),
            holes: 0,
            keep_removed: false,
            removed: None,
        }
    }
}

impl<T: InPlay> TicketStore<T> {
    pub(crate) fn len(&self) -> usize {
        self.index.len
    }

    pub(crate) fn contains(&self, id: TicketId) -> bool {
        self.index.get(id).is_some()
    }

    #[inline]
    pub(crate) fn slot(&self, id: TicketId) -> Option<u32> {
        self.index.get(id)
    }

    #[inline]
    pub(crate) fn at(&self, slot: u32) -> Option<&T> {
        self.slots.get(slot as usize)?.as_ref()
    }

    #[inline]
    pub(crate) fn at_mut(&mut self, slot: u32) -> Option<&mut T> {
        self.slots.get_mut(slot as usize)?.as_mut()
    }

    pub(crate) fn insert(&mut self, state: T) {
        let id = state.ticket();
        self.slots.push(Some(state));
        self.index.insert(id, (self.slots.len() - 1) as u32);
    }

    pub(crate) fn remove(&mut self, id: TicketId) {
        if let Some(slot) = self.index.remove(id) {
            let state = self.slots[slot as usize].take();
            if self.keep_removed {
                self.removed = state;
            }
            self.holes += 1;
            self.compact_if_sparse();
        }
    }

    pub(crate) fn compact_if_sparse(&mut self) {
        if self.holes < 4096 || self.holes < 2 * self.index.len {
            return;
        }
        let mut next = 0;
        for i in 0..self.slots.len() {
            if let Some(state) = self.slots[i].take() {
                self.index.set(state.ticket(), next as u32);
                self.slots[next] = Some(state);
                next += 1;
            }
        }
        self.slots.truncate(next);
        self.holes = 0;
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().flatten()
    }

    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) -> usize {
        let mut released = 0;
        for entry in self.slots.iter_mut() {
            if entry.as_ref().is_some_and(|s| !keep(s)) {
                if let Some(s) = entry.take() {
                    self.index.remove(s.ticket());
                }
                released += 1;
            }
        }
        self.holes += released;
        self.compact_if_sparse();
        released
    }
}
