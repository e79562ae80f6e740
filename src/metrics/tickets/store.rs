//! The tickets in play: a creation-ordered slab and its id index.

use std::collections::{HashMap, VecDeque};

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

/// Pages a new page may lie beyond the window's end (the gap filled with empty entries);
/// an id further on goes to the hash map.
const MAX_GAP: u64 = 16;

/// Ticket id → slab slot. Help desks number tickets in sequence, so new tickets arrive at
/// the frontier of the ids seen: those are found through a window of direct-mapped pages
/// of 256 ids (page `base + k` at entry `k`: a subtraction and two loads, no hashing),
/// which keeps the entries of recent tickets together in memory; the window's front moves
/// on as its oldest pages empty. An id behind the window, beyond its end by more than
/// [`MAX_GAP`] pages, or ids so scattered that pages would hold fewer than 64 tickets each
/// on average, go to a plain hash map, so memory stays bounded whatever the ids.
#[derive(Debug, Clone, Default)]
struct TicketIndex {
    window: VecDeque<Option<Page>>,
    /// The page key of the window's first entry.
    base: u64,
    sparse: HashMap<TicketId, u32, FastHash>,
    len: usize,
    /// Tickets ever inserted, pages ever created.
    inserted: u64,
    pages_created: u64,
}

impl TicketIndex {
    /// The window's entry of a page key.
    #[inline]
    fn entry(&self, key: u64) -> Option<usize> {
        let k = key.wrapping_sub(self.base);
        (k < self.window.len() as u64).then_some(k as usize)
    }

    #[inline]
    fn page_mut(&mut self, key: u64) -> Option<&mut Page> {
        let k = self.entry(key)?;
        self.window.get_mut(k)?.as_mut()
    }

    #[inline]
    pub(crate) fn get(&self, id: TicketId) -> Option<u32> {
        if let Some(Some(page)) = self
            .entry(id.0 / PAGE as u64)
            .and_then(|k| self.window.get(k))
        {
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
        if let Some(page) = self.page_mut(id.0 / PAGE as u64) {
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
        if let Some(page) = self.page_mut(key) {
            page.slots[at] = slot;
            page.live += 1;
            return;
        }
        let dense = self.pages_created < 4 * (self.inserted / PAGE as u64) + 16;
        // A place in the window for the page: an empty entry, just past its end, or the
        // first page of an empty window.
        let entry = if self.window.is_empty() {
            self.base = key;
            Some(0)
        } else {
            match key.checked_sub(self.base) {
                Some(k) if k < self.window.len() as u64 + MAX_GAP => Some(k as usize),
                _ => None,
            }
        };
        match entry {
            Some(k) if dense => {
                if self.window.len() <= k {
                    self.window.resize_with(k + 1, || None);
                }
                let mut slots = Box::new([EMPTY; PAGE]);
                slots[at] = slot;
                self.window[k] = Some(Page { live: 1, slots });
                self.pages_created += 1;
            }
            _ => {
                self.sparse.insert(id, slot);
            }
        }
    }

    pub(crate) fn remove(&mut self, id: TicketId) -> Option<u32> {
        let key = id.0 / PAGE as u64;
        if let Some(k) = self.entry(key) {
            if let Some(Some(page)) = self.window.get_mut(k) {
                let at = (id.0 % PAGE as u64) as usize;
                let slot = page.slots[at];
                if slot != EMPTY {
                    page.slots[at] = EMPTY;
                    page.live -= 1;
                    if page.live == 0 {
                        self.window[k] = None;
                        self.trim();
                    }
                    self.len -= 1;
                    return Some(slot);
                }
            }
        }
        let slot = self.sparse.remove(&id)?;
        self.len -= 1;
        Some(slot)
    }

    /// Drops the empty entries at the window's ends.
    fn trim(&mut self) {
        while let Some(None) = self.window.front() {
            self.window.pop_front();
            self.base += 1;
        }
        while let Some(None) = self.window.back() {
            self.window.pop_back();
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An id near the others (sequential help desks), far (another range), or anywhere.
    fn id() -> impl Strategy<Value = u64> {
        prop_oneof![
            6 => 0u64..4_000,
            2 => 1_000_000u64..1_000_600,
            1 => any::<u64>(),
        ]
    }

    proptest! {
        /// The index agrees with a hash map through any inserts, moves and removals.
        #[test]
        fn the_index_is_a_map(ops in prop::collection::vec((0u8..4, id(), any::<u32>()), 0..2_000)) {
            let mut index = TicketIndex::default();
            let mut model: HashMap<u64, u32> = HashMap::new();
            for (op, id, slot) in ops {
                let slot = slot % (EMPTY - 1);
                let t = TicketId(id);
                match op {
                    0 | 1 if !model.contains_key(&id) => {
                        index.insert(t, slot);
                        model.insert(id, slot);
                    }
                    2 if model.contains_key(&id) => {
                        index.set(t, slot);
                        model.insert(id, slot);
                    }
                    _ => {
                        prop_assert_eq!(index.remove(t), model.remove(&id));
                    }
                }
                prop_assert_eq!(index.get(t), model.get(&id).copied());
                prop_assert_eq!(index.len, model.len());
            }
            for (id, slot) in &model {
                prop_assert_eq!(index.get(TicketId(*id)), Some(*slot));
            }
            // Emptied, the window holds nothing.
            for id in model.keys() {
                index.remove(TicketId(*id));
            }
            prop_assert!(index.window.is_empty() && index.sparse.is_empty());
        }
    }

    #[test]
    fn sequential_ids_stay_in_the_window_and_it_moves_on() {
        let mut index = TicketIndex::default();
        for id in 0..100_000u64 {
            index.insert(TicketId(id), id as u32);
            if id >= 1_000 {
                assert_eq!(
                    index.remove(TicketId(id - 1_000)),
                    Some((id - 1_000) as u32)
                );
            }
        }
        assert!(index.sparse.is_empty());
        assert!(index.window.len() <= 6, "{}", index.window.len());
        assert_eq!(index.get(TicketId(99_999)), Some(99_999));
        assert_eq!(index.get(TicketId(5)), None);
    }
}
