//! Times as people read and type them: in the site's time zone (`editorial.time_zone`),
//! always with the offset, so nobody has to guess what "09:00" means.
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// The format of a `datetime-local` field.
pub const INPUT_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// `2027-01-31 09:00 CET (+01:00)`.
#[must_use]
pub fn show(tz: Tz, at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z (%:z)")
        .to_string()
}

/// `at` as a `datetime-local` field's value, in the site's zone.
#[must_use]
pub fn input(tz: Tz, at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&tz).format(INPUT_FORMAT).to_string()
}

/// The zone's name and its offset now, for hints: `Europe/Oslo, +01:00 now`.
#[must_use]
pub fn zone_hint(tz: Tz, now: DateTime<FixedOffset>) -> String {
    format!(
        "{}, {} now",
        tz.name(),
        now.with_timezone(&tz).format("%:z")
    )
}

/// Reads a `datetime-local` value typed in the site's zone.
///
/// # Errors
/// A sentence for the field: not a date, or a local time the zone skips (a clock change).
/// A time the zone passes twice takes the earlier one.
pub fn parse(tz: Tz, raw: &str) -> Result<DateTime<FixedOffset>, String> {
    let naive = NaiveDateTime::parse_from_str(raw.trim(), INPUT_FORMAT)
        .map_err(|_| "Enter a date and time such as 2027-01-31T09:00.".to_string())?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|d| d.fixed_offset())
        .ok_or_else(|| {
            format!(
                "{raw} does not exist in {} (the clocks change then): choose another time.",
                tz.name()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_carry_their_zone_and_offset() {
        let tz: Tz = "Europe/Oslo".parse().unwrap();
        let at = parse(tz, "2027-01-31T09:00").unwrap();
        assert_eq!(at.to_rfc3339(), "2027-01-31T09:00:00+01:00");
        assert_eq!(show(tz, at), "2027-01-31 09:00 CET (+01:00)");
        assert_eq!(input(tz, at), "2027-01-31T09:00");
        // Summer time.
        let july = parse(tz, "2027-07-01T09:00").unwrap();
        assert_eq!(show(tz, july), "2027-07-01 09:00 CEST (+02:00)");
        // 02:30 on the last Sunday of March does not happen in Oslo.
        assert!(
            parse(tz, "2027-03-28T02:30")
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(parse(tz, "tomorrow").is_err());
    }
}
