//! `roundtrip`: structured input drives create, seal, open, slot changes and reloads
//! through the public API, against a model of what should hold.

use super::*;

/// KDF parameters the `roundtrip` scenario may pick: always tiny, always valid.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum SmallKdf {
    /// PBKDF2 with 1 to 16 iterations.
    Pbkdf2 {
        /// Iterations, reduced modulo 16.
        iterations: u8,
    },
    /// Argon2id with one or two lanes, one or two passes, and 8 KiB per lane plus less
    /// than 48 KiB: at most 63 KiB.
    Argon2id {
        /// Extra memory, reduced modulo 48 KiB.
        extra_memory: u8,
        /// Two passes instead of one.
        two_passes: bool,
        /// Two lanes instead of one.
        two_lanes: bool,
    },
}

impl SmallKdf {
    fn params(self) -> KdfParams {
        match self {
            SmallKdf::Pbkdf2 { iterations } => KdfParams::Pbkdf2Sha256 {
                iterations: 1 + u32::from(iterations % 16),
            },
            SmallKdf::Argon2id {
                extra_memory,
                two_passes,
                two_lanes,
            } => {
                let parallelism = 1 + u32::from(two_lanes);
                KdfParams::Argon2id {
                    memory_kib: 8 * parallelism + u32::from(extra_memory % 48),
                    time_cost: 1 + u32::from(two_passes),
                    parallelism,
                }
            }
        }
    }
}

/// SR-KDF-8, written here from SPEC.md rather than taken from the library: `new` is weaker
/// than `old` with the same KDF and a lower iterations, memory or passes, or as PBKDF2 in
/// place of Argon2id.
fn weaker(new: &KdfParams, old: &KdfParams) -> bool {
    match (*new, *old) {
        (KdfParams::Pbkdf2Sha256 { iterations: n }, KdfParams::Pbkdf2Sha256 { iterations: o }) => {
            n < o
        }
        (
            KdfParams::Argon2id {
                memory_kib: nm,
                time_cost: nt,
                ..
            },
            KdfParams::Argon2id {
                memory_kib: om,
                time_cost: ot,
                ..
            },
        ) => nm < om || nt < ot,
        (KdfParams::Pbkdf2Sha256 { .. }, KdfParams::Argon2id { .. }) => true,
        _ => false,
    }
}

/// One operation of a `roundtrip` scenario.
#[derive(Arbitrary, Debug)]
pub enum Step {
    /// Seal a plaintext under a context, then open it.
    Seal {
        /// The plaintext.
        plaintext: Vec<u8>,
        /// The application context.
        context: Vec<u8>,
    },
    /// Add a password slot.
    AddPassword {
        /// Its password.
        password: String,
        /// Its KDF.
        kdf: SmallKdf,
        /// Its label.
        label: String,
    },
    /// Add a recovery slot.
    AddRecovery {
        /// Its label.
        label: String,
    },
    /// Change the password of a slot (index modulo slot count plus one).
    ChangePassword {
        /// Slot index, reduced modulo the slot count plus one (so one index is invalid);
        /// with the high bit set, the change allows a weaker KDF (SR-KDF-8).
        slot: u8,
        /// New password.
        password: String,
        /// New KDF.
        kdf: SmallKdf,
    },
    /// Remove a slot (index modulo slot count plus one).
    RemoveSlot {
        /// Slot index, reduced as for [`Step::ChangePassword`].
        slot: u8,
    },
    /// Store and load: decode the text form and unlock it again through every slot.
    Reload,
}

/// A `roundtrip` input: a keyring's creation and then up to [`MAX_STEPS`] steps.
#[derive(Arbitrary, Debug)]
pub struct Scenario {
    /// Seed of the random stream every salt, nonce, key and code comes from.
    pub seed: u64,
    /// The first slot's password.
    pub password: String,
    /// The first slot's KDF.
    pub kdf: SmallKdf,
    /// The first slot's label.
    pub label: String,
    /// What happens next.
    pub steps: Vec<Step>,
}

/// Steps of a scenario that are run; the rest are ignored, to bound KDF work per input.
pub const MAX_STEPS: usize = 16;

/// What a scenario knows about each slot, to unlock it later.
pub(crate) enum Secret {
    Password(Password),
    Recovery(RecoveryCode),
}

