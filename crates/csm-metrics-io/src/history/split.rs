//! A fast path for the rows of a chunk: every byte that matters (`,`, `\n`, `"`, `\r`) of
//! 64 bytes found at once as bit masks (SIMD compares through the `wide` crate, as simdjson
//! finds a block's structure), the quoted regions from the quotes' running parity, and
//! each field's end then one bit taken off a mask. A row is simple (read here) when each
//! of its quotes opens a field or closes one (no doubled quote inside, no text after a
//! closing quote), it has no lone `\r` and at most [`MAX_FIELDS`] fields; any other row
//! goes to the `csv` crate, so every row reads exactly as RFC 4180 says (the property test
//! below checks the two against the `csv` crate on arbitrary bytes).

use csv::ByteRecord;
use wide::u8x16;

/// Fields the fast path splits; a wider row goes to the `csv` crate.
pub(crate) const MAX_FIELDS: usize = 16;
const _: () = assert!(MAX_FIELDS.is_power_of_two());

/// One row's fields and its length in bytes (without its line end).
pub(crate) struct Fields<'a> {
    pub(crate) fields: [&'a [u8]; MAX_FIELDS],
    pub(crate) len: usize,
    /// Bytes of the row.
    pub(crate) bytes: usize,
    /// Whether a byte of the row (its line end apart) is a space, a tab or another byte at
    /// most `0x20`: only then may a field have spaces to trim.
    pub(crate) spaced: bool,
}

/// A row of a chunk as read: split fast, or by the `csv` crate.
pub(crate) enum Row<'a, 'r> {
    Fast(&'a Fields<'a>),
    Csv(&'r ByteRecord),
}

/// The bytes of a 64-byte block that matter, a mask each (bit `i` for the block's byte
/// `i`), once read from the quote parity it starts with; bytes past the chunk's end read
/// as zeros.
#[derive(Debug, Clone, Copy, Default)]
struct Block {
    /// Commas outside quotes.
    comma: u64,
    /// Newlines outside quotes.
    nl: u64,
    quote: u64,
    cr: u64,
    /// Bytes at most `0x20`.
    low: u64,
    /// Bytes inside quotes: an opening quote is in, a closing one out.
    inside: u64,
}

impl Block {
    /// The block of `chunk` at `base`, read from the parity `inside` (whether it starts
    /// inside a quoted field).
    #[inline(always)]
    fn at(chunk: &[u8], base: usize, inside: bool) -> Block {
        let mut pad = [0u8; 64];
        let rest = chunk.get(base..).unwrap_or_default();
        let bytes: &[u8; 64] = match rest.get(..64).map(<&[u8; 64]>::try_from) {
            Some(Ok(bytes)) => bytes,
            _ => {
                pad[..rest.len().min(64)].copy_from_slice(&rest[..rest.len().min(64)]);
                &pad
            }
        };
        let mut b = Block::default();
        for k in 0..4 {
            let mut lane = [0u8; 16];
            lane.copy_from_slice(&bytes[16 * k..16 * k + 16]);
            let v = u8x16::new(lane);
            let mask = |x: u8x16| u64::from(x.move_mask() as u16) << (16 * k);
            b.comma |= mask(v.cmp_eq(u8x16::splat(b',')));
            b.nl |= mask(v.cmp_eq(u8x16::splat(b'\n')));
            b.quote |= mask(v.cmp_eq(u8x16::splat(b'"')));
            b.cr |= mask(v.cmp_eq(u8x16::splat(b'\r')));
            b.low |= mask(v.min(u8x16::splat(b' ')).cmp_eq(v));
        }
        // Bit i of the prefix XOR: the parity of the quotes up to byte i.
        let mut p = b.quote;
        for shift in [1, 2, 4, 8, 16, 32] {
            p ^= p << shift;
        }
        b.inside = if inside { !p } else { p };
        b.comma &= !b.inside;
        b.nl &= !b.inside;
        b
    }

