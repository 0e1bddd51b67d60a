//! Which of the customer's subscriptions an operation means: one rule for the facade's
//! auto-resolution (adjust, resources), the [`Billing`](crate::Billing) helpers and the
//! request handler (`usage-events/create`).
//!
//! - A named subscription must be one of the customer's current subscriptions. An empty id
//!   names none (as in the TypeScript SDK).
//! - Naming none means the customer's current subscription. When there are several (the real
//!   server refuses a second current subscription at commit 49b3368, so this is an edge), a
//!   read takes the first of `currentSubscriptions` (what `@flowglad/react`'s helpers read)
//!   and a write is refused with [`Error::MultipleActiveSubscriptions`] rather than guessed.
//!
//! The TypeScript SDK has three rules here (its quirk 3: the helpers take
//! `currentSubscriptions[0]`, the usage-event route the API's `currentSubscription`,
//! auto-resolution exactly one); `docs/facade.md` lists where this one differs.

use crate::error::Error;

/// How an operation that names no subscription settles on one.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Unnamed {
    /// A read: the first current subscription.
    First,
    /// A write: the only current subscription; several is an error with this message.
    Only(&'static str),
}

/// The position, among the current subscriptions' ids, of the subscription meant by `named`
/// (or by `unnamed` when it names none).
pub(crate) fn choose<'a>(
    current: impl ExactSizeIterator<Item = &'a str>,
    named: Option<&str>,
    unnamed: Unnamed,
) -> Result<usize, Error> {
    let mut current = current;
    match named.filter(|id| !id.is_empty()) {
        Some(id) => {
            current
                .position(|current| current == id)
                .ok_or_else(|| Error::SubscriptionNotCurrent {
                    subscription_id: id.to_owned(),
                })
        }
        None => match (current.len(), unnamed) {
            (0, _) => Err(Error::NoActiveSubscription),
            (1, _) | (_, Unnamed::First) => Ok(0),
            (_, Unnamed::Only(message)) => Err(Error::MultipleActiveSubscriptions { message }),
        },
    }
}

/// Message of adjust's auto-resolution.
pub(crate) const MULTIPLE_ADJUST: &str =
    "Customer has multiple active subscriptions. Please specify subscriptionId in params.";
/// Message of the other writes' auto-resolution (resource methods, the handler's
/// `usage-events/create`).
pub(crate) const MULTIPLE: &str =
    "Customer has multiple active subscriptions. Please specify subscriptionId.";

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(current: &[&str], named: Option<&str>, unnamed: Unnamed) -> Result<usize, Error> {
        choose(current.iter().copied(), named, unnamed)
    }

    #[test]
    fn one_rule() {
        let write = Unnamed::Only(MULTIPLE_ADJUST);
        for unnamed in [Unnamed::First, write] {
            assert_eq!(pick(&["a"], None, unnamed).unwrap(), 0);
            assert_eq!(pick(&["a"], Some(""), unnamed).unwrap(), 0);
            assert_eq!(pick(&["a", "b"], Some("b"), unnamed).unwrap(), 1);
            assert!(matches!(
                pick(&["a"], Some("z"), unnamed),
                Err(Error::SubscriptionNotCurrent { subscription_id }) if subscription_id == "z"
            ));
            assert!(matches!(
                pick(&[], None, unnamed),
                Err(Error::NoActiveSubscription)
            ));
        }
        assert_eq!(pick(&["a", "b"], None, Unnamed::First).unwrap(), 0);
        assert!(matches!(
            pick(&["a", "b"], None, write),
            Err(Error::MultipleActiveSubscriptions { message }) if message == MULTIPLE_ADJUST
        ));
    }
}
