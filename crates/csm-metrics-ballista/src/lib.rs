//! csm-metrics' DataFusion functions on an Apache Ballista cluster.
//!
//! Ballista ships a query plan to its executors as protobuf, where an aggregate function
//! travels by name: the scheduler and every executor must have the functions registered
//! under the same names (and, for `ticket_facts` in business time, with the same
//! calendar). This crate gives the three pieces that need them:
//!
//! - [`session_state`]: a session state with every function registered, from which
//!   [`ballista::prelude::SessionContextExt::standalone_with_state`] builds an in-process
//!   scheduler and executor (Ballista's upgrade of the client's own state resets its
//!   aggregate functions: register them on the returned context with
//!   [`csm_metrics_datafusion::register`]);
//! - [`function_registry`]: the executor's registry (`override_function_registry` of its
//!   process configuration; `examples/executor.rs`);
//! - [`session_builder`]: the scheduler's session builder (`override_session_builder`;
//!   `examples/scheduler.rs`).
//!
//! The intermediate states are plain Arrow columns (`UInt64`, `Binary`, `List<Int64>`),
//! which Ballista's shuffle carries between stages like any other column: no extension
//! codec is needed.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::sync::Arc;

use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::utils::default_session_builder;
use csm_metrics::BusinessClock;
use datafusion::common::Result;
use datafusion::execution::{FunctionRegistry, SessionState};
use datafusion::prelude::SessionConfig;

/// A session state for Ballista (its default builder) with every csm-metrics function
/// registered (`ticket_facts` in business time on `calendar`, when given). Pass
/// `SessionConfig::new_with_ballista()` (from [`ballista::prelude::SessionConfigExt`]) for
/// Ballista's defaults.
pub fn session_state(
    config: SessionConfig,
    calendar: Option<Arc<dyn BusinessClock>>,
) -> Result<SessionState> {
    let mut state = default_session_builder(ballista_safe(config))?;
    register(&mut state, calendar)?;
    Ok(state)
}

/// `config` with the settings the suites need on Ballista 55: leaf-expression pushdown off.
/// That optimizer rule moves struct field accesses (`f['solved']`) into aliased
/// projections below aggregates, and a plan whose aggregate `FILTER` refers to such an
/// alias does not survive Ballista's protobuf round trip from client to scheduler ("No
/// field named ... Did you mean facts.__datafusion_extracted_1"). With the rule off, the
/// plan travels intact; the results are the same.
pub fn ballista_safe(mut config: SessionConfig) -> SessionConfig {
    config
        .options_mut()
        .optimizer
        .enable_leaf_expression_pushdown = false;
    config
}

/// Registers every csm-metrics function on a session state.
pub fn register(state: &mut SessionState, calendar: Option<Arc<dyn BusinessClock>>) -> Result<()> {
    for f in csm_metrics_datafusion::functions(calendar) {
        state.register_udaf(Arc::new(f))?;
    }
    Ok(())
}

/// An executor's function registry: DataFusion's defaults and every csm-metrics function.
pub fn function_registry(calendar: Option<Arc<dyn BusinessClock>>) -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    for f in csm_metrics_datafusion::functions(calendar) {
        registry
            .aggregate_functions
            .insert(f.name().to_string(), Arc::new(f));
    }
    registry
}

/// A scheduler's session builder: Ballista's session state for the configuration, with
/// every csm-metrics function registered.
pub fn session_builder(
    calendar: Option<Arc<dyn BusinessClock>>,
) -> Arc<dyn Fn(SessionConfig) -> Result<SessionState> + Send + Sync> {
    Arc::new(move |config: SessionConfig| session_state(config, calendar.clone()))
}
