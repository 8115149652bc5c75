/**
 * What text a field may hold. A one-line field (a title, an address) shows in subject lines, lists
 * and spreadsheets: a control character could split a header or a CSV row, and a bidi override
 * (U+202A-U+202E, U+2066-U+2069) makes text display in another order than it is stored ("Trojan
 * Source"). Multi-line fields (a description, a comment) may hold line breaks and tabs, nothing else
 * of the kind.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const BIDI_OVERRIDE = /[\u202a-\u202e\u2066-\u2069]/;

export const ONE_LINE_MESSAGE = 'must be one line of plain text: no control or bidi-override characters';
export const MULTI_LINE_MESSAGE =
  'must be plain text: no control characters (other than line breaks and tabs) or bidi overrides';

export function isOneLineText(value: string): boolean {
  return !CONTROL.test(value) && !BIDI_OVERRIDE.test(value);
}

export function isMultiLineText(value: string): boolean {
  return !CONTROL_BUT_LINE_BREAKS.test(value) && !BIDI_OVERRIDE.test(value);
}
