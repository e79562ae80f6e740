//! Zendesk: the [Fivetran Zendesk warehouse schema](fivetran) as CSV and the [API's
//! exports](api) as JSON, mapped onto the crate's records through a documented,
//! overridable [`Mapping`].
//!
//! What a Zendesk export says and what the crate makes of it:
//!
//! | Zendesk | the crate |
//! |---|---|
//! | a ticket (`ticket`: `id`, `created_at`, `requester_id`, `submitter_id`, `group_id`, `assignee_id`, `priority`, `via_channel`) | a [`Ticket`](csm_metrics::Ticket) with the id as spelled, the group as its team ([`TeamId`](csm_metrics::TeamId) = the group id), the requester as [`CustomerId`](csm_metrics::CustomerId); created by an agent (outbound) when the submitter is an agent other than the requester |
//! | a comment (`ticket_comment`: `created`, `public`, `user_id`) | a message: by an agent when the user's role is `agent` or `admin`, by the customer for `end-user` and `not set` (dbt_zendesk's `internal_comment` / `external_comment`); public or internal as `public` says; a comment by a user not in the `user` table is turned away ([`Rule::UnknownAuthor`](crate::Rule::UnknownAuthor), as dbt_zendesk's inner join drops it) |
//! | a status change (`ticket_field_history`, `field_name = status`) | a status: `new`, `open`, `pending`, `hold` (also `on-hold`), `solved`, `closed`; `deleted` counts as spam (every figure leaves; dbt_zendesk keeps the row without a resolution) |
//! | `assignee_id`, `group_id`, `priority` changes | field changes ([`FieldChange`](csm_metrics::FieldChange)): they move the ticket's figures as a reassignment does |
//! | any other field (custom fields, `requester_id`, …) | a custom field change ([`FieldChange::Custom`](csm_metrics::FieldChange::Custom), ids from [`FieldId::named`](csm_metrics::FieldId::named) and [`ValueId::named`](csm_metrics::ValueId::named)): kept for consumers, moves no figure |
//!
//! Events of one ticket at one instant (one Zendesk update) are applied comments first, then
//! field changes, in file order: the reply and the solve of "submit as solved" are a reply,
//! then a solve. For Zendesk's own first-reply rule (an agent's first comment on a ticket
//! an agent opened is its description, not a reply) set
//! [`TrackerConfig::outbound`](csm_metrics::metrics::tickets::TrackerConfig::outbound) to
//! [`OutboundReplies::SecondAgentComment`](csm_metrics::metrics::tickets::OutboundReplies).

pub mod api;
pub mod fivetran;
pub mod schedule;
pub mod sla_policies;

pub use crate::mapping::Mapping;