    /// Whether the block ends inside a quoted field.
    #[inline(always)]
    fn ends_inside(&self) -> bool {
        self.inside >> 63 != 0
    }
}

/// Bits below bit `n` (all for 64).
#[inline(always)]
fn below(n: usize) -> u64 {
    1u64.checked_shl(n as u32).map_or(u64::MAX, |b| b - 1)
}

/// Calls `f` with every row of `chunk` (whole rows, as the chunker cuts them), in order;
/// returns the rows read. Empty lines are skipped, as the `csv` crate skips them.
pub(crate) fn each_row(chunk: &[u8], mut f: impl FnMut(Row<'_, '_>)) -> u64 {
    let mut rows = 0;
    let mut out = Fields {
        fields: [&[]; MAX_FIELDS],
        len: 0,
        bytes: 0,
        spaced: false,
    };
    let mut record = ByteRecord::new();
    // Where the rows read fast start again (a row start): the chunk's start, then after
    // each row the `csv` crate read.
    let mut restart = 0;
    'blocks: while restart < chunk.len() {
        let (mut base, mut row_start, mut field_start) = (restart, restart, restart);
        let mut n = 0;
        // Whether the row so far has a byte to trim around.
        let mut spaced = false;
        // Whether a field starts at the block's first byte.
        let mut start_bit = 1u64;
        let mut cur = Block::at(chunk, base, false);
        while base < chunk.len() {
            let next = Block::at(chunk, base + 64, cur.ends_inside());
            let term = cur.comma | cur.nl;
            // A `\r` just before a newline ends a row with it (CRLF).
            let nl_after = (cur.nl >> 1) | (next.nl << 63);
            let crlf = cur.cr & nl_after;
            let next_crlf = next.cr & (next.nl >> 1);
            // The last byte of each field (before `,`, `\n` or `\r\n`), the first of each.
            let ends = (((term >> 1) | (next.comma | next.nl) << 63) & !crlf)
                | (crlf >> 1)
                | (next_crlf << 63);
            let starts = (term << 1) | start_bit;
            let opening = cur.quote & cur.inside;
            let closing = cur.quote & !cur.inside;
            let bad = (opening & !starts) | (closing & !ends) | (cur.cr & !cur.inside & !crlf);
            let stop = bad.trailing_zeros() as usize;
            let low = cur.low & !cur.nl & !crlf;
            let mut bits = term & below(stop);
            while bits != 0 {
                let r = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let t = base + r;
                let row_end = cur.nl >> r & 1 != 0;
                let end = if row_end && crlf_before(chunk, t, field_start) {
                    t - 1
                } else {
                    t
                };
                let raw = chunk.get(field_start..end).unwrap_or_default();
                let field = match raw.first() {
                    Some(b'"') => raw.get(1..raw.len() - 1).unwrap_or(raw),
                    _ => raw,
                };
                if let Some(slot) = out.fields.get_mut(n) {
                    *slot = field;
                }
                n += 1;
                field_start = t + 1;
                if row_end {
                    let from = row_start.saturating_sub(base);
                    spaced |= low & below(r) & !below(from) != 0;
                    if n > MAX_FIELDS {
                        // Too wide for the fast path: the row by the `csv` crate.
                        let mut reader =
                            super::csv_reader(chunk.get(row_start..=t).unwrap_or_default());
                        if super::read_record(&mut reader, &mut record) {
                            rows += 1;
                            f(Row::Csv(&record));
                        }
                    } else if n > 1 || end > row_start {
                        out.len = n;
                        out.bytes = end - row_start;
                        out.spaced = spaced;
                        rows += 1;
                        f(Row::Fast(&out));
                    }
                    n = 0;
                    spaced = false;
                    row_start = t + 1;
                }
            }
            if stop < 64 {
                // A row that is not simple: it, by the `csv` crate, and the fast path
                // again after it.
                let rest = chunk.get(row_start..).unwrap_or_default();
                let mut reader = super::csv_reader(rest);
                if !super::read_record(&mut reader, &mut record) {
                    break 'blocks;
                }
                rows += 1;
                f(Row::Csv(&record));
                restart = row_start + (reader.position().byte() as usize).max(1);
                continue 'blocks;
            }
            let from = row_start.saturating_sub(base);
            spaced |= low & !below(from) != 0;
            start_bit = term >> 63;
            base += 64;
            cur = next;
        }
        // The last row, without a line end (or inside a quote to the end): the `csv` crate.
        let mut reader = super::csv_reader(chunk.get(row_start..).unwrap_or_default());
        while super::read_record(&mut reader, &mut record) {
            rows += 1;
            f(Row::Csv(&record));
        }
        break;
    }
    rows
}

