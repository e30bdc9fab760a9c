//! Options shared by several subcommands: KDF choice, unlock policy, how to unlock.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use strongroom::{
    Error, InvalidInput, KdfParams, Keyring, KeyringPin, Limit, SlotKind, UnlockPolicy,
    UnlockedKeyring, limits,
};

use crate::fail::{CliError, CliResult, Doing, show};
use crate::progress::with_progress;
use crate::secrets::{self, ENV_NEW_PASSWORD, ENV_PASSWORD, ENV_RECOVERY_CODE, Source};

/// KDF names on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KdfName {
    /// PBKDF2-HMAC-SHA256 (default 600,000 iterations).
    Pbkdf2,
    /// Argon2id v1.3 (default 64 MiB, t = 3, p = 4).
    Argon2id,
}

/// The KDF and parameters of a new password slot.
#[derive(Args, Debug)]
pub struct KdfArgs {
    /// KDF of the new slot [default: pbkdf2; never taken from an existing slot].
    #[arg(long, value_enum)]
    pub kdf: Option<KdfName>,
    /// PBKDF2 iterations [default: 600000].
    #[arg(long, value_name = "N")]
    pub iterations: Option<u32>,
    /// Argon2id memory cost in KiB [default: 65536].
    #[arg(long, value_name = "KIB")]
    pub memory_kib: Option<u32>,
    /// Argon2id time cost (passes) [default: 3].
    #[arg(long, value_name = "T")]
    pub time_cost: Option<u32>,
    /// Argon2id parallelism (lanes) [default: 4].
    #[arg(long, value_name = "P")]
    pub parallelism: Option<u32>,
}

impl KdfArgs {
    /// The parameters given, else SPEC.md's defaults for new slots (SR-KDF-5); never those
    /// of an existing slot (SR-KDF-6).
    pub fn params(&self) -> CliResult<KdfParams> {
        let argon_given =
            self.memory_kib.is_some() || self.time_cost.is_some() || self.parallelism.is_some();
        let kdf = match (self.kdf, self.iterations.is_some(), argon_given) {
            (Some(k), _, _) => k,
            (None, true, _) => KdfName::Pbkdf2,
            (None, false, true) => KdfName::Argon2id,
            (None, false, false) => return Ok(KdfParams::DEFAULT_PBKDF2),
        };
        match kdf {
            KdfName::Pbkdf2 => {
                if argon_given {
                    return Err(CliError::usage(
                        "--memory-kib, --time-cost and --parallelism need --kdf argon2id",
                    ));
                }
                let KdfParams::Pbkdf2Sha256 { iterations } = KdfParams::DEFAULT_PBKDF2 else {
                    unreachable!("the PBKDF2 default is a PBKDF2 parameter set")
                };
                Ok(KdfParams::Pbkdf2Sha256 {
                    iterations: self.iterations.unwrap_or(iterations),
                })
            }
            KdfName::Argon2id => {
                if self.iterations.is_some() {
                    return Err(CliError::usage("--iterations needs --kdf pbkdf2"));
                }
                let KdfParams::Argon2id {
                    memory_kib,
                    time_cost,
                    parallelism,
                } = KdfParams::DEFAULT_ARGON2ID
                else {
                    unreachable!("the Argon2id default is an Argon2id parameter set")
                };
                Ok(KdfParams::Argon2id {
                    memory_kib: self.memory_kib.unwrap_or(memory_kib),
                    time_cost: self.time_cost.unwrap_or(time_cost),
                    parallelism: self.parallelism.unwrap_or(parallelism),
                })
            }
        }
    }
}

/// The unlock policy.
#[derive(Args, Debug)]
pub struct PolicyArgs {
    /// UNSAFE, for tests only: lower the policy floors to the hard minimums (1 PBKDF2
    /// iteration, 8 KiB and t = 1 for Argon2id), so a server could downgrade the KDF
    /// unnoticed. Never use for real keyrings.
    #[arg(long)]
    pub unsafe_relaxed_policy: bool,
}

impl PolicyArgs {
    /// The default policy, or the relaxed test policy.
    pub fn policy(&self) -> UnlockPolicy {
        if self.unsafe_relaxed_policy {
            relaxed_policy()
        } else {
            UnlockPolicy::default()
        }
    }
}

