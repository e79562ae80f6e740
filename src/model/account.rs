//! Account events, for retention metrics.

use chrono::{DateTime, Utc};

use super::{CustomerId, Timestamped};
use crate::error::{Error, RecordRef, Rule};

/// What happened to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum AccountEventKind {
    /// The customer started (signed up, bought).
    Started,
    /// The customer renewed.
    Renewed,
    /// The customer's recurring revenue grew.
    Expanded,
    /// The customer's recurring revenue shrank.
    Contracted,
    /// The customer signalled an intent to cancel or return.
    CancellationIntent,
    /// The customer churned (cancelled, returned the product).
    Churned,
}

/// One event of a customer account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AccountEvent {
    /// The customer.
    pub customer: CustomerId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: AccountEventKind,
    /// The recurring revenue after the event, in minor currency units (cents), if known.
    pub revenue: Option<i64>,
    /// The caller's reason code (why the customer churned or signalled an intent), if any.
    pub reason: Option<u16>,
}

impl AccountEvent {
    /// An event without revenue or reason.
    pub fn new(customer: CustomerId, at: DateTime<Utc>, kind: AccountEventKind) -> Self {
        AccountEvent {
            customer,
            at,
            kind,
            revenue: None,
            reason: None,
        }
    }
}

impl AccountEvent {
    /// Checks that revenue, when given, is not negative.
    pub fn validate(&self) -> Result<(), Error> {
        if matches!(self.revenue, Some(r) if r < 0) {
            return Err(Error::InvalidRecord {
                record: RecordRef::Account(self.customer, self.at),
                rule: Rule::NegativeRevenue,
            });
        }
        Ok(())
    }
}

impl Timestamped for AccountEvent {
    #[inline]
    fn at(&self) -> DateTime<Utc> {
        self.at
    }
}
