// The review app in a real browser: Debian's Chromium, headless, driven by playwright-core
// (scripts/fetch-playwright). tests/test_browser.sh makes the study, starts semio serve and
// runs this with the environment below; every check prints "ok - ..." or "FAIL - ..." (with
// indented detail lines), as tests/lib.sh does, and the last line is "browser: done".
// Nothing waits a fixed time: every step waits for what the page shows.
//
// SEMIO_URL the server; LINK_A, LINK_B two raters' login links; STUDY the study (read with
// python3's sqlite3); SHOTS a folder for the screenshots; PLAYWRIGHT playwright-core's
// folder; CHROMIUM the browser (default /usr/bin/chromium).
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const env = process.env;
const { chromium } = await import(pathToFileURL(`${env.PLAYWRIGHT}/index.mjs`).href);
const WAIT = 15000; // the longest any one thing may take to show (a clip cut on first use)

let failures = 0;
function ok(name) { console.log(`ok - ${name}`); }
function bad(name, ...detail) {
  failures++;
  console.log(`FAIL - ${name}`);
  for (const d of detail) for (const l of String(d).split('\n').slice(0, 8)) console.log(`    ${l}`);
}
function check(name, cond, ...detail) { if (cond) ok(name); else bad(name, ...detail); return cond; }
// step NAME FN: FN's checks, or a FAIL line saying where it stopped
async function step(name, fn) {
  try { await fn(); } catch (e) { bad(name, e.message); }
}
function sql(query) {
  const py = 'import sqlite3,sys,json; c=sqlite3.connect(sys.argv[1]); print(json.dumps(c.execute(sys.argv[2]).fetchall()))';
  return JSON.parse(execFileSync('python3', ['-c', py, env.STUDY, query], { encoding: 'utf8' }));
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
// the whole test takes about 20 s (a minute with other tests beside it on 2 cores); a hang
// says where it was, before meson's limit of 120 s
let where = 'starting';
const guard = setTimeout(() => { bad(`the browser test finished (stuck at: ${where})`); process.exit(1); }, 90000);

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
  headless: true,
});

// A rater's own browser profile. Console errors, page errors, CSP violations and dialogs
// are collected; any of them fails the test at the end.
const problems = [];
const dialogs = [];
let refusing = null; // a URL this test makes the server refuse: its error in the console is expected
async function rater(link) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } }); // a common clinic screen
  await ctx.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`));
  });
  const page = await ctx.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('console', (m) => {
    if (m.type() === 'error' && !(refusing && (m.location().url || '').endsWith(refusing)))
      problems.push(`${m.text()} (${m.location().url || 'no URL'})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.goto(link);
  return { ctx, page };
}

// until PAGE WHAT FN [ARG]: waits until FN(ARG), run in the page, is true; fails naming WHAT
async function until(page, what, fn, arg) {
  try {
    // polled every 50 ms, not on animation frames, which a page in the background may not get
    await page.waitForFunction(fn, arg, { timeout: WAIT, polling: 50 });
  } catch (e) {
    throw new Error(`waited ${WAIT / 1000} s for ${what}: ${e.message.split('\n')[0]}`);
  }
}
const text = (page, sel) => page.locator(sel).textContent();
const chosen = (page) => page.evaluate(() => {
  const b = document.querySelector('#scale button.chosen');
  return b ? Number(b.dataset.score) : null;
});
const atItem = (page, n) => until(page, `item ${n}`, (n) =>
  /item (\d+) of/.exec(document.getElementById('progress').textContent)?.[1] === String(n), n);
const statusIs = (page, s) => until(page, `the status '${s}'`, (s) =>
  document.getElementById('status').textContent === s, s);
const named = (page, who) => until(page, `the rater's name`, () =>
  document.getElementById('who').textContent !== '');
async function openRound(page, name) {
  await page.locator('#round-list button', { hasText: name }).click();
  await until(page, `round ${name} to open`, () => !document.getElementById('item').hidden &&
    /item \d+ of \d+/.test(document.getElementById('progress').textContent));
}
async function openRecording(page) {
  await until(page, 'the list of recordings', () => !document.getElementById('recordings').hidden &&
    document.querySelectorAll('#recording-list button').length === 2);
  await page.locator('#recording-list button').first().click();
  await until(page, 'the recording to open', () => !document.getElementById('recording').hidden &&
    document.getElementById('signs').tBodies[0].rows.length > 0);
}
const ready = (page, id) => until(page, `${id} to load`, (id) =>
  document.getElementById(id).readyState >= 2 || document.getElementById(id).error, id);
