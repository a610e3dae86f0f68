// Drives `ekt serve` with the official openai npm client (v6): every completions and chat field,
// streaming against the whole answer, error shapes and status codes. Prints "ok <check>" per
// passed check and exits 1 at the first failure.
// Usage: node openai-conformance.mjs <node_modules dir> <base url> <api key> <model> <base url without chat template>
//        <[[ids of the first prompt], [ids of 'x = 1']]>
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const [modules, baseURL, apiKey, model, plainURL, idsJson] = process.argv.slice(2);
// Token ids of the two prompts below, from the server's tokenizer.
const [promptIds, xIds] = JSON.parse(idsJson);
const require = createRequire(modules + '/');
const OpenAI = require('openai').default;
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120000 });
const plain = new OpenAI({ baseURL: plainURL, apiKey, maxRetries: 0 });

async function check(name, body) {
  try {
    await body();
    console.log('ok ' + name);
  } catch (e) {
    console.log('FAILED ' + name + ': ' + (e && e.stack || e));
    process.exit(1);
  }
}

// The API error a call ends in (fails when it succeeds).
async function apiError(call) {
  try {
    await call();
  } catch (e) {
    return e;
  }
  assert.fail('the request succeeded but should have failed');
}

async function badRequest(params, param) {
  const e = await apiError(() => client.completions.create({ model, prompt: 'x', max_tokens: 2, ...params }));
  assert.equal(e.status, 400, JSON.stringify(e.error));
  assert.equal(e.param, param, JSON.stringify(e.error));
  assert.equal(e.type, 'invalid_request_error');
  assert.ok(typeof e.error.message === 'string' && e.error.message.length > 0);
  assert.ok('code' in e.error && 'param' in e.error && 'type' in e.error);
  return e;
}

// Concatenates a stream's chunks per choice index: text, logprobs arrays, finish_reason.
async function collect(stream, chat) {
  const byIndex = new Map();
  let usage = null, chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      const got = byIndex.get(c.index) ?? { text: '', tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [], content: [], finish_reason: null };
      got.text += chat ? (c.delta.content ?? '') : c.text;
      if (c.logprobs && !chat) for (const k of ['tokens', 'token_logprobs', 'top_logprobs', 'text_offset']) got[k].push(...c.logprobs[k]);
      if (c.logprobs && chat) got.content.push(...c.logprobs.content);
      if (c.finish_reason) {
        assert.equal(got.finish_reason, null, 'one finish_reason per choice');
        got.finish_reason = c.finish_reason;
      }
      byIndex.set(c.index, got);
    }
  }
  return { byIndex, usage, chunks };
}

const prompt = 'Mia has 3 apples and buys 2 more.';

await check('models list and retrieve', async () => {
  const list = await client.models.list();
  assert.deepEqual(list.data.map(m => m.id), [model]);
  const one = await client.models.retrieve(model);
  assert.equal(one.id, model);
  assert.equal(one.object, 'model');
  const e = await apiError(() => client.models.retrieve('no-such-model'));
  assert.equal(e.status, 404);
});

let base;
await check('completion shape, usage, seed reproducibility', async () => {
  base = await client.completions.create({ model, prompt, max_tokens: 12, seed: 7, temperature: 1 });
  assert.equal(base.object, 'text_completion');
  assert.equal(base.model, model);
  assert.equal(base.choices.length, 1);
  assert.equal(base.choices[0].index, 0);
  assert.ok(['length', 'stop'].includes(base.choices[0].finish_reason));
  assert.equal(base.choices[0].logprobs, null);
  assert.ok(base.usage.prompt_tokens > 0);
  assert.ok(base.usage.completion_tokens > 0 && base.usage.completion_tokens <= 12);
  assert.equal(base.usage.total_tokens, base.usage.prompt_tokens + base.usage.completion_tokens);
  const again = await client.completions.create({ model, prompt, max_tokens: 12, seed: 7, temperature: 1 });
  assert.equal(again.choices[0].text, base.choices[0].text);
});

await check('no seed: fresh randomness per request', async () => {
  const texts = new Set();
  for (let i = 0; i < 4; i++) texts.add((await client.completions.create({ model, prompt, max_tokens: 16 })).choices[0].text);
  assert.ok(texts.size >= 3, 'unseeded requests repeat themselves: ' + JSON.stringify([...texts]));
});

