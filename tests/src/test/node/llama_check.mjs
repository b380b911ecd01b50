// Runs a GGUF through llama.cpp (the prebuilt CPU build of the npm package node-llama-cpp 3.22.1)
// and answers in JSON what it made of it: an independent check of files our exporter writes.
//
//   node llama_check.mjs [request.json]      (without a file the request is read from stdin)
//
// Request: {
//   model: "/path/model.gguf",
//   texts: ["..."],                        -> tokenized: [[ids]]  (no BOS added, special tokens not parsed)
//   sequences: [[ids]],                    -> evaluated: [{nextLogProbs: [log p(ids[i+1] | ids[..i])],
//                                                          top: [[{id, logProb}] x5 per position]}]
//   generate: [{prompt: [ids] | "text", maxTokens, greedy: true | {seed, topK, temperature}}]
//                                          -> generated: [{ids, text, promptMs, tokensPerSecond}]
//   contextSize, threads (default: the CPU cores), flashAttention (default "auto": on for the CPU) and
//   kvCacheType (default "F16"). Both defaults round attention through F16 (log-probs off by ~5e-3);
//   flashAttention: false with kvCacheType: "F32" computes in F32 throughout (~1e-6).   (optional)
// }
// Answer: the above plus llamaCpp (the build and the context's settings), architecture, vocabularyType,
// tokens (special ids), loadMs, rssBytesAfterLoad and rssBytesAtEnd (Node itself included, ~100 MB).
// Log-probabilities are log-softmax over the full raw logits, computed here in double precision.
// node-llama-cpp is imported from $PRETRAIN_LLAMA_CPP_DIR/node_modules when that is set.
import {readFileSync} from "node:fs";
import {resolve} from "node:path";
import {pathToFileURL} from "node:url";

// stdout carries the answer alone: anything the library prints goes to stderr
console.log = console.info = (...args) => console.error(...args);

const dir = process.env.PRETRAIN_LLAMA_CPP_DIR;
const {getLlama, LlamaLogLevel} = dir
    ? await import(pathToFileURL(resolve(dir, "node_modules/node-llama-cpp/dist/index.js")).href)
    : await import("node-llama-cpp");

const request = JSON.parse(readFileSync(process.argv[2] ?? 0, "utf8"));
const rss = () => process.memoryUsage().rss;

const started = performance.now();
const llama = await getLlama({
    gpu: false,
    build: "never",
    progressLogs: false,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => process.stderr.write(`[llama.cpp ${level}] ${message}\n`)
});
const model = await llama.loadModel({modelPath: resolve(request.model), gpuLayers: 0});
const prompts = (request.generate ?? []).map((g) => typeof g.prompt === "string" ? model.tokenize(g.prompt, false) : g.prompt);
// one cell to spare: a sequence that fills the context exactly is shifted (its first tokens dropped)
// before the last position's logits are read
const needed = 1 + Math.max(16,
    ...(request.sequences ?? []).map((s) => s.length),
    ...prompts.map((p, i) => p.length + request.generate[i].maxTokens));
const contextSize = request.contextSize ?? Math.min(model.trainContextSize, needed);
if (needed > contextSize)  // node-llama-cpp would silently drop the first tokens: refuse instead
    throw new Error(`a sequence or prompt + maxTokens needs ${needed} context cells (one spare), the context has ${contextSize}`
        + ` (the model's trainContextSize is ${model.trainContextSize})`);
const context = await model.createContext({
    contextSize,
    sequences: 1,
    // node-llama-cpp's default (4 threads on a 2-core machine) oversubscribes a 2-core machine: ~1 token/s instead of thousands
    threads: request.threads ?? llama.cpuMathCores,
    ...(request.flashAttention != null ? {flashAttention: request.flashAttention} : {}),
    ...(request.kvCacheType ? {experimentalKvCacheKeyType: request.kvCacheType, experimentalKvCacheValueType: request.kvCacheType} : {})
});
const sequence = context.getSequence();
const answer = {
    model: request.model,
    llamaCpp: {release: llama.llamaCppRelease, gpu: llama.gpu, contextSize: context.contextSize, threads: context.currentThreads,
        flashAttention: context.flashAttention, kvCacheType: [context.kvCacheKeyType, context.kvCacheValueType]},
    architecture: model.architecture,
    vocabularyType: model.vocabularyType,
    tokens: {bos: model.tokens.bos, eos: model.tokens.eos, eot: model.tokens.eot, prependBos: model.tokens.shouldPrependBosToken},
    loadMs: performance.now() - started,
    rssBytesAfterLoad: rss()
};

answer.tokenized = (request.texts ?? []).map((text) => model.tokenize(text, false));

answer.evaluated = [];
for (const ids of request.sequences ?? []) {
    await sequence.clearHistory();
    const out = await sequence.controlledEvaluate(ids.map((id) => [id, {generateNext: {logits: true}}]));
    const nextLogProbs = [];
    const top = [];
    for (let i = 0; i < ids.length; i++) {
        const logits = out[i]?.next?.logits;
        if (logits == null)
            throw new Error(`no logits at position ${i}`);
        const logProb = logSoftmax(logits);
        if (i + 1 < ids.length)
            nextLogProbs.push(logProb(ids[i + 1]));
        top.push([...logits.keys()].slice(0, 5).map((id) => ({id, logProb: logProb(id)})));  // the Map is sorted, highest first
    }
    answer.evaluated.push({nextLogProbs, top});
}

answer.generated = [];
for (const [i, g] of (request.generate ?? []).entries()) {
    await sequence.clearHistory();
    const prompt = prompts[i];
    const sampling = g.greedy === true || g.greedy == null ? {temperature: 0} : g.greedy;
    const ids = [];
    const t0 = performance.now();
    let tFirst = null;
    for await (const token of sequence.evaluate(prompt, sampling)) {
        tFirst ??= performance.now();
        ids.push(token);
        if (ids.length >= g.maxTokens)
            break;
    }
    const t1 = performance.now();
    answer.generated.push({
        ids,
        text: model.detokenize(ids),
        promptMs: (tFirst ?? t1) - t0,  // the prompt's evaluation and the first token
        tokensPerSecond: ids.length > 1 ? (ids.length - 1) / ((t1 - tFirst) / 1000) : null
    });
}
answer.rssBytesAtEnd = rss();

await context.dispose();
await model.dispose();
await llama.dispose();
process.stdout.write(JSON.stringify(answer) + "\n");

/** log p(id) from a Map of every raw logit: log-softmax in double precision. */
function logSoftmax(logits) {
    let max = -Infinity;
    for (const v of logits.values())
        max = Math.max(max, v);
    let sum = 0;
    for (const v of logits.values())
        sum += Math.exp(v - max);
    const logZ = max + Math.log(sum);
    return (id) => {
        const v = logits.get(id);
        if (v == null)
            throw new Error(`no logit for token ${id}`);
        return v - logZ;
    };
}
