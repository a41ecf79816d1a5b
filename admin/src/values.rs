//! Column types → widgets, and values between the database, the page and the form.
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use sea_orm::{
    Value,
    sea_query::{ColumnType, StringLen},
};
use serde_json::Value as Json;

/// What a column holds, as far as pages and forms care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text {
        max: Option<u32>,
    },
    LongText,
    Bool,
    SmallInt,
    Int,
    BigInt,
    Float,
    /// With a time zone (stored as UTC here).
    DateTimeTz,
    DateTime,
    Date,
    Json,
    Other,
}

impl Kind {
    #[must_use]
    pub fn of(ct: &ColumnType) -> Self {
        match ct {
            ColumnType::String(StringLen::N(n)) => Self::Text { max: Some(*n) },
            ColumnType::String(_) | ColumnType::Char(_) => Self::Text { max: None },
            ColumnType::Text => Self::LongText,
            ColumnType::Boolean => Self::Bool,
            ColumnType::TinyInteger | ColumnType::SmallInteger => Self::SmallInt,
            ColumnType::Integer => Self::Int,
            ColumnType::BigInteger => Self::BigInt,
            ColumnType::Float | ColumnType::Double | ColumnType::Decimal(_) => Self::Float,
            ColumnType::TimestampWithTimeZone => Self::DateTimeTz,
            ColumnType::DateTime | ColumnType::Timestamp => Self::DateTime,
            ColumnType::Date => Self::Date,
            ColumnType::Json | ColumnType::JsonBinary => Self::Json,
            _ => Self::Other,
        }
    }

    #[must_use]
    pub const fn is_integer(self) -> bool {
        matches!(self, Self::SmallInt | Self::Int | Self::BigInt)
    }

    #[must_use]
    pub const fn is_temporal(self) -> bool {
        matches!(self, Self::DateTimeTz | Self::DateTime | Self::Date)
    }

    #[must_use]
    pub const fn is_textual(self) -> bool {
        matches!(self, Self::Text { .. } | Self::LongText)
    }

    /// A typed NULL of this kind.
    #[must_use]
    pub const fn null(self) -> Value {
        match self {
            Self::Bool => Value::Bool(None),
            Self::SmallInt => Value::SmallInt(None),
            Self::Int => Value::Int(None),
            Self::BigInt => Value::BigInt(None),
            Self::Float => Value::Double(None),
            Self::DateTimeTz => Value::ChronoDateTimeWithTimeZone(None),
            Self::DateTime => Value::ChronoDateTime(None),
            Self::Date => Value::ChronoDate(None),
            Self::Json => Value::Json(None),
            _ => Value::String(None),
        }
    }

    /// An integer of this kind (ids, foreign keys).
    #[must_use]
    pub fn int(self, n: i64) -> Value {
        match self {
            Self::SmallInt => Value::SmallInt(i16::try_from(n).ok()),
            Self::Int => Value::Int(i32::try_from(n).ok()),
            _ => Value::BigInt(Some(n)),
        }
    }
}

/// The value as JSON, for audit diffs and saved state.
#[must_use]
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Bool(b) => b.map_or(Json::Null, Json::from),
        Value::TinyInt(n) => n.map_or(Json::Null, Json::from),
        Value::SmallInt(n) => n.map_or(Json::Null, Json::from),
        Value::Int(n) => n.map_or(Json::Null, Json::from),
        Value::BigInt(n) => n.map_or(Json::Null, Json::from),
        Value::TinyUnsigned(n) => n.map_or(Json::Null, Json::from),
        Value::SmallUnsigned(n) => n.map_or(Json::Null, Json::from),
        Value::Unsigned(n) => n.map_or(Json::Null, Json::from),
        Value::BigUnsigned(n) => n.map_or(Json::Null, Json::from),
        Value::Float(n) => n.map_or(Json::Null, |f| Json::from(f64::from(f))),
        Value::Double(n) => n.map_or(Json::Null, Json::from),
        Value::String(s) => s.as_ref().map_or(Json::Null, |s| Json::from(s.as_str())),
        Value::Json(j) => j.as_ref().map_or(Json::Null, |j| (**j).clone()),
        Value::ChronoDate(d) => d.map_or(Json::Null, |d| Json::from(d.to_string())),
        Value::ChronoDateTime(d) => d.map_or(Json::Null, |d| Json::from(d.to_string())),
        Value::ChronoDateTimeUtc(d) => d.map_or(Json::Null, |d| Json::from(d.to_rfc3339())),
        Value::ChronoDateTimeWithTimeZone(d) => {
            d.map_or(Json::Null, |d| Json::from(d.to_rfc3339()))
        }
        other => Json::from(format!("{other:?}")),
    }
}

