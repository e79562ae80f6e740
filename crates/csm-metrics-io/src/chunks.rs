//! A CSV file cut into chunks of whole rows, so that chunks parse independently (on other
//! threads) and no row is ever held whole beyond a limit.
//!
//! A newline ends a row exactly when an even number of double quotes comes before it: RFC
//! 4180 doubles a quote inside a quoted field, so quotes pair up and a newline inside a
//! quoted field always follows an odd count. The chunker reads the file once, in blocks,
//! keeps that parity with a vectorised scan (`memchr`), and cuts after the last row
//! boundary of each block. A row longer than the limit is skipped as it streams past
//! (never held), and counted.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, io};

/// Buffers given back once used (chunks by the parsers, rows by the shards), so the next
/// job writes into memory already mapped rather than faulting in fresh pages.
#[derive(Debug, Clone)]
pub(crate) struct Pool<T = u8>(std::sync::Arc<std::sync::Mutex<Vec<Vec<T>>>>);

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Pool(Default::default())
    }
}

impl<T> Pool<T> {
    /// A buffer to reuse, if one was given back.
    pub(crate) fn take(&self) -> Option<Vec<T>> {
        self.0.lock().ok()?.pop()
    }

    /// Gives a buffer back, emptied (at most 32 are kept; buffers are only made when none
    /// is kept, so the pool never holds more than were in flight at once).
    pub(crate) fn give(&self, mut buffer: Vec<T>) {
        buffer.clear();
        if let Ok(mut p) = self.0.lock() {
            if p.len() < 32 {
                p.push(buffer);
            }
        }
    }
}

/// The UTF-8 byte-order mark some tools write first.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Rows of a file in chunks.
pub(crate) struct Chunker<R = File> {
    source: R,
    path: PathBuf,
    /// Bytes read and not yet given out; begins at a row boundary (or inside a long row
    /// being skipped).
    pending: Vec<u8>,
    /// Bytes of `pending` already scanned for quotes and newlines.
    scanned: usize,
    /// Whether the scanned bytes leave us inside a quoted field.
    in_quote: bool,
    /// End of the last whole row in `pending` (0: none yet); rows longer than the limit
    /// are never in it.
    boundary: usize,
    /// Skipping a row too long to hold, until its end.
    skipping: bool,
    target: usize,
    limit: usize,
    eof: bool,
    /// Chunks given out.
    pub(crate) index: usize,
    /// Buffers of chunks parsed and given back, to reuse.
    pub(crate) pool: Option<Pool>,
    /// Rows skipped for being longer than the limit.
    pub(crate) too_long: u64,
}

impl Chunker<File> {
    /// Opens a file and reads its header row (without a byte-order mark).
    pub(crate) fn open(path: &Path, target: usize, limit: usize) -> Result<(Self, Vec<u8>)> {
        let file = File::open(path).map_err(io(path))?;
        Chunker::new(file, path, target, limit)
    }
}

/// Whether `bytes` hold an odd number of double quotes: each of 16 lanes keeps the parity
/// of its quotes (compares XORed in), and the lanes' parities add up to the whole's.
#[inline]
fn odd_quotes(bytes: &[u8]) -> bool {
    use wide::u8x16;
    let quote = u8x16::splat(b'"');
    let mut parity = u8x16::splat(0);
    let mut words = bytes.chunks_exact(16);
    for word in words.by_ref() {
        let mut lane = [0u8; 16];
        lane.copy_from_slice(word);
        parity ^= u8x16::new(lane).cmp_eq(quote);
    }
    let rest = words.remainder().iter().filter(|b| **b == b'"').count();
    (parity.move_mask().count_ones() as usize + rest) % 2 == 1
}

/// The end of the first row of `bytes` (after its newline), if it ends there.
fn first_row_end(bytes: &[u8]) -> Option<usize> {
    let mut in_quote = false;
    for at in memchr::memchr2_iter(b'"', b'\n', bytes) {
        if bytes[at] == b'"' {
            in_quote = !in_quote;
        } else if !in_quote {
            return Some(at + 1);
        }
    }
    None
}

