use std::sync::atomic::{AtomicU32, Ordering};

use liandong::db::Db;
use reqwest::{Client, Response};
use serde_json::Value;

pub const PASSWORD: &str = liandong::demo::DEMO_PASSWORD;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub url: String,
    pub db: Db,
    /// The database's URL (another server may be started on it).
    pub db_url: String,
    _dir: Option<tempfile::TempDir>,
    server: liandong::serve::Running,
    pg_drop: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn pg_admin_url() -> String {
    std::env::var("LIANDONG_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub async fn pg_database() -> Option<(String, String)> {
    use sqlx::Connection;
    let admin = pg_admin_url();
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("PostgreSQL is required under CI=true but unreachable at {admin}: {e}");
            }
            eprintln!(
                "NOTICE: PostgreSQL unreachable at {admin} ({e}); skipping the PostgreSQL variant"
            );
            return None;
        }
    };
    let name = format!(
        "liandong_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .unwrap_or(admin.clone());
    Some((format!("{base}/{name}"), name))
}

impl TestApp {
    /// A server on a fresh database with the demo scenario loaded; `None`
    /// when the engine is not available here (PostgreSQL outside CI).
    pub async fn start(engine: Engine) -> Option<TestApp> {
        let (url, dir, pg_drop) = match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                (
                    format!("sqlite://{}/test.db", dir.path().display()),
                    Some(dir),
                    None,
                )
            }
            Engine::Postgres => {
                let (url, name) = pg_database().await?;
                (url, None, Some((pg_admin_url(), name)))
            }
        };
        let db = Db::connect(&url).await.expect("connect");
        liandong::demo::load(&db).await.expect("demo");
        // The tests speak for many clients through X-Forwarded-For, as a
        // reverse proxy on this machine would.
        let settings = liandong::web::Settings {
            trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
            public_url: None,
            home: "6101".into(),
            hotline: "12345".into(),
            settable_clock: false,
            exposure_days: 14,
        };
        let server = liandong::serve::start_with("127.0.0.1:0", db.clone(), settings)
            .await
            .expect("start");
        Some(TestApp {
            url: format!("http://{}", server.addr),
            db,
            db_url: url,
            _dir: dir,
            server,
            pg_drop,
        })
    }

    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// A client signed in as a demo account.
    pub async fn signed_in(&self, username: &str) -> Client {
        let c = self.client();
        let res = c
            .post(format!("{}/api/session", self.url))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            200,
            "sign in as {username}: {}",
            res.text().await.unwrap()
        );
        c
    }

    /// GET a path; the status and the body as JSON (or a JSON string).
    pub async fn get(&self, c: &Client, path: &str) -> (u16, Value) {
        json(c.get(self.at(path)).send().await.unwrap()).await
    }

    /// Send a JSON body with `method`; the status and the JSON answer.
    pub async fn send(
        &self,
        c: &Client,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> (u16, Value) {
        json(
            c.request(method, self.at(path))
                .json(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, c: &Client, path: &str, body: &Value) -> (u16, Value) {
        self.send(c, reqwest::Method::POST, path, body).await
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    pub async fn stop(self) {
        self.server.abort();
        self.db.close().await;
        if let Some((admin, name)) = self.pg_drop {
            use sqlx::Connection;
            if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await;
            }
        }
    }
}

/// The fields a 422 body names, in order.
/// GET an xlsx download as `c`: its bytes, once its status, type and a
/// file name in the reader's language (RFC 6266 `filename*`) are checked.
pub async fn xlsx_download(app: &TestApp, c: &Client, path: &str) -> Vec<u8> {
    let res = c.get(app.at(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
    res.bytes().await.unwrap().to_vec()
}

pub fn error_fields(body: &Value) -> Vec<&str> {
    body["fields"]
        .as_array()
        .map(|fs| fs.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default()
}

/// The actions of a timeline, oldest first.
pub fn actions(timeline: &Value) -> Vec<&str> {
    timeline
        .as_array()
        .map(|es| es.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default()
}

impl TestApp {
    /// GET a page; its HTML.
    pub async fn page(&self, c: &Client, path: &str) -> String {
        c.get(self.at(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

pub async fn json(res: Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Run an async test body on both engines: `both!(name, |app| async move { … })`.
#[macro_export]
macro_rules! both {
    ($name:ident, |$app:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run(engine: $crate::harness::Engine) {
                let Some($app) = $crate::harness::TestApp::start(engine).await else {
                    return;
                };
                let app_ref = &$app;
                let _ = app_ref;
                $body;
                $app.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::harness::Engine::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::harness::Engine::Postgres).await;
            }
        }
    };
}
