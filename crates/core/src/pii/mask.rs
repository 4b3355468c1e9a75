//! Masking rules applied to every response that carries personal data.

/// `13812341234` → `138****1234`. Anything not 11 characters is fully starred.
pub fn mask_phone(phone: &str) -> String {
    let c: Vec<char> = phone.chars().collect();
    if c.len() != 11 {
        return "*".repeat(c.len().max(4));
    }
    format!(
        "{}****{}",
        c[..3].iter().collect::<String>(),
        c[7..].iter().collect::<String>()
    )
}

/// `zhang.wei@example.com` → `z***@example.com`; without an `@`, fully starred.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) if !local.is_empty() => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        _ => "*".repeat(email.chars().count().max(4)),
    }
}

/// 18-character IDs keep the first 3 and the last 1; 15-character (old) IDs likewise.
pub fn mask_id_number(id: &str) -> String {
    let c: Vec<char> = id.chars().collect();
    if c.len() < 8 {
        return "*".repeat(c.len());
    }
    let mut out: String = c[..3].iter().collect();
    out.push_str(&"*".repeat(c.len() - 4));
    out.push(c[c.len() - 1]);
    out
}

/// Chinese names keep the surname: 张三 → 张*, 欧阳娜娜 → 欧阳**. Latin names keep the
/// first letter of each word.
pub fn mask_name(name: &str) -> String {
    let name = name.trim();
    if name.is_ascii() {
        return name
            .split_whitespace()
            .map(|w| {
                let mut cs = w.chars();
                cs.next()
                    .map(|f| format!("{f}{}", "*".repeat(cs.count())))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    let c: Vec<char> = name.chars().collect();
    let keep = match c.len() {
        0 => return String::new(),
        1 => 0,
        2 | 3 => 1,
        _ => 2, // compound surnames (欧阳, 司马) are usually 2 of 4
    };
    let mut out: String = c[..keep].iter().collect();
    out.push_str(&"*".repeat(c.len() - keep));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_ids_of_both_lengths() {
        assert_eq!(mask_id_number("11010519491231002X"), "110**************X");
        assert_eq!(mask_id_number("110105491231002"), "110***********2");
    }

    #[test]
    fn masks_names_of_every_length() {
        assert_eq!(mask_name("王"), "*");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("李小明"), "李**");
        assert_eq!(mask_name("欧阳娜娜"), "欧阳**");
        assert_eq!(mask_name("Li Ming"), "L* M***");
    }

    #[test]
    fn masks_phone() {
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("123"), "****");
    }
}

/// Masks the phone and ID numbers a person typed into free text (a report, a dispute, a
/// note), so they are not shown in clear to every reader or copied into notifications
/// (security checklist 17): mobile numbers (11 digits, 1[3-9]…), landlines (a 0, the area
/// code and the number: 10–12 digits), 18-character IDs (17 digits and a digit or X) and
/// 15-digit old IDs.
/// Digits may be ASCII or full-width and grouped by single spaces or hyphens
/// (`138 1234 5678`, `021-6234-5678`). Other numbers (amounts, rooms, dates) are left.
/// `None` when nothing was masked.
pub fn mask_text(text: &str) -> Option<String> {
    fn digit(c: char) -> Option<char> {
        match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            _ => None,
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        let Some(_) = digit(chars[i]) else {
            out.push(chars[i]);
            i += 1;
            continue;
        };
        // A run of digits, single separators between them, and an ID's closing X.
        let start = i;
        let mut digits = String::new();
        let mut end = i;
        while end < chars.len() {
            if let Some(d) = digit(chars[end]) {
                digits.push(d);
                end += 1;
            } else if matches!(chars[end], ' ' | '-' | '－')
                && end + 1 < chars.len()
                && digit(chars[end + 1]).is_some()
                && !digits.is_empty()
            {
                end += 1;
            } else {
                break;
            }
        }
        if digits.len() == 17 && end < chars.len() && matches!(chars[end], 'X' | 'x' | 'Ｘ') {
            digits.push('X');
            end += 1;
        }
        // Part of a longer token (letters or digits glued on) is not a number on its own.
        let glued = (end < chars.len() && chars[end].is_ascii_alphanumeric())
            || (start > 0 && chars[start - 1].is_ascii_alphanumeric());
        let bytes = digits.as_bytes();
        let masked = if glued {
            None
        } else if digits.len() == 11 && bytes[0] == b'1' && (b'3'..=b'9').contains(&bytes[1]) {
            Some(mask_phone(&digits))
        } else if digits.len() == 18 || (digits.len() == 15 && bytes[0] != b'0') {
            Some(mask_id_number(&digits))
        } else if (10..=12).contains(&digits.len()) && bytes[0] == b'0' && bytes[1] != b'0' {
            let n = digits.len();
            Some(format!("{}****{}", &digits[..3], &digits[n - 3..]))
        } else {
            None
        };
        match masked {
            Some(m) => {
                out.push_str(&m);
                changed = true;
            }
            None => out.extend(&chars[start..end]),
        }
        i = end;
    }
    changed.then_some(out)
}

#[cfg(test)]
mod text_tests {
    use super::mask_text;

    #[test]
    fn numbers_people_type_are_masked_and_others_kept() {
        assert_eq!(
            mask_text("请联系我13812345678，谢谢").as_deref(),
            Some("请联系我138****5678，谢谢")
        );
        assert_eq!(
            mask_text("电话 138 1234 5678 或 021-6234-5678").as_deref(),
            Some("电话 138****5678 或 021****678")
        );
        assert_eq!(
            mask_text("身份证11010519491231002x，房东").as_deref(),
            Some("身份证110**************X，房东")
        );
        assert_eq!(
            mask_text("手机１３９１２３４５６７８").as_deref(),
            Some("手机139****5678")
        );
        for kept in [
            "3号楼502室漏水已经3天",
            "维修费1200元，2026-11-03发生",
            "订单号A13812345678B",
            "工单20261103000123",
        ] {
            assert_eq!(mask_text(kept), None, "{kept}");
        }
    }
}
