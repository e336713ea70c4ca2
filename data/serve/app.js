// semio's review app. Keyboard first; every change is sent at once and kept by the
// server. Model output (justifications, answers) and file names are untrusted text: they
// are only ever set with textContent, never parsed as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { me: null, round: null, index: 0, item: null, undo: [], recording: null, sign: 0 };
const SCORES = [0, 20, 40, 60, 80, 100];
const API_WAIT = 20; // seconds

function say(text, error) {
  const s = $('status');
  s.textContent = text;
  s.className = error ? 'error' : '';
}

async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': state.me ? state.me.csrf : '' },
    body: JSON.stringify(body),
  };
  // keys wait for the one before (queue): a server that does not answer must not hold
  // them for ever
  const r = await fetch(path, { credentials: 'same-origin', signal: AbortSignal.timeout(API_WAIT * 1000), ...opts })
    .catch((e) => {
      throw e.name === 'TimeoutError' ? new Error(`the server did not answer in ${API_WAIT} s`) : e;
    });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || ('HTTP ' + r.status));
  return data;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

// A sign as clinicians read it: the catalog's id without its underscores.
function signName(id) {
  return id.replace(/_/g, ' ');
}

function show(screen) {
  for (const id of ['login-needed', 'review', 'label']) $(id).hidden = id !== screen;
  document.querySelector('header nav').hidden = screen === 'login-needed'; // tabs that only fail
  $('tab-review').classList.toggle('active', screen === 'review');
  $('tab-label').classList.toggle('active', screen === 'label');
}

// ---- the player ---------------------------------------------------------------------------

function frameStep(video, fps, dir) {
  video.pause();
  const step = 1 / (fps > 0 ? fps : 25);
  video.currentTime = Math.max(0, Math.min(video.duration || 1e9, video.currentTime + dir * step));
}

function togglePlay(video) {
  if (video.paused) video.play().catch(() => {}); else video.pause();
}

// ---- review --------------------------------------------------------------------------------

async function loadRounds() {
  state.me = await api('/api/me');
  $('who').textContent = state.me.name;
  const list = $('round-list');
  list.replaceChildren();
  for (const r of state.me.rounds) {
    const li = el('li');
    const b = el('button', r.name);
    b.type = 'button';
    b.addEventListener('click', () => queue(() => openRound(r)));
    li.append(b, el('span', ` — ${r.rated} of ${r.items} rated${r.blinded ? ' (blinded)' : ''}`));
    list.append(li);
  }
  if (!state.me.rounds.length) list.append(el('li', 'No review round yet (semio rounds add).'));
}

function openRound(r) {
  state.round = r;
  $('rounds').hidden = true;
  $('item').hidden = false;
  return loadItem(Math.min(r.position, r.items - 1));
}

function closeRound() {
  state.round = null;
  state.item = null;
  $('video').pause();
  $('item').hidden = true;
  $('rounds').hidden = false;
  loadRounds().catch((e) => say(e.message, true));
}

async function loadItem(index) {
  const r = state.round;
  const it = await api(`/api/rounds/${r.id}/items/${index}`);
  state.index = index;
  state.item = it;
  $('progress').textContent = `${r.name}: item ${index + 1} of ${it.count}`;
  $('sign').textContent = signName(it.sign);
  $('definition').textContent = it.definition || '';
  $('model').textContent = it.model;
  $('answer').textContent = it.p_yes == null ? it.answer : `${it.answer} (P(yes) ${it.p_yes.toFixed(2)})`;
  // the model read the frames' times in the recording ("Frame at 00:06.0"), so its onset is too
  $('onset').textContent = it.onset == null ? 'not given' : `${it.onset.toFixed(1)} s into the recording`;
  const hasLabel = it.label !== undefined;
  $('expert-label-term').hidden = !hasLabel;
  $('expert-label').hidden = !hasLabel;
  $('expert-label').textContent = hasLabel ? it.label : '';
  $('file').textContent = `${it.file_name} (${it.start.toFixed(1)}–${it.end.toFixed(1)} s)`;
  $('question').textContent = it.question || '(the question\'s text was not kept for this answer)';
  $('justification').textContent = it.justification || '';
  const v = $('video');
  if (v.getAttribute('src') !== it.clip) v.src = it.clip;
  strip(it);
  showTime();
  showRating(it.rating);
  api(`/api/rounds/${r.id}/position`, { index }).catch(() => {});
}

