//! Where to connect: explicit flags and profiles beat the environment, which beats the config
//! file's default profile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::ClientArgs;
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
    /// The profile it came from, if any.
    pub profile: Option<String>,
    /// Environment variables set but not used (an explicit profile chose the target).
    pub ignored: Vec<String>,
    /// Said on stderr before the command runs (a config file others can read).
    pub warnings: Vec<String>,
}

impl Target {
    /// What the target is called in confirmations, `-v` and journals (never the token).
    pub fn name(&self) -> TargetName {
        TargetName {
            url: crate::text::mask_userinfo(&self.url),
            profile: self.profile.clone(),
        }
    }
}

/// A target without its token: the URL (user-info masked) and the profile.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, Deserialize)]
pub struct TargetName {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

impl std::fmt::Display for TargetName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)?;
        if let Some(p) = &self.profile {
            write!(f, " (profile {p})")?;
        }
        Ok(())
    }
}

/// `<config dir>/dlq/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("dlq").join("config.toml"))
}

fn load(path: &Path) -> Result<Option<ConfigFile>, CliError> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map(Some).map_err(|e| CliError {
            exit: Exit::Usage,
            message: format!(
                "invalid config file {}: {}",
                path.display(),
                parse_error(&text, &e)
            ),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CliError {
            exit: Exit::Error,
            message: format!("cannot read config file {}: {e}", path.display()),
        }),
    }
}

/// A TOML error without its snippet of the file (which may be a token's line): the line and
/// column, and what is wrong.
fn parse_error(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().trim_end_matches('\n').replace('\n', "; ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {col}: {what}")
        }
        None => what,
    }
}

/// Where the target's fields come from, in order: flags, then an explicit profile (`--profile`
/// or `DLQ_PROFILE`), then the environment, then the config file's default profile.
struct Sources<'a> {
    c: &'a ClientArgs,
    profile: Option<(String, Profile)>,
    explicit_profile: bool,
    env_var: &'a dyn Fn(&str) -> Option<String>,
}

impl Sources<'_> {
    fn url(&self) -> String {
        let from_profile = || self.profile.as_ref().and_then(|(_, p)| p.url.clone());
        if let Some(u) = &self.c.qstash_url {
            u.clone()
        } else if self.c.dev {
            DEV_URL.to_string()
        } else if self.explicit_profile {
            from_profile().unwrap_or_else(|| DEFAULT_URL.to_string())
        } else {
            (self.env_var)("QSTASH_URL")
                .or_else(from_profile)
                .unwrap_or_else(|| DEFAULT_URL.to_string())
        }
    }

    fn token(&self) -> Option<String> {
        let from_profile = || {
            self.profile
                .as_ref()
                .and_then(|(_, p)| nonempty(p.token.clone()))
        };
        if let Some(t) = nonempty(self.c.token.clone()) {
            Some(t)
        } else if self.c.dev {
            Some(crate::wire::dev::DEFAULT_TOKEN.to_string())
        } else if self.explicit_profile {
            from_profile()
        } else {
            (self.env_var)("QSTASH_TOKEN").or_else(from_profile)
        }
    }
}

fn nonempty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// The profile chosen: `--profile`/`DLQ_PROFILE` (explicit), else the file's default.
fn choose_profile(
    name: Option<&str>,
    file: Option<&ConfigFile>,
    path: Option<&Path>,
) -> Result<Option<(String, Profile)>, CliError> {
    let shown = || {
        path.map(|p| p.display().to_string())
            .unwrap_or_else(|| "(no config directory)".into())
    };
    match (name, file) {
        (Some(name), Some(f)) => match f.profiles.get(name) {
            Some(p) => Ok(Some((name.to_string(), p.clone()))),
            None => {
                let known: Vec<&str> = f.profiles.keys().map(String::as_str).collect();
                Err(CliError::usage(format!(
                    "no profile '{name}' in {} (profiles: {})",
                    shown(),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )))
            }
        },
        (Some(name), None) => Err(CliError::usage(format!(
            "--profile {name}: no config file at {}",
            shown()
        ))),
        (None, Some(f)) => Ok(f
            .default_profile
            .as_ref()
            .and_then(|n| f.profiles.get(n).map(|p| (n.clone(), p.clone())))),
        (None, None) => Ok(None),
    }
}

