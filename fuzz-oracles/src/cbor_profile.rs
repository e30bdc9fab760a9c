//! `cbor_profile`: the library's strict CBOR reader against minicbor as a lenient one.

use super::*;

/// A CBOR value as both readers see it. Maps keep their entries in input order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Model {
    Uint(u64),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Model>),
    Map(Vec<(Model, Model)>),
    /// Well-formed CBOR outside the profile's data model (negative integer, tag, float,
    /// simple value).
    Other(&'static str),
}

/// Why minicbor did not produce a value.
#[derive(Debug)]
pub(crate) enum Lenient {
    Invalid,
    /// Deeper than this oracle follows; the strict reader stops at depth 4 anyway.
    TooDeep,
}

/// How deep the lenient reader follows containers (keeps it off the stack limit).
pub(crate) const LENIENT_MAX_DEPTH: usize = 16;

impl From<minicbor::decode::Error> for Lenient {
    fn from(_: minicbor::decode::Error) -> Self {
        Lenient::Invalid
    }
}

pub(crate) fn lenient_item(d: &mut minicbor::Decoder<'_>, depth: usize) -> Result<Model, Lenient> {
    use minicbor::data::Type;
    Ok(match d.datatype()? {
        Type::U8 | Type::U16 | Type::U32 | Type::U64 => Model::Uint(d.u64()?),
        Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::Int => {
            d.int()?;
            Model::Other("negative integer")
        }
        Type::Bytes | Type::BytesIndef => {
            let mut out = Vec::new();
            for chunk in d.bytes_iter()? {
                out.extend_from_slice(chunk?);
            }
            Model::Bytes(out)
        }
        Type::String | Type::StringIndef => {
            let mut out = String::new();
            for chunk in d.str_iter()? {
                out.push_str(chunk?);
            }
            Model::Text(out)
        }
        Type::Array | Type::ArrayIndef => {
            let inner = enter_lenient(depth)?;
            let count = d.array()?;
            let mut items = Vec::new();
            lenient_entries(d, count, |d| {
                items.push(lenient_item(d, inner)?);
                Ok(())
            })?;
            Model::Array(items)
        }
        Type::Map | Type::MapIndef => {
            let inner = enter_lenient(depth)?;
            let count = d.map()?;
            let mut entries = Vec::new();
            lenient_entries(d, count, |d| {
                let key = lenient_item(d, inner)?;
                let value = lenient_item(d, inner)?;
                entries.push((key, value));
                Ok(())
            })?;
            Model::Map(entries)
        }
        Type::Tag => {
            d.tag()?;
            lenient_item(d, enter_lenient(depth)?)?;
            Model::Other("tag")
        }
        Type::Bool
        | Type::Null
        | Type::Undefined
        | Type::Simple
        | Type::F16
        | Type::F32
        | Type::F64 => {
            d.skip()?;
            Model::Other("simple value or float")
        }
        // A break where an item should start, or a reserved head.
        _ => return Err(Lenient::Invalid),
    })
}

pub(crate) fn enter_lenient(depth: usize) -> Result<usize, Lenient> {
    if depth >= LENIENT_MAX_DEPTH {
        return Err(Lenient::TooDeep);
    }
    Ok(depth + 1)
}

