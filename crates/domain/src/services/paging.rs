//! Pages of lists that are bounded by construction (a company's sessions, its webhook
//! endpoints), cut from the whole list in memory with the same rules as the lists paged in the
//! store: `limit` 1–100, a cursor that is the previous page's last id.

use crate::DomainError;

/// The longest page of any list.
pub const MAX_PAGE: u32 = 100;

/// Which page: after the item with id `after`, at most `limit` items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<Id> {
    pub after: Option<Id>,
    pub limit: u32,
}

/// `limit` within 1–100, else `Invalid` (field `limit`).
pub fn check_limit(limit: u32) -> Result<(), DomainError> {
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(())
    } else {
        Err(DomainError::invalid("limit", format!("must be from 1 to {MAX_PAGE}")))
    }
}

/// The page of `items` (in their order) that `page` asks for, and whether more follow.
/// `Invalid` (field `cursor`) if `page.after` names no item.
pub fn cut<T, Id: PartialEq>(
    items: Vec<T>,
    id: impl Fn(&T) -> &Id,
    page: &Page<Id>,
    cursor_names: &str,
) -> Result<(Vec<T>, bool), DomainError> {
    check_limit(page.limit)?;
    let start = match &page.after {
        Some(after) => {
            let at = items.iter().position(|item| id(item) == after);
            at.ok_or_else(|| DomainError::invalid("cursor", format!("names no {cursor_names}")))? + 1
        }
        None => 0,
    };
    let mut rest: Vec<T> = items.into_iter().skip(start).collect();
    let limit = page.limit as usize;
    let more = rest.len() > limit;
    rest.truncate(limit);
    Ok((rest, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_join_up_and_say_when_more_follow() {
        let items: Vec<u32> = (1..=5).collect();
        let first = cut(items.clone(), |i| i, &Page { after: None, limit: 2 }, "item").expect("page");
        assert_eq!(first, (vec![1, 2], true));
        let next = cut(items.clone(), |i| i, &Page { after: Some(2), limit: 2 }, "item").expect("page");
        assert_eq!(next, (vec![3, 4], true));
        let last = cut(items.clone(), |i| i, &Page { after: Some(4), limit: 2 }, "item").expect("page");
        assert_eq!(last, (vec![5], false));
        let bad = cut(items.clone(), |i| i, &Page { after: Some(9), limit: 2 }, "item");
        assert!(matches!(bad, Err(DomainError::Invalid { field: "cursor", .. })));
        for limit in [0, 101] {
            let bad = cut(items.clone(), |i| i, &Page { after: None, limit }, "item");
            assert!(matches!(bad, Err(DomainError::Invalid { field: "limit", .. })), "{limit}");
        }
    }
}
