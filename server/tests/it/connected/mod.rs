//! A server connected to the stand-in HighLevel, with a signer for its webhooks: installs,
//! triggers, signed deliveries and a HighLevel member of the sub-account.
#![allow(dead_code)]
#![expect(clippy::unwrap_used, reason = "a test stops at the first surprise")]

use app::api::types::{Role, SessionUser};
use app::model::starter::starter_templates;
use app::model::{ContactId, OpportunityId, SubAccountId, TemplateId, TriggerConfig, TriggerEvent, UserId, Writebacks};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Signer as _;
use ed25519_dalek::pkcs8::EncodePublicKey;
use leptos::prelude::LeptosOptions;
use serde_json::{Value, json};
use server::db::forms::{FormRow, InboxFilter};
use server::db::tenancy::{Admin, Tenant};
use server::highlevel::HighLevel;
use server::highlevel::signature::WebhookKeys;
use server::highlevel::webhooks::IntakeLimits;
use server::highlevel::webhooks::process::Processor;
use server::service::{Service, ServiceOptions};
use std::sync::Arc;

use crate::common::{Db, TestDb, database};
use crate::standin::{self, COMPANY, CONTACT, LOCATION, OPPORTUNITY, PIPELINE, STAGE_INSPECTION, StandIn};

pub struct Flow {
    pub db: TestDb,
    pub standin: StandIn,
    pub highlevel: HighLevel,
    pub service: Arc<Service>,
    pub processor: Processor,
    pub signer: ed25519_dalek::SigningKey,
    pub base: String,
}

pub async fn start(db: Db) -> Flow {
    start_with(db, ServiceOptions::default()).await
}

pub async fn start_with(db: Db, options: ServiceOptions) -> Flow {
    let db = database(db).await;
    let standin = StandIn::start().await;
    let signer = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let ed_pem = signer.verifying_key().to_public_key_pem(Default::default()).unwrap();
    let keys = WebhookKeys::from_pem(&ed_pem, server::highlevel::signature::PUBLISHED_RSA_KEY).unwrap();
    let config = standin::config(keys, &standin.base);
    let highlevel = HighLevel::start(db.store.clone(), config, IntakeLimits::default()).await.unwrap();
    let service = Arc::new(Service::new(db.store.clone(), options).connected(highlevel.clone()));
    let processor =
        Processor::new(db.store.clone(), highlevel.intake.clone(), highlevel.crm.clone(), service.notifier().clone());
    let options = LeptosOptions::builder().output_name("opsflow").site_root("target/site").build();
    let app = server::router(service.clone(), options);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Flow { db, standin, highlevel, service, processor, signer, base }
}

impl Flow {
    /// The install, done the way the OAuth callback does it.
    pub async fn install(&self) {
        let tokens = self.highlevel.crm.tokens();
        let grant = tokens.oauth().exchange_code(standin::AUTH_CODE).await.unwrap();
        self.db.store.install_company(COMPANY, Some("Northwind Agency")).await.unwrap();
        tokens.save_company_grant(COMPANY, &grant).await.unwrap();
        self.db.store.install_location(&location(), COMPANY, "Acme Plumbing", "America/Chicago").await.unwrap();
    }

    /// A template with a trigger on "Site inspection" and one on ended calls.
    pub async fn triggers(&self) {
        self.triggers_writing(Writebacks::default()).await;
    }

    /// The same triggers, with these writebacks.
    pub async fn triggers_writing(&self, writebacks: Writebacks) {
        let store = &self.db.store;
        let mut tx = store.begin().await.unwrap();
        let template = store.create_template(&mut tx, &tenant(), &starter_templates()[0], None).await.unwrap();
        tx.commit().await.unwrap();
        let admin = self.setup_admin().await;
        for event in [
            TriggerEvent::StageChanged { pipeline_id: PIPELINE.to_owned(), stage_id: STAGE_INSPECTION.to_owned() },
            TriggerEvent::CallCompleted,
        ] {
            let config = TriggerConfig { event, template_id: template.clone(), writebacks: writebacks.clone() };
            store.insert_trigger(&admin, &config).await.unwrap();
        }
    }

