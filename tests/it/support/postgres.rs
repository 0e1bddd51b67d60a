//! A private PostgreSQL for the tests: Debian's `postgresql` binaries, a cluster made with
//! `initdb` in a temporary directory, started with `pg_ctl` on a free port of 127.0.0.1,
//! stopped and deleted when the handle is dropped. Run as user `postgres` when the tests
//! run as root (PostgreSQL refuses root).
//!
//! [`TestPostgres::start`] returns `None`, saying the test was skipped, when PostgreSQL is
//! not installed — and panics instead when `FLOWGLAD_REQUIRE_POSTGRES=1` (CI).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

pub const REQUIRE_ENV: &str = "FLOWGLAD_REQUIRE_POSTGRES";

pub struct TestPostgres {
    bin: PathBuf,
    dir: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb`.
fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn chown_to_postgres(path: &Path) {
    let out = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(path)
        .output()
        .expect("chown");
    assert!(out.status.success(), "chown postgres: {out:?}");
}

impl TestPostgres {
    /// A running private cluster, or `None` (test skipped) when PostgreSQL is not installed.
    pub fn start(test: &str) -> Option<TestPostgres> {
        let Some(bin) = bin_dir() else {
            assert!(
                std::env::var(REQUIRE_ENV).as_deref() != Ok("1"),
                "{test}: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) \
                 and {REQUIRE_ENV}=1: install Debian's `postgresql` package"
            );
            println!(
                "SKIPPED {test}: PostgreSQL is not installed (apt-get install postgresql; \
                 set {REQUIRE_ENV}=1 to make this a failure)"
            );
            return None;
        };
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "flowglad-test-pg-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let as_postgres = is_root();
        if as_postgres {
            chown_to_postgres(&dir);
        }
        let pg = TestPostgres {
            data: dir.join("data"),
            dir,
            bin,
            port: free_port(),
            as_postgres,
        };
        pg.run_ok(
            "initdb",
            &[
                "-D",
                pg.data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=100",
            pg.port,
            pg.dir.display()
        );
        let log = pg.dir.join("postgres.log");
        pg.run_ok(
            "pg_ctl",
            &[
                "-D",
                pg.data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        Some(pg)
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn run(&self, tool: &str, args: &[&str]) -> Output {
        self.command(tool)
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e}"))
    }

    fn run_ok(&self, tool: &str, args: &[&str]) {
        let out = self.run(tool, args);
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
        );
    }

    /// The URL of database `db` (user `postgres`, trusted).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates database `db` and returns its URL.
    pub async fn create_database(&self, db: &str) -> String {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .expect("connect to the test cluster");
        sqlx::query(&format!("CREATE DATABASE {db}"))
            .execute(&mut admin)
            .await
            .expect("create database");
        self.url(db)
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
