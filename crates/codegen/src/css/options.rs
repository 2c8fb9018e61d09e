//! How a component's stylesheet is printed: browser targets (a browserslist query, read once
//! into Lightning CSS's form, so that an invalid query is an error for the caller and never a
//! problem of a component) and minification.

use lightningcss::targets::Browsers;

/// How a component's stylesheet is printed. The default prints readable CSS (no
/// prefixes added, nothing lowered).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CssOptions {
    /// The browsers to support: vendor prefixes are added and newer syntax (nesting, range media
    /// queries, …) lowered for them.
    pub targets: Option<CssTargets>,
    /// Print without whitespace, with rules merged and values shortened (bundles).
    pub minify: bool,
}

impl CssOptions {
    /// What a cache key records of these options.
    pub fn describe(&self) -> String {
        format!("css targets={:?} minify={}", self.targets.as_ref().map(CssTargets::query), self.minify)
    }
}

/// Browser targets read from a browserslist query (`"chrome 80, safari 13"`, `"defaults"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CssTargets {
    query: String,
    pub(super) browsers: Browsers,
}

impl CssTargets {
    pub fn parse(query: &str) -> Result<Self, CssError> {
        let invalid = |reason: String| CssError::InvalidTargets { query: query.to_string(), reason };
        match Browsers::from_browserslist([query]) {
            Ok(Some(browsers)) => Ok(Self { query: query.to_string(), browsers }),
            Ok(None) => Err(invalid("it matches no browser".to_string())),
            Err(error) => Err(invalid(error.to_string())),
        }
    }

    /// The query as it was written.
    pub fn query(&self) -> &str {
        &self.query
    }
}

/// The query decides the browsers.
impl std::hash::Hash for CssTargets {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.query.hash(state);
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CssError {
    #[error("invalid browser targets `{query}`: {reason}")]
    InvalidTargets { query: String, reason: String },
}