const playing = (page, id, t) => until(page, `${id} to play past ${t} s`, ({ id, t }) =>
  !document.getElementById(id).paused && document.getElementById(id).currentTime > t, { id, t });
// paused, and still paused two frames later (a key taken by both the app and the video's own
// controls pauses and plays again)
async function stillPaused(page, id) {
  const paused = (id) => document.getElementById(id).paused && !document.getElementById(id).ended;
  await until(page, `${id} to pause`, paused, id);
  await page.evaluate(() => new Promise((done) => {
    requestAnimationFrame(() => requestAnimationFrame(done));
    setTimeout(done, 250); // a page without frames (in the background) does not hang here
  }));
  if (!(await page.evaluate(paused, id))) throw new Error(`${id} played again after pausing`);
}
const video = (page, id) => page.evaluate((id) => {
  const v = document.getElementById(id);
  return { t: v.currentTime, paused: v.paused, ready: v.readyState, w: v.videoWidth,
    error: v.error && v.error.message };
}, id);

// ---- no link: the page says so -------------------------------------------------------------

where = 'without a session';
await step('without the link, the page says to open it', async () => {
  const page = await browser.newPage(); // its 401 in the console is expected: not collected
  await page.goto(`${env.SEMIO_URL}/`);
  await until(page, '"Not logged in"', () => !document.getElementById('login-needed').hidden);
  check('"Not logged in", and no tabs that could only fail',
    await page.evaluate(() => document.querySelector('header nav').hidden && document.getElementById('who').textContent === ''));
  await page.close();
});

// ---- rater A: login, play, the strip, five ratings by keyboard, undo, reload ----------------

where = 'logging in';
const A = await rater(env.LINK_A);
const pa = A.page;
await step('login through the link', async () => {
  await until(pa, 'the app after the login page', (url) => location.href === url, `${env.SEMIO_URL}/`);
  ok('the login page moves on to the app, the secret gone from the address');
  const cookie = (await A.ctx.cookies()).find((c) => c.name === 'semio_session');
  check('the session cookie is set, HttpOnly and SameSite=Strict',
    cookie && cookie.httpOnly && cookie.sameSite === 'Strict', JSON.stringify(cookie));
  await named(pa);
  check('the page shows the rater\'s name', (await text(pa, '#who')) === 'Dr Ada', await text(pa, '#who'));
});

where = 'opening the round';
let item0;
await step('open a round and play its window', async () => {
  await openRound(pa, 'open');
  check('the round opens at its first item', /item 1 of 12/.test(await text(pa, '#progress')), await text(pa, '#progress'));
  const canPlay = await pa.evaluate(() => document.createElement('video').canPlayType('video/mp4; codecs="avc1.640028"'));
  check('this Chromium plays H.264 in MP4 (Debian builds it with the proprietary codecs)', canPlay === 'probably', `canPlayType: '${canPlay}'`);
  await ready(pa, 'video');
  const v0 = await video(pa, 'video');
  check('the window\'s proxy clip decodes', v0.ready >= 2 && !v0.error && v0.w > 0, JSON.stringify(v0));
  // the item as the server gives it: the frames' exact times, the window's start, the rate
  item0 = await (await pa.request.get(`${env.SEMIO_URL}/api/rounds/1/items/0`)).json();
  const abs = await text(pa, '#video-abs');
  check('before it plays, the clock under it says where the window starts in the recording',
    abs === item0.start.toFixed(2), `'${abs}', the window starts at ${item0.start}`);
  await pa.keyboard.press(' ');
  await playing(pa, 'video', 0.5);
  ok('space plays the window: its time advances');
  await until(pa, 'the clock under the video to move', () => Number(document.getElementById('video-time').textContent) > 0);
  ok('the clock under the video follows it');
  await pa.keyboard.press(' ');
  await stillPaused(pa, 'video');
  ok('space pauses it');
  // a clinician clicks the video first (its own controls: a click plays), then uses keys
  await pa.locator('#video').click();
  await until(pa, 'a click on the video to play it', () => !document.getElementById('video').paused);
  await pa.keyboard.press(' ');
  await stillPaused(pa, 'video');
  ok('after a click on the video, space pauses it once (its own controls do not take the key too)');
});

