//! A sketch's serialised form and the checks a deserialised sketch must pass.

use super::{MIN_INDEXABLE, QuantileSketch, WHAT};
use crate::error::{Error, Result};

impl QuantileSketch {
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    fn validate(&self) -> Result<()> {
        let fresh = Self::with_max_bins(self.alpha, self.max_bins)
            .map_err(|e| Error::corrupt(WHAT, e.to_string()))?;
        debug_assert_eq!(fresh.multiplier, self.multiplier);
        if self.bins.len() > self.max_bins as usize {
            return Err(Error::corrupt(
                WHAT,
                format!(
                    "{} bins exceed the limit of {}",
                    self.bins.len(),
                    self.max_bins
                ),
            ));
        }
        let lowest = fresh.index_of(MIN_INDEXABLE);
        let highest = fresh.index_of(f64::MAX);
        let top = self.offset as i64 + self.bins.len() as i64 - 1;
        if !self.bins.is_empty() && ((self.offset) < lowest || top > highest as i64) {
            return Err(Error::corrupt(
                WHAT,
                format!(
                    "bin indices {}..={top} outside {lowest}..={highest}",
                    self.offset
                ),
            ));
        }
        if let Some(c) = self.collapsed_below {
            if self.bins.is_empty() || self.offset != c {
                return Err(Error::corrupt(
                    WHAT,
                    "folded below an index that is not the lowest bin",
                ));
            }
        }
        let mut total = self.zero_count;
        for c in &self.bins {
            total = total
                .checked_add(*c)
                .ok_or_else(|| Error::corrupt(WHAT, "counts overflow"))?;
        }
        if total != self.count {
            return Err(Error::corrupt(
                WHAT,
                format!("count {} is not the sum of its bins {total}", self.count),
            ));
        }
        Ok(())
    }
}

/// The plain form a sketch is serialised as: configuration, the first index and the counts.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct SketchRepr {
    relative_accuracy: f64,
    max_bins: u32,
    count: u64,
    zero_count: u64,
    offset: i32,
    bins: Vec<u64>,
    collapsed_below: Option<i32>,
}

impl From<QuantileSketch> for SketchRepr {
    fn from(s: QuantileSketch) -> Self {
        // Trim empty bins at both ends so equal sketches serialise alike.
        let first = s.bins.iter().position(|c| *c > 0);
        let (offset, bins) = match first {
            Some(first) => {
                let last = s.bins.iter().rposition(|c| *c > 0).unwrap_or(first);
                let first = if s.collapsed_below.is_some() {
                    0
                } else {
                    first
                };
                (s.offset + first as i32, s.bins[first..=last].to_vec())
            }
            None if s.collapsed_below.is_some() => (s.offset, vec![0]),
            None => (0, Vec::new()),
        };
        SketchRepr {
            relative_accuracy: s.alpha,
            max_bins: s.max_bins,
            count: s.count,
            zero_count: s.zero_count,
            offset,
            bins,
            collapsed_below: s.collapsed_below,
        }
    }
}

impl SketchRepr {
    pub(crate) fn write(&self, w: &mut crate::stats::codec::Writer<'_>) -> Result<()> {
        w.f64(self.relative_accuracy);
        w.u32(self.max_bins);
        w.u64(self.count);
        w.u64(self.zero_count);
        w.i32(self.offset);
        w.u8(u8::from(self.collapsed_below.is_some()));
        w.i32(self.collapsed_below.unwrap_or(0));
        w.u64s(&self.bins)
    }

    pub(crate) fn read(r: &mut crate::stats::codec::Reader<'_>) -> Result<Self> {
        let relative_accuracy = r.f64()?;
        let max_bins = r.u32()?;
        let count = r.u64()?;
        let zero_count = r.u64()?;
        let offset = r.i32()?;
        let folded = r.u8()?;
        let below = r.i32()?;
        let collapsed_below = match folded {
            0 => None,
            1 => Some(below),
            f => return Err(Error::corrupt(WHAT, format!("folded flag {f}"))),
        };
        Ok(SketchRepr {
            relative_accuracy,
            max_bins,
            count,
            zero_count,
            offset,
            bins: r.u64s()?,
            collapsed_below,
        })
    }
}

impl TryFrom<SketchRepr> for QuantileSketch {
    type Error = Error;
    fn try_from(r: SketchRepr) -> Result<Self> {
        let mut sketch = QuantileSketch::with_max_bins(r.relative_accuracy, r.max_bins)
            .map_err(|e| Error::corrupt(WHAT, e.to_string()))?;
        sketch.count = r.count;
        sketch.zero_count = r.zero_count;
        sketch.offset = r.offset;
        sketch.bins = r.bins;
        sketch.collapsed_below = r.collapsed_below;
        sketch.validate()?;
        Ok(sketch)
    }
}
