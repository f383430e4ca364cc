//! nginx's time values: `300`, `300s`, `5m`, `1h30m`, `500ms`.

/// Parses an nginx time into whole seconds (rounded down); `None` if it is not one.
pub fn parse_nginx_time(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let mut total_ms: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let factor_ms = match &rest[..unit_len] {
            "" | "s" => 1_000,
            "ms" => 1,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            "M" => 2_592_000_000,
            "y" => 31_536_000_000,
            _ => return None,
        };
        total_ms = total_ms.checked_add(number.checked_mul(factor_ms)?)?;
        rest = &rest[unit_len..];
    }
    Some(total_ms / 1000)
}

#[cfg(test)]
mod tests {
    use super::parse_nginx_time;

    #[test]
    fn units() {
        assert_eq!(parse_nginx_time("300"), Some(300));
        assert_eq!(parse_nginx_time("300s"), Some(300));
        assert_eq!(parse_nginx_time("5m"), Some(300));
        assert_eq!(parse_nginx_time("1h30m"), Some(5400));
        assert_eq!(parse_nginx_time("1500ms"), Some(1));
        assert_eq!(parse_nginx_time("x"), None);
        assert_eq!(parse_nginx_time("5q"), None);
    }
}
