//! Kubernetes resource quantities (`250m`, `1.5`, `512Mi`, `1e3`): parsed to check what
//! berth.toml and the standard give a Deployment's `resources`, never rewritten.
//!
//! The grammar is the API's (`k8s.io/apimachinery/pkg/api/resource`): a non-negative decimal
//! number, then a binary suffix (`Ki Mi Gi Ti Pi Ei`), a decimal one (`n u m k M G T P E`, or
//! none) or a decimal exponent (`e3`, `E-2`). The value is kept as an `f64`, which is exact
//! enough to tell a request above its limit. A library was considered: `kube_quantity` parses
//! quantities too, but through `k8s-openapi`, a very large crate, for what is one small grammar.

/// A parsed quantity: the text as written and its value in base units (cores, bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub text: String,
    pub value: f64,
    /// The suffix is `n`, `u` or `m`: fractions of the unit (millicores; for memory, millibytes).
    pub fractional_suffix: bool,
}

/// Parses `text` as a Kubernetes quantity; `None` when it is not one.
pub fn parse(text: &str) -> Option<Quantity> {
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(digits_end);
    let number = number.strip_prefix('+').unwrap_or(number);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let well_formed = !(whole.is_empty() && fraction.is_empty())
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit());
    if !well_formed {
        return None;
    }
    let mantissa: f64 = format!("0{whole}.{fraction}0").parse().ok()?;
    let (scale, fractional_suffix) = scale(suffix)?;
    Some(Quantity {
        text: text.to_string(),
        value: mantissa * scale,
        fractional_suffix,
    })
}

/// The factor of a suffix, and whether it divides the unit.
fn scale(suffix: &str) -> Option<(f64, bool)> {
    let binary = [
        ("Ki", 1),
        ("Mi", 2),
        ("Gi", 3),
        ("Ti", 4),
        ("Pi", 5),
        ("Ei", 6),
    ];
    if let Some((_, power)) = binary.iter().find(|(s, _)| *s == suffix) {
        return Some((1024f64.powi(*power), false));
    }
    let decimal = [
        ("n", -9),
        ("u", -6),
        ("m", -3),
        ("", 0),
        ("k", 3),
        ("M", 6),
        ("G", 9),
        ("T", 12),
        ("P", 15),
        ("E", 18),
    ];
    if let Some((_, exp)) = decimal.iter().find(|(s, _)| *s == suffix) {
        return Some((10f64.powi(*exp), *exp < 0));
    }
    let exponent = suffix.strip_prefix(['e', 'E'])?;
    let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let exp: i32 = exponent.parse().ok()?;
    Some((10f64.powi(exp), exp < 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_of_the_usual_forms() {
        let cases = [
            ("100m", 0.1),
            ("1", 1.0),
            ("1.5", 1.5),
            (".5", 0.5),
            ("2.", 2.0),
            ("+2", 2.0),
            ("512Mi", 512.0 * 1024.0 * 1024.0),
            ("1Gi", 1024.0 * 1024.0 * 1024.0),
            ("1G", 1e9),
            ("1k", 1e3),
            ("1e3", 1e3),
            ("12E-1", 1.2),
        ];
        for (text, want) in cases {
            let q = parse(text).unwrap_or_else(|| panic!("{text} should parse"));
            assert!((q.value - want).abs() < want * 1e-12, "{text}: {}", q.value);
        }
        assert!(parse("250m").unwrap().fractional_suffix);
        assert!(!parse("250Mi").unwrap().fractional_suffix);
    }

    #[test]
    fn malformed_quantities() {
        for bad in [
            "", "m", "-1", "1.2.3", "1 Gi", "1gi", "1KiB", "1e", "1e+", "abc", "1Mi ", "..",
        ] {
            assert!(parse(bad).is_none(), "{bad:?} should not parse");
        }
    }
}