impl UnlockArgs {
    /// The unlock policy: the default or the relaxed test policy, with --max-unlock-work.
    pub fn policy(&self) -> CliResult<UnlockPolicy> {
        let base = self.policy.policy();
        match self.max_unlock_work {
            None => Ok(base),
            Some(work) => base
                .to_builder()
                .max_unlock_work(work)
                .build()
                .doing(|| format!("--max-unlock-work {work}"))
                .map_err(|e| {
                    e.with_hint("the unlock work budget lies from 1 to 2^40 (1099511627776)")
                }),
        }
    }
}

/// Floors at the hard minimums, ceilings as in the default policy.
pub fn relaxed_policy() -> UnlockPolicy {
    let d = UnlockPolicy::default();
    UnlockPolicy::builder()
        .pbkdf2_iterations(1..=d.pbkdf2_iterations().ceiling)
        .argon2_memory_kib(8..=d.argon2_memory_kib().ceiling)
        .argon2_time_cost(1..=d.argon2_time_cost().ceiling)
        .argon2_parallelism(1..=d.argon2_parallelism().ceiling)
        .build()
        .unwrap_or(d)
}

/// How to unlock an existing keyring.
#[derive(Args, Debug)]
pub struct UnlockArgs {
    /// Read the password from FILE: its first line, without the line ending; the rest is
    /// ignored. Else $STRONGROOM_PASSWORD, by the same rule; else a prompt on the terminal.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Unlock with a recovery code instead of a password (asked on the terminal, or from
    /// $STRONGROOM_RECOVERY_CODE).
    #[arg(long)]
    pub recovery: bool,
    /// Read the recovery code from the first line of FILE (implies --recovery).
    #[arg(long, value_name = "FILE", conflicts_with = "password_file")]
    pub recovery_code_file: Option<PathBuf>,
    /// Read the secret key of a secret-key slot (its SK1- code) from the first line of FILE.
    /// Else $STRONGROOM_SECRET_KEY, else the one this machine keeps for the keyring in the
    /// state directory (keyrings/ID/secret-key).
    #[arg(long, value_name = "FILE")]
    pub secret_key_file: Option<PathBuf>,
    /// Try only this slot (0-based), a password or secret-key slot, instead of every one.
    #[arg(long, value_name = "INDEX")]
    pub slot: Option<usize>,
    /// Accept, this once, a keyring whose generation is more than 64 above the one this
    /// machine has pinned (SPEC.md SR-PIN-3); the pin then moves to it.
    #[arg(long)]
    pub accept_generation_jump: bool,
    /// The most KDF work one unlock may spend on the slots it tries, checked before any KDF
    /// runs (SPEC.md section 10; a unit is one PBKDF2 iteration, an Argon2id slot costs
    /// 8 x memory_kib x time_cost) [default: 16777216; 1 to 2^40].
    #[arg(long, value_name = "WORK")]
    pub max_unlock_work: Option<u64>,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Describes a KDF parameter set for messages.
pub fn describe_kdf(kdf: &KdfParams) -> String {
    match *kdf {
        KdfParams::Pbkdf2Sha256 { iterations } => {
            format!("PBKDF2-HMAC-SHA256, {iterations} iterations")
        }
        KdfParams::Argon2id {
            memory_kib,
            time_cost,
            parallelism,
        } => format!("Argon2id, {memory_kib} KiB, t={time_cost}, p={parallelism}"),
        _ => "unknown KDF".to_string(),
    }
}

/// The two kinds of slot a password opens: alone, or with the secret key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Password,
    SecretKey,
}

fn kind_of(slot: &strongroom::KeySlot) -> Option<Kind> {
    match slot.kind() {
        SlotKind::Password { .. } => Some(Kind::Password),
        SlotKind::SecretKey { .. } => Some(Kind::SecretKey),
        _ => None,
    }
}

/// The KDF work of trying a slot (SPEC.md section 10).
fn work(slot: &strongroom::KeySlot) -> u64 {
    slot.kdf().map_or(0, KdfParams::work)
}

/// Whether the keyring has a secret-key slot.
pub fn has_secret_key_slot(keyring: &Keyring) -> bool {
    keyring
        .slots()
        .iter()
        .any(|s| kind_of(s) == Some(Kind::SecretKey))
}