pub(crate) struct World {
    unlocked: UnlockedKeyring,
    dek: [u8; 32],
    secrets: Vec<Secret>,
    labels: Vec<String>,
    records: Vec<(SealedRecord, Vec<u8>, Vec<u8>)>,
    rng: SeededRandom,
}

/// Oracle of `roundtrip`: decodes a [`Scenario`] from the bytes the way `fuzz_target!`
/// does for structured input, then runs it.
pub fn roundtrip(data: &[u8]) -> Outcome {
    match Scenario::arbitrary_take_rest(Unstructured::new(data)) {
        Ok(scenario) => run_scenario(&scenario),
        Err(_) => Outcome::Rejected("no_scenario"),
    }
}

/// Code points assigned in Unicode 14.0, read from the published data file that SR-PWD-4
/// names rather than from the library's own table, so that the two are checked against
/// each other.
fn assigned_in_14(c: char) -> bool {
    static RANGES: std::sync::OnceLock<Vec<(u32, u32)>> = std::sync::OnceLock::new();
    let ranges = RANGES.get_or_init(|| {
        let json = include_str!("../../vectors/data/unicode-14.0-assigned.json");
        let body = &json[json.find("\"ranges\"").expect("ranges key")..];
        let numbers: Vec<u32> = body
            .split(|c: char| !c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().expect("code point"))
            .collect();
        numbers.chunks_exact(2).map(|p| (p[0], p[1])).collect()
    });
    let c = u32::from(c);
    let i = ranges.partition_point(|&(_, last)| last < c);
    ranges.get(i).is_some_and(|&(first, _)| first <= c)
}

/// `Password::new`, checked against SR-PWD-2 and SR-PWD-4 from the outside.
pub(crate) fn checked_password(s: &str) -> Option<Password> {
    let result = Password::new(s);
    if !s.chars().all(assigned_in_14) {
        // SR-PWD-4 comes before normalization, so it decides whatever the length.
        assert_eq!(
            result.as_ref().err(),
            Some(&Error::InvalidInput(InvalidInput::UnassignedCodePoint)),
            "unassigned code point accepted or misclassified"
        );
        return None;
    }
    let nfc_len = {
        use unicode_normalization::UnicodeNormalization;
        s.nfc().collect::<String>().len()
    };
    match (&result, nfc_len) {
        (Err(e), 0) => assert_eq!(*e, Error::InvalidInput(InvalidInput::EmptyPassword)),
        (Err(e), n) if n > MAX_PASSWORD_BYTES => {
            assert_eq!(*e, Error::LimitExceeded(Limit::PasswordTooLong));
        }
        (Err(e), _) => panic!("valid password rejected: {e:?}"),
        (Ok(_), n) => assert!((1..=MAX_PASSWORD_BYTES).contains(&n)),
    }
    result.ok()
}

/// Runs a scenario against a model of the keyring.
pub fn run_scenario(s: &Scenario) -> Outcome {
    let policy = relaxed_policy();
    let mut rng = SeededRandom::new(s.seed);
    let Some(pw) = checked_password(&s.password) else {
        return Outcome::Rejected("invalid_input");
    };
    let created = hazmat::create_with_rng(&pw, s.kdf.params(), &s.label, &policy, &mut rng);
    let unlocked = match created {
        Ok(u) => {
            assert!(
                s.label.len() <= MAX_LABEL_BYTES,
                "created with a long label"
            );
            u
        }
        Err(e) => {
            assert!(s.label.len() > MAX_LABEL_BYTES, "create failed: {e:?}");
            assert_eq!(e, Error::LimitExceeded(Limit::LabelTooLong));
            return Outcome::Rejected(e.class());
        }
    };
    let mut world = World {
        dek: hazmat::dek(&unlocked),
        unlocked,
        secrets: vec![Secret::Password(pw)],
        labels: vec![s.label.clone()],
        records: Vec::new(),
        rng,
    };
    world.check_stored();
    for step in s.steps.iter().take(MAX_STEPS) {
        world.step(step);
        world.check_stored();
    }
    world.check_unlock_every_slot();
    Outcome::Accepted
}

impl World {
    fn slots(&self) -> usize {
        self.secrets.len()
    }