where = 'the strip';
await step('a frame of the strip seeks the video to its time', async () => {
  const k = 2;
  const f = item0.frames[k];
  await pa.locator('#strip figure').nth(k).click();
  const want = f.time - item0.start;
  const tol = 1 / item0.fps;
  await until(pa, `the video to seek to ${want.toFixed(3)} s`, ({ want, tol }) => {
    const v = document.getElementById('video');
    return !v.seeking && Math.abs(v.currentTime - want) <= tol;
  }, { want, tol });
  const v = await video(pa, 'video');
  check(`clicking frame ${f.index} (${f.time.toFixed(3)} s) seeks to ${want.toFixed(3)} s into the window`,
    Math.abs(v.t - want) <= tol, `currentTime ${v.t}`);
  await until(pa, 'the clicked frame to be marked', (k) =>
    document.querySelectorAll('#strip figure')[k].classList.contains('current'), k);
  ok('the clicked frame is marked as the one shown');
  await until(pa, 'the time in the recording', (abs) =>
    document.getElementById('video-abs').textContent === abs, (v.t + item0.start).toFixed(2));
  ok('the time in the recording is shown beside it');
});

where = 'rating';
const SCORES = [20, 40, 60, 80, 100];
const raterA = sql("SELECT id FROM raters WHERE name = 'Dr Ada'")[0][0];
const ratingsOf = (id) => sql(`SELECT score FROM ratings WHERE rater_id = ${id} ORDER BY score`).map((r) => r[0]);
await step('five items rated by keyboard, as fast as one types', async () => {
  // 1 j 2 j 3 j 4 j 5 without waiting for the page between keys: a clinician who knows the
  // keys does not wait either
  for (const [i, key] of ['1', '2', '3', '4', '5'].entries()) {
    await pa.keyboard.press(key);
    if (i < 4) await pa.keyboard.press('j');
  }
  await atItem(pa, 5);
  await statusIs(pa, 'saved: 100%');
  check('the fifth item shows its rating chosen', (await chosen(pa)) === 100, `chosen: ${await chosen(pa)}`);
  for (let n = 4; n >= 1; n--) {
    await pa.keyboard.press('k');
    await atItem(pa, n);
    const c = await chosen(pa);
    check(`item ${n} shows ${SCORES[n - 1]}% chosen`, c === SCORES[n - 1], `chosen: ${c}`);
  }
  for (let n = 2; n <= 5; n++) { await pa.keyboard.press('j'); await atItem(pa, n); }
  const got = ratingsOf(raterA);
  check('the study holds the five ratings', same(got, SCORES), JSON.stringify(got));
});

await step('u takes the last rating back', async () => {
  await pa.keyboard.press('u');
  await statusIs(pa, 'undone');
  await atItem(pa, 5);
  check('the fifth item shows no rating', (await chosen(pa)) === null, `chosen: ${await chosen(pa)}`);
  const got = ratingsOf(raterA);
  check('the study holds four ratings', same(got, SCORES.slice(0, 4)), JSON.stringify(got));
  await pa.keyboard.press('5');
  await statusIs(pa, 'saved: 100%');
  check('rated again', same(ratingsOf(raterA), SCORES), JSON.stringify(ratingsOf(raterA)));
});

const saved = (page) => page.waitForResponse((r) => r.url().endsWith('/rating') && r.request().method() === 'POST');
const extras = () => sql(`SELECT label_wrong, comment FROM ratings WHERE rater_id = ${raterA} AND score = 100`);
await step('l flags the label, c writes a comment, Esc leaves it', async () => {
  await Promise.all([saved(pa), pa.keyboard.press('l')]);
  check('l checks "the label looks wrong"', await pa.isChecked('#flag-label'));
  await pa.keyboard.press('c');
  await until(pa, 'the comment box to take the keys', () => document.activeElement.id === 'comment');
  await pa.keyboard.type('arm hidden by the blanket, j k 3');
  await Promise.all([saved(pa), pa.keyboard.press('Escape')]);
  check('the keys typed in the comment were text, not commands', /item 5 of/.test(await text(pa, '#progress')) &&
    (await chosen(pa)) === 100, await text(pa, '#progress'));
  const got = extras();
  check('the study holds the flag and the comment, the score kept',
    same(got, [[1, 'arm hidden by the blanket, j k 3']]), JSON.stringify(got));
});

await step('screenshot of the review screen', async () => {
  await pa.screenshot({ path: `${env.SHOTS}/review.png` });
  ok(`screenshot: ${env.SHOTS}/review.png`);
});