impl<R: Read> Chunker<R> {
    pub(crate) fn new(
        source: R,
        path: &Path,
        target: usize,
        limit: usize,
    ) -> Result<(Self, Vec<u8>)> {
        let mut c = Chunker {
            source,
            path: path.to_path_buf(),
            pending: Vec::new(),
            scanned: 0,
            in_quote: false,
            boundary: 0,
            skipping: false,
            target: target.max(1),
            limit: limit.max(1),
            eof: false,
            index: 0,
            pool: None,
            too_long: 0,
        };
        // The header: the first row, which must fit in the limit.
        let end = loop {
            if let Some(end) = first_row_end(&c.pending) {
                break end;
            }
            if c.pending.len() > c.limit {
                return Err(Error::HeaderTooLong {
                    path: c.path.clone(),
                    limit: c.limit,
                });
            }
            if c.eof {
                break c.pending.len();
            }
            c.read_more(c.limit.min(1 << 16))?;
        };
        let mut header: Vec<u8> = c.pending.drain(..end).collect();
        if header.starts_with(BOM) {
            header.drain(..BOM.len());
        }
        if header.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(Error::NoHeader { path: c.path });
        }
        c.scan();
        Ok((c, header))
    }

    /// Reads up to `n` more bytes and scans them.
    fn fill(&mut self, n: usize) -> Result<()> {
        self.read_more(n)?;
        self.scan();
        Ok(())
    }

    /// Reads up to `n` more bytes.
    fn read_more(&mut self, n: usize) -> Result<()> {
        // `read_to_end` fills spare capacity without zeroing it first.
        let want = n as u64;
        let mut got = 0;
        while got < want {
            match (&mut self.source)
                .take(want - got)
                .read_to_end(&mut self.pending)
            {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(k) => got += k as u64,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io(&self.path)(e)),
            }
        }
        Ok(())
    }

    /// Scans the new bytes: the quote parity at their end, and the last row end among
    /// them (found backwards from the end: a block is counted about once). A row with no
    /// end within the limit is dropped as it streams (`skipping`) and counted; rows
    /// shorter than that are the parser's to check.
    fn scan(&mut self) {
        if self.skipping {
            self.skip();
            if self.skipping {
                return;
            }
        }
        let from = self.scanned;
        let end = self.pending.len();
        let at_end = self.in_quote ^ odd_quotes(&self.pending[from..end]);
        let (mut hi, mut quoted) = (end, at_end);
        while let Some(pos) = memchr::memrchr(b'\n', &self.pending[from..hi]) {
            let pos = from + pos;
            quoted ^= odd_quotes(&self.pending[pos + 1..hi]);
            if !quoted {
                self.boundary = pos + 1;
                break;
            }
            hi = pos;
        }
        self.in_quote = at_end;
        self.scanned = end;
        if end - self.boundary > self.limit {
            // The row after the last end is too long: drop what is read of it, skip the
            // rest (from the parity reached at `end`).
            self.pending.truncate(self.boundary);
            self.scanned = self.boundary;
            self.skipping = true;
        }
    }

    /// While skipping a long row: finds its end among the new bytes, drops it and scans
    /// on; or drops the new bytes.
    fn skip(&mut self) {
        let from = self.scanned;
        for off in memchr::memchr2_iter(b'"', b'\n', &self.pending[from..]) {
            let at = from + off;
            if self.pending[at] == b'"' {
                self.in_quote = !self.in_quote;
            } else if !self.in_quote {
                self.pending.drain(self.boundary..=at);
                self.too_long += 1;
                self.skipping = false;
                self.scanned = self.boundary;
                return;
            }
        }
        self.pending.truncate(self.boundary);
        self.scanned = self.boundary;
    }

    /// The next chunk of whole rows, or `None` at the end of the file.
    pub(crate) fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        loop {
            if self.boundary >= self.target || (self.eof && self.boundary > 0) {
                return Ok(Some(self.take(self.boundary)));
            }
            if self.eof {
                if self.skipping {
                    // A long last row, without a newline.
                    self.skipping = false;
                    self.too_long += 1;
                }
                if self.pending.iter().all(|b| b.is_ascii_whitespace()) {
                    self.pending.clear();
                    return Ok(None);
                }
                // The last row, without a newline.
                let n = self.pending.len();
                if n > self.limit {
                    self.pending.clear();
                    self.too_long += 1;
                    return Ok(None);
                }
                return Ok(Some(self.take(n)));
            }
            self.fill(self.target.min(self.limit).max(1 << 16))?;
        }
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        // The rest goes into a recycled buffer (a chunk given back), so chunks do not
        // fault in fresh pages each time.
        let mut rest = self
            .pool
            .as_ref()
            .and_then(|p| p.take())
            .unwrap_or_default();
        rest.clear();
        rest.reserve(self.target + (1 << 16));
        rest.extend_from_slice(&self.pending[n..]);
        self.pending.truncate(n);
        let chunk = std::mem::replace(&mut self.pending, rest);
        self.scanned -= n;
        self.boundary = 0;
        self.index += 1;
        chunk
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The lane-parallel quote parity is the count's.
        #[test]
        fn quote_parity_is_the_counts(
            bytes in proptest::collection::vec(prop_oneof![Just(b'"'), any::<u8>()], 0..200),
        ) {
            let want = bytes.iter().filter(|b| **b == b'"').count() % 2 == 1;
            prop_assert_eq!(odd_quotes(&bytes), want);
        }
    }

    fn chunks(data: &[u8], target: usize, limit: usize) -> (Vec<u8>, Vec<Vec<u8>>, u64) {
        let (mut c, header) = Chunker::new(data, Path::new("t.csv"), target, limit).unwrap();
        let mut out = Vec::new();
        while let Some(ch) = c.next_chunk().unwrap() {
            out.push(ch);
        }
        (header, out, c.too_long)
    }

    #[test]
    fn cuts_only_between_rows() {
        let data = b"a,b\n1,\"x\ny\"\n2,\"\"\"\"\n3,z\n";
        for target in 1..data.len() + 2 {
            let (header, out, long) = chunks(data, target, 1 << 20);
            assert_eq!(header, b"a,b\n");
            assert_eq!(long, 0);
            assert_eq!(out.concat(), &data[4..]);
            for ch in &out {
                // Every chunk ends at a row end (here: each row ends in a newline).
                assert!(ch.ends_with(b"\n"), "{:?}", String::from_utf8_lossy(ch));
                assert_eq!(ch.iter().filter(|b| **b == b'"').count() % 2, 0);
            }
        }
    }

    #[test]
    fn skips_and_counts_a_long_row() {
        let mut data = b"h\n1\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 200_000));
        data.extend(b"\n2\n3");
        let (_, out, long) = chunks(&data, 4, 100);
        assert_eq!(long, 1);
        assert_eq!(out.concat(), b"1\n2\n3");
    }

    #[test]
    fn a_bom_and_an_empty_file() {
        let (header, out, _) = chunks(b"\xEF\xBB\xBFa\r\n1\r\n", 1 << 20, 1 << 20);
        assert_eq!(header, b"a\r\n");
        assert_eq!(out.concat(), b"1\r\n");
        assert!(matches!(
            Chunker::new(&b""[..], Path::new("t.csv"), 10, 10),
            Err(Error::NoHeader { .. })
        ));
        assert!(matches!(
            Chunker::new(&b"abcdef"[..], Path::new("t.csv"), 10, 3),
            Err(Error::HeaderTooLong { .. })
        ));
    }
}
