//! Every rule on a value berth.toml, a flag or a wizard answer can hold: one function per rule,
//! one message, one fix, wherever the value comes from.
//!
//! A rule is `fn(value, &Claims) -> Result<T, Refusal>`. The `Claims` are what the project
//! already holds (ports and routes in use and who uses them, the services and infrastructure it
//! declares) plus the standard, whose data gives every bound and every suggested fix: no message
//! here hard-codes a number the standard owns. `resolve` (berth.toml), the flags of `init` and
//! `new` (`answers`) and the wizard all call these. The rules on a project and its services are
//! in `service`, those of the Kubernetes overlays (`[kubernetes]`, as `resolve::kubernetes`
//! keeps them apart) in `kubernetes`.

mod claims;
mod kubernetes;
mod service;

pub use claims::Claims;
pub use kubernetes::*;
pub use service::*;

/// `raw` as a `T` when it lies within `min..=max`.
fn within<T: TryFrom<i64> + PartialOrd>(raw: i64, min: T, max: T) -> Option<T> {
    T::try_from(raw).ok().filter(|v| (min..=max).contains(v))
}
