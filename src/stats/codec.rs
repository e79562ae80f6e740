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

const VERSION: u8 = 1;
/// The magic of a duration summary.
pub(crate) const SUMMARY: &[u8; 4] = b"CSMS";
/// The magic of a call center.
pub(crate) const CALLS: &[u8; 4] = b"CSMC";

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
        let n =
            u32::try_from(v.len()).map_err(|_| Error::corrupt("binary form", "too many values"))?;
        self.u32(n);
        for x in v {
            self.u64(*x);
        }
        Ok(())
    }
    /// A length-prefixed run of bytes.
    pub(crate) fn bytes(&mut self, v: &[u8]) -> Result<()> {
        let n =
            u32::try_from(v.len()).map_err(|_| Error::corrupt("binary form", "too many bytes"))?;
        self.u32(n);
        self.0.extend_from_slice(v);
        Ok(())
    }
    /// The magic and version that open a binary form.
    pub(crate) fn header(&mut self, magic: &[u8; 4]) {
        self.0.extend_from_slice(magic);
        self.u8(VERSION);
    }
}

/// Reads little-endian fields, refusing to read past the end; errors name `what`.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Reader { rest: bytes, what }
    }
    fn take<const N: usize>(&mut self) -> Result<[u8; N]> {
        if self.rest.len() < N {
            return Err(Error::corrupt(self.what, "truncated"));
        }
        let (head, rest) = self.rest.split_at(N);
        self.rest = rest;
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
        if self.rest.len() / 8 < n {
            return Err(Error::corrupt(self.what, "truncated"));
        }
        (0..n).map(|_| self.u64()).collect()
    }
    /// A length-prefixed run of bytes.
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.u32()? as usize;
        if self.rest.len() < n {
            return Err(Error::corrupt(self.what, "truncated"));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }
    pub(crate) fn header(&mut self, magic: &[u8; 4]) -> Result<()> {
        let found: [u8; 4] = self.take()?;
        if &found != magic {
            return Err(Error::corrupt(self.what, "bad magic"));
        }
        match self.u8()? {
            VERSION => Ok(()),
            v => Err(Error::corrupt(self.what, format!("unknown version {v}"))),
        }
    }
    pub(crate) fn finish(&self) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::corrupt(
                self.what,
                format!("{} bytes left over", self.rest.len()),
            ))
        }
    }
}
