//! The crate as a dependent project sees it: a fresh package outside this workspace that
//! depends on `strongroom` by path, checked with `cargo check`.
//!
//! - README.md's library example, pasted as it stands into `src/main.rs`, builds.
//! - With default features, nothing of `strongroom::hazmat` can be named and none of the old
//!   key accessors or `*_with_rng` methods can be called: the program fails to compile with
//!   one error per hazardous item (a compile-fail test).
//! - The same program builds once the dependent enables `hazmat`, so the failure above is
//!   the feature gate and nothing else.
//!
//! The dependent has its own target directory under Cargo's test scratch space, uses this
//! workspace's lock file (so no network is needed) and builds the library's dependencies in
//! check mode once.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The single Rust code block of README.md's "Using the library" section.
fn readme_example() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## Using the library")
        .nth(1)
        .expect("README.md has a section \"Using the library\"");
    let block = section
        .split("```rust\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("the section has a ```rust block");
    block.to_owned() + "\n"
}

/// A program that reaches for every hazardous item through the `hazmat` module.
const HAZMAT_PROGRAM: &str = r#"
use strongroom::hazmat::{self, OsRandom, RandomSource};
use strongroom::{Context, KdfParams, Password, UnlockPolicy};

fn main() {
    let policy = UnlockPolicy::builder().pbkdf2_iterations(1..=10).build().unwrap();
    let pw = Password::new("pw").unwrap();
    let kdf = KdfParams::Pbkdf2Sha256 { iterations: 1 };
    let mut rng = OsRandom;
    let mut u = hazmat::create_with_rng(&pw, kdf, "l", &policy, &mut rng).unwrap();
    let _: [u8; 32] = hazmat::dek(&u);
    let _: [u8; 32] = hazmat::mac_key(&u);
    let _: [u8; 32] = hazmat::record_root(&u);
    let _: &[u8] = hazmat::password_bytes(&pw);
    let r = hazmat::seal_with_rng(&u, b"x", Context::new(b""), &mut rng).unwrap();
    let _ = hazmat::record_secrets(&u, &r, Context::new(b""));
    let _ = hazmat::add_recovery_slot_with_rng(&mut u, "r", &mut rng);
    let mut b = [0u8; 1];
    rng.fill(&mut b).unwrap();
}
"#;

/// The accessors that `hazmat` replaced, called as methods: gone from the public types.
const OLD_ACCESSORS: &str = r#"
use strongroom::{KdfParams, Keyring, Password, UnlockPolicy};

fn main() {
    let policy = UnlockPolicy::default();
    let pw = Password::new("pw").unwrap();
    let u = Keyring::create(&pw, KdfParams::DEFAULT_PBKDF2, "l", &policy).unwrap();
    let _ = u.dek_bytes();
    let _ = u.mac_key_bytes();
    let _ = u.keyring_prk_bytes();
    let _ = u.record_root_bytes();
    let _ = pw.normalized_bytes();
    let _ = u.keyring().reencode();
}
"#;

struct Dependent {
    dir: PathBuf,
}

impl Dependent {
    fn new() -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dependent");
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        Dependent { dir }
    }

    /// `cargo check` of `main_rs` as the dependent's `src/main.rs`; the exit status and
    /// the compiler's output.
    fn check(&self, features: &[&str], main_rs: &str) -> (bool, String) {
        let features = features
            .iter()
            .map(|f| format!("{f:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        let manifest = format!(
            "[package]\nname = \"dependent\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[dependencies]\n\
             strongroom = {{ path = {:?}, features = [{features}] }}\n\n[workspace]\n",
            root().display().to_string()
        );
        std::fs::write(self.dir.join("Cargo.toml"), manifest).unwrap();
        std::fs::write(self.dir.join("src/main.rs"), main_rs).unwrap();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .args(["check", "--offline", "--quiet", "--message-format", "short"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    }
}

fn errors(output: &str) -> Vec<&str> {
    output.lines().filter(|l| l.contains(": error")).collect()
}

#[test]
fn a_dependent_builds_the_readme_and_cannot_reach_hazmat() {
    let example = readme_example();
    assert!(
        example.lines().all(|l| !l.trim_start().starts_with("# ")),
        "README.md's example has rustdoc-hidden lines, which do not compile when pasted"
    );
    assert!(example.contains("fn main()"));
    let d = Dependent::new();

    let (ok, out) = d.check(&[], &example);
    assert!(
        ok,
        "README.md's example does not build in a dependent:\n{out}"
    );

    // Compile-fail: the default features cannot name the module.
    let (ok, out) = d.check(&[], HAZMAT_PROGRAM);
    assert!(!ok, "strongroom::hazmat is reachable without the feature");
    assert!(
        out.contains("could not find `hazmat` in `strongroom`")
            || out.contains("unresolved import `strongroom::hazmat`")
            || out.contains("no `hazmat` in the root"),
        "unexpected errors:\n{out}"
    );

    let (ok, out) = d.check(&["hazmat"], HAZMAT_PROGRAM);
    assert!(
        ok,
        "the hazmat program does not build with the feature:\n{out}"
    );

    // The old accessors are no public method of any type, with or without the feature.
    for features in [&[][..], &["hazmat"][..]] {
        let (ok, out) = d.check(features, OLD_ACCESSORS);
        assert!(!ok);
        let errs = errors(&out);
        for name in [
            "dek_bytes",
            "mac_key_bytes",
            "keyring_prk_bytes",
            "record_root_bytes",
            "normalized_bytes",
            "reencode",
        ] {
            assert!(
                errs.iter().any(|e| e.contains(&format!("`{name}`"))),
                "`{name}` is callable ({features:?}):\n{out}"
            );
        }
        assert_eq!(errs.len(), 6, "{out}");
    }
}
