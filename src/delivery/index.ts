export { startWorker, type Worker, type WorkerDeps, type WorkerOptions, type WorkerStats, type StopResult } from './worker.js';
export { classifyAnswer, readAnswer, isThrottle, loadAnswerRules, parseAnswerRules, type AnswerRule, type AnswerClass, type AnswerVerdict } from './classify-answer.js';
export { rewriteFrom } from './rewrite-from.js';
