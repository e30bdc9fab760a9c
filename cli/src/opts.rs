//! Options shared by several subcommands: KDF choice, unlock policy, how to unlock.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use strongroom::{
    Error, InvalidInput, KdfParams, Keyring, SlotKind, UnlockPolicy, UnlockedKeyring, limits,
};

use crate::fail::{CliError, CliResult, Doing, show};
use crate::progress::with_progress;
use crate::secrets::{ENV_NEW_PASSWORD, ENV_PASSWORD, ENV_RECOVERY_CODE, Source};

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
    /// KDF of the new password slot [default: pbkdf2, or the slot's current KDF for passwd].
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
    /// The parameters, defaulting to SPEC.md's (SR-KDF-5).
    pub fn params(&self) -> CliResult<KdfParams> {
        self.params_or(None)
    }

    /// The parameters; with no KDF option at all, `current` (then SPEC.md's default).
    pub fn params_or(&self, current: Option<KdfParams>) -> CliResult<KdfParams> {
        let argon_given =
            self.memory_kib.is_some() || self.time_cost.is_some() || self.parallelism.is_some();
        let kdf = match (self.kdf, self.iterations.is_some(), argon_given) {
            (Some(k), _, _) => k,
            (None, true, _) => KdfName::Pbkdf2,
            (None, false, true) => KdfName::Argon2id,
            (None, false, false) => return Ok(current.unwrap_or(KdfParams::DEFAULT_PBKDF2)),
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
    /// Try only this password slot (0-based) instead of every password slot.
    #[arg(long, value_name = "INDEX")]
    pub slot: Option<usize>,
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

/// The result of unlocking: the keyring and, for a password, the slot that opened.
pub struct Unlocked {
    pub unlocked: UnlockedKeyring,
    pub slot: Option<usize>,
}

impl UnlockArgs {
    /// Unlocks `keyring` (read from `path`) as the options say.
    pub fn unlock(&self, keyring: &Keyring, path: &Path) -> CliResult<Unlocked> {
        let policy = self.policy.policy();
        let doing = || format!("unlocking {}", show(path));
        if self.recovery || self.recovery_code_file.is_some() {
            let code = Source {
                file: self.recovery_code_file.as_deref(),
                env: ENV_RECOVERY_CODE,
                prompt: format!("Recovery code for {}", show(path)),
                confirm: false,
                file_option: "--recovery-code-file",
            }
            .recovery_code()?;
            let unlocked = keyring.unlock_with_recovery(&code, &policy).doing(doing)?;
            return Ok(Unlocked {
                unlocked,
                slot: None,
            });
        }
        // Policy first, before the password is even asked for: a keyring the policy
        // refuses costs no KDF and no typing (SR-POL-1, SR-POL-2).
        let candidates: Vec<usize> = match self.slot {
            Some(i) => vec![i],
            None => keyring
                .slots()
                .iter()
                .enumerate()
                .filter(|(_, s)| matches!(s.kind(), SlotKind::Password { .. }))
                .map(|(i, _)| i)
                .collect(),
        };
        if let Some(i) = self.slot {
            // Same checks, in the same order, as Keyring::unlock_slot, before any typing.
            match keyring.slots().get(i).map(|s| s.kind()) {
                None => return Err(Error::InvalidInput(InvalidInput::NoSuchSlot)).doing(doing),
                Some(SlotKind::Password { .. }) => {}
                Some(_) => {
                    return Err(Error::InvalidInput(InvalidInput::WrongSlotKind)).doing(doing);
                }
            }
        }
        for &i in &candidates {
            if let Some(kdf) = keyring.slots().get(i).and_then(|s| s.kdf()) {
                policy.check(kdf).doing(doing)?;
            }
        }
        let password = Source {
            file: self.password_file.as_deref(),
            env: ENV_PASSWORD,
            prompt: format!("Password for {}", show(path)),
            confirm: false,
            file_option: "--password-file",
        }
        .password()?;
        if candidates.is_empty() {
            return Err(Error::UnlockFailed).doing(doing);
        }
        // One slot at a time (same order and the same policy checks as Keyring::unlock),
        // so the command knows which slot opened, e.g. for `passwd`.
        for &i in &candidates {
            let kdf = keyring.slots().get(i).and_then(|s| s.kdf()).copied();
            let msg = match &kdf {
                Some(k) => format!("deriving key for slot {i} ({})", describe_kdf(k)),
                None => format!("trying slot {i}"),
            };
            match with_progress(msg, || keyring.unlock_slot(i, &password, &policy)) {
                Ok(unlocked) => {
                    return Ok(Unlocked {
                        unlocked,
                        slot: Some(i),
                    });
                }
                Err(Error::UnlockFailed) => continue,
                Err(e) => return Err(e).doing(doing),
            }
        }
        Err(Error::UnlockFailed).doing(doing)
    }
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