/// Resolves URL and token: explicit flags (`--qstash-url`, `--token`, `--dev`, `--profile`, or
/// `DLQ_PROFILE`) beat the environment (`QSTASH_URL`, `QSTASH_TOKEN`, the SDKs' region
/// variables), which beats the config file's default profile. An explicit profile is the
/// target whole: the environment's URL and token are not mixed into it. `env` looks up
/// environment variables (injected for tests).
pub fn resolve(c: &ClientArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<Target, CliError> {
    let explicit_path = c
        .config
        .clone()
        .or_else(|| nonempty(env("DLQ_CONFIG")).map(PathBuf::from));
    let profile_name = c.profile.clone().or_else(|| nonempty(env("DLQ_PROFILE")));
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
    if c.dev && profile_name.is_some() {
        return Err(CliError::usage(
            "--dev and a profile (--profile or DLQ_PROFILE) name two targets: give one",
        ));
    }
    let profile = choose_profile(profile_name.as_deref(), file.as_ref(), path.as_deref())?;
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
    let src = Sources {
        c,
        explicit_profile: profile_name.is_some(),
        profile,
        env_var: &env_var,
    };
    let url = checked_url(&src.url(), c.allow_http || env_flag(env("DLQ_ALLOW_HTTP")))?;
    let token = src
        .token()
        .ok_or_else(|| no_token(&src, region.as_deref(), path.as_deref()))?;
    let ignored = if src.explicit_profile && !c.dev {
        ["QSTASH_URL", "QSTASH_TOKEN"]
            .into_iter()
            .filter(|v| env_var(v).is_some())
            .map(String::from)
            .collect()
    } else {
        Vec::new()
    };
    let warnings = match (&path, &file) {
        (Some(p), Some(f)) => exposed(p, f).into_iter().collect(),
        _ => Vec::new(),
    };
    Ok(Target {
        url,
        token: SecretString::new(token.trim()),
        profile: src.profile.map(|(n, _)| n),
        ignored,
        warnings,
    })
}

/// A warning when the config file holds a token and others may read it (as ssh warns of a
/// key file), with the `chmod` that fixes it.
fn exposed(path: &Path, file: &ConfigFile) -> Option<String> {
    if !file.profiles.values().any(|p| p.token.is_some()) {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then(|| {
            format!(
                "Warning: {} holds a token and others can read it (mode {mode:04o}): run chmod 600 {}",
                path.display(),
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn env_flag(v: Option<String>) -> bool {
    v.is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// An http(s) URL without `/v2`; plain http only to this machine unless allowed.
fn checked_url(url: &str, allow_http: bool) -> Result<String, CliError> {
    let url = url.trim().trim_end_matches('/').to_string();
    let shown = crate::text::mask_userinfo(&url);
    let parsed = match url::Url::parse(&url) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => u,
        _ => {
            return Err(CliError::usage(format!(
                "invalid QStash URL '{shown}': expected http:// or https://"
            )));
        }
    };
    if url.ends_with("/v2") {
        return Err(CliError::usage(format!(
            "the QStash URL '{shown}' ends in /v2: drop /v2 (dlq adds the API's paths itself), e.g. '{}'",
            shown.trim_end_matches("/v2")
        )));
    }
    if parsed.scheme() == "http" && !crate::text::is_loopback_url(&parsed) && !allow_http {
        return Err(CliError::usage(format!(
            "refusing to send the token over plain http to {}: use https://, or pass --allow-http (DLQ_ALLOW_HTTP=1) if anyone on the network path may read it",
            parsed.host_str().unwrap_or("?")
        )));
    }
    Ok(url)
}

/// No token anywhere: where one can come from.
fn no_token(src: &Sources, region: Option<&str>, path: Option<&Path>) -> CliError {
    let message = match (&src.profile, src.explicit_profile, region) {
        (Some((name, _)), true, _) => format!(
            "profile '{name}' has no token: add `token = \"…\"` to it in {}, or pass --token",
            path.map(|p| p.display().to_string()).unwrap_or_default()
        ),
        (_, _, Some(r)) => format!(
            "QSTASH_REGION={r} is set but {r}_QSTASH_TOKEN is not (nor QSTASH_TOKEN): set {r}_QSTASH_TOKEN, or pass --token"
        ),
        _ => format!(
            "no QStash token: pass --token, set QSTASH_TOKEN (or QSTASH_REGION with <REGION>_QSTASH_TOKEN), \
             add a profile with a token to {}, or use --dev for a local `dlq dev`",
            path.map(|p| p.display().to_string())
                .unwrap_or_else(|| "the config file".into())
        ),
    };
    CliError {
        exit: Exit::Auth,
        message,
    }
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

    fn args(config: Option<PathBuf>) -> ClientArgs {
        ClientArgs {
            config,
            ..ClientArgs::default()
        }
    }

    /// A config file with a default profile `p` and a second profile `q`.
    fn two_profiles(dir: &Path) -> PathBuf {
        let cfg = dir.join("c.toml");
        std::fs::write(
            &cfg,
            "default_profile = \"p\"\n[profiles.p]\nurl = \"https://p.example/\"\ntoken = \"ptok\"\n\
             [profiles.q]\nurl = \"https://q.example\"\ntoken = \"qtok\"\n[profiles.bare]\nurl = \"https://b.example\"\n",
        )
        .unwrap();
        cfg
    }

    const ENV: &[(&str, &str)] = &[
        ("QSTASH_TOKEN", "etok"),
        ("QSTASH_URL", "https://e.example"),
    ];

    #[test]
    fn flags_beat_the_environment_which_beats_the_default_profile() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = two_profiles(dir.path());
        let t = resolve(&args(Some(cfg.clone())), &env_of(&[])).unwrap();
        assert_eq!(
            (t.url.as_str(), t.token.expose(), t.profile.as_deref()),
            ("https://p.example", "ptok", Some("p"))
        );
        let t = resolve(&args(Some(cfg.clone())), &env_of(ENV)).unwrap();
        assert_eq!(
            (t.url.as_str(), t.token.expose()),
            ("https://e.example", "etok")
        );
        let mut a = args(Some(cfg.clone()));
        a.token = Some("ftok".into());
        let t = resolve(&a, &env_of(ENV)).unwrap();
        assert_eq!(t.token.expose(), "ftok");
        let t = resolve(
            &args(Some(cfg)),
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
    fn an_explicit_profile_is_the_target_whole_whatever_the_environment_says() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = two_profiles(dir.path());
        let mut a = args(Some(cfg.clone()));
        a.profile = Some("q".into());
        let t = resolve(&a, &env_of(ENV)).unwrap();
        assert_eq!(
            (t.url.as_str(), t.token.expose()),
            ("https://q.example", "qtok")
        );
        assert_eq!(t.ignored, ["QSTASH_URL", "QSTASH_TOKEN"]);
        assert_eq!(t.name().to_string(), "https://q.example (profile q)");
        // DLQ_PROFILE is as explicit as the flag.
        let t = resolve(
            &args(Some(cfg.clone())),
            &env_of(&[("DLQ_PROFILE", "q"), ("QSTASH_TOKEN", "etok")]),
        )
        .unwrap();
        assert_eq!(t.token.expose(), "qtok");
        // A profile without a token does not borrow the environment's.
        a.profile = Some("bare".into());
        let e = resolve(&a, &env_of(ENV)).unwrap_err();
        assert_eq!(e.exit, Exit::Auth);
        assert!(
            e.message.contains("profile 'bare' has no token"),
            "{}",
            e.message
        );
        a.dev = true;
        assert_eq!(resolve(&a, &env_of(&[])).unwrap_err().exit, Exit::Usage);
    }

    #[test]
    fn missing_token_says_where_to_get_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("c.toml"), "").unwrap();
        let mut a = args(Some(dir.path().join("c.toml")));
        let e = resolve(&a, &env_of(&[])).unwrap_err();
        assert_eq!(e.exit, Exit::Auth);
        assert!(e.message.contains("QSTASH_TOKEN") && e.message.contains("--dev"));
        a.profile = Some("nope".into());
        assert_eq!(resolve(&a, &env_of(&[])).unwrap_err().exit, Exit::Usage);
    }

    #[test]
    fn dev_uses_the_local_server() {
        let a = ClientArgs {
            dev: true,
            ..ClientArgs::default()
        };
        let t = resolve(&a, &env_of(&[("QSTASH_URL", "https://elsewhere")])).unwrap();
        assert_eq!(t.url, DEV_URL);
        assert_eq!(t.token.expose(), crate::wire::dev::DEFAULT_TOKEN);
    }

    #[test]
    fn plain_http_goes_only_to_this_machine_unless_allowed() {
        let with_url = |u: &str, allow: bool| ClientArgs {
            qstash_url: Some(u.into()),
            token: Some("t".into()),
            allow_http: allow,
            config: None,
            ..ClientArgs::default()
        };
        let e = resolve(&with_url("http://qstash.upstash.io", false), &env_of(&[])).unwrap_err();
        assert!(
            e.message.contains("plain http to qstash.upstash.io"),
            "{}",
            e.message
        );
        assert!(resolve(&with_url("http://qstash.upstash.io", true), &env_of(&[])).is_ok());
        assert!(
            resolve(
                &with_url("http://10.0.0.2:8080", false),
                &env_of(&[("DLQ_ALLOW_HTTP", "1")])
            )
            .is_ok()
        );
        assert!(resolve(&with_url("http://127.0.0.1:9", false), &env_of(&[])).is_ok());
        assert!(resolve(&with_url("https://qstash.upstash.io", false), &env_of(&[])).is_ok());
    }

    #[test]
    fn a_password_in_the_url_is_never_shown() {
        let a = ClientArgs {
            qstash_url: Some("https://user:hunter2@h.example/v2".into()),
            token: Some("t".into()),
            ..ClientArgs::default()
        };
        let e = resolve(&a, &env_of(&[])).unwrap_err();
        assert!(!e.message.contains("hunter2"), "{}", e.message);
        let a = ClientArgs {
            qstash_url: Some("https://user:hunter2@h.example".into()),
            ..a
        };
        let t = resolve(&a, &env_of(&[])).unwrap();
        assert_eq!(t.name().url, "https://<redacted>@h.example");
    }

    #[test]
    fn a_malformed_config_file_never_shows_its_lines() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        for text in [
            "[profiles.p]\ntoken = \"s3cr3t-token\n",
            "[profiles.p]\ntokn = \"s3cr3t-token\"\n",
        ] {
            std::fs::write(&cfg, text).unwrap();
            let e = resolve(&args(Some(cfg.clone())), &env_of(&[])).unwrap_err();
            assert!(!e.message.contains("s3cr3t"), "{}", e.message);
            assert!(e.message.contains("line 2"), "{}", e.message);
        }
    }
}
