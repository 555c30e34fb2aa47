//! The real Upstash Workflow app of `tests/workflow-py` (official Python SDK, FastAPI), started
//! against an in-process `dlq dev`. Its pinned packages live in a venv (`tests/workflow-py/.venv`,
//! made by `.ci/run`, or here the first time); a missing Python fails the test with what to do,
//! never skips it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Dev;
use super::workflow_app::{Harness, spawn};
use dlq::server::{DEFAULT_CURRENT_SIGNING_KEY, DEFAULT_NEXT_SIGNING_KEY};

pub struct PyApp {
    harness: Harness,
    child: tokio::process::Child,
}

impl std::ops::Deref for PyApp {
    type Target = Harness;
    fn deref(&self) -> &Harness {
        &self.harness
    }
}

fn app_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/workflow-py")
}

fn python(dir: &Path) -> PathBuf {
    dir.join(".venv/bin/python")
}

/// Makes the venv with the pinned packages once, if it is missing.
fn ensure_installed(dir: &Path) {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if dir.join(".venv/.installed").exists() {
        return;
    }
    let run = |cmd: &mut std::process::Command, what: &str| {
        let status = cmd.current_dir(dir).status().unwrap_or_else(|e| {
            panic!("the Python workflow tests need python3 with venv and pip ({e}): {what}")
        });
        assert!(status.success(), "{what} in {} failed", dir.display());
    };
    run(
        std::process::Command::new("python3").args(["-m", "venv", ".venv"]),
        "python3 -m venv .venv",
    );
    run(
        std::process::Command::new(python(dir)).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            "requirements.txt",
        ]),
        "pip install -r requirements.txt",
    );
    std::fs::write(dir.join(".venv/.installed"), b"").unwrap();
}

impl PyApp {
    /// Starts the app with `dev` as its QStash, signature verification on.
    pub async fn start(dev: &Dev) -> PyApp {
        let dir = app_dir();
        let d = dir.clone();
        tokio::task::spawn_blocking(move || ensure_installed(&d))
            .await
            .unwrap();
        let (child, harness) = spawn(
            tokio::process::Command::new(python(&dir))
                .arg("app.py")
                .current_dir(&dir)
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("QSTASH_URL", &dev.url)
                .env("QSTASH_TOKEN", &dev.token)
                .env("QSTASH_CURRENT_SIGNING_KEY", DEFAULT_CURRENT_SIGNING_KEY)
                .env("QSTASH_NEXT_SIGNING_KEY", DEFAULT_NEXT_SIGNING_KEY),
            "the Python workflow app",
        )
        .await;
        let app = PyApp { harness, child };
        app.wait_ready().await;
        app
    }

    /// uvicorn answers once it is serving.
    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.events_or_err().await.is_err() {
            assert!(Instant::now() < deadline, "the Python app never answered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Starts a run of `path` (`/wf/order`, `/wf/plain`) as a Python app does: the qstash
    /// client publishes to the workflow's URL.
    pub async fn trigger_path(&self, path: &str, body: Value) -> String {
        let v = self.trigger(json!({"url": path, "body": body})).await;
        v["messageId"].as_str().unwrap().to_string()
    }
}

impl Drop for PyApp {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
