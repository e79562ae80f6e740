//! A bucketed distribution of durations.

use crate::error::{Error, Result};

const WHAT: &str = "duration buckets";

/// The default bucket edges, in seconds: 1 h, 8 h, 24 h, 3 d, 7 d. They make the six
/// buckets 0-1 h, 1-8 h, 8-24 h, 1-3 d, 3-7 d and over 7 d of [contract](crate::contract).
pub const DEFAULT_BUCKET_EDGES: [u64; 5] = [3_600, 28_800, 86_400, 259_200, 604_800];

/// Counts of durations per bucket. Bucket `i` holds `edges[i − 1] ≤ d < edges[i]`; the first
/// starts at 0 and the last has no upper edge.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "BucketsRepr", into = "BucketsRepr")
)]
pub struct DurationBuckets {
    edges: Vec<u64>,
    counts: Vec<u64>,
    /// For each bit length of a duration (0 to 64), how many edges lie at or below the
    /// least duration of that length: where its bucket search starts (derived from the
    /// edges, so equal edges give equal tables).
    octaves: [u8; 65],
}

/// [`DurationBuckets::octaves`] for sorted edges.
fn octaves(edges: &[u64]) -> [u8; 65] {
    let mut table = [0u8; 65];
    for (k, start) in table.iter_mut().enumerate() {
        let least = if k == 0 { 0 } else { 1u64 << (k - 1) };
        // At most 64 edges (checked by every constructor).
        *start = edges.iter().filter(|e| **e <= least).count() as u8;
    }
    table
}

impl Default for DurationBuckets {
    fn default() -> Self {
        DurationBuckets {
            edges: DEFAULT_BUCKET_EDGES.to_vec(),
            counts: vec![0; DEFAULT_BUCKET_EDGES.len() + 1],
            octaves: octaves(&DEFAULT_BUCKET_EDGES),
        }
    }
}

/// One bucket of a distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Bucket {
    /// The lower edge in seconds (included).
    pub from: u64,
    /// The upper edge in seconds (excluded); `None` for the last bucket.
    pub to: Option<u64>,
    /// How many durations fell in it.
    pub count: u64,
}

impl DurationBuckets {
    /// Buckets with the given edges in seconds: strictly increasing, above 0, at most 64.
    pub fn new(edges: &[u64]) -> Result<Self> {
        validate_edges(edges).map_err(|r| Error::config(WHAT, r))?;
        Ok(DurationBuckets {
            edges: edges.to_vec(),
            counts: vec![0; edges.len() + 1],
            octaves: octaves(edges),
        })
    }

    /// The edges in seconds.
    pub fn edges(&self) -> &[u64] {
        &self.edges
    }

    #[inline]
    fn slot(&self, seconds: u64) -> usize {
        // The edges at or below the least duration of this bit length are passed; the
        // search goes on from there (edges an octave or more apart: one step at most).
        let bits = (u64::BITS - seconds.leading_zeros()) as usize;
        let mut slot = usize::from(self.octaves[bits]);
        while self.edges.get(slot).is_some_and(|e| *e <= seconds) {
            slot += 1;
        }
        slot
    }

    /// Counts one duration.
    #[inline]
    pub fn add(&mut self, seconds: u64) {
        let slot = self.slot(seconds);
        if let Some(c) = self.counts.get_mut(slot) {
            *c += 1;
        }
    }

    /// Takes one duration out again; an error if its bucket is empty.
    pub fn remove(&mut self, seconds: u64) -> Result<()> {
        self.check_remove(seconds)?;
        let slot = self.slot(seconds);
        self.counts[slot] -= 1;
        Ok(())
    }

    /// Whether [`remove`](Self::remove) would take `seconds` (an error naming it if not),
    /// changing nothing.
    #[inline]
    pub(crate) fn check_remove(&self, seconds: u64) -> Result<()> {
        match self.counts.get(self.slot(seconds)) {
            Some(c) if *c > 0 => Ok(()),
            _ => Err(Error::NotPresent {
                what: WHAT,
                value: seconds as f64,
            }),
        }
    }

    fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Merges another distribution; different edges are an error unless one side is empty.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if self.edges != other.edges {
            if other.total() == 0 {
                return Ok(());
            }
            if self.total() == 0 {
                *self = other.clone();
                return Ok(());
            }
            return Err(Error::incompatible(
                WHAT,
                format!("edges {:?} against {:?}", self.edges, other.edges),
            ));
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += *b;
        }
        Ok(())
    }

    /// The buckets in ascending order.
    pub fn buckets(&self) -> Vec<Bucket> {
        self.counts
            .iter()
            .enumerate()
            .map(|(i, count)| Bucket {
                from: if i == 0 { 0 } else { self.edges[i - 1] },
                to: self.edges.get(i).copied(),
                count: *count,
            })
            .collect()
    }
}

fn validate_edges(edges: &[u64]) -> core::result::Result<(), String> {
    if edges.len() > 64 {
        return Err(format!("{} edges; at most 64", edges.len()));
    }
    if edges.first() == Some(&0) {
        return Err("an edge at 0 s makes an empty bucket".into());
    }
    if edges.windows(2).any(|w| w[0] >= w[1]) {
        return Err(format!("edges {edges:?} are not strictly increasing"));
    }
    Ok(())
}

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct BucketsRepr {
    edges: Vec<u64>,
    counts: Vec<u64>,
}

impl From<DurationBuckets> for BucketsRepr {
    fn from(b: DurationBuckets) -> Self {
        BucketsRepr {
            edges: b.edges,
            counts: b.counts,
        }
    }
}

impl BucketsRepr {
    pub(crate) fn write(&self, w: &mut super::codec::Writer<'_>) -> Result<()> {
        w.u64s(&self.edges)?;
        for c in &self.counts {
            w.u64(*c);
        }
        Ok(())
    }

    pub(crate) fn read(r: &mut super::codec::Reader<'_>) -> Result<Self> {
        let edges = r.u64s()?;
        let counts = (0..=edges.len()).map(|_| r.u64()).collect::<Result<_>>()?;
        Ok(BucketsRepr { edges, counts })
    }
}

impl TryFrom<BucketsRepr> for DurationBuckets {
    type Error = Error;
    fn try_from(r: BucketsRepr) -> Result<Self> {
        validate_edges(&r.edges).map_err(|e| Error::corrupt(WHAT, e))?;
        if r.counts.len() != r.edges.len() + 1 {
            return Err(Error::corrupt(
                WHAT,
                format!("{} counts for {} edges", r.counts.len(), r.edges.len()),
            ));
        }
        r.counts
            .iter()
            .try_fold(0u64, |a, c| a.checked_add(*c))
            .ok_or_else(|| Error::corrupt(WHAT, "counts overflow"))?;
        Ok(DurationBuckets {
            octaves: octaves(&r.edges),
            edges: r.edges,
            counts: r.counts,
        })
    }
}
