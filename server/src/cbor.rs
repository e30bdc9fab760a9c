//! A tiny CBOR tree for the hostile modes that edit a keyring (`slot-transplant`,
//! `kdf-swap`): decode a stored keyring, change one item, encode it again. Only what v1
//! objects use (unsigned integers, byte and text strings, arrays, maps with integer keys,
//! definite lengths, shortest heads), so that a canonical object round-trips byte for byte.
//! The result is what a lying server would send; its MAC no longer matches, by design.

/// One data item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// Unsigned integer.
    Uint(u64),
    /// Byte string.
    Bytes(Vec<u8>),
    /// Text string (kept as bytes).
    Text(Vec<u8>),
    /// Array.
    Array(Vec<Item>),
    /// Map, entries in encoded order.
    Map(Vec<(Item, Item)>),
}

/// Decodes exactly one item spanning `input`, or none.
pub fn decode(input: &[u8]) -> Option<Item> {
    let mut pos = 0;
    let item = read(input, &mut pos, 0)?;
    (pos == input.len()).then_some(item)
}

fn read(input: &[u8], pos: &mut usize, depth: usize) -> Option<Item> {
    if depth > 16 {
        return None;
    }
    let initial = *input.get(*pos)?;
    *pos += 1;
    let major = initial >> 5;
    let info = initial & 0x1f;
    let arg = match info {
        0..=23 => u64::from(info),
        24..=27 => {
            let len = 1usize << (info - 24);
            let bytes = input.get(*pos..*pos + len)?;
            *pos += len;
            bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
        }
        _ => return None,
    };
    let take = |pos: &mut usize| -> Option<Vec<u8>> {
        let len = usize::try_from(arg).ok()?;
        let bytes = input.get(*pos..pos.checked_add(len)?)?.to_vec();
        *pos += len;
        Some(bytes)
    };
    match major {
        0 => Some(Item::Uint(arg)),
        2 => take(pos).map(Item::Bytes),
        3 => take(pos).map(Item::Text),
        4 => {
            let mut items = Vec::new();
            for _ in 0..arg {
                items.push(read(input, pos, depth + 1)?);
            }
            Some(Item::Array(items))
        }
        5 => {
            let mut entries = Vec::new();
            for _ in 0..arg {
                let k = read(input, pos, depth + 1)?;
                let v = read(input, pos, depth + 1)?;
                entries.push((k, v));
            }
            Some(Item::Map(entries))
        }
        _ => None,
    }
}

fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend([m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend((n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend(n.to_be_bytes());
        }
    }
}

impl Item {
    /// The encoding, shortest heads, entries in the order held.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Item::Uint(n) => head(out, 0, *n),
            Item::Bytes(b) => {
                head(out, 2, b.len() as u64);
                out.extend_from_slice(b);
            }
            Item::Text(t) => {
                head(out, 3, t.len() as u64);
                out.extend_from_slice(t);
            }
            Item::Array(items) => {
                head(out, 4, items.len() as u64);
                for i in items {
                    i.write(out);
                }
            }
            Item::Map(entries) => {
                head(out, 5, entries.len() as u64);
                for (k, v) in entries {
                    k.write(out);
                    v.write(out);
                }
            }
        }
    }

    /// The value of integer key `key` of a map.
    pub fn get_mut(&mut self, key: u64) -> Option<&mut Item> {
        match self {
            Item::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| *k == Item::Uint(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Item `index` of an array.
    pub fn index_mut(&mut self, index: usize) -> Option<&mut Item> {
        match self {
            Item::Array(items) => items.get_mut(index),
            _ => None,
        }
    }
}

/// The canonical unpadded base64url of `bytes` (the text forms of SPEC.md section 13).
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_encodes_text() {
        let bytes = [
            0xa2, 0x01, 0x18, 0x40, 0x05, 0x82, 0x43, 1, 2, 3, 0x62, b'h', b'i',
        ];
        let item = decode(&bytes).unwrap();
        assert_eq!(item.encode(), bytes);
        assert_eq!(decode(&bytes[..5]), None);
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }
}
