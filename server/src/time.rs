//! Times as people in a sub-account read them: stored as UTC milliseconds, shown in the
//! sub-account's time zone.

use app::model::Date;
use chrono::{Datelike, TimeZone, Utc};
use chrono_tz::Tz;

/// The sub-account's zone, falling back to UTC for a name chrono-tz does not know.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// `2026-11-21 14:05 CST` in the given zone, which the time names: staff and the sub-account
/// may be in different zones.
pub fn format_ms(ms: i64, zone_name: &str) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(time) => time.with_timezone(&zone(zone_name)).format("%Y-%m-%d %H:%M %Z").to_string(),
        None => String::new(),
    }
}

/// A moment written as RFC 3339 (`2026-12-01T09:00:00Z`), as [`format_ms`] writes it; `None`
/// for anything else (a day stays as it is written).
pub fn format_rfc3339(text: &str, zone_name: &str) -> Option<String> {
    let moment = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    Some(format_ms(moment.timestamp_millis(), zone_name))
}

/// `14:05:09 CST` in the given zone: a time soon, like a retry's.
pub fn clock_ms(ms: i64, zone_name: &str) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(time) => time.with_timezone(&zone(zone_name)).format("%H:%M:%S %Z").to_string(),
        None => String::new(),
    }
}

/// The date at a moment, in the given zone (the note's `Date:` line is the submit's date).
pub fn date_at(ms: i64, zone_name: &str) -> Date {
    let Some(moment) = Utc.timestamp_millis_opt(ms).single() else { return Date::UNIX_EPOCH };
    let local = moment.with_timezone(&zone(zone_name));
    u8::try_from(local.month())
        .ok()
        .zip(u8::try_from(local.day()).ok())
        .and_then(|(month, day)| Date::new(local.year(), month, day))
        .unwrap_or(Date::UNIX_EPOCH)
}

/// Today's date in the given zone.
pub fn today(zone_name: &str) -> Date {
    date_at(Utc::now().timestamp_millis(), zone_name)
}

/// When a follow-up task is due: 09:00 on the day after `day` in the sub-account's zone, as
/// UTC ISO 8601 (the shape of HighLevel's `dueDate`).
pub fn next_day_at_nine(day: Date, zone_name: &str) -> String {
    let tomorrow = day.next_day();
    zone(zone_name)
        .with_ymd_and_hms(tomorrow.year(), u32::from(tomorrow.month()), u32::from(tomorrow.day()), 9, 0, 0)
        .earliest()
        .map(|local| local.with_timezone(&Utc).format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| format!("{tomorrow}T09:00:00Z"))
}

/// When a task due at `due` becomes overdue, in Unix milliseconds: a due day (`2026-12-01`)
/// ends at midnight in the sub-account's zone; a due time (`2026-12-01T09:00:00Z`) is the moment.
pub fn overdue_at(due: &str, zone_name: &str) -> Option<i64> {
    if let Ok(moment) = chrono::DateTime::parse_from_rfc3339(due) {
        return Some(moment.timestamp_millis());
    }
    let day = Date::parse(due)?.next_day();
    let zone = zone(zone_name);
    let at = |hour| zone.with_ymd_and_hms(day.year(), u32::from(day.month()), u32::from(day.day()), hour, 0, 0);
    // Where the clocks skip midnight (a daylight-saving change), the day starts at one.
    at(0).earliest().or_else(|| at(1).earliest()).map(|midnight| midnight.timestamp_millis())
}

/// A stored time (Unix milliseconds) as the REST API writes times: RFC 3339 in UTC, to the
/// millisecond (`2026-12-01T09:00:00.000Z`).
pub fn rfc3339_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A time (Unix milliseconds) in UTC to the second, as the CRM's due times and a submitted
/// form's `submittedAt` are written (`2026-12-01T09:00:00Z`).
pub fn rfc3339_seconds(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::{clock_ms, format_ms, overdue_at};

    #[test]
    fn times_name_their_zone() {
        let july = 1_782_900_000_000; // 2026-07-01 10:00 UTC
        assert_eq!(format_ms(july, "America/Chicago"), "2026-07-01 05:00 CDT");
        assert_eq!(format_ms(july, "Europe/London"), "2026-07-01 11:00 BST");
        assert_eq!(format_ms(july, "Not/AZone"), "2026-07-01 10:00 UTC");
        assert_eq!(clock_ms(july + 9_000, "Asia/Kolkata"), "15:30:09 IST");
    }

    #[test]
    fn a_due_day_ends_at_midnight_where_the_sub_account_is() {
        // 2026-12-02 00:00 in Chicago (CST, UTC-6) is 06:00 UTC; in Tokyo (UTC+9) 15:00 UTC the day before.
        assert_eq!(overdue_at("2026-12-01", "America/Chicago"), Some(1_796_191_200_000));
        assert_eq!(overdue_at("2026-12-01", "Asia/Tokyo"), Some(1_796_137_200_000));
        assert_eq!(overdue_at("2026-12-01T09:00:00Z", "Asia/Tokyo"), Some(1_796_115_600_000));
        assert_eq!(overdue_at("someday", "UTC"), None);
    }
}
