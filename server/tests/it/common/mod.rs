//! Test harness: a fresh, migrated database per test — a SQLite file in a temporary directory,
//! or a new database on the PostgreSQL server at `OPSFLOW_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) — seeded with the demo agency.
#![allow(dead_code)]
#![expect(clippy::expect_used, reason = "a test stops at the first surprise")]

use app::api::ports::AuthPort;
use app::api::ports::{TemplatesPort, TriggersPort};
use app::api::types::SessionUser;
use app::model::{Pipeline, SubAccountId, TemplateId, TriggerConfig, TriggerEvent, TriggerId, Writebacks};
use server::crm::Crm;
use server::db::Store;
use server::db::tenancy::Tenant;
use server::demo;
use server::service::{Service, ServiceOptions};
use sqlx::Connection;
use std::sync::Arc;
use tokio::sync::OnceCell;

#[derive(Clone, Copy, Debug)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs an async test body once per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::common::Db::Postgres).await
            }
        }
    )*};
}

pub struct TestDb {
    pub store: Store,
    /// Where it is, for a second connection (another instance, a restart).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

fn admin_url() -> String {
    std::env::var("OPSFLOW_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

static CLEANED: OnceCell<()> = OnceCell::const_new();

/// Drops databases that earlier runs of this test binary left behind (a panicking test leaks its own).
async fn clean_leftovers(prefix: &str) {
    CLEANED
        .get_or_init(|| async {
            let mut admin = sqlx::PgConnection::connect(&admin_url()).await.expect("PostgreSQL for tests");
            let names: Vec<(String,)> = sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE $1")
                .bind(format!("{prefix}%"))
                .fetch_all(&mut admin)
                .await
                .expect("list test databases");
            for (name,) in names {
                let _ =
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut admin).await;
            }
        })
        .await;
}

pub async fn database(db: Db) -> TestDb {
    match db {
        Db::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("opsflow.db").display());
            let store = Store::connect(&url).await.expect("SQLite store");
            store.migrate().await.expect("migrate SQLite");
            TestDb { store, url, _dir: Some(dir) }
        }
        Db::Postgres => {
            let prefix = format!("opsflow_{}_", env!("CARGO_CRATE_NAME"));
            clean_leftovers(&prefix).await;
            let name = format!("{prefix}{}", uuid::Uuid::new_v4().simple());
            let mut admin = sqlx::PgConnection::connect(&admin_url()).await.expect("PostgreSQL for tests");
            sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut admin).await.expect("create database");
            let base = admin_url();
            let url = format!("{}/{name}", &base[..base.rfind('/').expect("URL with a database")]);
            let store = Store::connect(&url).await.expect("PostgreSQL store");
            store.migrate().await.expect("migrate PostgreSQL");
            TestDb { store, url, _dir: None }
        }
    }
}

/// The demo agency on a fresh database, with its users signed in.
pub struct Fixture {
    pub db: TestDb,
    pub service: Arc<Service>,
    pub admin: SessionUser,
    pub sam: SessionUser,
    pub riley: SessionUser,
    /// Acme Plumbing: the admin and Sam.
    pub acme: SubAccountId,
    /// Brightside Dental: the admin and Riley.
    pub brightside: SubAccountId,
}

pub async fn fixture(db: Db) -> Fixture {
    let db = database(db).await;
    assert!(demo::seed_if_empty(&db.store).await.expect("seed"));
    assert!(!demo::seed_if_empty(&db.store).await.expect("seed twice"), "the demo is seeded only once");
    let service = Arc::new(Service::new(db.store.clone(), ServiceOptions::default()));
    let sign_in = |email: &'static str, password: &'static str| {
        let service = service.clone();
        async move { service.sign_in(email, password, "127.0.0.1", None).await.expect("demo user signs in").user }
    };
    let admin = sign_in(demo::ADMIN_EMAIL, demo::ADMIN_PASSWORD).await;
    let sam = sign_in(demo::STAFF_EMAIL, demo::STAFF_PASSWORD).await;
    let riley = sign_in(demo::OTHER_STAFF_EMAIL, demo::STAFF_PASSWORD).await;
    let accounts = db.store.sub_accounts_of(&admin.id).await.expect("sub-accounts");
    let id_of = |name: &str| accounts.iter().find(|s| s.name == name).expect("demo sub-account").id.clone();
    Fixture { acme: id_of(demo::ACME), brightside: id_of(demo::BRIGHTSIDE), db, service, admin, sam, riley }
}

impl Fixture {
    pub fn store(&self) -> &Store {
        &self.db.store
    }

    /// A sub-account as the server's own work addresses it, for reading and writing a
    /// test's data directly in the store.
    pub fn tenant(&self, sub_account: &SubAccountId) -> Tenant {
        Tenant::for_server_work(sub_account.clone())
    }

    pub async fn pipeline(&self, sub_account: &SubAccountId, name: &str) -> Pipeline {
        let pipelines = self.service.builtin().pipelines(sub_account).await.expect("pipelines");
        pipelines.into_iter().find(|p| p.name == name).expect("demo pipeline")
    }

    pub async fn template_id(&self, sub_account: &SubAccountId, name: &str) -> TemplateId {
        let templates = self.service.templates(&self.admin, sub_account).await.expect("templates");
        templates.into_iter().find(|t| t.name == name).expect("template").id
    }

    /// An Acme trigger: a form from `template` when a deal moves to `stage` of `pipeline`.
    pub async fn stage_trigger(
        &self,
        template: &str,
        pipeline: &str,
        stage: &str,
        writebacks: Writebacks,
    ) -> TriggerId {
        let p = self.pipeline(&self.acme, pipeline).await;
        let config = TriggerConfig {
            event: TriggerEvent::StageChanged {
                pipeline_id: p.id.clone(),
                stage_id: self.stage_id(&self.acme, pipeline, stage).await,
            },
            template_id: self.template_id(&self.acme, template).await,
            writebacks,
        };
        self.service.add_trigger(&self.admin, &self.acme, config).await.expect("trigger").id
    }

    pub async fn stage_id(&self, sub_account: &SubAccountId, pipeline: &str, stage: &str) -> String {
        let pipeline = self.pipeline(sub_account, pipeline).await;
        pipeline.stages.iter().find(|s| s.name == stage).expect("demo stage").id.clone()
    }
}
