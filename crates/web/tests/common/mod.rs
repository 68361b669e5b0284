//! A real server on a free port, one per engine (SQLite, and PostgreSQL when
//! COPRODUCE_TEST_POSTGRES_URL is set), each on its own fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // test support; each test file uses a part

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use coproduce_core::clock::ManualClock;
use coproduce_store::demo::{self, NoProgress, Scale};
use coproduce_store::testing::{self, TestDb};
use coproduce_store::Db;
use coproduce_web::{Application, Settings};
use std::collections::HashMap;

use reqwest::header;
use reqwest::StatusCode;

/// The instant the server treats as now.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub client: reqwest::Client,
    pub engine: &'static str,
    /// The server's clock: it stands at `now()` until a test moves it.
    pub clock: Arc<ManualClock>,
    _db: TestDb,
    /// Uploaded files, removed with the app.
    _files: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    /// One server per engine (SQLite, and PostgreSQL when configured), each
    /// on its own fresh database.
    pub async fn each(with_demo: bool) -> Vec<Self> {
        let mut apps = Vec::new();
        for t in testing::engines().await {
            apps.push(Self::start(t, with_demo).await);
        }
        apps
    }

    pub async fn start(t: TestDb, with_demo: bool) -> Self {
        let db = t.db.clone();
        let now = now();
        if with_demo {
            demo::generate(&db, Scale::Small, 7, now, &NoProgress)
                .await
                .unwrap();
        }
        let files = tempfile::tempdir().unwrap();
        let settings = Settings {
            addr: "127.0.0.1:0".parse().unwrap(),
            body_limit: 64 * 1024,
            files_dir: files.path().to_owned(),
            ..Settings::default()
        };
        let clock = Arc::new(ManualClock::new(now));
        let app = Application::build(&settings, db.clone(), clock.clone())
            .await
            .unwrap();
        let base = format!("http://{}", app.local_addr());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        Self {
            base,
            db,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            engine: t.engine,
            clock,
            _db: t,
            _files: files,
            stop: Some(tx),
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, String, serde_json::Value) {
        let res = self.get(path).await;
        let status = res.status();
        let ct = res
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = res.text().await.unwrap();
        let value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}"));
        (status, ct, value)
    }
}

/// Numbers each test session so that no two share a token.
static SESSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl TestApp {
    /// Adds an account directly in the store (no password: tests sign people
    /// in with `sign_in`).
    pub async fn add_person(
        &self,
        email: &str,
        name: &str,
        role: coproduce_core::people::Role,
    ) -> i64 {
        coproduce_store::people::create(
            &self.db,
            &coproduce_store::people::NewPerson {
                email: &coproduce_core::people::Email::parse(email).unwrap(),
                display_name: &coproduce_core::people::DisplayName::parse(name).unwrap(),
                role,
                password_hash: None,
                ward_id: None,
            },
            None,
            coproduce_core::audit::Via::System,
            now(),
        )
        .await
        .unwrap()
    }

    /// Starts a session for the person directly in the store, as signing in
    /// would: (the Cookie header, the form token).
    pub async fn sign_in(&self, person_id: i64) -> (String, String) {
        let n = SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let token = format!("{:032x}{:032x}", person_id, n);
        let csrf = format!("{:032x}{:032x}", n, person_id);
        coproduce_store::accounts::start_session(
            &self.db,
            &coproduce_store::accounts::NewSession {
                id_hash: &coproduce_web::policy::hash_for_tests(&token),
                person_id,
                csrf_token: &csrf,
                expires_at: now() + chrono::Duration::hours(1),
            },
            None,
            coproduce_core::audit::Via::Web,
            now(),
        )
        .await
        .unwrap();
        (format!("coproduce_session={token}"), csrf)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// A browser: its cookies and the form token of the last page it loaded.
pub struct Browser<'a> {
    app: &'a TestApp,
    pub cookies: HashMap<String, String>,
    pub csrf: String,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: HashMap::new(),
            csrf: String::new(),
        }
    }

    fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        pairs.join("; ")
    }

    fn keep_cookies(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.split_once('=').unwrap();
            assert!(
                attrs.contains("HttpOnly") && attrs.contains("SameSite=Lax"),
                "{v}"
            );
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, String, Option<String>) {
        let res = self
            .app
            .client
            .get(format!("{}{path}", self.app.base))
            .header(header::COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&res);
        let status = res.status();
        let location = location(&res);
        let body = res.text().await.unwrap();
        let marker = r#"name="csrf_token" value=""#;
        if let Some(at) = body.find(marker) {
            let start = at + marker.len();
            self.csrf = body[start..start + 64].to_owned();
        }
        (status, body, location)
    }

    /// Sends a form with the page's token, keeping any cookies it sets.
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf.clone();
        form.push(("csrf_token", &csrf));
        let res = self
            .app
            .client
            .post(format!("{}{path}", self.app.base))
            .header(header::COOKIE, self.cookie_header())
            .form(&form)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&res);
        res
    }

    pub async fn post(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, Option<String>) {
        let res = self.post_raw(path, fields).await;
        let status = res.status();
        let location = location(&res);
        (status, res.text().await.unwrap(), location)
    }

    pub async fn sign_up(&mut self, name: &str, email: &str, password: &str) {
        self.get("/sign-up").await;
        let (status, _, _) = self
            .post(
                "/sign-up",
                &[("name", name), ("email", email), ("password", password)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Option<String> {
        self.get("/sign-in").await;
        let (_, _, location) = self
            .post("/sign-in", &[("email", email), ("password", password)])
            .await;
        location
    }
}

pub fn location(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// A signed-in person's cookie and form token, and the requests they make.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl Session {
    pub async fn of(app: &TestApp, person: i64) -> Self {
        let (cookie, csrf) = app.sign_in(person).await;
        Self { cookie, csrf }
    }

    /// Posts a form with the token: (status, body, Location).
    pub async fn post(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let mut form = vec![("csrf_token", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let res = app
            .client
            .post(format!("{}{path}", app.base))
            .header(header::COOKIE, &self.cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let location = location(&res).unwrap_or_default();
        (status, res.text().await.unwrap(), location)
    }

    /// Posts a multipart form with the token and, if given, a file named
    /// `name` in the `file` field: (status, body).
    pub async fn submit(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> (StatusCode, String) {
        let mut form = reqwest::multipart::Form::new().text("csrf_token", self.csrf.clone());
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        if let Some((name, bytes)) = file {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
            );
        }
        let res = app
            .client
            .post(format!("{}{path}", app.base))
            .header(header::COOKIE, &self.cookie)
            .multipart(form)
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> (StatusCode, String) {
        let res = app
            .client
            .get(format!("{}{path}", app.base))
            .header(header::COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    }
}
