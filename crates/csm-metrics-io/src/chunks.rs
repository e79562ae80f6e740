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
        let start = self.pending.len();
        self.pending.resize(start + n, 0);
        let mut got = 0;
        while got < n {
            match self.source.read(&mut self.pending[start + got..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(k) => got += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io(&self.path)(e)),
            }
        }
        self.pending.truncate(start + got);
        Ok(())
    }

    /// Scans the new bytes: quote parity and row ends. A row longer than the limit is
    /// cut out (or, while it has no end yet, not kept: `skipping`), and counted.
    fn scan(&mut self) {
        let mut i = self.scanned;
        while let Some(off) = memchr::memchr2(b'"', b'\n', &self.pending[i..]) {
            let at = i + off;
            i = at + 1;
            if self.pending[at] == b'"' {
                self.in_quote = !self.in_quote;
                continue;
            }
            if self.in_quote {
                continue;
            }
            if self.skipping || at + 1 - self.boundary > self.limit {
                self.pending.drain(self.boundary..=at);
                i = self.boundary;
                self.too_long += 1;
                self.skipping = false;
                continue;
            }
            self.boundary = at + 1;
        }
        if !self.skipping && self.pending.len() - self.boundary > self.limit {
            self.skipping = true;
        }
        if self.skipping {
            self.pending.truncate(self.boundary);
        }
        self.scanned = self.pending.len();
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
        let rest = self.pending.split_off(n);
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
        data.extend(std::iter::repeat_n(b'x', 10_000));
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