where = 'reloading';
await step('after a reload the round resumes where it was, the ratings kept', async () => {
  await pa.reload();
  await until(pa, 'the list of rounds', () => document.querySelectorAll('#round-list button').length > 0);
  const li = await pa.locator('#round-list li', { hasText: 'open' }).textContent();
  check('the round list says 5 of 12 rated', li.includes('5 of 12 rated'), li);
  await openRound(pa, 'open');
  check('the round reopens at the fifth item', /item 5 of 12/.test(await text(pa, '#progress')), await text(pa, '#progress'));
  check('its rating is there, with its flag and comment', (await chosen(pa)) === 100 &&
    (await pa.isChecked('#flag-label')) && (await pa.inputValue('#comment')) === 'arm hidden by the blanket, j k 3',
  `chosen: ${await chosen(pa)}, comment '${await pa.inputValue('#comment')}'`);
  for (let n = 4; n >= 1; n--) {
    await pa.keyboard.press('k');
    await atItem(pa, n);
    const c = await chosen(pa);
    check(`item ${n} still shows ${SCORES[n - 1]}%`, c === SCORES[n - 1], `chosen: ${c}`);
  }
  const got = ratingsOf(raterA);
  check('the study still holds the five ratings', same(got, SCORES), JSON.stringify(got));
  const pos = sql(`SELECT position FROM round_progress WHERE rater_id = ${raterA} AND round_id = 1`);
  check('the study keeps the position', same(pos, [[0]]), JSON.stringify(pos));
  await pa.keyboard.press('Escape');
  await until(pa, 'the list of rounds after Esc', () => !document.getElementById('rounds').hidden);
  ok('Esc goes back to the rounds');
});

// ---- rater B: the blinded round, a justification that is markup --------------------------

where = 'the second rater';
const B = await rater(env.LINK_B);
const pb = B.page;
await step('a second rater sees the runs blinded', async () => {
  await until(pb, 'the app after the login page', (url) => location.href === url, `${env.SEMIO_URL}/`);
  await named(pb);
  check('the second rater\'s own name', (await text(pb, '#who')) === 'Dr Ben', await text(pb, '#who'));
  await until(pb, 'the list of rounds', () => document.querySelectorAll('#round-list button').length === 2);
  const li = await pb.locator('#round-list li', { hasText: 'blind' }).textContent();
  check('the round list says the round is blinded', li.includes('(blinded)'), li);
  await openRound(pb, 'blind');
  const models = new Set();
  let leaked = '', markup = -1;
  for (let n = 1; n <= 12; n++) {
    if (n > 1) { await pb.keyboard.press('j'); await atItem(pb, n); }
    models.add(await text(pb, '#model'));
    const body = await pb.evaluate(() => document.body.innerText);
    if (/gpt-run|qwen-run/.test(body)) leaked = `item ${n}: ${body.match(/.*(gpt-run|qwen-run).*/)[0]}`;
    if (markup < 0 && (await text(pb, '#justification')).startsWith('<img')) markup = n;
  }
  check('every item names its run "model A" or "model B"',
    same([...models].sort(), ['model A', 'model B']), [...models].join(', '));
  check('no run\'s name shows anywhere on the page', !leaked, leaked);
  if (!check('a justification that is markup is among the items', markup > 0)) return;
  for (let n = 12; n > markup; n--) { await pb.keyboard.press('k'); await atItem(pb, n - 1); }
  const j = await pb.evaluate(() => {
    const q = document.getElementById('justification');
    return { text: q.textContent, elements: q.children.length, imgs: document.querySelectorAll('img[src="x"]').length };
  });
  check('the justification <img src=x onerror=alert(1)> shows as text, no element made of it',
    j.text === '<img src=x onerror=alert(1)>' && j.elements === 0 && j.imgs === 0, JSON.stringify(j));
  await ready(pb, 'video');
  await pb.screenshot({ path: `${env.SHOTS}/review-blinded.png` });
  ok(`screenshot: ${env.SHOTS}/review-blinded.png`);
});