function strip(it) {
  const s = $('strip');
  s.replaceChildren();
  for (const f of it.frames) {
    for (const url of [f.url, f.view_url]) {
      if (!url) continue;
      const fig = el('figure');
      const img = el('img');
      img.src = url;
      img.alt = `frame ${f.index} at ${f.time.toFixed(2)} s`;
      fig.append(img, el('figcaption', `${f.time.toFixed(2)} s`));
      // the server says where the proxy clip shows this very frame (its frame rule)
      fig.addEventListener('click', () => {
        const v = $('video');
        v.pause();
        v.currentTime = f.seek;
      });
      s.append(fig);
    }
  }
}

// The clip's time, the recording's, and the strip's frame shown: when the video moves, and
// when an item is shown (before it plays, the window's start, not 0, is its place in the
// recording).
function showTime() {
  const it = state.item;
  const t = $('video').currentTime;
  $('video-time').textContent = t.toFixed(2);
  $('video-abs').textContent = it ? (t + it.start).toFixed(2) : '';
  if (!it) return;
  const figs = [...$('strip').children];
  let at = -1;
  it.frames.forEach((f, i) => { if (f.time - it.start <= t + 1e-6) at = i; });
  const per = figs.length / Math.max(1, it.frames.length);
  figs.forEach((fig, i) => fig.classList.toggle('current', Math.floor(i / per) === at));
}

function showRating(rt) {
  const score = rt ? rt.score : null;
  for (const b of $('scale').children) b.classList.toggle('chosen', Number(b.dataset.score) === score);
  $('flag-label').checked = !!(rt && rt.label_wrong);
  $('flag-video').checked = !!(rt && rt.video_unusable);
  $('comment').value = rt && rt.comment ? rt.comment : '';
}

function currentRating() {
  const chosen = [...$('scale').children].find((b) => b.classList.contains('chosen'));
  return {
    score: chosen ? Number(chosen.dataset.score) : null,
    comment: $('comment').value,
    label_wrong: $('flag-label').checked,
    video_unusable: $('flag-video').checked,
  };
}

async function saveRating(change) {
  const it = state.item;
  if (!it) return;
  const before = it.rating ? { ...it.rating } : null;
  const next = { ...currentRating(), ...change };
  const entry = { round: state.round.id, index: state.index, rating: before };
  state.undo.push(entry);
  it.rating = next;
  showRating(next);
  try {
    await api(`/api/rounds/${entry.round}/items/${entry.index}/rating`, next);
    say(next.score == null ? 'saved' : `saved: ${next.score}%`);
  } catch (e) {
    // the page shows what the study holds: a choice that was not stored is taken back (a
    // comment stays in its box, to be sent with the next change)
    state.undo.splice(state.undo.lastIndexOf(entry), 1);
    it.rating = before;
    if (state.item === it) {
      const comment = $('comment').value;
      showRating(before);
      $('comment').value = comment;
    }
    say('not saved: ' + e.message, true);
  }
}

async function undo() {
  const u = state.undo.pop();
  if (!u || !state.round || u.round !== state.round.id) return say('nothing to undo');
  const body = u.rating ? u.rating : { clear: true };
  try {
    await api(`/api/rounds/${u.round}/items/${u.index}/rating`, body);
    await loadItem(u.index);
    say('undone');
  } catch (e) {
    say('undo failed: ' + e.message, true);
  }
}

async function move(dir) {
  const next = state.index + dir;
  if (next < 0 || next >= state.item.count) return say(dir > 0 ? 'that was the last item' : 'this is the first item');
  await loadItem(next);
}

// The action of a key on an item, or null; it runs when the keys before it are done.
function reviewKey(e) {
  if ($('item').hidden) return null;
  const v = $('video');
  const item = (f) => () => (state.item ? f() : undefined);
  if (e.key >= '0' && e.key <= '5') return item(() => saveRating({ score: SCORES[Number(e.key)] }));
  if (e.key === 'j') return item(() => move(1));
  if (e.key === 'k') return item(() => move(-1));
  if (e.key === ' ') return () => togglePlay(v);
  if (e.key === 'ArrowRight') return item(() => frameStep(v, state.item.fps, 1));
  if (e.key === 'ArrowLeft') return item(() => frameStep(v, state.item.fps, -1));
  if (e.key === 'u') return undo;
  if (e.key === 'l') return item(() => saveRating({ label_wrong: !$('flag-label').checked }));
  if (e.key === 'v') return item(() => saveRating({ video_unusable: !$('flag-video').checked }));
  if (e.key === 'c') return () => $('comment').focus();
  if (e.key === 'Escape') return closeRound;
  return null;
}

