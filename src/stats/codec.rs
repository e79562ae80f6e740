//! A compact binary form of a [`DurationSummary`](super::DurationSummary), for engines that
//! carry calculator states between processes in a byte column (DataFusion, Ballista).
//!
//! The layout, all integers little-endian:
//!
//! | field | bytes |
//! |---|---|
//! | magic `CSMS`, version `1` | 5 |
//! | moments: count `u64`, sum `u128`, sum of squares `u128`, min `u64`, copies of min held `u64`, max `u64`, copies of max held `u64` | 72 |
//! | sketch: relative accuracy `f64`, bin limit `u32`, count `u64`, zero count `u64`, first index `i32`, folded below (`u8` flag, `i32`), bin count `u32`, then that many `u64` counts | 41 + 8·bins |
//! | buckets: edge count `u32`, the edges `u64`, then edge count + 1 counts `u64` | 4 + 16·edges + 8 |
//!
//! Decoding checks every rule the serde form checks (the parts agree on the count, the
//! sketch's bins lie in its index range, the moments' bounds hold) and that no byte is left
//! over, so a damaged value is an [`Error::CorruptState`](crate::Error::CorruptState), never
//! a wrong number or a panic.

use crate::error::{Error, Result};

pub(crate) const WHAT: &str = "duration summary bytes";
const MAGIC: &[u8; 4] = b"CSMS";
const VERSION: u8 = 1;

/// Appends little-endian fields.
pub(crate) struct Writer<'a>(pub(crate) &'a mut Vec<u8>);

impl Writer<'_> {
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn u128(&mut self, v: u128) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// A length-prefixed run of `u64`s.
    pub(crate) fn u64s(&mut self, v: &[u64]) -> Result<()> {
        let n = u32::try_from(v.len()).map_err(|_| Error::corrupt(WHAT, "too many values"))?;
        self.u32(n);
        for x in v {
            self.u64(*x);
        }
        Ok(())
    }
}

/// Reads little-endian fields, refusing to read past the end.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N]> {
        if self.0.len() < N {
            return Err(Error::corrupt(WHAT, "truncated"));
        }
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        let mut out = [0u8; N];
        out.copy_from_slice(head);
        Ok(out)
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take::<1>()?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    pub(crate) fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.take()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    pub(crate) fn u128(&mut self) -> Result<u128> {
        Ok(u128::from_le_bytes(self.take()?))
    }
    pub(crate) fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.take()?))
    }
    /// A length-prefixed run of `u64`s; the length is checked against the bytes left
    /// before anything is allocated.
    pub(crate) fn u64s(&mut self) -> Result<Vec<u64>> {
        let n = self.u32()? as usize;
        if self.0.len() / 8 < n {
            return Err(Error::corrupt(WHAT, "truncated"));
        }
        (0..n).map(|_| self.u64()).collect()
    }
    pub(crate) fn header(&mut self) -> Result<()> {
        let magic: [u8; 4] = self.take()?;
        if &magic != MAGIC {
            return Err(Error::corrupt(WHAT, "not a duration summary (bad magic)"));
        }
        match self.u8()? {
            VERSION => Ok(()),
            v => Err(Error::corrupt(WHAT, format!("unknown version {v}"))),
        }
    }
    pub(crate) fn finish(&self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::corrupt(
                WHAT,
                format!("{} bytes left over", self.0.len()),
            ))
        }
    }
}

pub(crate) fn header(w: &mut Writer<'_>) {
    w.0.extend_from_slice(MAGIC);
    w.u8(VERSION);
}