fn utc(d: &DateTime<FixedOffset>) -> DateTime<Utc> {
    d.with_timezone(&Utc)
}

/// The value as a list cell or a read-only field shows it.
#[must_use]
pub fn display(v: &Value) -> String {
    match v {
        Value::Bool(Some(b)) => if *b { "Yes" } else { "No" }.to_string(),
        Value::ChronoDateTimeWithTimeZone(Some(d)) => {
            utc(d).format("%Y-%m-%d %H:%M UTC").to_string()
        }
        Value::ChronoDateTimeUtc(Some(d)) => d.format("%Y-%m-%d %H:%M UTC").to_string(),
        Value::ChronoDateTime(Some(d)) => d.format("%Y-%m-%d %H:%M").to_string(),
        _ => match to_json(v) {
            Json::Null => String::new(),
            Json::String(s) => s,
            j => j.to_string(),
        },
    }
}

/// Whether two field values say the same once what a browser changes on its own is set
/// aside: line endings (a textarea sends CRLF), whitespace at line ends and blank lines at
/// the end, and the one newline HTML drops after `<textarea>`.
#[must_use]
pub fn same_text(a: &str, b: &str) -> bool {
    fn normal(s: &str) -> String {
        let s = s.replace("\r\n", "\n").replace('\r', "\n");
        let s = s.strip_prefix('\n').unwrap_or(&s);
        let lines: Vec<&str> = s.lines().map(str::trim_end).collect();
        lines.join("\n").trim_end().to_string()
    }
    normal(a) == normal(b)
}

/// The value as a form field holds it (`datetime-local` wants `YYYY-MM-DDTHH:MM`, in UTC).
#[must_use]
pub fn form_string(v: &Value) -> String {
    match v {
        Value::Bool(Some(b)) => if *b { "on" } else { "" }.to_string(),
        Value::ChronoDateTimeWithTimeZone(Some(d)) => utc(d).format("%Y-%m-%dT%H:%M").to_string(),
        Value::ChronoDateTimeUtc(Some(d)) => d.format("%Y-%m-%dT%H:%M").to_string(),
        Value::ChronoDateTime(Some(d)) => d.format("%Y-%m-%dT%H:%M").to_string(),
        Value::Json(Some(j)) => serde_json::to_string_pretty(&**j).unwrap_or_default(),
        _ => display(v),
    }
}

/// Reads a date-time as a person types it: `YYYY-MM-DDTHH:MM[:SS]` (UTC), or RFC 3339.
#[must_use]
pub fn parse_datetime(raw: &str) -> Option<DateTime<FixedOffset>> {
    let raw = raw.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(raw) {
        return Some(d);
    }
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
    .map(|n| Utc.from_utc_datetime(&n).fixed_offset())
}