// ---- labeling -----------------------------------------------------------------------------

async function loadRecordings() {
  const data = await api('/api/recordings');
  const list = $('recording-list');
  list.replaceChildren();
  for (const r of data.recordings) {
    const li = el('li');
    const b = el('button', r.file_name);
    b.type = 'button';
    b.addEventListener('click', () => queue(() => openRecording(r.id)));
    li.append(b, el('span', ` — ${r.labeled} signs labeled${r.onset == null ? '' : ', start marked'}`));
    list.append(li);
  }
  if (!data.recordings.length) list.append(el('li', 'No recording in the study.'));
}

async function openRecording(id) {
  // shown at once, so that keys typed while it loads wait for it (queue) instead of being lost
  state.recording = null;
  $('recordings').hidden = true;
  $('recording').hidden = false;
  const r = await api(`/api/recordings/${id}`);
  state.recording = r;
  state.sign = 0;
  $('recording-name').textContent = r.file_name;
  const v = $('label-video');
  if (v.getAttribute('src') !== r.clip) v.src = r.clip;
  $('label-comment').value = r.comment || '';
  showMarks();
  const body = $('signs').tBodies[0];
  body.replaceChildren();
  r.signs.forEach((s, i) => {
    const tr = el('tr');
    const name = el('td', signName(s.id));
    name.title = s.definition;
    tr.append(name);
    for (const value of ['yes', 'no', 'unknown']) {
      const td = el('td');
      const input = el('input');
      input.type = 'radio';
      input.name = 'sign-' + s.id;
      input.value = value;
      input.checked = s.value === value;
      input.setAttribute('aria-label', `${signName(s.id)}: ${value}`);
      input.addEventListener('change', () => queue(() => { state.sign = i; return setLabel(value); }));
      td.append(input);
      tr.append(td);
    }
    body.append(tr);
  });
  showSign();
}

function closeRecording() {
  state.recording = null;
  $('label-video').pause();
  $('recording').hidden = true;
  $('recordings').hidden = false;
  loadRecordings().catch((e) => say(e.message, true));
}

function showSign() {
  [...$('signs').tBodies[0].rows].forEach((tr, i) => tr.classList.toggle('current', i === state.sign));
  const row = $('signs').tBodies[0].rows[state.sign];
  if (row) row.scrollIntoView({ block: 'nearest' });
  // the definition in view: a row's tooltip needs the mouse, and the keys move without it
  const s = state.recording.signs[state.sign];
  $('sign-name').textContent = signName(s.id);
  $('sign-definition').textContent = s.definition;
}

function showMarks() {
  const r = state.recording;
  $('onset-mark').textContent = r.onset == null ? '–' : `${r.onset.toFixed(2)} s`;
  $('end-mark').textContent = r.end == null ? '–' : `${r.end.toFixed(2)} s`;
}

async function setLabel(value) {
  const r = state.recording;
  const s = r.signs[state.sign];
  const before = s.value;
  const row = $('signs').tBodies[0].rows[state.sign];
  const tick = (v) => { for (const input of row.querySelectorAll('input')) input.checked = input.value === v; };
  s.value = value;
  tick(value);
  try {
    await api(`/api/recordings/${r.id}/label`, { sign: s.id, value });
    say(`saved: ${signName(s.id)} ${value}`);
  } catch (e) {
    s.value = before; // as the study holds it
    if (state.recording === r) tick(before);
    say('not saved: ' + e.message, true);
  }
}

// Sends the marks with `change` ({onset} or {end}); they are shown once the study has them.
async function saveMarks(change) {
  const r = state.recording;
  const next = { onset: r.onset, end: r.end, ...change };
  try {
    await api(`/api/recordings/${r.id}/mark`, { ...next, comment: $('label-comment').value });
    r.onset = next.onset;
    r.end = next.end;
    if (state.recording === r) showMarks();
    say('saved the marks');
  } catch (e) {
    say('not saved: ' + e.message, true);
  }
}

