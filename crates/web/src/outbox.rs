//! Delivering the notification outbox: a background worker claims the
//! messages that are due, hands each to a `Sender` and records the outcome.
//! By default the sender writes each message to the log, so a developer sees
//! reset links without a mail server; with SMTP settings it sends mail.
//!
//! Messages are queued by store in the transaction of the change that causes
//! them; links in them are written against `outbox::SITE` and get the
//! configured public address here, at delivery.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use coproduce_core::clock::Clock;
use coproduce_store::{outbox, Db, StoreError};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::{AppState, Settings};

pub use coproduce_store::outbox::Message;

/// How often the worker looks for due messages.
pub const EVERY: Duration = Duration::from_secs(5);
/// Messages claimed per round: a burst is spread over a few rounds rather
/// than held in one long lease.
pub const BATCH: i64 = 50;
/// One delivery may take this long before it counts as failed.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// Sent messages are kept this long (to answer "did it go?"), then deleted.
pub const KEEP_SENT_DAYS: i64 = 30;

/// Something that delivers one message. An error is a sentence for the log
/// and the outbox's `last_error`; the message is tried again later.
pub trait Sender: Send + Sync + 'static {
    fn send(&self, msg: &Message) -> impl Future<Output = Result<(), String>> + Send;
}

/// The default sender: writes each message to the log at info level, for a
/// developer's machine or a trial without a mail server. The log then holds
/// reset links, so a real deployment configures SMTP.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogSender;

impl Sender for LogSender {
    async fn send(&self, msg: &Message) -> Result<(), String> {
        tracing::info!(
            id = msg.id,
            kind = %msg.kind,
            to = %msg.to_address,
            subject = %msg.subject,
            body = %msg.body_text,
            "email not sent (no SMTP server is configured); it reads"
        );
        Ok(())
    }
}

/// A setting that must not be printed: `Debug` shows only that it is set.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where and how mail is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The sender, e.g. `Camden coproduce <noreply@camden.example>`.
    pub from: String,
    /// Upgrade the connection with STARTTLS and refuse a server that cannot;
    /// off only for a relay on the same machine or a local test server.
    pub starttls: bool,
}

impl SmtpSettings {
    pub const DEFAULT_PORT: u16 = 587;

    /// Checks what can be checked without connecting, with a message that
    /// names the setting to fix.
    pub fn check(&self) -> Result<(), String> {
        SmtpSender::new(self).map(|_| ())
    }
}

/// Sends mail through an SMTP server, one connection per message (messages
/// are few: reset links and notices).
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    pub fn new(s: &SmtpSettings) -> Result<Self, String> {
        let host = s.host.trim();
        if host.is_empty() {
            return Err("smtp_host is empty: name the mail server, e.g. smtp.example.org".into());
        }
        let from: Mailbox = s.from.trim().parse().map_err(|e| {
            format!(
                "mail_from = \"{}\" is not an email address ({e}): write it as noreply@example.org or \"Name <noreply@example.org>\"",
                s.from
            )
        })?;
        let builder = if s.starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| format!("cannot use TLS with smtp_host = \"{host}\": {e}"))?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        };
        let mut builder = builder
            .port(s.port)
            .timeout(Some(Duration::from_secs(30)))
            // Greet as the sender's domain: without it the server is told
            // "localhost", which some refuse.
            .hello_name(ClientId::Domain(from.email.domain().to_owned()));
        match (&s.username, &s.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(
                    user.clone(),
                    password.expose().to_owned(),
                ));
            }
            (None, None) => {}
            _ => {
                return Err(
                    "set both smtp_username and smtp_password, or neither for a server that needs no sign-in"
                        .into(),
                )
            }
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

impl Sender for SmtpSender {
    async fn send(&self, msg: &Message) -> Result<(), String> {
        let to: Mailbox = msg
            .to_address
            .parse()
            .map_err(|e| format!("the address is not one mail can go to: {e}"))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(msg.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(msg.body_text.clone())
            .map_err(|e| format!("the message could not be built: {e}"))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| format!("the mail server refused or could not be reached: {e}"))
    }
}

/// The address links in messages start with: the configured public URL, or
/// the server's own address (`http://127.0.0.1:8080` by default; the
/// loopback address when it listens on every interface).
pub fn site_address(settings: &Settings) -> String {
    match settings
        .public_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => local_address(settings.addr),
    }
}

fn local_address(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        match addr {
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => format!("[{}]", a.ip()),
        }
    };
    format!("http://{ip}:{}", addr.port())
}

/// What one round of delivery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    /// Failed, to be tried again later.
    pub failed: usize,
    /// Failed for the last time: left in the outbox with their error.
    pub given_up: usize,
}

/// Claims the messages due now and delivers each: one round of the worker,
/// public so that tests (and a future `coproduce outbox flush`) can run it.
pub async fn deliver_due<S: Sender>(
    db: &Db,
    clock: &dyn Clock,
    sender: &S,
    site: &str,
) -> Result<Round, StoreError> {
    let mut round = Round::default();
    for claimed in outbox::claim_due(db, BATCH, clock.now()).await? {
        let ready = Message {
            body_text: claimed.body_for(site),
            ..claimed.clone()
        };
        let outcome = match tokio::time::timeout(SEND_TIMEOUT, sender.send(&ready)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!(
                "no answer within {} seconds",
                SEND_TIMEOUT.as_secs()
            )),
        };
        match outcome {
            Ok(()) => {
                outbox::mark_sent(db, claimed.id, clock.now()).await?;
                round.sent += 1;
            }
            Err(error) => match outbox::mark_failed(db, &claimed, &error, clock.now()).await? {
                Some(next) => {
                    tracing::warn!(id = claimed.id, kind = %claimed.kind, attempts = claimed.attempts, %next, %error, "a message could not be sent; it will be tried again");
                    round.failed += 1;
                }
                None => {
                    tracing::error!(id = claimed.id, kind = %claimed.kind, attempts = claimed.attempts, %error, "a message could not be sent and has been given up on");
                    round.given_up += 1;
                }
            },
        }
    }
    Ok(round)
}

