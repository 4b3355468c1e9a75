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