await step('a rating the server refuses is taken back on the page, and said', async () => {
  refusing = '/rating';
  let hit;
  const refused = new Promise((done) => { hit = done; });
  await pb.route('**/rating', (r) => {
    hit(r.request().url());
    return r.fulfill({ status: 500, contentType: 'application/json', body: '{"error": "the study refused: database is locked"}' });
  }, { times: 1 });
  await pb.keyboard.press('3');
  const seen = await Promise.race([refused, new Promise((done) => setTimeout(done, WAIT, null))]);
  const shown = async () => JSON.stringify(await pb.evaluate(() => ({
    status: document.getElementById('status').textContent, progress: document.getElementById('progress').textContent,
    chosen: document.querySelector('#scale button.chosen')?.dataset.score ?? null, focus: document.activeElement.tagName })));
  if (!seen) throw new Error(`no rating was sent after the key 3: ${await shown()}`);
  await until(pb, 'the refusal in the status line', () => document.getElementById('status').className === 'error')
    .catch(async (e) => { throw new Error(`${e.message}; the page: ${await shown()}`); });
  check('the status says it was not saved', /^not saved: the study refused/.test(await text(pb, '#status')), await text(pb, '#status'));
  check('the score is not shown chosen', (await chosen(pb)) === null, `chosen: ${await chosen(pb)}`);
  await pb.keyboard.press('3');
  await statusIs(pb, 'saved: 60%');
  refusing = null;
  const got = sql("SELECT score FROM ratings r JOIN raters p ON p.id = r.rater_id WHERE p.name = 'Dr Ben'");
  check('the second try is stored', same(got, [[60]]), JSON.stringify(got));
});

// ---- rater A again: labeling --------------------------------------------------------------------

where = 'labeling';
let onset = null, sign = null;
await step('labeling: the seizure\'s start by o, a sign by y', async () => {
  await pa.locator('#tab-label').click();
  await openRecording(pa);
  await ready(pa, 'label-video');
  // by mouse this time: a click on the video plays it (its own controls)
  await pa.locator('#label-video').click();
  await playing(pa, 'label-video', 1);
  ok('a click plays the recording: its time advances');
  await pa.keyboard.press(' ');
  await stillPaused(pa, 'label-video');
  ok('space pauses it once');
  onset = (await video(pa, 'label-video')).t;
  await pa.keyboard.press('o');
  await statusIs(pa, 'saved the marks');
  check(`o marks the start at the video's time (${onset.toFixed(2)} s)`,
    (await text(pa, '#onset-mark')) === `${onset.toFixed(2)} s`, await text(pa, '#onset-mark'));
  await pa.keyboard.press('j');
  await pa.keyboard.press('y');
  sign = await pa.evaluate(() => document.querySelector('#signs tr.current input').name.replace(/^sign-/, ''));
  await statusIs(pa, `saved: ${sign.replace(/_/g, ' ')} yes`);
  const row = await pa.evaluate(() => [...document.querySelectorAll('#signs tr.current input')].map((i) => i.checked));
  check(`j then y sets the second sign (${sign}) yes`, same(row, [true, false, false]), JSON.stringify(row));
  // one frame back, the end would come before the start: refused on the page
  await pa.keyboard.press('ArrowLeft');
  await until(pa, 'a frame back', (t) => document.getElementById('label-video').currentTime < t, onset);
  await pa.keyboard.press('e');
  await until(pa, 'the refusal in the status line', () => document.getElementById('status').className === 'error');
  check('an end before the start is refused, and said', (await text(pa, '#end-mark')) === '–' &&
    /end would come before the start/.test(await text(pa, '#status')), await text(pa, '#status'));
  const def = await text(pa, '#sign-definition');
  check('the current sign\'s definition is shown', def.length > 20, `'${def}'`);
  await pa.screenshot({ path: `${env.SHOTS}/label.png` });
  await pa.screenshot({ path: `${env.SHOTS}/label-full.png`, fullPage: true });
  ok(`screenshot: ${env.SHOTS}/label.png (and label-full.png, the whole page)`);
});

await step('labeling: after a reload the start and the sign are kept', async () => {
  await pa.reload();
  await named(pa);
  // the labeling screen comes back by itself (the address keeps it)
  await openRecording(pa);
  check('the start is kept', (await text(pa, '#onset-mark')) === `${onset.toFixed(2)} s`, await text(pa, '#onset-mark'));
  const yes = await pa.evaluate((sign) => document.querySelector(`input[name="sign-${sign}"][value="yes"]`).checked, sign);
  check(`${sign} is still yes`, yes);
  const marks = sql(`SELECT onset_s FROM rater_marks WHERE rater_id = ${raterA}`);
  check('the study holds the start', marks.length === 1 && Math.abs(marks[0][0] - onset) < 1e-6, JSON.stringify(marks));
  const labels = sql(`SELECT sign, value FROM rater_labels WHERE rater_id = ${raterA}`);
  check('the study holds the sign', same(labels, [[sign, 1]]), JSON.stringify(labels));
});

where = 'closing';
check('no dialog opened (no markup ran)', dialogs.length === 0, ...dialogs);
check('no console error, page error or CSP violation', problems.length === 0, ...problems);
await browser.close();
clearTimeout(guard);
console.log('browser: done');
process.exit(failures ? 1 : 0);
