//! A fresh PostgreSQL database for each test that needs one, dropped when
//! the test ends.
//!
//! The server is the one in `MENTORSHIP_TEST_POSTGRES` (a `postgres://` URL
//! of a database the user may create databases from), by default the local
//! one: `postgres://postgres@127.0.0.1:5432/postgres`. A test that needs
//! PostgreSQL fails when it cannot reach it: the suite runs against a real
//! database or says why not.

use std::sync::atomic::{AtomicU64, Ordering};

/// Where the tests' databases are created.
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database made for one test.
pub struct TestDatabase {
    admin: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// Creates an empty database with a name no other test run uses.
    pub fn create() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let admin =
            std::env::var("MENTORSHIP_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_ADMIN_URL.into());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let name = format!(
            "mentorship_test_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        run_admin(&admin, format!("CREATE DATABASE {name}"));
        let url = with_database(&admin, &name);
        Self { admin, name, url }
    }

    /// The database's `postgres://` URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `sql` on the database as its administrator (a test's way to
    /// reach behind the log: end sessions, hold locks, alter rows).
    pub fn execute(&self, sql: &str) {
        run_admin(&self.url, sql.to_owned());
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        run_admin(
            &self.admin,
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |scheme| {
        scheme
            + 3
            + base[scheme + 3..]
                .find('/')
                .unwrap_or(base.len() - scheme - 3)
    });
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// Runs one statement on its own thread and runtime, so that it works from
/// inside a test's runtime and from `Drop`.
fn run_admin(url: &str, sql: String) {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the test database");
        runtime.block_on(async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|error| panic!("cannot reach PostgreSQL at {url}: {error}"));
            tokio::spawn(connection);
            client
                .batch_execute(&sql)
                .await
                .unwrap_or_else(|error| panic!("{sql}: {error}"));
        });
    })
    .join()
    .expect("the test database statement panicked");
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "t"),
            "postgres://u@h:5432/t"
        );
        assert_eq!(with_database("postgres://u@h", "t"), "postgres://u@h/t");
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "t"),
            "postgresql://u:p@h/t?sslmode=disable"
        );
    }
}
