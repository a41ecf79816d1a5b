//! Password hashing with argon2id (the `argon2` crate), its cost taken from settings so the
//! test suite can use a cheap one.
use std::{
    cell::Cell,
    collections::HashMap,
    sync::{LazyLock, Mutex},
};

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::SaltString,
};

use crate::settings::Security;

tokio::task_local! {
    static ARGON2_RUNS: Cell<u64>;
}

fn counted() {
    let _ = ARGON2_RUNS.try_with(|c| c.set(c.get() + 1));
}

/// Runs `work` and counts the argon2 computations (hashes and verifications) made in it, in
/// this task: how tests show that every sign-in path does the same work, without measuring
/// time.
pub async fn count_argon2<F: std::future::Future>(work: F) -> (F::Output, u64) {
    ARGON2_RUNS
        .scope(Cell::new(0), async {
            let out = work.await;
            (out, ARGON2_RUNS.with(Cell::get))
        })
        .await
}

/// Makes the stand-in hash for these settings now (at start), so no request pays for it.
pub fn warm_up(cfg: &Security) {
    if dummy_hash(cfg).is_none() {
        tracing::warn!("the stand-in password hash could not be made");
    }
}

/// One stand-in hash per cost setting, made once: checking a password against it costs what
/// checking a real one made with the same settings costs.
static DUMMIES: LazyLock<Mutex<HashMap<(u32, u32), String>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn dummy_hash(cfg: &Security) -> Option<String> {
    let key = (cfg.argon2_memory_kib, cfg.argon2_iterations);
    let mut dummies = DUMMIES.lock().ok()?;
    if let Some(h) = dummies.get(&key) {
        return Some(h.clone());
    }
    let h = hash_password(cfg, "not the password").ok()?;
    dummies.insert(key, h.clone());
    Some(h)
}

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 10;

fn hasher(cfg: &Security) -> Argon2<'static> {
    let params = Params::new(cfg.argon2_memory_kib, cfg.argon2_iterations, 1, None)
        .unwrap_or_else(|_| Params::default());
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` with a fresh random salt (PHC string format).
///
/// # Errors
/// When hashing fails (it does not with valid parameters).
pub fn hash_password(
    cfg: &Security,
    password: &str,
) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| argon2::password_hash::Error::Crypto)?;
    let salt = SaltString::encode_b64(&salt)?;
    counted();
    Ok(hasher(cfg)
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches `stored`. Every call makes exactly one argon2 verification
/// with the configured cost: with no usable stored hash (unknown account, an account without
/// a password) a stand-in hash made once with the same settings is checked, so an unknown
/// address takes as long as a known one.
#[must_use]
pub fn verify_password(cfg: &Security, stored: Option<&str>, password: &str) -> bool {
    let real = stored.and_then(|s| PasswordHash::new(s).ok());
    let dummy = if real.is_none() {
        dummy_hash(cfg)
    } else {
        None
    };
    let hash = match (real, dummy.as_deref().map(PasswordHash::new)) {
        (Some(h), _) => Some((h, true)),
        (None, Some(Ok(h))) => Some((h, false)),
        (None, _) => None,
    };
    counted();
    hash.is_some_and(|(h, real)| {
        let ok = hasher(cfg).verify_password(password.as_bytes(), &h).is_ok();
        ok && real
    })
}

/// Why a new password is refused, in words for the form; `None` when it is acceptable.
#[must_use]
pub fn weakness(password: &str, email: &str) -> Option<String> {
    if password.chars().count() < MIN_LENGTH {
        return Some(format!("Use at least {MIN_LENGTH} characters."));
    }
    if password.chars().count() > 200 {
        return Some("Use at most 200 characters.".into());
    }
    if password.eq_ignore_ascii_case(email) {
        return Some("Do not use your email address as your password.".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{count_argon2, hash_password, verify_password, warm_up};
    use crate::settings::Security;

    #[tokio::test]
    async fn every_path_verifies_once() {
        let cfg = Security {
            argon2_memory_kib: 64,
            argon2_iterations: 1,
            ..Security::default()
        };
        let stored = hash_password(&cfg, "right password").unwrap();
        warm_up(&cfg);
        let (results, n) = count_argon2(async {
            [
                verify_password(&cfg, Some(&stored), "right password"),
                verify_password(&cfg, Some(&stored), "wrong password"),
                verify_password(&cfg, None, "not the password"),
                verify_password(&cfg, Some("not a hash"), "not the password"),
            ]
        })
        .await;
        assert_eq!(results, [true, false, false, false]);
        assert_eq!(n, 4, "one verification each, no hashing");
    }
}