/// Whether the newline at `t` ends a CRLF line end inside the field that starts at `from`.
#[inline(always)]
fn crlf_before(chunk: &[u8], t: usize, from: usize) -> bool {
    t > from && chunk.get(t - 1) == Some(&b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn by_csv(chunk: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut reader = super::super::csv_reader(chunk);
        let mut record = ByteRecord::new();
        let mut out = Vec::new();
        while super::super::read_record(&mut reader, &mut record) {
            out.push(record.iter().map(|f| f.trim_ascii().to_vec()).collect());
        }
        out
    }

    fn by_split(chunk: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        each_row(chunk, |row| {
            out.push(match row {
                Row::Fast(f) => f.fields[..f.len]
                    .iter()
                    .map(|f| f.trim_ascii().to_vec())
                    .collect(),
                Row::Csv(r) => r.iter().map(|f| f.trim_ascii().to_vec()).collect(),
            })
        });
        out
    }

    #[test]
    fn history_rows_split_fast() {
        let chunk = b"1,1735689600,\"created\",\"\",false,\"\",0\r\n2,17,message,agent,true,,3\n\n3,\"billing, EU\",\"a\"\"b\",x\n";
        let rows = by_split(chunk);
        assert_eq!(rows, by_csv(chunk));
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2][1], b"billing, EU");
        assert_eq!(rows[2][2], b"a\"b");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// A block's masks are what a byte loop finds, at any offset (past the end too)
        /// and from either parity.
        #[test]
        fn a_blocks_masks_are_its_bytes(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b','), Just(b'\n'), Just(b'"'), Just(b'\r'), Just(b' '), any::<u8>()],
                0..150,
            ),
            base in 0usize..160,
            inside in any::<bool>(),
        ) {
            let b = Block::at(&bytes, base, inside);
            let (mut comma, mut nl, mut quote, mut cr, mut low, mut ins) = (0u64, 0, 0, 0, 0, 0);
            let mut parity = inside;
            for i in 0..64 {
                let byte = bytes.get(base + i).copied().unwrap_or(0);
                if byte == b'"' {
                    parity = !parity;
                    quote |= 1 << i;
                }
                if parity {
                    ins |= 1 << i;
                }
                if byte == b',' && !parity {
                    comma |= 1 << i;
                }
                if byte == b'\n' && !parity {
                    nl |= 1 << i;
                }
                if byte == b'\r' {
                    cr |= 1 << i;
                }
                if byte <= b' ' {
                    low |= 1 << i;
                }
            }
            prop_assert_eq!(
                (b.comma, b.nl, b.quote, b.cr, b.low, b.inside),
                (comma, nl, quote, cr, low, ins)
            );
        }

        /// Whatever the bytes, the fast path reads what the `csv` crate reads, and a row
        /// it says has nothing to trim has nothing to trim.
        #[test]
        fn the_fast_path_reads_as_the_csv_crate(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just(b",".to_vec()), Just(b"\n".to_vec()), Just(b"\r\n".to_vec()),
                    Just(b"\r".to_vec()), Just(b"\"".to_vec()), Just(b"\"\"".to_vec()),
                    Just(b" ".to_vec()), Just(b"\t".to_vec()), Just(b"abc".to_vec()),
                    Just(b"17".to_vec()), Just(b"\"x,y\"".to_vec()), Just(b"\"a\nb\"".to_vec()),
                    Just(b"\"a\r\nb\"".to_vec()), Just(b"\"z\"".to_vec()),
                    Just(vec![b'x'; 61]), Just(b",,,,,,,,,".to_vec()),
                ],
                0..80,
            ),
        ) {
            let chunk: Vec<u8> = parts.concat();
            prop_assert_eq!(by_split(&chunk), by_csv(&chunk));
            let mut untrimmed = Vec::new();
            each_row(&chunk, |row| {
                if let Row::Fast(f) = row {
                    if !f.spaced {
                        untrimmed.extend(
                            f.fields[..f.len].iter().filter(|x| x.trim_ascii() != **x).map(|x| x.to_vec()),
                        );
                    }
                }
            });
            prop_assert!(untrimmed.is_empty(), "{:?}", untrimmed);
        }
    }
}
