// Reference GPT-2 (r50k_base) tokenization for TokenizerConformanceTest, run once over a JSONL batch.
//   node reference-tokenize.js <npm prefix> <input.jsonl> <output.jsonl>
// Input lines: {"text": "..."} or {"ids": [...]}. Output lines, in the same order:
//   text -> {"gptTokenizer": ids, "tiktoken": ids, "tiktokenAllowed": ids}
//           (special-token text as plain text, except tiktokenAllowed which recognises <|endoftext|>)
//   ids  -> {"decoded": text}: tiktoken's bytes through WHATWG TextDecoder, keeping a leading BOM
'use strict';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const [prefix, inputFile, outputFile] = process.argv.slice(2);
const requireInstalled = createRequire(path.join(path.resolve(prefix), 'node_modules', 'noop.js'));
const gptTokenizer = requireInstalled('gpt-tokenizer/cjs/encoding/r50k_base');
const tiktoken = requireInstalled('tiktoken').get_encoding('r50k_base');
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

const out = [];
for (const line of fs.readFileSync(inputFile, 'utf8').split('\n')) {
  if (line === '') continue;
  const item = JSON.parse(line);
  if (item.ids !== undefined) {
    out.push(JSON.stringify({ decoded: utf8.decode(tiktoken.decode(Uint32Array.from(item.ids))) }));
  } else {
    out.push(JSON.stringify({
      gptTokenizer: gptTokenizer.encode(item.text, { disallowedSpecial: new Set() }),
      tiktoken: Array.from(tiktoken.encode(item.text, [], [])),
      tiktokenAllowed: Array.from(tiktoken.encode(item.text, 'all')),
    }));
  }
}
tiktoken.free();
fs.writeFileSync(outputFile, out.join('\n') + '\n');
