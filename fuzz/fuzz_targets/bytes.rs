/// Reads numbers from the fuzzer's bytes (zeros once they run out).
pub struct Bytes<'a>(pub &'a [u8]);

impl Bytes<'_> {
    pub fn u8(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    pub fn i64(&mut self) -> i64 {
        (u64::from(self.u32()) | (u64::from(self.u32()) << 32)) as i64
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
