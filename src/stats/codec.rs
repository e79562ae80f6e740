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
//! The form ends with an FNV-1a 64 checksum of everything before it (8 bytes), which any
//! single damaged byte changes. Decoding checks it, then every rule the serde form checks (the parts agree on the count, the
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
    /// The magic and version that open a binary form; returns where the form starts (for
    /// [`seal`](Self::seal)).
    pub(crate) fn header(&mut self, magic: &[u8; 4]) -> usize {
        let start = self.0.len();
        self.0.extend_from_slice(magic);
        self.u8(VERSION);
        start
    }
    /// Ends the form that began at `start` with its checksum.
    pub(crate) fn seal(&mut self, start: usize) {
        let sum = fnv1a(&self.0[start..]);
        self.u64(sum);
    }
}

/// FNV-1a, 64 bits: each step is a bijection of the state, so changing any one byte
/// changes the result.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Reads little-endian fields, refusing to read past the end; errors name `what`.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader of a sealed form: its checksum checked first.
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Result<Self> {
        let Some(body_len) = bytes.len().checked_sub(8) else {
            return Err(Error::corrupt(what, "truncated"));
        };
        let (body, sum) = bytes.split_at(body_len);
        let mut expected = [0u8; 8];
        expected.copy_from_slice(sum);
        if fnv1a(body) != u64::from_le_bytes(expected) {
            return Err(Error::corrupt(
                what,
                "checksum mismatch (damaged or truncated)",
            ));
        }
        Ok(Reader { rest: body, what })
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
