export { startWorker, type Worker, type WorkerDeps, type WorkerOptions, type WorkerStats } from './worker.js';
export { classifyAnswer, loadAnswerRules, parseAnswerRules, type AnswerRule, type AnswerClass } from './classify-answer.js';
export { rewriteFrom } from './rewrite-from.js';
