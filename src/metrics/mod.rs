//! The metrics, one module per family of [contract](crate::contract).

pub mod agents;
pub mod calls;
pub mod desk;
pub mod forecast;
pub mod patience;
pub mod retention;
pub mod sla;
pub mod staffing;
pub mod surveys;
pub mod team;
pub mod tickets;
