use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A licence as a valid SPDX licence expression (`AGPL-3.0-or-later`,
/// `EUPL-1.2 OR MIT`), kept as written once it has been checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Licence(String);

impl Licence {
    pub fn parse(s: &str) -> Result<Licence> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::invalid("licence", "a licence is required (an SPDX expression such as EUPL-1.2)"));
        }
        spdx::Expression::parse(s)
            .map_err(|e| Error::invalid("licence", format!("{s:?} is not an SPDX licence expression: {}", e.reason)))?;
        Ok(Licence(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Licence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Licence {
    type Error = Error;
    fn try_from(s: String) -> Result<Licence> {
        Licence::parse(&s)
    }
}

impl From<Licence> for String {
    fn from(l: Licence) -> String {
        l.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_expressions() {
        for good in
            ["AGPL-3.0-or-later", "EUPL-1.2", "GPL-2.0-only OR MIT", "Apache-2.0 WITH LLVM-exception", "CECILL-2.1"]
        {
            assert!(Licence::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "GNU GPL", "Proprietary", "MIT OR", "AGPL-3.0-or-later AND"] {
            let err = Licence::parse(bad).unwrap_err().to_string();
            assert!(err.starts_with("licence:"), "{bad}: {err}");
        }
    }
}
