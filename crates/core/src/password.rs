//! Passwords: the policy a new password must meet, and argon2id hashing. The
//! salt is passed in so that this module stays free of I/O; callers draw it from
//! the operating system's random source.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::Invalid;

pub const MIN_LENGTH: usize = 10;

/// Passwords that attackers try first. A short list catches the worst choices;
/// the length rule does the rest.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "password1234",
    "passw0rd",
    "qwerty",
    "qwertyuiop",
    "qwerty123",
    "1234567890",
    "12345678910",
    "0987654321",
    "iloveyou",
    "letmein",
    "letmein123",
    "welcome",
    "welcome123",
    "welcome1",
    "football",
    "football1",
    "monkey",
    "dragon",
    "sunshine",
    "princess",
    "trustno1",
    "superman",
    "baseball",
    "liverpool",
    "liverpool1",
    "chelsea",
    "arsenal",
    "arsenal123",
    "abc1234567",
    "aaaaaaaaaa",
    "1q2w3e4r5t",
    "zaq12wsxcv",
    "changeme",
    "changeme123",
    "administrator",
    "qwertyuiop123",
];

/// A password that meets the policy. It is never printed by `Debug`.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        if input.chars().count() < MIN_LENGTH {
            return Err(Invalid::new(
                "password",
                format!("Choose a password of at least {MIN_LENGTH} characters; a few words in a row are easy to remember"),
            ));
        }
        if COMMON.contains(&input.to_lowercase().as_str()) {
            return Err(Invalid::new(
                "password",
                "That password is one of the first that attackers try: choose another",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// Hashes with argon2id. `salt` must be at least 16 random bytes.
    pub fn hash(&self, salt: &[u8]) -> Result<String, Invalid> {
        let salt = SaltString::encode_b64(salt)
            .map_err(|e| Invalid::new("password", format!("could not use the salt: {e}")))?;
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Invalid::new("password", format!("could not hash the password: {e}")))
    }
}

/// True when `candidate` is the password behind `stored` (a PHC string).
pub fn verify(candidate: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_common_passwords_are_refused() {
        assert!(NewPassword::parse("short")
            .unwrap_err()
            .message
            .contains("at least 10"));
        assert!(NewPassword::parse("Password123")
            .unwrap_err()
            .message
            .contains("attackers"));
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let pw = NewPassword::parse("correct horse battery").unwrap();
        let hash = pw.hash(&[7u8; 16]).unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify("correct horse battery", &hash));
        assert!(!verify("correct horse battery!", &hash));
        assert!(!verify("anything", "not a hash"));
        assert_eq!(format!("{pw:?}"), "NewPassword(***)");
    }
}
