//! `opsflow`: wiring only. Options are in `config`, the application in the `server` library.

use clap::Parser;
use leptos::prelude::LeptosOptions;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use server::config::{ApiKeyCommand, Cli, Command, NewApiKeyArgs, ServeArgs};
use server::db::{Backend, Store};
use server::engine::{Engine, EngineOptions};
use server::highlevel::HighLevel;
use server::highlevel::webhooks::IntakeLimits;
use server::jobs::JobTiming;
use server::service::{Service, ServiceOptions};
use server::supervise::supervise;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Migrate(database) => migrate(&database.url()).await.map(|_| ()),
        Command::Serve(args) => serve(*args).await,
        Command::ApiKey(ApiKeyCommand::Create(args)) => create_api_key(args).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("opsflow: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(url: &str) -> Result<Store, String> {
    let store = Store::connect(url).await.map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    tracing::info!(backend = ?store.backend(), "database is migrated");
    Ok(store)
}

/// Prints only the key on standard output, so a script can take it: `KEY=$(opsflow api-key create …)`.
async fn create_api_key(args: NewApiKeyArgs) -> Result<(), String> {
    let store = migrate(&args.database.url()).await?;
    let service = Service::new(store, ServiceOptions::default());
    let made =
        service.create_api_key_as(&args.admin, &args.sub_account, &args.name).await.map_err(|e| e.to_string())?;
    println!("{}", made.key);
    eprintln!(
        "API key “{}” made ({}…): it is shown this once; Settings lists it and can revoke it.",
        made.view.name, made.view.prefix
    );
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let connection = args.highlevel.connection().map_err(|e| e.to_string())?;
    let leptos_options = site_options(&args)?;
    let store = migrate(&args.database.url()).await?.with_budgets(args.budgets());
    if args.demo && server::demo::seed_if_empty(&store).await.map_err(|e| e.to_string())? {
        tracing::info!(
            "demo data is ready: sign in as {} / {}",
            server::demo::ADMIN_EMAIL,
            server::demo::ADMIN_PASSWORD
        );
    }
    let options = ServiceOptions {
        secure_cookies: args.secure_cookies,
        frame_ancestors: connection.frame_ancestors,
        embedded: connection.highlevel.is_some(),
        public_url: args.public_url.clone(),
        trust_proxy: args.trust_proxy,
        jobs: JobTiming::WRITEBACKS,
        api_calls_per_minute: args.api_calls_per_minute,
        webhooks_may_call_private_hosts: args.webhooks_may_call_private_hosts,
        mail_may_use_private_hosts: args.mail_may_use_private_hosts,
    };
    let sqlite_dir = (store.backend() == Backend::Sqlite).then_some(args.database.data_dir.as_path());
    let secrets = args.highlevel.secrets(sqlite_dir).map_err(|e| e.to_string())?;
    let mut service = Service::new(store.clone(), options);
    if let Some(secrets) = secrets.clone() {
        let bound = store.bind_sealed_secrets(&secrets).await.map_err(|e| e.to_string())?;
        if bound > 0 {
            tracing::info!(bound, "secrets sealed before they were bound to their owner are sealed again, bound");
        }
        service = service.with_secrets(secrets);
    }
    let stop = service.stop_signal();
    let mut workers = Vec::new();
    if let Some(config) = connection.highlevel {
        tracing::info!(client_id = config.client_id, api = config.api_base, "connected to HighLevel");
        let catch_up_every = config.catch_up_every;
        let highlevel = HighLevel::start(store, config, IntakeLimits::default()).await.map_err(|e| e.to_string())?;
        workers.extend(highlevel.spawn_workers(service.notifier().clone(), catch_up_every, stop.clone()));
        service = service.connected(highlevel);
        // Signed-in HighLevel users are asked about again hourly (`service::sso_recheck`).
        workers.push(supervise("highlevel users", stop.clone(), {
            let service = service.clone();
            move || service.clone().run_sso_recheck_worker()
        }));
    }
    // Writebacks left pending (retries, runs a crash cut off) are run from the store.
    workers.push(supervise("writebacks", stop.clone(), {
        let service = service.clone();
        move || service.clone().run_writeback_worker()
    }));
    // Workflow runs' steps: those due now, retries and waits whose time has come.
    workers.push(supervise("workflow steps", stop.clone(), {
        let options = EngineOptions {
            timing: JobTiming::STEPS,
            webhooks_may_call_private_hosts: args.webhooks_may_call_private_hosts,
            mail_may_use_private_hosts: args.mail_may_use_private_hosts,
            twilio_api_base: args.twilio_api_base.clone(),
            secrets,
        };
        let engine = Engine::new(service.store().clone(), service.notifier().clone(), options);
        let stop = stop.clone();
        move || engine.clone().run_worker(stop.clone())
    }));
    // The workflow budgets' counts: runs started a minute, steps queued (`db::budgets`).
    workers.push(supervise("budget counts", stop.clone(), {
        let (store, stop) = (service.store().clone(), stop.clone());
        move || server::engine::run_budget_counter(store.clone(), stop.clone())
    }));
    // Tasks of the built-in CRM that fall due fire their overdue events.
    workers.push(supervise("overdue", stop.clone(), {
        let (crm, stop) = (service.builtin().clone(), stop.clone());
        move || crm.clone().run_overdue_worker(stop.clone())
    }));
    workers.push(supervise("purge", stop.clone(), {
        let (service, retention) = (service.clone(), Duration::from_secs(args.retention_days * 24 * 3600));
        move || service.clone().run_purge_worker(retention)
    }));
    let service = Arc::new(service);
    let app = server::router(service.clone(), leptos_options);
    let listener =
        tokio::net::TcpListener::bind(args.addr).await.map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    tracing::info!("OpsFlow is listening on http://{}", args.addr);
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let mut server = tokio::spawn({
        let stop = stop.clone();
        async move { axum::serve(listener, app).with_graceful_shutdown(async move { stop.wait().await }).await }
    });
    tokio::select! {
        () = shutdown_signal() => {}
        ended = &mut server => return Err(format!("the server stopped: {ended:?}")),
    }
    // Stop accepting, end the inbox streams, let requests in flight (and so every event they
    // wait on) and the workers' current attempts finish — within the drain timeout.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(args.drain_timeout_secs);
    service.stop();
    if tokio::time::timeout_at(deadline, &mut server).await.is_err() {
        tracing::warn!(seconds = args.drain_timeout_secs, "requests still running after the drain timeout are cut off");
        server.abort();
    }
    if tokio::time::timeout_at(deadline, futures::future::join_all(workers)).await.is_err() {
        tracing::warn!("background work still running after the drain timeout is cut off; its leases will expire");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Where the built client is, the way cargo-leptos lays it out; refuses to start without it,
/// since every page would load without its script and styles.
fn site_options(args: &ServeArgs) -> Result<LeptosOptions, String> {
    let output_name = std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "opsflow".to_owned());
    let pkg_dir = std::env::var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|_| "pkg".to_owned());
    let wasm = args.site_root.join(&pkg_dir).join(format!("{output_name}.wasm"));
    if !wasm.is_file() {
        return Err(format!(
            "the built site is missing ({} not found). Build it with `cargo leptos build --release`, \
             or point --site-root / LEPTOS_SITE_ROOT at it.",
            wasm.display()
        ));
    }
    Ok(LeptosOptions::builder()
        .output_name(output_name)
        .site_root(args.site_root.display().to_string())
        .site_pkg_dir(pkg_dir)
        .site_addr(args.addr)
        .build())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down: draining requests and background work");
}
