//! Decimal text to `f64`, read exactly as `str::parse::<f64>` reads it.
//!
//! core's reader carries a 10 KB table of 128-bit powers of five for its
//! fast path (Eisel-Lemire), and its code another 6 KB; this is a tenth of
//! that. The guest reads a few numbers per response, so it takes the exact
//! path only: Clinger's fast path where one IEEE operation is
//! exact, and otherwise the "simple decimal conversion" (Go's strconv,
//! core's own fallback): the digits in a buffer, halved and doubled until
//! the binary exponent is known, then rounded once.

/// Significant digits the buffer holds. A number halfway between two
/// `f64`s has at most 767; the digits past these only matter as "nonzero
/// or not", which `Decimal::truncated` keeps.
const MAX_DIGITS: usize = 800;

/// The largest shift by a power of two in one step: `digit << 60` plus a
/// carry stays below `u64::MAX`.
const MAX_SHIFT: u32 = 60;

/// The digits a left shift by [`MAX_SHIFT`] can add before the buffer is
/// cut back to [`MAX_DIGITS`].
const SLACK: usize = MAX_SHIFT as usize / 3 + 1;

/// `text` as the nearest `f64` (ties to even), or `None` where
/// `str::parse::<f64>` fails. It accepts what that accepts: an optional
/// sign, then digits with an optional `.` and fraction (at least one digit
/// in all) and an optional `e`/`E` exponent with an optional sign, or
/// `inf`, `infinity` or `nan` in any case. No spaces, no `_`.
pub fn parse_f64(text: &str) -> Option<f64> {
    let (negative, body) = match text.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        all => (false, all),
    };
    let magnitude = match Decimal::parse(body) {
        Some(decimal) => decimal.nearest_f64(),
        None => non_finite(body)?,
    };
    Some(if negative { -magnitude } else { magnitude })
}

fn non_finite(word: &[u8]) -> Option<f64> {
    if word.eq_ignore_ascii_case(b"inf") || word.eq_ignore_ascii_case(b"infinity") {
        Some(f64::INFINITY)
    } else if word.eq_ignore_ascii_case(b"nan") {
        Some(f64::NAN)
    } else {
        None
    }
}

/// A nonnegative decimal `0.d₁d₂…dₙ × 10^point`, `d₁` nonzero, no trailing
/// zeros; zero has no digits.
struct Decimal {
    digits: [u8; MAX_DIGITS + SLACK],
    len: usize,
    point: i64,
    /// Nonzero digits were dropped past [`MAX_DIGITS`]: the value is a bit
    /// above what the digits say, which breaks a tie upward.
    truncated: bool,
}

impl Decimal {
    /// Digits, an optional `.` and fraction, an optional exponent, and
    /// nothing after.
    fn parse(text: &[u8]) -> Option<Decimal> {
        let mut decimal = Decimal {
            digits: [0; MAX_DIGITS + SLACK],
            len: 0,
            point: 0,
            truncated: false,
        };
        let mut any_digit = false;
        let mut in_fraction = false;
        let mut pos = 0;
        while let Some(&byte) = text.get(pos) {
            match byte {
                b'0'..=b'9' => {
                    any_digit = true;
                    decimal.push(byte - b'0', in_fraction);
                }
                b'.' if !in_fraction => in_fraction = true,
                _ => break,
            }
            pos += 1;
        }
        if !any_digit {
            return None;
        }
        if let Some(b'e' | b'E') = text.get(pos) {
            pos += 1;
            let negative = text.get(pos) == Some(&b'-');
            if let Some(b'+' | b'-') = text.get(pos) {
                pos += 1;
            }
            let start = pos;
            let mut exponent = 0_i64;
            while let Some(&byte @ b'0'..=b'9') = text.get(pos) {
                // core stops adding digits once the exponent passes 65535
                // (any such exponent is out of range unless the number has
                // that many digits), and the result follows its value.
                if exponent < 0x10000 {
                    exponent = 10 * exponent + i64::from(byte - b'0');
                }
                pos += 1;
            }
            if pos == start {
                return None;
            }
            decimal.point += if negative { -exponent } else { exponent };
        }
        if pos != text.len() {
            return None;
        }
        decimal.trim();
        Some(decimal)
    }

    fn push(&mut self, digit: u8, in_fraction: bool) {
        if self.len == 0 && digit == 0 {
            // A leading zero only moves the point, and only after the `.`.
            if in_fraction {
                self.point -= 1;
            }
            return;
        }
        if self.len < MAX_DIGITS {
            self.digits[self.len] = digit;
            self.len += 1;
        } else if digit != 0 {
            self.truncated = true;
        }
        if !in_fraction {
            self.point += 1;
        }
    }

    fn trim(&mut self) {
        while self.len > 0 && self.digits[self.len - 1] == 0 {
            self.len -= 1;
        }
    }

