//! `decode_stream_header` and `open_stream`: sealed streams (SPEC.md 11.16).

use std::io::Read;

use super::*;
use strongroom::{STREAM_HEADER_LEN, StreamHeader, stream_error};

/// The classes OpenStream may fail with (SPEC.md 11.16.4 and section 14).
const STREAM_CLASSES: &[&str] = &[
    "malformed",
    "unsupported_version",
    "wrong_keyring",
    "stream_authentication_failed",
    "stream_violation",
];

/// Oracle of `decode_stream_header`: an input is rejected with a decoding class, or its
/// first 95 bytes are a v1 header in SPEC.md 11.16.2's layout, which decodes alone to the
/// same header whatever follows it (SR-STR-1: no `trailing_bytes`).
pub fn decode_stream_header(data: &[u8]) -> Outcome {
    let header = match StreamHeader::decode(data) {
        Ok(h) => h,
        Err(e) => {
            assert!(
                matches!(e.class(), "malformed" | "unsupported_version"),
                "a header decoding error outside the decoding classes: {e:?}"
            );
            return Outcome::Rejected(e.class());
        }
    };
    let bytes = header.as_bytes();
    assert_eq!(
        &data[..STREAM_HEADER_LEN],
        &bytes[..],
        "header bytes are not the input's"
    );
    let mut layout = vec![0xa6, 0x01, 0x04, 0x02, 0x01, 0x03, 0x50];
    layout.extend_from_slice(header.keyring_id());
    layout.extend_from_slice(&[0x04, 0x58, 0x20]);
    layout.extend_from_slice(header.salt());
    layout.extend_from_slice(&[0x05, 0x10, 0x06, 0x58, 0x20]);
    layout.extend_from_slice(header.commitment());
    assert_eq!(
        &bytes[..],
        &layout[..],
        "an accepted header not in the v1 layout"
    );
    assert_eq!(
        StreamHeader::decode(&data[..STREAM_HEADER_LEN]).as_ref(),
        Ok(&header),
        "the header decodes differently without what follows it"
    );
    // A header is no record, keyring or checkpoint.
    assert!(SealedRecord::from_bytes(&data[..STREAM_HEADER_LEN]).is_err());
    Outcome::Accepted
}

/// Oracle of `open_stream`: the fixture keyring opens a stream under one of [`CONTEXTS`] only
/// if sealing the payload again with the stream's salt gives exactly the input; every
/// rejection has a class of OpenStream; the `Read` adaptor agrees with the slice API and
/// never ends cleanly on a stream the slice API rejects (SR-STR-7).
pub fn open_stream(data: &[u8]) -> Outcome {
    let unlocked = fixture_keyring();
    let mut outcome = None;
    for context in CONTEXTS {
        let ctx = Context::new(context);
        let slice = unlocked.open_stream_from_slice(data, ctx);
        let adaptor = unlocked.open_stream(data, ctx).and_then(|mut opener| {
            let mut out = Vec::new();
            opener.read_to_end(&mut out)?;
            assert!(opener.is_complete(), "a clean end before the final chunk");
            Ok(out)
        });
        match (&slice, &adaptor) {
            (Ok(p), Ok(q)) => assert_eq!(&p[..], &q[..], "the two opening APIs disagree"),
            (Err(e), Err(io)) => assert_eq!(
                Some(*e),
                stream_error(io),
                "the two opening APIs fail differently"
            ),
            _ => panic!(
                "one opening API accepted what the other refused: {}",
                hex(data)
            ),
        }
        match slice {
            Ok(payload) => {
                let header = StreamHeader::decode(data).expect("an opened stream has a header");
                let mut script = Scripted(vec![&header.salt()[..]]);
                let again = hazmat::seal_stream_with_rng(unlocked, &payload, ctx, &mut script)
                    .unwrap_or_else(|e| panic!("sealing an opened payload again: {e:?}"));
                assert!(
                    again == data,
                    "opened a stream that sealing does not produce: {}",
                    hex(&data[..data.len().min(512)])
                );
                assert!(
                    outcome != Some(Outcome::Accepted),
                    "one stream opened under two contexts"
                );
                outcome = Some(Outcome::Accepted);
            }
            Err(e) => {
                assert!(
                    STREAM_CLASSES.contains(&e.class()),
                    "OpenStream failed with a class SPEC.md does not give it: {e:?}"
                );
                outcome.get_or_insert(Outcome::Rejected(e.class()));
            }
        }
    }
    outcome.unwrap_or(Outcome::Rejected("no context tried"))
}

/// Seeds of both targets: streams of the fixture keyring and their alterations.
pub(crate) fn stream_seeds(out: &mut Vec<Seed>) {
    let k = fixture_keyring();
    let mut rng = SeededRandom::new(0x5eed_0400);
    let mut seal = |n: usize, context: &[u8]| {
        let payload: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
        hazmat::seal_stream_with_rng(k, &payload, Context::new(context), &mut rng)
            .expect("fixture streams seal")
    };
    let empty = seal(0, CONTEXTS[0]);
    let small = seal(100, CONTEXTS[1]);
    let two = seal(strongroom::STREAM_CHUNK_SIZE + 10, CONTEXTS[0]);

    let t = "decode_stream_header";
    out.push(seed(t, "ok-empty-stream", empty.clone()));
    out.push(seed(t, "ok-header-only", &small[..STREAM_HEADER_LEN]));
    out.push(seed(t, "bad-truncated", &small[..60]));
    out.push(seed(t, "bad-record-type", splice(&small, 2, 1, &[0x02])));
    out.push(seed(t, "bad-version-2", splice(&small, 4, 1, &[0x02])));
    out.push(seed(t, "bad-chunk-size", splice(&small, 59, 1, &[0x11])));
    out.push(seed(
        t,
        "bad-salt-too-long",
        splice(&small, 25, 1, &[0x59, 0x01, 0x2c]),
    ));

    let t = "open_stream";
    out.push(seed(t, "ok-empty", empty.clone()));
    out.push(seed(t, "ok-small", small.clone()));
    out.push(seed(t, "ok-two-chunks", two.clone()));
    out.push(seed(t, "bad-truncated", &small[..small.len() - 1]));
    out.push(seed(t, "bad-no-frame", &small[..STREAM_HEADER_LEN]));
    out.push(seed(t, "bad-appended", [&small[..], &[0]].concat()));
    out.push(seed(t, "bad-keyring", flip(&small, 10)));
    out.push(seed(t, "bad-commitment", flip(&small, 70)));
    out.push(seed(t, "bad-ciphertext", flip(&small, 120)));
    out.push(seed(
        t,
        "bad-frame-final-byte",
        splice(&small, 95 + 12, 1, &[2]),
    ));
    let frame0 = 95..95 + strongroom::STREAM_CHUNK_SIZE + 32;
    out.push(seed(t, "bad-first-chunk-only", &two[..frame0.end]));
    out.push(seed(
        t,
        "bad-first-chunk-twice",
        [&two[..frame0.end], &two[frame0.clone()], &two[frame0.end..]].concat(),
    ));
}