// The action of a key on a recording, or null; it runs when the keys before it are done.
function labelKey(e) {
  if ($('recording').hidden) return null;
  const v = $('label-video');
  const rec = (f) => () => (state.recording ? f(state.recording) : undefined);
  // the video's time when the key was pressed, not when its turn comes
  const now = v.currentTime;
  if (e.key === 'j' || e.key === 'ArrowDown') return rec((r) => { state.sign = Math.min(state.sign + 1, r.signs.length - 1); showSign(); });
  if (e.key === 'k' || e.key === 'ArrowUp') return rec(() => { state.sign = Math.max(state.sign - 1, 0); showSign(); });
  if (e.key === 'y') return rec(() => setLabel('yes'));
  if (e.key === 'n') return rec(() => setLabel('no'));
  if (e.key === 'x') return rec(() => setLabel('unknown'));
  if (e.key === ' ') return () => togglePlay(v);
  if (e.key === 'ArrowRight') return rec((r) => frameStep(v, r.fps, 1));
  if (e.key === 'ArrowLeft') return rec((r) => frameStep(v, r.fps, -1));
  if (e.key === 'o') return rec((r) => (r.end != null && now > r.end
    ? say(`not marked: the start would come after the end (${r.end.toFixed(2)} s)`, true) : saveMarks({ onset: now })));
  if (e.key === 'e') return rec((r) => (r.onset != null && now < r.onset
    ? say(`not marked: the end would come before the start (${r.onset.toFixed(2)} s)`, true) : saveMarks({ end: now })));
  if (e.key === 'c') return () => $('label-comment').focus();
  if (e.key === 'Escape') return closeRecording;
  return null;
}

// ---- wiring ---------------------------------------------------------------------------------

// Keys (and the clicks that do what keys do) take effect one after another, each when the
// one before is on the page and sent: "j 3" typed fast rates the next item, not this one,
// and a rating and its undo reach the server in the order they were made.
let pending = Promise.resolve();
function queue(action) {
  pending = pending.then(action).catch((e) => say(e.message, true));
  return pending;
}

// What each step means, in the words the model judge is given (src/engine/rating.c), so
// that raters and judge use one scale; the pilot counted 60% and above as faithful.
const ANCHORS = [
  'contradicted, or not about this window',
  'mostly unsupported or generic',
  'partly supported: a key claim is not there',
  'mostly supported; a claim cannot be checked',
  'supported, with a minor slip',
  'every claim is there and supports the answer',
];

function buildScale() {
  SCORES.forEach((score, key) => {
    const b = el('button', `${score}%`);
    b.type = 'button';
    b.dataset.score = String(score);
    b.title = ANCHORS[key];
    b.append(el('small', `key ${key}`), el('small', ANCHORS[key], 'anchor'));
    b.addEventListener('click', () => queue(() => saveRating({ score })));
    $('scale').append(b);
  });
}

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const typing = e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLInputElement && e.target.type === 'text';
  if (typing) {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  const action = !$('review').hidden ? reviewKey(e) : !$('label').hidden ? labelKey(e) : null;
  if (!action) return;
  e.preventDefault();
  queue(action);
});
// A focused video's own controls act on space and the arrows too, whatever the app does
// with them (space would play and pause at once): the videos never keep the focus, so the
// app's keys are the only ones. Their controls still work by mouse.
for (const id of ['video', 'label-video']) $(id).addEventListener('focusin', () => document.activeElement.blur());

let commentTimer = null;
$('comment').addEventListener('input', () => {
  clearTimeout(commentTimer);
  commentTimer = setTimeout(() => saveRating({}), 600);
});
$('comment').addEventListener('blur', () => { clearTimeout(commentTimer); if (state.item) saveRating({}); });
$('flag-label').addEventListener('change', () => saveRating({}));
$('flag-video').addEventListener('change', () => saveRating({}));
$('label-comment').addEventListener('blur', () => { if (state.recording) saveMarks(); });
for (const ev of ['timeupdate', 'seeked', 'loadedmetadata', 'emptied']) {
  $('video').addEventListener(ev, showTime);
  $('label-video').addEventListener(ev, () => {
    $('label-time').textContent = $('label-video').currentTime.toFixed(2);
  });
}
// The screen is kept in the address (#label), so a reload, or a session picked up again,
// comes back to it rather than to the review.
function openTab(screen) {
  history.replaceState(null, '', screen === 'label' ? '#label' : location.pathname);
  show(screen);
  return screen === 'label' ? loadRecordings() : loadRounds();
}
$('tab-review').addEventListener('click', () => openTab('review').catch((e) => say(e.message, true)));
$('tab-label').addEventListener('click', () => openTab('label').catch((e) => say(e.message, true)));

buildScale();
api('/api/me').then((me) => {
  state.me = me;
  $('who').textContent = me.name;
  openTab(location.hash === '#label' ? 'label' : 'review').catch((e) => say(e.message, true));
}, () => show('login-needed'));