/// Reads `count` entries, or entries up to a break for an indefinite container. Each
/// entry takes at least one byte, so a huge count ends at the end of the input.
pub(crate) fn lenient_entries(
    d: &mut minicbor::Decoder<'_>,
    count: Option<u64>,
    mut entry: impl FnMut(&mut minicbor::Decoder<'_>) -> Result<(), Lenient>,
) -> Result<(), Lenient> {
    match count {
        Some(n) => {
            for _ in 0..n {
                entry(d)?;
            }
        }
        None => loop {
            if d.datatype()? == minicbor::data::Type::Break {
                d.set_position(d.position() + 1);
                break;
            }
            entry(d)?;
        },
    }
    Ok(())
}

pub(crate) fn lenient_decode(data: &[u8]) -> Result<Model, Lenient> {
    let mut d = minicbor::Decoder::new(data);
    let value = lenient_item(&mut d, 0)?;
    if d.position() != data.len() {
        return Err(Lenient::Invalid);
    }
    Ok(value)
}

pub(crate) fn model_of(v: &Value) -> Model {
    match v {
        Value::Uint(n) => Model::Uint(*n),
        Value::Bytes(b) => Model::Bytes(b.clone()),
        Value::Text(s) => Model::Text(s.clone()),
        Value::Array(items) => Model::Array(items.iter().map(model_of).collect()),
        Value::Map(entries) => Model::Map(
            entries
                .iter()
                .map(|(k, v)| (Model::Uint(*k), model_of(v)))
                .collect(),
        ),
    }
}

/// The value with every map's entries in key order: equal for two encodings of one
/// value. Only called on values in the profile's data model (integer keys).
pub(crate) fn sorted(m: &Model) -> Model {
    match m {
        Model::Array(items) => Model::Array(items.iter().map(sorted).collect()),
        Model::Map(entries) => {
            let mut entries: Vec<(Model, Model)> = entries
                .iter()
                .map(|(k, v)| (k.clone(), sorted(v)))
                .collect();
            entries.sort_by_key(|(k, _)| match k {
                Model::Uint(n) => *n,
                _ => u64::MAX,
            });
            Model::Map(entries)
        }
        other => other.clone(),
    }
}

/// Container nesting of a value: a scalar is 0, a top-level map 1 (SR-CBOR-7).
pub(crate) fn depth(m: &Model) -> usize {
    match m {
        Model::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Model::Map(entries) => 1 + entries.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

/// The profile's one encoding of a value (SR-CBOR-9), written with the library's writer,
/// or `None` when the value is outside the profile's data model (a non-integer key, two
/// equal keys, or anything [`Model::Other`]).
pub(crate) fn canonical(m: &Model) -> Option<Vec<u8>> {
    let mut w = Writer::default();
    write_canonical(&mut w, m)?;
    Some(w.into_vec())
}

pub(crate) fn write_canonical(w: &mut Writer, m: &Model) -> Option<()> {
    match m {
        Model::Uint(n) => {
            w.uint(*n);
        }
        Model::Bytes(b) => {
            w.bytes(b);
        }
        Model::Text(s) => {
            w.text(s);
        }
        Model::Array(items) => {
            w.array(items.len());
            for item in items {
                write_canonical(w, item)?;
            }
        }
        Model::Map(entries) => {
            let mut keyed = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                match k {
                    Model::Uint(k) => keyed.push((*k, v)),
                    _ => return None,
                }
            }
            // A map is a set of entries: its encoding sorts them by key (SR-CBOR-5).
            keyed.sort_by_key(|(k, _)| *k);
            if keyed.windows(2).any(|p| p[0].0 == p[1].0) {
                return None;
            }
            w.map(keyed.len());
            for (k, v) in keyed {
                w.uint(k);
                write_canonical(w, v)?;
            }
        }
        Model::Other(_) => return None,
    }
    Some(())
}

/// Oracle of `cbor_profile`: the strict reader against minicbor.
pub fn cbor_profile(data: &[u8]) -> Outcome {
    let strict = cbor::decode(data);
    let lenient = lenient_decode(data);
    // The strict reader takes exactly one item spanning the whole input, or nothing.
    if let Ok(item) = &strict {
        let value = model_of(item);
        match &lenient {
            Ok(other) => assert_eq!(&value, other, "strict and lenient readers disagree"),
            Err(e) => panic!("strict reader accepted what minicbor rejects ({e:?})"),
        }
        let again = canonical(&value).expect("strict values are in the profile's data model");
        assert!(
            again == data,
            "strict reader accepted a non-canonical encoding\n input: {}\n canonical: {}",
            hex(data),
            hex(&again)
        );
    }
    match &lenient {
        Ok(value) => match canonical(value) {
            Some(encoding) => {
                let fits = depth(value) <= MAX_DEPTH;
                match cbor::decode(&encoding) {
                    Ok(item) => {
                        assert!(fits, "strict reader accepted nesting {}", depth(value));
                        assert_eq!(
                            model_of(&item),
                            sorted(value),
                            "canonical encoding reads back differently"
                        );
                    }
                    Err(e) => assert!(
                        !fits && e == Malformed::NestingTooDeep,
                        "strict reader rejects the canonical encoding {} with {e:?}",
                        hex(&encoding)
                    ),
                }
                assert_eq!(
                    strict.is_ok(),
                    fits && encoding == data,
                    "strict reader must accept exactly the canonical encoding\n input: {}\n canonical: {}\n strict: {:?}",
                    hex(data),
                    hex(&encoding),
                    strict.as_ref().err()
                );
            }
            None => assert!(
                strict.is_err(),
                "strict reader accepted a value outside the profile"
            ),
        },
        Err(Lenient::TooDeep) => assert!(
            strict.is_err(),
            "strict reader accepted nesting deeper than {LENIENT_MAX_DEPTH}"
        ),
        Err(Lenient::Invalid) => {}
    }
    match (&strict, &lenient) {
        (Ok(_), _) => Outcome::Accepted,
        (Err(_), Err(Lenient::Invalid)) => Outcome::Rejected("malformed_cbor"),
        (Err(_), _) => Outcome::Rejected("malformed"),
    }
}