await check('prompt forms: string, strings, token ids, lists of token ids; n', async () => {
  const one = await client.completions.create({ model, prompt, max_tokens: 8, seed: 3, n: 2 });
  assert.equal(one.choices.length, 2);
  assert.equal(one.usage.prompt_tokens, promptIds.length);
  const second = await client.completions.create({ model, prompt: 'x = 1', max_tokens: 8, seed: 3, n: 2 });
  const many = await client.completions.create({ model, prompt: [prompt, 'x = 1'], max_tokens: 8, seed: 3, n: 2 });
  assert.deepEqual(many.choices.map(c => c.index), [0, 1, 2, 3]);
  assert.deepEqual(many.choices.map(c => c.text), [...one.choices, ...second.choices].map(c => c.text));
  assert.equal(many.usage.prompt_tokens, promptIds.length + xIds.length);
  const ids = await client.completions.create({ model, prompt: promptIds, max_tokens: 8, seed: 3, n: 2 });
  assert.deepEqual(ids.choices.map(c => c.text), one.choices.map(c => c.text));
  const idLists = await client.completions.create({ model, prompt: [promptIds, xIds], max_tokens: 8, seed: 3, n: 2 });
  assert.deepEqual(idLists.choices.map(c => c.text), many.choices.map(c => c.text));
});

await check('temperature 0 is greedy and repeatable; top_p and top_k', async () => {
  const a = await client.completions.create({ model, prompt, max_tokens: 10, temperature: 0 });
  const b = await client.completions.create({ model, prompt, max_tokens: 10, temperature: 0, seed: 99 });
  assert.equal(a.choices[0].text, b.choices[0].text);
  const k1 = await client.completions.create({ model, prompt, max_tokens: 10, temperature: 1, top_k: 1, seed: 5 });
  assert.equal(k1.choices[0].text, a.choices[0].text, 'top_k 1 is greedy');
  const p0 = await client.completions.create({ model, prompt, max_tokens: 10, temperature: 1, top_p: 1e-9, seed: 5 });
  assert.equal(p0.choices[0].text, a.choices[0].text, 'a tiny top_p is greedy');
});

// Token ids named by vLLM's return_tokens_as_token_ids ("token_id:ID").
const idOf = name => { assert.match(name, /^token_id:\d+$/); return Number(name.slice(9)); };
const ascii = text => /^[\x20-\x7e\n]*$/.test(text);

await check('logprobs: tokens, token_logprobs, top_logprobs, text_offset', async () => {
  for (const temperature of [0, 1]) {
    const r = await client.completions.create({ model, prompt, max_tokens: 10, seed: 11, logprobs: 3, temperature, return_tokens_as_token_ids: true });
    const c = r.choices[0], lp = c.logprobs;
    const n = lp.tokens.length;
    assert.ok(n > 0);
    for (const k of ['token_logprobs', 'top_logprobs', 'text_offset']) assert.equal(lp[k].length, n, k);
    for (let i = 0; i < n; i++) {
      idOf(lp.tokens[i]);
      assert.ok(i == 0 ? lp.text_offset[0] === 0 : lp.text_offset[i] >= lp.text_offset[i - 1]);
      assert.ok(lp.text_offset[i] <= c.text.length);
      const top = Object.entries(lp.top_logprobs[i]);
      assert.ok(top.length >= 3 && top.length <= 4, JSON.stringify(top));
      assert.ok(lp.token_logprobs[i] <= 0);
      assert.equal(lp.top_logprobs[i][lp.tokens[i]], lp.token_logprobs[i], 'the chosen token is among the alternatives');
      const best = Math.max(...top.map(([, v]) => v));
      if (temperature === 0) assert.ok(Math.abs(lp.token_logprobs[i] - best) < 1e-5, 'greedy draws the most likely token');
    }
  }
  // As text: each token's string and its offset into the completion (exact where every token is whole characters).
  for (let i = 0; i < 30; i++) {
    const r = await client.completions.create({ model, prompt: 'x = ' + i, max_tokens: 8, temperature: 0, logprobs: 1 });
    const c = r.choices[0], lp = c.logprobs;
    if (!ascii(c.text)) continue;
    assert.equal(lp.tokens.join(''), c.text);
    let offset = 0;
    for (let t = 0; t < lp.tokens.length; t++) {
      assert.equal(lp.text_offset[t], offset);
      offset += lp.tokens[t].length;
    }
    return;
  }
  assert.fail('no greedy completion of 30 prompts was ASCII');
});

