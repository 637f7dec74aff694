/** SPF (RFC 7208): checking a host, and suggesting the record a domain should publish. */
export { checkHost, type SpfCheckInput, type SpfResult } from './check-host.js';
export { countLookups, mergeSpf, SPF_LOOKUP_LIMIT, type SpfMerge } from './merge-spf.js';
export { isSpfRecord, parseSpfRecord, type SpfMechanism, type SpfModifier, type SpfParse, type SpfRecord } from './spf-record.js';
export { expandMacroString, parseMacroString, type MacroContext } from './spf-macros.js';
export { DEFAULT_LIMITS, type SpfLimits } from './spf-session.js';
