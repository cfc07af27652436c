//! Why an option's value is refused; clap shows it after
//! `invalid value 'X' for '--flag'`.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadValue {
    #[error("'{0}' is not KEY=VALUE")]
    MissingEquals(String),
    #[error("'{0}' is not NAME: VALUE")]
    MissingColon(String),
    #[error("'{0}' is not a positive duration such as 5s, 500ms or 1m")]
    Duration(String),
    #[error(
        "one of default, before-method-only, after-method-only, during-method-only, continuously"
    )]
    HypothesisStrategy,
    #[error("a number of seconds, 0 or more")]
    Seconds,
    /// A `--var KEY:TYPE=VALUE` whose value is not a TYPE: the runner's
    /// message, as for a configuration value.
    #[error("{0}")]
    VarType(String),
}