/// Parses what was typed into a value of `kind`. Blank means NULL when the column allows it.
///
/// # Errors
/// A message for the person, shown next to the field.
pub fn parse(kind: Kind, nullable: bool, raw: &str) -> Result<Value, String> {
    if raw.contains('\0') {
        return Err("This holds a character that cannot be stored (NUL).".to_string());
    }
    let t = raw.trim();
    if t.is_empty() && !kind.is_textual() && kind != Kind::Bool {
        return if nullable {
            Ok(kind.null())
        } else {
            Err("This field is required.".to_string())
        };
    }
    match kind {
        Kind::Text { max } => {
            if let Some(max) = max {
                let n = raw.chars().count();
                if n > max as usize {
                    return Err(format!("Keep this under {max} characters (it has {n})."));
                }
            }
            Ok(if nullable && t.is_empty() {
                Value::String(None)
            } else {
                Value::String(Some(raw.to_string()))
            })
        }
        // Browsers send textarea lines ending in CRLF; store them as typed, with LF.
        Kind::LongText | Kind::Other => Ok(if nullable && t.is_empty() {
            Value::String(None)
        } else {
            Value::String(Some(raw.replace("\r\n", "\n")))
        }),
        Kind::SmallInt | Kind::Int | Kind::BigInt => {
            let n: i64 = t.parse().map_err(|_| "Enter a whole number.".to_string())?;
            match kind.int(n) {
                Value::SmallInt(None) | Value::Int(None) => {
                    Err("That number is too large.".to_string())
                }
                v => Ok(v),
            }
        }
        Kind::Float => t
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| Value::Double(Some(f)))
            .ok_or_else(|| "Enter a number.".to_string()),
        Kind::DateTimeTz => parse_datetime(t)
            .map(|d| Value::ChronoDateTimeWithTimeZone(Some(d)))
            .ok_or_else(|| "Enter a date and time as YYYY-MM-DD HH:MM (UTC).".to_string()),
        Kind::DateTime => parse_datetime(t)
            .map(|d| Value::ChronoDateTime(Some(d.naive_utc())))
            .ok_or_else(|| "Enter a date and time as YYYY-MM-DD HH:MM.".to_string()),
        Kind::Date => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(|d| Value::ChronoDate(Some(d)))
            .map_err(|_| "Enter a date as YYYY-MM-DD.".to_string()),
        Kind::Json => serde_json::from_str::<Json>(t)
            .map(|j| Value::Json(Some(Box::new(j))))
            .map_err(|e| format!("This is not valid JSON: {e}.")),
        Kind::Bool => Ok(Value::Bool(Some(matches!(t, "on" | "true" | "1" | "yes")))),
    }
}

/// A spreadsheet cell: quoted, and defused when a spreadsheet would read it as a formula.
#[must_use]
pub fn csv_cell(s: &str) -> String {
    let defused = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) || defused != s {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn text_the_browser_only_reformatted_is_the_same() {
        assert!(same_text("one\ntwo", "one\r\ntwo\r\n"));
        assert!(same_text("one  \ntwo\n", "one\r\ntwo  "));
        assert!(same_text("\nlead", "lead"));
        assert!(!same_text("one two", "one  two"));
        assert!(!same_text("one\n\ntwo", "one\ntwo"));
    }

    use super::*;

    #[test]
    fn typed_values_parse_or_explain() {
        assert_eq!(parse(Kind::Int, false, "42"), Ok(Value::Int(Some(42))));
        assert_eq!(
            parse(Kind::Int, false, "4x"),
            Err("Enter a whole number.".to_string())
        );
        assert_eq!(parse(Kind::Int, true, " "), Ok(Value::Int(None)));
        assert!(parse(Kind::Int, false, "").is_err());
        assert!(parse(Kind::Int, false, "99999999999").is_err());
        assert!(parse(Kind::Text { max: Some(3) }, false, "abcd").is_err());
        assert_eq!(parse(Kind::Bool, false, ""), Ok(Value::Bool(Some(false))));
        let Ok(Value::ChronoDateTimeWithTimeZone(Some(d))) =
            parse(Kind::DateTimeTz, true, "2026-11-21T09:30")
        else {
            panic!("a datetime-local value parses");
        };
        assert_eq!(
            form_string(&Value::ChronoDateTimeWithTimeZone(Some(d))),
            "2026-11-21T09:30"
        );
        assert!(parse(Kind::Json, false, "{nope").is_err());
    }

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
    }
}
