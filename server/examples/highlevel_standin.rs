//! The stand-in HighLevel of the test suite as a process of its own, for the end-to-end tests:
//! `highlevel_standin 127.0.0.1:3199`. It serves until it is stopped.

#[path = "../tests/it/standin/mod.rs"]
mod standin;

#[tokio::main]
async fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3199".to_owned());
    let stand_in = standin::StandIn::start_on(&addr).await;
    println!("stand-in HighLevel on {}", stand_in.base);
    std::future::pending::<()>().await;
}
