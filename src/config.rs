//! Where to connect: flags beat the environment, which beats the config file's profile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::secret::SecretString;

pub const DEFAULT_URL: &str = "https://qstash.upstash.io";
pub const DEV_URL: &str = "http://127.0.0.1:8080";

/// The config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One named target.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub url: Option<String>,
    pub token: Option<String>,
}

/// The resolved target.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    pub token: SecretString,
}

/// `<config dir>/dlq/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("dlq").join("config.toml"))
}

fn load(path: &Path) -> Result<Option<ConfigFile>, CliError> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map(Some).map_err(|e| CliError {
            exit: Exit::Usage,
            message: format!("invalid config file {}: {e}", path.display()),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CliError {
            exit: Exit::Error,
            message: format!("cannot read config file {}: {e}", path.display()),
        }),
    }
}

/// Resolves URL and token. `env` looks up environment variables (injected for tests).
pub fn resolve(g: &GlobalArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<Target, CliError> {
    let explicit_path = g.config.clone().or_else(|| {
        env("DLQ_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let profile_name = g
        .profile
        .clone()
        .or_else(|| env("DLQ_PROFILE").filter(|v| !v.is_empty()));
    let path = explicit_path.clone().or_else(default_path);
    let file = match &path {
        Some(p) => load(p)?,
        None => None,
    };
    if let (Some(p), None) = (&explicit_path, &file) {
        return Err(CliError::usage(format!(
            "config file {} does not exist",
            p.display()
        )));
    }
    let profile = match (&profile_name, &file) {
        (Some(name), Some(f)) => Some(f.profiles.get(name).cloned().ok_or_else(|| {
            let known: Vec<&str> = f.profiles.keys().map(String::as_str).collect();
            CliError::usage(format!(
                "no profile '{name}' in {} (profiles: {})",
                path.as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })?),
        (Some(name), None) => {
            return Err(CliError::usage(format!(
                "--profile {name}: no config file at {}",
                path.as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "(no config directory)".into())
            )));
        }
        (None, Some(f)) => f
            .default_profile
            .as_ref()
            .and_then(|n| f.profiles.get(n).cloned()),
        (None, None) => None,
    };
    let nonempty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    // The SDKs' multi-region variables: QSTASH_REGION=US_EAST_1 with US_EAST_1_QSTASH_URL and
    // US_EAST_1_QSTASH_TOKEN; they win over the plain variables when set.
    let region =
        nonempty(env("QSTASH_REGION")).map(|r| r.trim().to_ascii_uppercase().replace('-', "_"));
    let env_var = |name: &str| -> Option<String> {
        region
            .as_ref()
            .and_then(|r| nonempty(env(&format!("{r}_{name}"))))
            .or_else(|| nonempty(env(name)))
    };
    let url = if let Some(u) = &g.qstash_url {
        u.clone()
    } else if g.dev {
        DEV_URL.to_string()
    } else if let Some(u) = env_var("QSTASH_URL") {
        u
    } else if let Some(u) = profile.as_ref().and_then(|p| p.url.clone()) {
        u
    } else {
        DEFAULT_URL.to_string()
    };
    let url = url.trim().trim_end_matches('/').to_string();
    match url::Url::parse(&url) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
        _ => {
            return Err(CliError::usage(format!(
                "invalid QStash URL '{url}': expected http:// or https://"
            )));
        }
    }
    if url.ends_with("/v2") {
        return Err(CliError::usage(format!(
            "the QStash URL '{url}' ends in /v2: drop /v2 (dlq adds the API's paths itself), e.g. '{}'",
            url.trim_end_matches("/v2")
        )));
    }
    let token = if let Some(t) = nonempty(g.token.clone()) {
        t
    } else if g.dev {
        crate::wire::dev::DEFAULT_TOKEN.to_string()
    } else if let Some(t) = env_var("QSTASH_TOKEN") {
        t
    } else if let Some(t) = profile.as_ref().and_then(|p| nonempty(p.token.clone())) {
        t
    } else if let Some(r) = &region {
        return Err(CliError {
            exit: Exit::Auth,
            message: format!(
                "QSTASH_REGION={r} is set but {r}_QSTASH_TOKEN is not (nor QSTASH_TOKEN): set {r}_QSTASH_TOKEN, or pass --token"
            ),
        });
    } else {
        return Err(CliError {
            exit: Exit::Auth,
            message: format!(
                "no QStash token: pass --token, set QSTASH_TOKEN (or QSTASH_REGION with <REGION>_QSTASH_TOKEN), \
                 add a profile with a token to {}, or use --dev for a local `dlq dev`",
                path.as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "the config file".into())
            ),
        });
    };
    Ok(Target {
        url,
        token: SecretString::new(token.trim()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn global(config: Option<PathBuf>) -> GlobalArgs {
        GlobalArgs {
            config,
            ..GlobalArgs::default()
        }
    }

    #[test]
    fn precedence_is_flag_env_profile() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, "default_profile = \"p\"\n[profiles.p]\nurl = \"https://p.example/\"\ntoken = \"ptok\"\n").unwrap();
        let t = resolve(&global(Some(cfg.clone())), &env_of(&[])).unwrap();
        assert_eq!(
            (t.url.as_str(), t.token.expose()),
            ("https://p.example", "ptok")
        );
        let t = resolve(
            &global(Some(cfg.clone())),
            &env_of(&[
                ("QSTASH_TOKEN", "etok"),
                ("QSTASH_URL", "https://e.example"),
            ]),
        )
        .unwrap();
        assert_eq!(
            (t.url.as_str(), t.token.expose()),
            ("https://e.example", "etok")
        );
        let mut g = global(Some(cfg.clone()));
        g.token = Some("ftok".into());
        let t = resolve(&g, &env_of(&[("QSTASH_TOKEN", "etok")])).unwrap();
        assert_eq!(t.token.expose(), "ftok");
        let t = resolve(
            &global(Some(cfg)),
            &env_of(&[
                ("QSTASH_REGION", "us-east-1"),
                ("US_EAST_1_QSTASH_TOKEN", "rtok"),
                ("QSTASH_TOKEN", "etok"),
            ]),
        )
        .unwrap();
        assert_eq!(t.token.expose(), "rtok");
    }

    #[test]
    fn missing_token_says_where_to_get_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut g = GlobalArgs::default();
        std::fs::write(dir.path().join("c.toml"), "").unwrap();
        g.config = Some(dir.path().join("c.toml"));
        let e = resolve(&g, &env_of(&[])).unwrap_err();
        assert_eq!(e.exit, Exit::Auth);
        assert!(e.message.contains("QSTASH_TOKEN") && e.message.contains("--dev"));
        g.profile = Some("nope".into());
        assert_eq!(resolve(&g, &env_of(&[])).unwrap_err().exit, Exit::Usage);
    }

    #[test]
    fn dev_uses_the_local_server() {
        let g = GlobalArgs {
            dev: true,
            config: None,
            ..GlobalArgs::default()
        };
        let t = resolve(&g, &env_of(&[("QSTASH_URL", "https://elsewhere")])).unwrap();
        assert_eq!(t.url, DEV_URL);
        assert_eq!(t.token.expose(), crate::wire::dev::DEFAULT_TOKEN);
    }
}
