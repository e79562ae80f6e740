//! A fast path for the rows of a chunk: fields split eight bytes at a time where a row is simple
//! (fields unquoted, or quoted without a doubled quote inside, at most [`MAX_FIELDS`]),
//! and the `csv` crate for any other row, so every row reads exactly as RFC 4180 says
//! (the property test below checks both against the `csv` crate on arbitrary bytes).

use csv::ByteRecord;

/// Fields the fast path splits; a wider row goes to the `csv` crate.
pub(crate) const MAX_FIELDS: usize = 16;

/// One row's fields and its length in bytes (without its line end).
pub(crate) struct Fields<'a> {
    pub(crate) fields: [&'a [u8]; MAX_FIELDS],
    pub(crate) len: usize,
    /// Bytes of the row.
    pub(crate) bytes: usize,
}

/// A row of a chunk as read: split fast, or by the `csv` crate.
pub(crate) enum Row<'a, 'r> {
    Fast(&'a Fields<'a>),
    Csv(&'r ByteRecord),
}

/// The first byte `stop` matches, a byte at a time (the last bytes of a chunk).
#[inline(always)]
fn find(bytes: &[u8], stop: impl Fn(u8) -> bool) -> Option<usize> {
    bytes.iter().position(|b| stop(*b))
}

/// The first byte of `bytes` that is one of `stops` (or its length), eight bytes at a
/// time: an unquoted field's end (`,`, `\n`, `"`, `\r`), a quoted field's closing quote.
/// In `(x - 0x01…01) & !x & 0x80…80` the lowest flagged byte is always a zero byte of `x`
/// (a false flag only follows a true one), so the lowest flag of the patterns' masks is
/// the first stop.
#[inline(always)]
fn first_of<const N: usize>(bytes: &[u8], stops: [u8; N]) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        let w = u64::from_le_bytes(w);
        let flags = stops.iter().fold(0, |f, &stop| {
            let x = w ^ (LO * u64::from(stop));
            f | (x.wrapping_sub(LO) & !x & HI)
        });
        if flags != 0 {
            return at + (flags.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    let rest = words.remainder();
    at + find(rest, |b| stops.contains(&b)).unwrap_or(rest.len())
}

/// Splits one simple row starting at `at`: its fields and where the next row starts, or
/// `None` if the row is not simple.
#[inline]
fn simple<'a>(chunk: &'a [u8], at: usize, out: &mut Fields<'a>) -> Option<usize> {
    let mut pos = at;
    out.len = 0;
    loop {
        if out.len == MAX_FIELDS {
            return None;
        }
        let (field, end) = if chunk.get(pos) == Some(&b'"') {
            let inside = &chunk[pos + 1..];
            let quote = first_of(inside, [b'"']);
            if quote == inside.len() {
                return None;
            }
            let close = pos + 1 + quote;
            (&chunk[pos + 1..close], close + 1)
        } else {
            let rest = &chunk[pos..];
            // One pass: a quote inside, or a `\r` but for a `\r\n` line end (a lone
            // `\r` is a line end to the `csv` crate), is not simple.
            let stop = first_of(rest, [b',', b'\n', b'"', b'\r']);
            match rest.get(stop) {
                Some(b'"') => return None,
                Some(b'\r') if rest.get(stop + 1) != Some(&b'\n') => return None,
                _ => {}
            }
            (&rest[..stop], pos + stop)
        };
        out.fields[out.len] = field;
        out.len += 1;
        match chunk.get(end) {
            Some(b',') => pos = end + 1,
            Some(b'\n') => {
                out.bytes = end - at;
                return Some(end + 1);
            }
            // A `\r\n` line end.
            Some(b'\r') if chunk.get(end + 1) == Some(&b'\n') => {
                out.bytes = end - at;
                return Some(end + 2);
            }
            None => {
                out.bytes = end - at;
                return Some(end);
            }
            // A doubled quote, text after a closing quote, a lone `\r`: not simple.
            _ => return None,
        }
    }
}

/// Calls `f` with every row of `chunk` (whole rows, as the chunker cuts them), in order;
/// returns the rows read. Empty lines are skipped, as the `csv` crate skips them.
pub(crate) fn each_row(chunk: &[u8], mut f: impl FnMut(Row<'_, '_>)) -> u64 {
    let mut rows = 0;
    let mut at = 0;
    let mut fields = Fields {
        fields: [&[]; MAX_FIELDS],
        len: 0,
        bytes: 0,
    };
    let mut record = ByteRecord::new();
    while at < chunk.len() {
        match chunk[at] {
            b'\n' | b'\r' => {
                at += 1;
                continue;
            }
            _ => {}
        }
        rows += 1;
        if let Some(next) = simple(chunk, at, &mut fields) {
            f(Row::Fast(&fields));
            at = next;
            continue;
        }
        // Not simple: this one row by the `csv` crate.
        let mut reader = super::csv_reader(&chunk[at..]);
        if !super::read_record(&mut reader, &mut record) {
            rows -= 1;
            break;
        }
        f(Row::Csv(&record));
        let used = reader.position().byte() as usize;
        at += used.max(1);
    }
    rows
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
        /// The word-at-a-time search finds what a byte loop finds, any bytes (high ones
        /// too, and stops in every position of a word).
        #[test]
        fn stops_are_found_a_word_at_a_time(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b','), Just(b'\n'), Just(b'"'), Just(b'\r'), any::<u8>()],
                0..40,
            ),
            skip in 0usize..40,
        ) {
            let bytes = &bytes[skip.min(bytes.len())..];
            let want = bytes
                .iter()
                .position(|b| matches!(b, b',' | b'\n' | b'"' | b'\r'))
                .unwrap_or(bytes.len());
            prop_assert_eq!(first_of(bytes, [b',', b'\n', b'"', b'\r']), want);
            let quote = bytes.iter().position(|b| *b == b'"').unwrap_or(bytes.len());
            prop_assert_eq!(first_of(bytes, [b'"']), quote);
        }

        /// Whatever the bytes, the fast path reads what the `csv` crate reads.
        #[test]
        fn the_fast_path_reads_as_the_csv_crate(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just(b",".to_vec()), Just(b"\n".to_vec()), Just(b"\r\n".to_vec()),
                    Just(b"\r".to_vec()), Just(b"\"".to_vec()), Just(b"\"\"".to_vec()),
                    Just(b" ".to_vec()), Just(b"abc".to_vec()), Just(b"17".to_vec()),
                    Just(b"\"x,y\"".to_vec()), Just(b"\"a\nb\"".to_vec()),
                ],
                0..40,
            ),
        ) {
            let chunk: Vec<u8> = parts.concat();
            prop_assert_eq!(by_split(&chunk), by_csv(&chunk));
        }
    }
}