impl UnlockArgs {
    /// Whether the keyring is to be opened with a recovery code.
    pub fn by_recovery(&self) -> bool {
        self.recovery || self.recovery_code_file.is_some()
    }

    /// The secret key for `keyring`'s secret-key slots, if one is to be had (see
    /// [`secrets::secret_key`]).
    pub fn secret_key(&self, keyring: &Keyring) -> CliResult<Option<secrets::FoundSecretKey>> {
        secrets::secret_key(self.secret_key_file.as_deref(), keyring.id())
    }

    /// Unlocks `keyring` (read from `path`) as the options say, trying first the slot that
    /// `pin` remembers. The library walks the slots (SPEC.md 11.3, with the unlock work
    /// budget); the unlocked keyring says which slot opened.
    ///
    /// A keyring may hold password slots and secret-key slots. With a secret key to hand
    /// (--secret-key-file, $STRONGROOM_SECRET_KEY or the state directory) the secret-key
    /// slots are tried, then, if none opens, the password slots with what is left of the work
    /// budget; the kind of the slot that opened last goes first.
    pub fn unlock(
        &self,
        keyring: &Keyring,
        path: &Path,
        pin: Option<&KeyringPin>,
    ) -> CliResult<UnlockedKeyring> {
        let policy = self.policy()?;
        let doing = || format!("unlocking {}", show(path));
        if self.by_recovery() {
            let code = Source {
                file: self.recovery_code_file.as_deref(),
                env: ENV_RECOVERY_CODE,
                prompt: format!("Recovery code for {}", show(path)),
                confirm: false,
                file_option: "--recovery-code-file",
            }
            .recovery_code()?;
            return keyring.unlock_with_recovery(&code, &policy).doing(doing);
        }
        let need_secret_key = || {
            CliError::usage(format!(
                "{} opens through a secret-key slot, which needs the secret key besides the \
                 password, and this machine keeps none for keyring {}: give its SK1- code with \
                 --secret-key-file FILE or ${}",
                show(path),
                hex::encode(keyring.id()),
                secrets::ENV_SECRET_KEY
            ))
        };
        if let Some(i) = self.slot {
            // Same checks, in the same order, as Keyring::unlock_slot, before any typing
            // (SR-POL-1).
            let slot = keyring
                .slots()
                .get(i)
                .ok_or(Error::InvalidInput(InvalidInput::NoSuchSlot))
                .doing(doing)?;
            let kind = kind_of(slot)
                .ok_or(Error::InvalidInput(InvalidInput::WrongSlotKind))
                .doing(doing)?;
            if let Some(kdf) = slot.kdf() {
                policy.check(kdf).doing(doing)?;
            }
            let secret_key = match kind {
                Kind::SecretKey => Some(self.secret_key(keyring)?.ok_or_else(need_secret_key)?),
                Kind::Password => None,
            };
            let password = self.password(path)?;
            let msg = format!("deriving key for slot {i} ({})", describe_slot_kdf(slot));
            return with_progress(msg, || match &secret_key {
                Some(sk) => keyring.unlock_slot_with_secret_key(i, &password, &sk.key, &policy),
                None => keyring.unlock_slot(i, &password, &policy),
            })
            .doing(doing);
        }
        let has = |k: Kind| keyring.slots().iter().any(|s| kind_of(s) == Some(k));
        let secret_key = if has(Kind::SecretKey) {
            self.secret_key(keyring)?
        } else {
            None
        };
        let preferred = pin.and_then(|p| p.preferred());
        let preferred_kind = preferred.and_then(|p| {
            keyring
                .slots()
                .iter()
                .find(|s| s.slot_ref().as_ref() == Some(p))
                .and_then(kind_of)
        });
        let mut order = Vec::new();
        if secret_key.is_some() {
            order.push(Kind::SecretKey);
        }
        if has(Kind::Password) {
            if preferred_kind == Some(Kind::Password) {
                order.insert(0, Kind::Password);
            } else {
                order.push(Kind::Password);
            }
        }
        if order.is_empty() {
            if has(Kind::SecretKey) {
                return Err(need_secret_key());
            }
            return Err(Error::UnlockFailed).doing(doing).map_err(|e| {
                e.with_hint(
                    "the keyring has no password or secret-key slot: unlock it with --recovery",
                )
            });
        }
        // Policy and work before the password is even asked for: a keyring the policy
        // refuses costs no KDF and no typing (SR-POL-1, SR-POL-2, SR-POL-7). The library
        // checks both again.
        let slots_of = |k: Kind| {
            keyring
                .slots()
                .iter()
                .filter(move |s| kind_of(s) == Some(k))
        };
        for &k in &order {
            for s in slots_of(k) {
                if let Some(kdf) = s.kdf() {
                    policy.check(kdf).doing(doing)?;
                }
            }
        }
        let total = |k: Kind| slots_of(k).map(work).fold(0, u64::saturating_add);
        let first = order.first().copied().unwrap_or(Kind::Password);
        let first_needs = match preferred
            .and_then(|p| slots_of(first).find(|s| s.slot_ref().as_ref() == Some(p)))
        {
            Some(s) => work(s),
            None => total(first),
        };
        if first_needs > policy.max_unlock_work() {
            return Err(Error::LimitExceeded(Limit::UnlockWorkExceeded)).doing(doing);
        }
        let password = self.password(path)?;
        let mut budget = policy;
        let mut last = Error::UnlockFailed;
        for k in order {
            let msg = format!(
                "deriving keys ({})",
                slots_of(k)
                    .map(describe_slot_kdf)
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            let result = with_progress(msg, || match (k, &secret_key) {
                (Kind::SecretKey, Some(sk)) => {
                    keyring.unlock_secret_key_preferring(&password, &sk.key, &budget, preferred)
                }
                _ => keyring.unlock_preferring(&password, &budget, preferred),
            });
            match result {
                Ok(unlocked) => return Ok(unlocked),
                Err(Error::UnlockFailed) => {
                    // Every slot of this kind was tried: the next kind gets what is left.
                    let left = budget.max_unlock_work().saturating_sub(total(k));
                    last = Error::UnlockFailed;
                    match budget.to_builder().max_unlock_work(left).build() {
                        Ok(p) => budget = p,
                        Err(_) => {
                            last = Error::LimitExceeded(Limit::UnlockWorkExceeded);
                            break;
                        }
                    }
                }
                Err(e) => return Err(e).doing(doing),
            }
        }
        let failed = last == Error::UnlockFailed;
        let err = Err::<UnlockedKeyring, _>(last).doing(doing);
        match &secret_key {
            None if failed && has(Kind::SecretKey) => err.map_err(|e| {
                e.with_hint(format!(
                    "no password slot opens with this password; the secret-key slots were not \
                     tried, as this machine keeps no secret key for keyring {} (give it with \
                     --secret-key-file FILE or ${})",
                    hex::encode(keyring.id()),
                    secrets::ENV_SECRET_KEY
                ))
            }),
            Some(sk) if failed => err.map_err(|e| {
                e.with_hint(format!(
                    "no slot opens with this password and the secret key from {} (nor any \
                     password slot with the password alone)",
                    sk.from
                ))
            }),
            _ => err,
        }
    }

    fn password(&self, path: &Path) -> CliResult<strongroom::Password> {
        Source {
            file: self.password_file.as_deref(),
            env: ENV_PASSWORD,
            prompt: format!("Password for {}", show(path)),
            confirm: false,
            file_option: "--password-file",
        }
        .password()
    }
}

/// A slot's index-free description for progress lines.
fn describe_slot_kdf(slot: &strongroom::KeySlot) -> String {
    slot.kdf()
        .map_or_else(|| "no KDF".to_string(), describe_kdf)
}

/// Reads a new password (asked twice on a terminal).
pub fn new_password(file: Option<&Path>, prompt: &str) -> CliResult<strongroom::Password> {
    Source {
        file,
        env: ENV_NEW_PASSWORD,
        prompt: prompt.to_string(),
        confirm: true,
        file_option: "--new-password-file",
    }
    .password()
}

/// The hard limits, for `keyring info --json` and messages.
pub fn hard_limits() -> serde_json::Value {
    serde_json::json!({
        "pbkdf2_max_iterations": limits::PBKDF2_MAX_ITERATIONS,
        "argon2_max_memory_kib": limits::ARGON2_MAX_MEMORY_KIB,
        "argon2_max_time_cost": limits::ARGON2_MAX_TIME_COST,
        "argon2_max_parallelism": limits::ARGON2_MAX_PARALLELISM,
    })
}
