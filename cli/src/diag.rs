//! CBOR diagnostic notation (RFC 8949 section 8, with EDN `/ comments /`) of an object the
//! library has already accepted, so only the profile's major types 0, 2, 3, 4 and 5 occur.

use std::fmt::Write;

/// One decoded data item.
#[derive(Debug)]
pub enum Node<'a> {
    /// Major type 0.
    Uint(u64),
    /// Major type 2.
    Bytes(&'a [u8]),
    /// Major type 3.
    Text(&'a str),
    /// Major type 4.
    Array(Vec<Node<'a>>),
    /// Major type 5 with unsigned keys (the profile allows no other).
    Map(Vec<(u64, Node<'a>)>),
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let n = usize::try_from(n).ok()?;
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn head(&mut self) -> Option<(u8, u64)> {
        let ib = self.byte()?;
        let arg = match ib & 0x1f {
            a @ 0..=23 => u64::from(a),
            24 => u64::from(self.byte()?),
            25 => u64::from(u16::from_be_bytes(self.take(2)?.try_into().ok()?)),
            26 => u64::from(u32::from_be_bytes(self.take(4)?.try_into().ok()?)),
            27 => u64::from_be_bytes(self.take(8)?.try_into().ok()?),
            _ => return None,
        };
        Some((ib >> 5, arg))
    }

    fn item(&mut self, depth: usize) -> Option<Node<'a>> {
        if depth > 8 {
            return None;
        }
        let (major, arg) = self.head()?;
        Some(match major {
            0 => Node::Uint(arg),
            2 => Node::Bytes(self.take(arg)?),
            3 => Node::Text(std::str::from_utf8(self.take(arg)?).ok()?),
            4 => {
                let n = usize::try_from(arg).ok()?.min(self.buf.len());
                let mut v = Vec::with_capacity(n);
                for _ in 0..arg {
                    v.push(self.item(depth + 1)?);
                }
                Node::Array(v)
            }
            5 => {
                let n = usize::try_from(arg).ok()?.min(self.buf.len());
                let mut v = Vec::with_capacity(n);
                for _ in 0..arg {
                    let Node::Uint(k) = self.item(depth + 1)? else {
                        return None;
                    };
                    v.push((k, self.item(depth + 1)?));
                }
                Node::Map(v)
            }
            _ => return None,
        })
    }
}

/// Parses one complete item; `None` if the bytes are not a single profile item.
pub fn parse(buf: &[u8]) -> Option<Node<'_>> {
    let mut r = Reader { buf, pos: 0 };
    let node = r.item(0)?;
    (r.pos == buf.len()).then_some(node)
}

/// Which object the keys belong to, for the comments.
#[derive(Clone, Copy)]
enum Ctx {
    Keyring,
    Record,
    Slot,
    Other,
}

fn comment(ctx: Ctx, key: u64, value: &Node<'_>) -> Option<String> {
    let s = match (ctx, key) {
        (Ctx::Keyring, 1) => "object type: keyring",
        (Ctx::Record, 1) => "object type: sealed record",
        (_, 2) if matches!(ctx, Ctx::Keyring | Ctx::Record) => "format version",
        (Ctx::Keyring, 3) => "keyring id",
        (Ctx::Keyring, 4) => "generation",
        (Ctx::Keyring, 5) => "key slots",
        (Ctx::Keyring, 6) => "keyring MAC",
        (Ctx::Record, 3) => "keyring id",
        (Ctx::Record, 4) => "HKDF salt",
        (Ctx::Record, 5) => "AES-GCM nonce",
        (Ctx::Record, 6) => "key commitment",
        (Ctx::Record, 7) => "ciphertext || tag",
        (Ctx::Slot, 1) => {
            return Some(match value {
                Node::Uint(1) => "slot kind: password".into(),
                Node::Uint(2) => "slot kind: recovery".into(),
                _ => "slot kind".into(),
            });
        }
        (Ctx::Slot, 2) => "label",
        (Ctx::Slot, 3) => {
            return Some(match value {
                Node::Array(a) if matches!(a.first(), Some(Node::Uint(1))) => {
                    "KDF: PBKDF2-HMAC-SHA256, iterations".into()
                }
                Node::Array(a) if matches!(a.first(), Some(Node::Uint(2))) => {
                    "KDF: Argon2id, memory KiB, time cost, parallelism".into()
                }
                _ => "KDF".into(),
            });
        }
        (Ctx::Slot, 4) => "KDF salt",
        (Ctx::Slot, 5) => "AES-GCM nonce",
        (Ctx::Slot, 6) => "wrapped DEK: ciphertext || tag",
        (Ctx::Slot, 7) => "key commitment",
        _ => return None,
    };
    Some(s.to_string())
}

/// Writes `node` in diagnostic notation, with `/ comments /` naming the fields.
pub fn render(node: &Node<'_>) -> String {
    let ctx = match node {
        Node::Map(m) => match m.first() {
            Some((1, Node::Uint(1))) => Ctx::Keyring,
            Some((1, Node::Uint(2))) => Ctx::Record,
            _ => Ctx::Other,
        },
        _ => Ctx::Other,
    };
    let mut out = String::new();
    write_node(&mut out, node, ctx, 0);
    out.push('\n');
    out
}

fn write_node(out: &mut String, node: &Node<'_>, ctx: Ctx, indent: usize) {
    let pad = "  ".repeat(indent + 1);
    match node {
        Node::Uint(v) => {
            let _ = write!(out, "{v}");
        }
        Node::Bytes(b) => {
            let _ = write!(out, "h'{}'", hex::encode(b));
        }
        Node::Text(t) => {
            // JSON string escapes are valid diagnostic notation for text strings; labels come
            // from whoever made the keyring, so nothing that acts on a terminal stays raw.
            out.push_str(&crate::term::json_string(t));
        }
        Node::Array(items) => {
            let flat = items.iter().all(|i| matches!(i, Node::Uint(_)));
            if flat {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_node(out, item, Ctx::Other, indent);
                }
                out.push(']');
            } else {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&pad);
                    let child = if matches!(ctx, Ctx::Keyring) {
                        Ctx::Slot
                    } else {
                        Ctx::Other
                    };
                    write_node(out, item, child, indent + 1);
                    if i + 1 < items.len() {
                        out.push(',');
                    }
                    out.push('\n');
                }
                out.push_str(&"  ".repeat(indent));
                out.push(']');
            }
        }
        Node::Map(entries) => {
            out.push_str("{\n");
            for (i, (k, v)) in entries.iter().enumerate() {
                let _ = write!(out, "{pad}{k}: ");
                // The slots array of a keyring holds slot maps.
                let child = match (ctx, k) {
                    (Ctx::Keyring, 5) => Ctx::Keyring,
                    _ => Ctx::Other,
                };
                write_node(out, v, child, indent + 1);
                if i + 1 < entries.len() {
                    out.push(',');
                }
                if let Some(c) = comment(ctx, *k, v) {
                    let _ = write!(out, "  / {c} /");
                }
                out.push('\n');
            }
            out.push_str(&"  ".repeat(indent));
            out.push('}');
        }
    }
}