await check('echo with prompt logprobs scores the prompt and agrees with generation', async () => {
  const gen = await client.completions.create({ model, prompt: promptIds, max_tokens: 6, temperature: 0, logprobs: 2, return_tokens_as_token_ids: true });
  const g = gen.choices[0].logprobs;
  const genIds = g.tokens.map(idOf);
  const scored = await client.completions.create({ model, prompt: [...promptIds, ...genIds], max_tokens: 0, echo: true, logprobs: 2,
    return_tokens_as_token_ids: true });
  const s = scored.choices[0].logprobs;
  assert.deepEqual(s.tokens.map(idOf), [...promptIds, ...genIds]);
  assert.equal(s.token_logprobs[0], null);
  assert.equal(s.top_logprobs[0], null);
  const m = genIds.length, total = s.tokens.length;
  for (let i = 0; i < m; i++) {
    assert.ok(Math.abs(s.token_logprobs[total - m + i] - g.token_logprobs[i]) < 1e-4, 'position ' + i);
    assert.deepEqual(Object.keys(s.top_logprobs[total - m + i]).sort(), Object.keys(g.top_logprobs[i]).sort());
  }
  for (let i = 1; i < total; i++) assert.ok(s.token_logprobs[i] <= 0);
  assert.equal(scored.usage.completion_tokens, 0);
  assert.equal(scored.usage.prompt_tokens, total);
  const text = await client.completions.create({ model, prompt, max_tokens: 6, temperature: 0 });
  const echoed = await client.completions.create({ model, prompt, max_tokens: 6, temperature: 0, echo: true });
  assert.equal(echoed.choices[0].text, prompt + text.choices[0].text);
  const scoredText = await client.completions.create({ model, prompt, max_tokens: 0, echo: true });
  assert.equal(scoredText.choices[0].text, prompt);
});

await check('stop strings end the text, excluded, finish_reason stop', async () => {
  let tried = 0;
  for (let seed = 21; seed < 61; seed++) {
    const full = await client.completions.create({ model, prompt, max_tokens: 24, seed });
    const text = full.choices[0].text;
    const at = [...text].findIndex((ch, i) => i >= 2 && /[ -~]/.test(ch) && /[ -~]/.test(text[i + 1] ?? ''));
    if (at < 0) continue;
    tried++;
    const stop = text.slice(at, at + 2);
    const cut = await client.completions.create({ model, prompt, max_tokens: 24, seed, stop: [stop, 'never-there'] });
    assert.equal(cut.choices[0].text, text.slice(0, text.indexOf(stop)));
    assert.equal(cut.choices[0].finish_reason, 'stop');
    assert.ok(cut.usage.completion_tokens < full.usage.completion_tokens || full.choices[0].finish_reason === 'stop');
    const single = await client.completions.create({ model, prompt, max_tokens: 24, seed, stop });
    assert.equal(single.choices[0].text, cut.choices[0].text);
    if (tried === 3) return;
  }
  assert.fail('too few completions with a printable pair to stop at: ' + tried);
});

await check('best_of returns the n most likely of best_of samples', async () => {
  const all = await client.completions.create({ model, prompt, max_tokens: 6, seed: 8, n: 4, logprobs: 0 });
  const best = await client.completions.create({ model, prompt, max_tokens: 6, seed: 8, n: 2, best_of: 4 });
  const ranked = all.choices.map(c => ({ text: c.text, sum: c.logprobs.token_logprobs.reduce((a, b) => a + b, 0) })).sort((a, b) => b.sum - a.sum);
  assert.deepEqual(best.choices.map(c => c.text), ranked.slice(0, 2).map(r => r.text));
});

for (const [name, params] of [
  ['n=2', { n: 2 }],
  ['logprobs=2', { logprobs: 2 }],
  ['stop', { stop: ['e', '\n'] }],
  ['echo', { echo: true, logprobs: 1 }],
  ['two prompts', { prompt: [prompt, 'x = 1'], n: 2 }],
]) {
  await check('streaming equals the whole answer: ' + name, async () => {
    const request = { model, prompt, max_tokens: 14, seed: 13, ...params };
    const whole = await client.completions.create(request);
    const { byIndex, usage, chunks } = await collect(await client.completions.create({ ...request, stream: true, stream_options: { include_usage: true } }));
    assert.ok(chunks > whole.choices.length, 'streamed in pieces');
    assert.equal(byIndex.size, whole.choices.length);
    for (const c of whole.choices) {
      const s = byIndex.get(c.index);
      assert.equal(s.text, c.text);
      assert.equal(s.finish_reason, c.finish_reason);
      if (c.logprobs) for (const k of ['tokens', 'token_logprobs', 'top_logprobs', 'text_offset']) assert.deepEqual(s[k], c.logprobs[k], k);
    }
    assert.deepEqual(usage, whole.usage);
  });
}

