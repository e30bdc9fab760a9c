//! A tiny CBOR tree for building malformed objects: parse a valid object, change one thing,
//! encode it again. `Raw` items are written byte for byte, which is how non-canonical heads,
//! forbidden major types and broken strings get in.

/// One data item.
#[allow(dead_code)]
#[derive(Clone, Debug, PartialEq)]
pub enum C {
    /// Unsigned integer.
    U(u64),
    /// Byte string.
    B(Vec<u8>),
    /// Text string, as raw bytes (so invalid UTF-8 can be written).
    T(Vec<u8>),
    /// Array.
    A(Vec<C>),
    /// Map, entries in the order written.
    M(Vec<(C, C)>),
    /// Bytes written as they are.
    Raw(Vec<u8>),
}

/// The shortest head of major type `major` with argument `n`.
pub fn head(major: u8, n: u64) -> Vec<u8> {
    let m = major << 5;
    match n {
        0..=23 => vec![m | n as u8],
        24..=0xff => vec![m | 24, n as u8],
        0x100..=0xffff => {
            let mut v = vec![m | 25];
            v.extend_from_slice(&(n as u16).to_be_bytes());
            v
        }
        0x1_0000..=0xffff_ffff => {
            let mut v = vec![m | 26];
            v.extend_from_slice(&(n as u32).to_be_bytes());
            v
        }
        _ => {
            let mut v = vec![m | 27];
            v.extend_from_slice(&n.to_be_bytes());
            v
        }
    }
}

#[allow(dead_code)]
impl C {
    /// The encoding (shortest heads, entries in the order held).
    pub fn enc(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            C::U(n) => out.extend(head(0, *n)),
            C::B(b) => {
                out.extend(head(2, b.len() as u64));
                out.extend_from_slice(b);
            }
            C::T(t) => {
                out.extend(head(3, t.len() as u64));
                out.extend_from_slice(t);
            }
            C::A(items) => {
                out.extend(head(4, items.len() as u64));
                for i in items {
                    i.write(out);
                }
            }
            C::M(entries) => {
                out.extend(head(5, entries.len() as u64));
                for (k, v) in entries {
                    k.write(out);
                    v.write(out);
                }
            }
            C::Raw(r) => out.extend_from_slice(r),
        }
    }

    /// Parses a valid, canonical item (the generator's own objects only).
    pub fn parse(bytes: &[u8]) -> C {
        let mut pos = 0;
        let c = parse_at(bytes, &mut pos);
        assert_eq!(pos, bytes.len(), "trailing bytes in a fixture");
        c
    }

    /// The entries of a map.
    pub fn entries(&mut self) -> &mut Vec<(C, C)> {
        match self {
            C::M(e) => e,
            _ => panic!("not a map"),
        }
    }

    /// The items of an array.
    pub fn items(&mut self) -> &mut Vec<C> {
        match self {
            C::A(i) => i,
            _ => panic!("not an array"),
        }
    }

    /// The value of map key `k`.
    pub fn get(&mut self, k: u64) -> &mut C {
        self.entries()
            .iter_mut()
            .find(|(key, _)| *key == C::U(k))
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no key {k}"))
    }

    /// Replaces the value of map key `k`.
    pub fn set(&mut self, k: u64, v: C) {
        *self.get(k) = v;
    }

    /// Removes map key `k`.
    pub fn remove(&mut self, k: u64) {
        self.entries().retain(|(key, _)| *key != C::U(k));
    }

    /// Inserts an entry at `pos` in the map's entry order.
    pub fn insert_at(&mut self, pos: usize, k: C, v: C) {
        self.entries().insert(pos, (k, v));
    }

    /// Position of key `k` in the entry order.
    pub fn pos(&mut self, k: u64) -> usize {
        self.entries()
            .iter()
            .position(|(key, _)| *key == C::U(k))
            .unwrap_or_else(|| panic!("no key {k}"))
    }
}

fn arg(bytes: &[u8], pos: &mut usize) -> (u8, u64) {
    let ib = bytes[*pos];
    *pos += 1;
    let (major, ai) = (ib >> 5, ib & 0x1f);
    let n = match ai {
        0..=23 => u64::from(ai),
        24..=27 => {
            let len = 1usize << (ai - 24);
            let mut n = 0u64;
            for &b in &bytes[*pos..*pos + len] {
                n = (n << 8) | u64::from(b);
            }
            *pos += len;
            n
        }
        _ => panic!("fixture has ai {ai}"),
    };
    (major, n)
}

fn parse_at(bytes: &[u8], pos: &mut usize) -> C {
    let (major, n) = arg(bytes, pos);
    let n_us = n as usize;
    match major {
        0 => C::U(n),
        2 | 3 => {
            let b = bytes[*pos..*pos + n_us].to_vec();
            *pos += n_us;
            if major == 2 { C::B(b) } else { C::T(b) }
        }
        4 => C::A((0..n).map(|_| parse_at(bytes, pos)).collect()),
        5 => C::M(
            (0..n)
                .map(|_| {
                    let k = parse_at(bytes, pos);
                    let v = parse_at(bytes, pos);
                    (k, v)
                })
                .collect(),
        ),
        _ => panic!("fixture has major type {major}"),
    }
}