    /// An admin of the sub-account who is nobody the tests sign in as: who sets up triggers.
    async fn setup_admin(&self) -> Admin {
        let store = &self.db.store;
        let id = UserId::from("setup-admin");
        let mut tx = store.begin().await.unwrap();
        assert!(store.upsert_sso_user(&mut tx, &id, COMPANY, "setup@acme.example", "Setup", "admin").await.unwrap());
        store.add_membership(&mut tx, &id, &location()).await.unwrap();
        tx.commit().await.unwrap();
        store.member(&id, &location()).await.unwrap().and_then(|member| member.admin()).unwrap()
    }

    pub async fn deliver(&self, mut body: Value, webhook_id: &str) -> Value {
        body["webhookId"] = json!(webhook_id);
        body["timestamp"] = json!(chrono::Utc::now().to_rfc3339());
        let bytes = serde_json::to_vec(&body).unwrap();
        let signature = BASE64.encode(self.signer.sign(&bytes).to_bytes());
        let response = reqwest::Client::new()
            .post(format!("{}/webhooks/highlevel", self.base))
            .header("x-ghl-signature", signature)
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn outcome(&self, webhook_id: &str) -> (String, String) {
        let (state, outcome) = self.db.store.webhook_state(&format!("webhook:{webhook_id}")).await.unwrap().unwrap();
        (state, outcome.unwrap_or_default())
    }

    pub async fn pending(&self) -> Vec<FormRow> {
        let all = TemplateId::default();
        let filter = InboxFilter { template_id: &all, search: "", limit: 50, offset: 0 };
        let (rows, _) = self.db.store.inbox_forms(&tenant(), app::model::FormStatus::Pending, &filter).await.unwrap();
        let mut forms = Vec::new();
        for row in rows {
            forms.push(self.db.store.form(&tenant(), &row.id).await.unwrap().unwrap());
        }
        forms
    }

    /// A HighLevel user of the sub-account, as signing in from the custom page makes them.
    pub async fn member(&self, role: Role) -> SessionUser {
        let store = &self.db.store;
        let id = UserId::from(format!("hl-{}", standin::USER));
        let mut tx = store.begin().await.unwrap();
        let role_name = if role == Role::Admin { "admin" } else { "staff" };
        assert!(
            store.upsert_sso_user(&mut tx, &id, COMPANY, "sam@acme.example", "Sam Rivera", role_name).await.unwrap()
        );
        store.add_membership(&mut tx, &id, &location()).await.unwrap();
        tx.commit().await.unwrap();
        SessionUser {
            id,
            name: "Sam Rivera".to_owned(),
            email: "sam@acme.example".to_owned(),
            role,
            agency_name: "Northwind Agency".to_owned(),
        }
    }
}

/// A user context as HighLevel's custom page receives it: CryptoJS's passphrase format under
/// the app's shared secret (the stand-in config's).
pub fn sso_payload(context: &Value) -> String {
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::{BlockEncryptMut, KeyIvInit};
    let salt: [u8; 8] = rand::random();
    let (key, iv) = server::highlevel::sso::evp_bytes_to_key(b"shared-secret", &salt);
    let plain = serde_json::to_vec(context).unwrap();
    let ciphertext =
        cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into()).encrypt_padded_vec_mut::<Pkcs7>(&plain);
    BASE64.encode([b"Salted__".as_slice(), &salt, &ciphertext].concat())
}

pub fn stage_update(stage: &str) -> Value {
    json!({"type": "OpportunityStageUpdate", "locationId": LOCATION, "id": OPPORTUNITY, "contactId": CONTACT,
           "name": "Kitchen remodel", "pipelineId": PIPELINE, "pipelineStageId": stage, "status": "open"})
}

/// The stand-in's location: the sub-account the connected tests work in.
pub fn location() -> SubAccountId {
    SubAccountId::from(LOCATION)
}

/// The same sub-account, as the server's own work addresses it in the store.
pub fn tenant() -> Tenant {
    Tenant::for_server_work(location())
}

pub fn contact() -> ContactId {
    ContactId::from(CONTACT)
}

pub fn opportunity() -> OpportunityId {
    OpportunityId::from(OPPORTUNITY)
}
