export { checkContent, overallScore, visibleText, type ContentInput, type PresendCheck } from './content-checks.js';
export { contentInputOf } from './read-message.js';
export { findSpamPhrases, loadSpamPhrases, parseSpamPhrases, type FoundPhrase, type SpamPhrase } from './spam-phrases.js';
