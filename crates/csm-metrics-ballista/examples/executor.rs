//! A Ballista executor with every csm-metrics function in its registry.
//!
//! ```sh
//! cargo run --release -p csm-metrics-ballista --example executor -- [--bind 0.0.0.0:50051] [--scheduler HOST:50050] [--calendar SPEC.json]
//! ```

use std::sync::Arc;

use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};

#[path = "common/mod.rs"]
mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = common::Args::parse("0.0.0.0:50051")?;
    let address: std::net::SocketAddr = args.bind.parse()?;
    let (scheduler_host, scheduler_port) = args
        .scheduler
        .rsplit_once(':')
        .ok_or("--scheduler takes HOST:PORT")?;
    let config = ExecutorProcessConfig {
        bind_host: address.ip().to_string(),
        port: address.port(),
        grpc_port: address.port() + 1,
        scheduler_host: scheduler_host.to_string(),
        scheduler_port: scheduler_port.parse()?,
        override_function_registry: Some(Arc::new(csm_metrics_ballista::function_registry(
            args.calendar()?,
        ))),
        ..ExecutorProcessConfig::default()
    };
    start_executor_process(Arc::new(config)).await?;
    Ok(())
}
