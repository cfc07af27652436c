//! Python's `str.isprintable()` of one character, from a table of the
//! characters it refuses, so the component carries a few kilobytes of
//! boundaries instead of a whole Unicode general-category table.

mod table;
#[cfg(test)]
mod tests;

/// Python's `str.isprintable()` of one character: everything but the
/// Unicode categories Other (Cc, Cf, Cs, Co, Cn) and Separator (Zl, Zp,
/// Zs), except the space itself.
pub(super) fn is_printable(c: char) -> bool {
    let code = c as u32;
    let refused_from_before = match u16::try_from(code) {
        Ok(code) => table::BMP.partition_point(|&start| start <= code),
        Err(_) => table::BMP.len() + table::ASTRAL.partition_point(|&start| start <= code),
    };
    // The tables (one list, split at U+FFFF to halve the BMP's) hold where
    // each refused run starts and where the next printable run starts,
    // alternately: an even count lands in a printable run.
    refused_from_before % 2 == 0
}
