//! The one stable sort behind the guest's sorts (label pairs, grouping keys,
//! a JSON object's keys). Each std `sort_by` with its own element type or
//! comparison is its own copy of std's sort in the component, a few KB of
//! wasm each; this merge sort over positions is one small function that
//! serves them all.

use std::cmp::Ordering;

/// The positions `0..len` in the order `compare` puts the items there;
/// items it finds equal keep their order, as `slice::sort_by` keeps them.
pub fn sorted_positions(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut merged = order.clone();
    let mut width = 1;
    while width < len {
        let mut start = 0;
        while start < len {
            let middle = (start + width).min(len);
            let end = (middle + width).min(len);
            let (mut left, mut right) = (start, middle);
            for slot in &mut merged[start..end] {
                // The right run goes first only when strictly smaller:
                // that is what keeps equal items in order.
                let take_right = right < end
                    && (left == middle || compare(order[right], order[left]) == Ordering::Less);
                if take_right {
                    *slot = order[right];
                    right += 1;
                } else {
                    *slot = order[left];
                    left += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut order, &mut merged);
        width *= 2;
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as std's stable sort, ties included: the keys
        /// are drawn from few values so that many are equal.
        #[test]
        fn same_order_as_std_stable_sort(keys in prop::collection::vec(0u8..6, 0..80)) {
            let ours = sorted_positions(keys.len(), &|a, b| keys[a].cmp(&keys[b]));
            let mut theirs: Vec<usize> = (0..keys.len()).collect();
            theirs.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
            prop_assert_eq!(ours, theirs);
        }

        #[test]
        fn same_order_as_std_for_strings(keys in prop::collection::vec(".{0,3}", 0..40)) {
            let ours = sorted_positions(keys.len(), &|a, b| keys[a].cmp(&keys[b]));
            let mut theirs: Vec<usize> = (0..keys.len()).collect();
            theirs.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
            prop_assert_eq!(ours, theirs);
        }
    }
}