await check('chat completion with the checkpoint template; streaming equals it', async () => {
  const messages = [{ role: 'system', content: 'You solve word problems.' }, { role: 'user', content: prompt }];
  const r = await client.chat.completions.create({ model, messages, max_tokens: 10, seed: 4, logprobs: true, top_logprobs: 2 });
  assert.equal(r.object, 'chat.completion');
  const c = r.choices[0];
  assert.equal(c.message.role, 'assistant');
  assert.equal(typeof c.message.content, 'string');
  if (ascii(c.message.content)) assert.equal(c.logprobs.content.map(t => t.token).join(''), c.message.content);
  assert.ok(c.logprobs.content.length > 0 && c.logprobs.content.length <= r.usage.completion_tokens);
  for (const t of c.logprobs.content) {
    assert.equal(t.top_logprobs.length, 2);
    assert.ok(t.top_logprobs[0].logprob >= t.top_logprobs[1].logprob);
    assert.ok(Array.isArray(t.bytes) && t.bytes.length > 0);
  }
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  const { byIndex, usage } = await collect(await client.chat.completions.create({ model, messages, max_tokens: 10, seed: 4, logprobs: true,
    top_logprobs: 2, stream: true, stream_options: { include_usage: true } }), true);
  assert.equal(byIndex.get(0).text, c.message.content);
  assert.equal(byIndex.get(0).finish_reason, c.finish_reason);
  assert.deepEqual(byIndex.get(0).content, c.logprobs.content);
  assert.deepEqual(usage, r.usage);
  const e = await apiError(() => client.chat.completions.create({ model, messages: [{ role: 'assistant', content: 'hi' }] }));
  assert.equal(e.status, 400);
  assert.match(e.error.message, /must start with a user message/);
});

await check('chat without a template: 400 saying so', async () => {
  const e = await apiError(() => plain.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }));
  assert.equal(e.status, 400);
  assert.match(e.error.message, /chat template/);
});

await check('wrong types and out-of-range values: 400 naming the field', async () => {
  await badRequest({ max_tokens: 'ten' }, 'max_tokens');
  await badRequest({ n: 'many' }, 'n');
  await badRequest({ temperature: 'hot' }, 'temperature');
  await badRequest({ top_k: -3 }, 'top_k');
  await badRequest({ n: 2147483647 }, 'n');
  await badRequest({ top_p: 0 }, 'top_p');
  await badRequest({ logprobs: 50 }, 'logprobs');
  await badRequest({ stop: [1] }, 'stop');
  await badRequest({ seed: 'x' }, 'seed');
  await badRequest({ prompt: '' }, 'prompt');
  await badRequest({ prompt: [] }, 'prompt');
  await badRequest({ prompt: [1e9] }, 'prompt');
  await badRequest({ prompt: 'x '.repeat(5000) }, 'prompt');
  await badRequest({ best_of: 1, n: 2 }, 'best_of');
  await badRequest({ best_of: 3, n: 1, stream: true }, 'best_of');
  const cap = await badRequest({ n: 100, max_tokens: 60 }, 'n');
  assert.match(cap.error.message, /limit/);
});

await check('unhonoured fields: 400 naming them', async () => {
  await badRequest({ logit_bias: { '1': 5 } }, 'logit_bias');
  await badRequest({ presence_penalty: 0.5 }, 'presence_penalty');
  await badRequest({ frequency_penalty: 1 }, 'frequency_penalty');
  await badRequest({ suffix: 'end' }, 'suffix');
  await badRequest({ no_such_field: 1 }, 'no_such_field');
  const ok = await client.completions.create({ model, prompt: 'x', max_tokens: 2, presence_penalty: 0, logit_bias: {} });
  assert.equal(ok.choices.length, 1);
});

await check('unknown model: 404; wrong key: 401; exact routes', async () => {
  const e = await apiError(() => client.completions.create({ model: 'gpt-4', prompt: 'x', max_tokens: 2 }));
  assert.equal(e.status, 404);
  assert.equal(e.param, 'model');
  const bad = new OpenAI({ baseURL, apiKey: 'wrong', maxRetries: 0 });
  assert.equal((await apiError(() => bad.models.list())).status, 401);
  const r = await fetch(baseURL + '/completionsXYZ', { method: 'POST', headers: { Authorization: 'Bearer ' + apiKey }, body: '{}' });
  assert.equal(r.status, 404);
  assert.ok((await r.json()).error.message);
  const get = await fetch(baseURL + '/completions', { headers: { Authorization: 'Bearer ' + apiKey } });
  assert.equal(get.status, 405);
  const health = await fetch(baseURL.replace(/\/v1$/, '') + '/health');
  assert.equal(health.status, 200);
  const metrics = await (await fetch(baseURL.replace(/\/v1$/, '') + '/metrics')).text();
  for (const m of ['ekt_requests_total', 'ekt_queue_depth', 'ekt_tokens_per_second', 'ekt_batch_occupancy']) assert.ok(metrics.includes(m), m);
  const notJson = await fetch(baseURL + '/completions', { method: 'POST', headers: { Authorization: 'Bearer ' + apiKey }, body: '{"prompt": ' });
  assert.equal(notJson.status, 400);
});
console.log('all passed');