/// The background task that empties the outbox. It stops when `stop` is
/// called (after the message in hand) or when it is dropped.
pub struct Worker {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Worker {
    /// Starts delivering every `every`, beginning at once. Must be called
    /// inside a tokio runtime.
    pub fn start<S: Sender>(
        db: Db,
        clock: Arc<dyn Clock>,
        sender: S,
        site: String,
        every: Duration,
    ) -> Self {
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut last_sweep = None;
            loop {
                tokio::select! {
                    // A stop, or the Worker dropped.
                    _ = &mut stopped => break,
                    _ = tick.tick() => {}
                }
                match deliver_due(&db, clock.as_ref(), &sender, &site).await {
                    Ok(round) if round != Round::default() => {
                        tracing::debug!(?round, "outbox delivered");
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "the outbox could not be read; trying again shortly")
                    }
                }
                let now = clock.now();
                if last_sweep.is_none_or(|t| now - t > chrono::Duration::hours(1)) {
                    last_sweep = Some(now);
                    let before = now - chrono::Duration::days(KEEP_SENT_DAYS);
                    if let Err(e) = outbox::sweep_sent(&db, before).await {
                        tracing::warn!(error = %e, "could not delete old sent messages");
                    }
                    match crate::risk::warn_expiring(&db, now).await {
                        Ok(0) => {}
                        Ok(n) => {
                            tracing::info!(checks = n, "warned project owners of expiring checks")
                        }
                        Err(e) => tracing::warn!(error = %e, "could not warn of expiring checks"),
                    }
                    match coproduce_store::reminders::send_due(&db, now).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(emails = n, "reminded people of tomorrow's events"),
                        Err(e) => tracing::warn!(error = %e, "could not send event reminders"),
                    }
                }
            }
        });
        Self {
            stop: Some(stop),
            task,
        }
    }

    /// Stops after the message in hand and waits for the task to end.
    pub async fn stop(self) {
        let Worker { stop, task } = self;
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        if let Err(e) = task.await {
            tracing::error!(error = %e, "the outbox worker ended badly");
        }
    }
}

/// Starts the outbox worker for a running application: SMTP when the
/// settings name a server, the log otherwise. Call it once per server,
/// inside the tokio runtime, and `stop` the result at shutdown.
pub fn spawn_worker(state: &AppState, settings: &Settings) -> Worker {
    let site = site_address(settings);
    let db = state.db.clone();
    let clock = state.clock.clone();
    match &settings.smtp {
        Some(smtp) => match SmtpSender::new(smtp) {
            Ok(sender) => {
                tracing::info!(host = %smtp.host, port = smtp.port, %site, "sending email through SMTP");
                Worker::start(db, clock, sender, site, EVERY)
            }
            Err(error) => {
                // The CLI checks the settings before starting, so this is a
                // library caller's mistake: keep the messages queued rather
                // than write them to the log.
                tracing::error!(%error, "the SMTP settings are not usable: email stays in the outbox until they are fixed");
                Worker::start(db, clock, Unusable(error), site, EVERY)
            }
        },
        None => {
            if settings.public_url.is_none() {
                tracing::info!(%site, "no SMTP server is configured: email is written to the log, with links to {site}");
            }
            Worker::start(db, clock, LogSender, site, EVERY)
        }
    }
}

/// A sender whose settings are wrong: every attempt fails with the reason.
struct Unusable(String);

impl Sender for Unusable {
    async fn send(&self, _: &Message) -> Result<(), String> {
        Err(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp() -> SmtpSettings {
        SmtpSettings {
            host: "smtp.example.org".into(),
            port: 587,
            username: Some("coproduce".into()),
            password: Some(Secret::new("hunter2-but-longer")),
            from: "Camden coproduce <noreply@camden.example>".into(),
            starttls: true,
        }
    }

    #[test]
    fn passwords_are_never_printed() {
        let printed = format!("{:?}", smtp());
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("Secret(***)"), "{printed}");
    }

    #[test]
    fn smtp_settings_are_checked_before_any_mail_is_sent() {
        assert!(smtp().check().is_ok());
        let plain = SmtpSettings {
            starttls: false,
            username: None,
            password: None,
            ..smtp()
        };
        assert!(plain.check().is_ok());
        let bad_from = SmtpSettings {
            from: "not an address".into(),
            ..smtp()
        };
        assert!(bad_from.check().unwrap_err().contains("mail_from"));
        let half_credentials = SmtpSettings {
            password: None,
            ..smtp()
        };
        assert!(half_credentials
            .check()
            .unwrap_err()
            .contains("smtp_password"));
        let no_host = SmtpSettings {
            host: " ".into(),
            ..smtp()
        };
        assert!(no_host.check().unwrap_err().contains("smtp_host"));
    }

    #[test]
    fn links_point_at_the_public_address_or_this_server() {
        let mut s = Settings::default();
        assert_eq!(site_address(&s), "http://127.0.0.1:8080");
        s.addr = "0.0.0.0:9000".parse().unwrap();
        assert_eq!(site_address(&s), "http://127.0.0.1:9000");
        s.public_url = Some("https://coproduce.camden.example/".into());
        assert_eq!(site_address(&s), "https://coproduce.camden.example");
    }
}