    fn nearest_f64(mut self) -> f64 {
        // Below 10^-324 is below half the smallest subnormal; 10^309 and
        // up is past the largest finite f64.
        if self.len == 0 || self.point < -324 {
            return 0.0;
        }
        if self.point >= 310 {
            return f64::INFINITY;
        }
        if let Some(exact) = self.exact_f64() {
            return exact;
        }
        // The value is the decimal times 2^exponent; bring the decimal
        // into [1/2, 1).
        let mut exponent = 0_i32;
        while self.point > 0 {
            let shift = shift_for(self.point);
            self.shift_right(shift);
            exponent += shift as i32;
        }
        while self.point < 0 || (self.point == 0 && self.digits[0] < 5) {
            let shift = if self.point == 0 {
                1
            } else {
                shift_for(-self.point)
            };
            self.shift_left(shift);
            exponent -= shift as i32;
        }
        // Twice the decimal is the significand in [1, 2).
        exponent -= 1;
        // Below the smallest normal exponent the significand gives up bits.
        while exponent < -1022 {
            let shift = (-1022 - exponent).min(MAX_SHIFT as i32);
            self.shift_right(shift as u32);
            exponent += shift;
        }
        self.shift_left(53);
        let mut significand = self.round();
        if significand == 1 << 53 {
            significand >>= 1;
            exponent += 1;
        }
        if exponent > 1023 {
            return f64::INFINITY;
        }
        let biased = if significand < 1 << 52 {
            0
        } else {
            exponent + 1023
        };
        f64::from_bits((biased as u64) << 52 | (significand & ((1 << 52) - 1)))
    }

    /// Clinger's fast path: an integer below 2^53 and a power of ten up to
    /// 10^22 are exact as `f64`s, so one multiplication or division rounds
    /// once, correctly.
    fn exact_f64(&self) -> Option<f64> {
        if self.truncated || self.len > 16 {
            return None;
        }
        let integer = self.digits[..self.len]
            .iter()
            .fold(0_u64, |n, &digit| n * 10 + u64::from(digit));
        let exponent = self.point - self.len as i64;
        if integer > 1 << 53 || exponent.abs() > 22 {
            return None;
        }
        let power = (0..exponent.abs()).fold(1.0, |power, _| power * 10.0);
        Some(if exponent < 0 {
            integer as f64 / power
        } else {
            integer as f64 * power
        })
    }

    /// Divides by 2^shift, `shift` at most [`MAX_SHIFT`]; the decimal is
    /// not zero.
    fn shift_right(&mut self, shift: u32) {
        let mut read = 0;
        let mut write = 0;
        let mut n = 0_u64;
        // Read until the first digit of the quotient is nonzero (past the
        // last digit, the digits are zeros).
        while n >> shift == 0 {
            let digit = if read < self.len {
                self.digits[read]
            } else {
                0
            };
            n = n * 10 + u64::from(digit);
            read += 1;
        }
        self.point -= read as i64 - 1;
        let mask = (1 << shift) - 1;
        while read < self.len {
            self.digits[write] = (n >> shift) as u8;
            write += 1;
            n = (n & mask) * 10 + u64::from(self.digits[read]);
            read += 1;
        }
        while n > 0 {
            let digit = (n >> shift) as u8;
            n = (n & mask) * 10;
            if write < MAX_DIGITS {
                self.digits[write] = digit;
                write += 1;
            } else if digit != 0 {
                self.truncated = true;
            }
        }
        self.len = write;
        self.trim();
    }

    /// Multiplies by 2^shift, `shift` at most [`MAX_SHIFT`].
    fn shift_left(&mut self, shift: u32) {
        // The product has at most shift/3 + 1 more digits (2^shift is
        // below 10^(shift/3 + 1)); write it that far right, then move it
        // back to the start.
        let end = self.len + shift as usize / 3 + 1;
        let mut write = end;
        let mut n = 0_u64;
        for read in (0..self.len).rev() {
            n += u64::from(self.digits[read]) << shift;
            write -= 1;
            self.digits[write] = (n % 10) as u8;
            n /= 10;
        }
        while n > 0 {
            write -= 1;
            self.digits[write] = (n % 10) as u8;
            n /= 10;
        }
        self.digits.copy_within(write..end, 0);
        self.point += (end - write) as i64 - self.len as i64;
        self.len = end - write;
        if self.len > MAX_DIGITS {
            self.truncated |= self.digits[MAX_DIGITS..self.len].iter().any(|&d| d != 0);
            self.len = MAX_DIGITS;
        }
        self.trim();
    }

    /// The integer part, rounded half to even; a dropped nonzero tail makes
    /// a half round up.
    fn round(&self) -> u64 {
        let Ok(point) = usize::try_from(self.point) else {
            return 0;
        };
        let integer = (0..point).fold(0_u64, |n, i| {
            n * 10 + self.digits[..self.len].get(i).map_or(0, |&d| u64::from(d))
        });
        let up = point < self.len && {
            let next = self.digits[point];
            next > 5 || (next == 5 && (point + 1 < self.len || self.truncated || integer % 2 == 1))
        };
        integer + u64::from(up)
    }
}

/// A shift by at most `digits` × log₂ 10 bits, so that scaling by it does
/// not carry the decimal point past the other side of zero.
fn shift_for(digits: i64) -> u32 {
    if digits >= 19 {
        MAX_SHIFT
    } else {
        (digits * 33 / 10) as u32
    }
}

#[cfg(test)]
mod tests;
