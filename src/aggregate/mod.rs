//! Wrappers that apply to any calculator: groups and calendar windows.

mod group;
mod hash;
mod per_group;
mod window;

pub use group::{ByAgent, ByCaller, ByCustomer, ByQueue, ByTicket, GroupBy, Grouped};
pub use hash::{FastHash, FastHasher};
pub use per_group::PerGroup;
pub(crate) use window::window_bounds;
pub use window::{Granularity, Window, Windowed};
