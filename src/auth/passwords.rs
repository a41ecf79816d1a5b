//! Password hashing with argon2id (the `argon2` crate), its cost taken from settings so the
//! test suite can use a cheap one.
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::SaltString,
};

use crate::settings::Security;

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
    Ok(hasher(cfg)
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches `stored`. With no stored hash (unknown account, or an account
/// without a password) a dummy hash is checked, so the answer takes the same time either way.
#[must_use]
pub fn verify_password(cfg: &Security, stored: Option<&str>, password: &str) -> bool {
    let dummy;
    let stored = match stored {
        Some(s) => s,
        None => {
            dummy = hash_password(cfg, "not the password").unwrap_or_default();
            let _ = PasswordHash::new(&dummy)
                .map(|h| hasher(cfg).verify_password(password.as_bytes(), &h));
            return false;
        }
    };
    PasswordHash::new(stored)
        .is_ok_and(|h| hasher(cfg).verify_password(password.as_bytes(), &h).is_ok())
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