    /// A change either succeeds and bumps the generation by one, or fails with the
    /// expected error and leaves the keyring as it was.
    fn change(
        &mut self,
        expected: Option<Error>,
        f: impl FnOnce(&mut UnlockedKeyring, &mut SeededRandom) -> strongroom::Result<()>,
    ) -> bool {
        let before = self.unlocked.keyring().clone();
        let result = f(&mut self.unlocked, &mut self.rng);
        let after = self.unlocked.keyring();
        assert_eq!(result.err(), expected, "slot change outcome");
        if expected.is_some() {
            assert_eq!(after, &before, "a failed change altered the keyring");
            false
        } else {
            assert_eq!(after.generation(), before.generation() + 1, "generation");
            assert_eq!(after.id(), before.id(), "keyring id changed");
            true
        }
    }

    fn room_error(&self, label: &str) -> Option<Error> {
        if self.slots() >= MAX_SLOTS {
            Some(Error::LimitExceeded(Limit::TooManySlots))
        } else if label.len() > MAX_LABEL_BYTES {
            Some(Error::LimitExceeded(Limit::LabelTooLong))
        } else {
            None
        }
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::Seal { plaintext, context } => self.seal(plaintext, context),
            Step::AddPassword {
                password,
                kdf,
                label,
            } => {
                let Some(pw) = checked_password(password) else {
                    return;
                };
                let expected = self.room_error(label);
                let kdf = kdf.params();
                if self.change(expected, |u, rng| {
                    hazmat::add_password_slot_with_rng(u, &pw, kdf, label, rng)
                }) {
                    self.secrets.push(Secret::Password(pw));
                    self.labels.push(label.clone());
                }
            }
            Step::AddRecovery { label } => {
                let expected = self.room_error(label);
                let mut code = None;
                if self.change(expected, |u, rng| {
                    code = Some(hazmat::add_recovery_slot_with_rng(u, label, rng)?);
                    Ok(())
                }) {
                    let code = code.expect("a recovery slot was added");
                    // The code a user writes down parses back to the same code.
                    let parsed = RecoveryCode::parse(&code.expose())
                        .unwrap_or_else(|e| panic!("a fresh recovery code: {e:?}"));
                    self.secrets.push(Secret::Recovery(parsed));
                    self.labels.push(label.clone());
                }
            }
            Step::ChangePassword {
                slot,
                password,
                kdf,
            } => {
                let Some(pw) = checked_password(password) else {
                    return;
                };
                let index = usize::from(*slot) % (self.slots() + 1);
                // The high bit of `slot` allows a weaker KDF for this change (SR-KDF-8).
                let allow_weaker = *slot & 0x80 != 0;
                let kdf = kdf.params();
                let expected = match self.secrets.get(index) {
                    None => Some(Error::InvalidInput(InvalidInput::NoSuchSlot)),
                    Some(Secret::Recovery(_)) => {
                        Some(Error::InvalidInput(InvalidInput::WrongSlotKind))
                    }
                    Some(Secret::Password(_)) => {
                        let old = self.unlocked.keyring().slots()[index].kdf().copied();
                        if !allow_weaker && old.is_some_and(|old| weaker(&kdf, &old)) {
                            Some(Error::InvalidInput(InvalidInput::WeakerKdf))
                        } else {
                            None
                        }
                    }
                };
                if self.change(expected, |u, rng| {
                    if allow_weaker {
                        hazmat::change_password_allowing_weaker_kdf_with_rng(
                            u, index, &pw, kdf, rng,
                        )
                    } else {
                        hazmat::change_password_with_rng(u, index, &pw, kdf, rng)
                    }
                }) {
                    self.secrets[index] = Secret::Password(pw);
                }
            }
            Step::RemoveSlot { slot } => {
                let index = usize::from(*slot) % (self.slots() + 1);
                let expected = if index >= self.slots() {
                    Some(Error::InvalidInput(InvalidInput::NoSuchSlot))
                } else if self.slots() == 1 {
                    Some(Error::InvalidInput(InvalidInput::LastSlot))
                } else {
                    None
                };
                if self.change(expected, |u, _| u.remove_slot(index)) {
                    self.secrets.remove(index);
                    self.labels.remove(index);
                }
            }
            Step::Reload => self.reload(),
        }
    }

    fn seal(&mut self, plaintext: &[u8], context: &[u8]) {
        let sealed = hazmat::seal_with_rng(
            &self.unlocked,
            plaintext,
            Context::new(context),
            &mut self.rng,
        );
        if context.len() > MAX_CONTEXT_LEN {
            assert_eq!(
                sealed.err(),
                Some(Error::LimitExceeded(Limit::ContextTooLong))
            );
            return;
        }
        let record = sealed.unwrap_or_else(|e| panic!("seal failed: {e:?}"));
        assert_eq!(record.plaintext_len(), plaintext.len());
        assert_eq!(record.keyring_id(), self.unlocked.keyring().id());
        // decode(encode(r)) == r, in both forms.
        assert_eq!(
            SealedRecord::from_bytes(record.as_bytes()).as_ref(),
            Ok(&record)
        );
        assert_eq!(
            SealedRecord::from_text(&record.to_text()).as_ref(),
            Ok(&record)
        );
        // The context is bound: one more byte and the record no longer opens.
        let mut other = context.to_vec();
        other.push(0);
        let wrong = self.unlocked.open(&record, Context::new(&other));
        let expected = if other.len() > MAX_CONTEXT_LEN {
            Error::LimitExceeded(Limit::ContextTooLong)
        } else {
            Error::RecordAuthenticationFailed
        };
        assert_eq!(wrong.err(), Some(expected), "opened under another context");
        self.records
            .push((record, plaintext.to_vec(), context.to_vec()));
    }

    /// What must hold after every step: the stored forms decode to the same keyring, the
    /// model's labels and slot kinds match, and every record sealed so far still opens.
    fn check_stored(&self) {
        let k = self.unlocked.keyring();
        check_keyring(k, k.as_bytes());
        assert_eq!(Keyring::from_bytes(k.as_bytes()).as_ref(), Ok(k));
        assert_eq!(k.slots().len(), self.slots(), "slot count");
        for ((slot, label), secret) in k.slots().iter().zip(&self.labels).zip(&self.secrets) {
            assert_eq!(slot.label(), label, "slot label");
            let recovery = matches!(secret, Secret::Recovery(_));
            assert_eq!(*slot.kind() == SlotKind::Recovery, recovery, "slot kind");
        }
        assert_eq!(hazmat::dek(&self.unlocked), self.dek, "the DEK changed");
        for (record, plaintext, context) in &self.records {
            let opened = self
                .unlocked
                .open(record, Context::new(context))
                .unwrap_or_else(|e| panic!("a sealed record no longer opens: {e:?}"));
            assert_eq!(&opened[..], &plaintext[..], "open(seal(x)) != x");
        }
    }

    /// Decodes the stored text form and unlocks it through the first slot, keeping the
    /// result: what a client does on its next start.
    fn reload(&mut self) {
        let stored = self.unlocked.keyring().to_text();
        let keyring = Keyring::from_text(&stored)
            .unwrap_or_else(|e| panic!("stored keyring does not load: {e:?}"));
        let policy = relaxed_policy();
        let unlocked = match &self.secrets[0] {
            Secret::Password(pw) => keyring.unlock_slot(0, pw, &policy),
            Secret::Recovery(code) => keyring.unlock_with_recovery(code, &policy),
        }
        .unwrap_or_else(|e| panic!("reloaded keyring does not unlock: {e:?}"));
        assert_eq!(hazmat::dek(&unlocked), self.dek, "reload found another DEK");
        self.unlocked = unlocked;
    }

    /// Every slot opens with its own secret, and a wrong password opens none.
    fn check_unlock_every_slot(&self) {
        let keyring = self.unlocked.keyring();
        let policy = relaxed_policy();
        for (index, secret) in self.secrets.iter().enumerate() {
            let unlocked = match secret {
                Secret::Password(pw) => keyring.unlock_slot(index, pw, &policy),
                Secret::Recovery(code) => keyring.unlock_with_recovery(code, &policy),
            }
            .unwrap_or_else(|e| panic!("slot {index} does not unlock: {e:?}"));
            assert_eq!(
                hazmat::dek(&unlocked),
                self.dek,
                "slot {index} wraps another DEK"
            );
        }
        let wrong = password("not any password a scenario can hold\u{0}");
        let known = self.secrets.iter().any(|s| match s {
            Secret::Password(p) => hazmat::password_bytes(p) == hazmat::password_bytes(&wrong),
            Secret::Recovery(_) => false,
        });
        if !known {
            assert_eq!(
                keyring.unlock(&wrong, &policy).err(),
                Some(Error::UnlockFailed),
                "a wrong password unlocked"
            );
        }
    }
}
