/**
 * The one definition of a pseudonymous reference to a person: `personRef`,
 * `staffRef` and `operatorRef` of device messages, and `ref` of registry staff
 * (registry file, admin API). Health data is personal (SPEC "What real
 * means"), so a reference is defined by what it is, not by a list of what it
 * must not look like:
 *
 *   <kind><sep><segment>(<sep><segment>)*      e.g. p-7f3a9c, s-guard-01, w-0005
 *
 * - kind: 1-8 ASCII letters saying what is referred to (p person, s staff,
 *   v visitor, w worker, ...), then `-` or `_`;
 * - segments: ASCII letters and digits, joined by one `-`, `_`, `.` or `:`;
 * - 4-64 characters in all;
 * - at most 6 digits in a row (a separator between two digits does not end
 *   the row) and at most 8 digits in the whole reference.
 *
 * Every ID number (18 or 15 digits), passport or travel permit number (a
 * letter or two and 7-8 digits), mobile number (11 digits, 13 with the
 * country code) and landline with its area code (10-12 digits) has more than
 * 6 digits in a row or more than 8 digits in all, however it is written: with
 * separators, a prefix such as `ID` or `tel-`, a country code, letters in
 * between. `+`, spaces, brackets, full-width digits and Chinese characters are
 * outside the alphabet. test/ingest/pseudonymous-ref.test.ts holds the table.
 */
import { z } from 'zod';

/** Longest row of digits allowed; a separator between digits continues the row. */
export const MAX_DIGITS_IN_A_ROW = 6;
/** Most digits allowed in one reference. */
export const MAX_DIGITS = 8;

const SHAPE = '[A-Za-z]{1,8}[-_][A-Za-z0-9]+(?:[-_.:][A-Za-z0-9]+)*';
const TOO_MANY_DIGITS = `(?!(?:\\D*\\d){${MAX_DIGITS + 1}})`;
const TOO_LONG_A_ROW = `(?!.*\\d(?:[-_.:]?\\d){${MAX_DIGITS_IN_A_ROW}})`;

/** One ECMA-262 pattern, so the generated JSON Schema says all of it to device makers. */
export const PSEUDONYMOUS_REF_PATTERN = new RegExp(`^${TOO_MANY_DIGITS}${TOO_LONG_A_ROW}${SHAPE}$`);

/** The field's message names the rule, never the value (dead letters and logs keep it). */
export const PSEUDONYMOUS_REF_MESSAGE =
  `must be a pseudonymous reference: a kind of 1-8 letters, "-" or "_", then ASCII letters and digits joined by "-", "_", "." or ":" (e.g. p-7f3a9c); ` +
  `4-64 characters, at most ${MAX_DIGITS_IN_A_ROW} digits in a row and ${MAX_DIGITS} in all, so that no ID, passport or phone number fits`;

export const PseudonymousRef = z
  .string()
  .min(4, PSEUDONYMOUS_REF_MESSAGE)
  .max(64, PSEUDONYMOUS_REF_MESSAGE)
  .regex(PSEUDONYMOUS_REF_PATTERN, PSEUDONYMOUS_REF_MESSAGE)
  .describe('Pseudonymous reference to a person, e.g. p-7f3a9c (never a name, ID, passport or phone number)');
