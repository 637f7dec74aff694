export { startRelayServer, type RelayServer, type RelayListen, type RelayContext, type RelayOptions } from './relay-server.js';
export { readSubmission, findSmuggling, type Submission, type ReadResult } from './read-submission.js';
