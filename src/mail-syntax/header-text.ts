// Control and format characters (CR, LF, NUL, soft hyphen, bidi overrides, zero-width
// characters...) and line/paragraph separators never belong in a header: refusing them keeps
// header injection out, and text that reads differently from what it is (reordered or hidden).
export const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

// An RFC 2047 encoded-word would be decoded by mail clients into text the service never
// checked. The rule is broader than the RFC's grammar (`=?` anywhere before a later `?=`), since
// lenient decoders also accept spaces or odd charsets inside.
export const ENCODED_WORD = /=\?.*\?=/s;
