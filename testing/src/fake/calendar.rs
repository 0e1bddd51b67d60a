//! Billing interval arithmetic on UTC epoch milliseconds: `month` and `year` move by
//! calendar months, keeping the time of day and clamping the day of the month (Jan 31 + 1
//! month = Feb 28 or 29), as billing periods do.

const DAY_MS: i64 = 24 * 3600 * 1000;

/// `start` plus `count` intervals of `unit` (`day`, `week`, `month`, `year`; anything else
/// is a month).
pub(crate) fn add_interval(start: i64, unit: &str, count: i64) -> i64 {
    match unit {
        "day" => start + count * DAY_MS,
        "week" => start + count * 7 * DAY_MS,
        "year" => add_months(start, 12 * count),
        _ => add_months(start, count),
    }
}

/// `days` days later.
pub(crate) fn add_days(start: i64, days: i64) -> i64 {
    start + days * DAY_MS
}

fn add_months(start: i64, months: i64) -> i64 {
    let days = start.div_euclid(DAY_MS);
    let time_of_day = start.rem_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    let total = y * 12 + (m - 1) + months;
    let (y, m) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let d = d.min(days_in_month(y, m));
    days_from_civil(y, m, d) * DAY_MS + time_of_day
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(y: i64, m: i64, d: i64) -> i64 {
        days_from_civil(y, m, d) * DAY_MS
    }

    #[test]
    fn months_are_calendar_months_clamped_to_the_last_day() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(add_interval(ms(2026, 1, 15), "month", 1), ms(2026, 2, 15));
        assert_eq!(add_interval(ms(2026, 1, 31), "month", 1), ms(2026, 2, 28));
        assert_eq!(add_interval(ms(2028, 1, 31), "month", 1), ms(2028, 2, 29));
        assert_eq!(add_interval(ms(2026, 12, 1), "month", 1), ms(2027, 1, 1));
        assert_eq!(add_interval(ms(2026, 3, 1), "year", 1), ms(2027, 3, 1));
        assert_eq!(add_interval(ms(2026, 3, 1), "week", 2), ms(2026, 3, 15));
        assert_eq!(
            add_interval(ms(2026, 3, 1) + 1234, "day", 1),
            ms(2026, 3, 2) + 1234
        );
    }
}
