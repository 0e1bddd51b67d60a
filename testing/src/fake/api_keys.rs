//! `apiKeys-get`. The fake holds no API key records (its one key is a plain string, and no
//! operation tells a user a key's id), so every id is answered as the real server answers an
//! id it does not know.

use super::state::Failure;

/// Upstream's answer to an unknown API key id (an unwrapped panic around a `NotFoundError`).
pub(crate) fn get(id: &str) -> Failure {
    Failure::internal(format!(
        "Unwrap called on Err: Panic: Unwrap called on Err: NotFoundError: No api keys found \
         with id: {id}"
    ))
}
