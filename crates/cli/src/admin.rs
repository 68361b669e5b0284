//! `coproduce admin ...`: account administration from the command line.

use anyhow::{anyhow, Context};
use chrono::Utc;
use coproduce_core::password::NewPassword;
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_store::audit::Via;
use coproduce_store::people::{self, NewPerson};

use crate::cli::{AdminCommand, CreateUserArgs};
use crate::serve::{announce, open};
use crate::settings::{Settings, DEFAULT_DATABASE_URL};

pub async fn run(settings: &Settings, cmd: &AdminCommand) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::CreateUser(args) => create_user(settings, args).await,
    }
}

/// Letters and digits that cannot be mistaken for one another when read aloud
/// or copied from a screen.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn generate_password() -> anyhow::Result<String> {
    let mut bytes = [0u8; 20];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| anyhow!("no randomness from the operating system: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| PASSWORD_ALPHABET[*b as usize % PASSWORD_ALPHABET.len()] as char)
        .collect())
}

async fn create_user(settings: &Settings, args: &CreateUserArgs) -> anyhow::Result<()> {
    // Every input is checked before the database is touched.
    let email = Email::parse(&args.email).map_err(|e| anyhow!("--email: {}", e.message))?;
    let role = Role::parse(&args.role).map_err(|e| anyhow!("--role: {}", e.message))?;
    let default_name = email
        .as_str()
        .split('@')
        .next()
        .unwrap_or_default()
        .to_owned();
    let name = DisplayName::parse(args.name.as_deref().unwrap_or(&default_name))
        .map_err(|e| anyhow!("--name: {}", e.message))?;
    let (plain, generated) = match std::env::var("COPRODUCE_NEW_PASSWORD") {
        Ok(p) => (p, false),
        Err(_) => (generate_password()?, true),
    };
    let password =
        NewPassword::parse(&plain).map_err(|e| anyhow!("COPRODUCE_NEW_PASSWORD: {}", e.message))?;
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt)
        .map_err(|e| anyhow!("no randomness from the operating system: {e}"))?;
    let hash = password.hash(&salt).map_err(|e| anyhow!("{}", e.message))?;

    let db = open(&settings.database_url_or(DEFAULT_DATABASE_URL)).await?;
    let result = people::create(
        &db,
        &NewPerson {
            email: &email,
            display_name: &name,
            role,
            password_hash: Some(&hash),
            ward_id: None,
        },
        None,
        Via::Cli,
        Utc::now(),
    )
    .await;
    db.close().await;
    let id = result.context("could not create the account")?;
    announce(&format!(
        "created {role} account {id} for {} ({})",
        name.as_str(),
        email.as_str()
    ))?;
    if generated {
        announce(&format!(
            "password: {plain}  (shown once: pass it on safely)"
        ))?;
    }
    Ok(())
}
