// SPDX-License-Identifier: MIT
// The peal dashboard: the runs of the served state directories, one run's journal folded into
// a view as its events arrive (Server-Sent Events, replayed from the start), and a task's
// records on demand. Plain JavaScript, no dependencies; every text goes in as text, never HTML.
'use strict';

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElementNS(tag === 'svg' || attrs?.svg ? 'http://www.w3.org/2000/svg' : 'http://www.w3.org/1999/xhtml', tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'svg' || v === undefined || v === null) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'onclick') node.addEventListener('click', v);
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function getJson(path) {
  const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: ${(await response.text()).trim()}`);
  return response.json();
}

const money = (usd) => '$' + usd.toFixed(usd < 0.01 && usd > 0 ? 4 : 2);
const count = (n) => n.toLocaleString('en-US');
function duration(ms) {
  if (!(ms >= 0)) return '-';
  if (ms < 10000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// ---- one run, folded from its journal ----------------------------------------------------

function newRun(stateKey, id) {
  return {
    stateKey, id, tasks: new Map(), order: [], graph: false, criticalPath: [], budgets: {}, spentBefore: { cost_usd: 0, tokens: 0 },
    taskCount: 0, alreadyDone: 0, tokens: 0, cost: null, started: null, lastTime: null, finished: false, exitCode: null,
    wait: null, budgetStop: null, fallback: null, trimmed: false,
  };
}

function task(run, n) {
  if (!run.tasks.has(n)) {
    run.tasks.set(n, { n, title: '', after: [], status: 'pending', phase: '', started: null, ended: null, tokens: 0, cost: null,
      review: '', left: [], error: '', activity: [], commits: [], backEnds: [] });
    run.order.push(n);
  }
  return run.tasks.get(n);
}

function apply(run, e) {
  const time = e.time ? Date.parse(e.time) : null;
  if (time && !run.started) run.started = time;
  if (time) run.lastTime = time;
  const t = e.task ? task(run, e.task) : null;
  switch (e.kind) {
    case 'run_plan':
      run.graph = !!e.graph;
      run.criticalPath = e.critical_path || [];
      run.budgets = e.budgets || {};
      run.spentBefore = e.spent_before || run.spentBefore;
      for (const p of e.tasks || []) {
        const pt = task(run, p.task);
        pt.title = p.title || '';
        pt.after = p.after || [];
        if (p.done_before) pt.status = 'done';
        pt.doneBefore = !!p.done_before;
      }
      break;
    case 'run_started':
      run.taskCount = e.task_count;
      run.alreadyDone = e.already_done;
      break;
    case 'phase_started':
      t.status = 'running';
      t.phase = e.phase;
      if (!t.started) t.started = time;
      break;
    case 'phase_finished':
      if (e.commit) t.commits.push({ commit: e.commit, phase: e.phase });
      break;
    case 'agent_activity':
      t.activity.push({ text: e.activity, said: !!e.said });
      if (t.activity.length > 6) t.activity.shift();
      break;
    case 'agent_call_ended':
      if (t && e.back_end && !t.backEnds.includes(e.back_end)) t.backEnds.push(e.back_end);
      run.tokens += e.tokens || 0;
      if (t) t.tokens += e.tokens || 0;
      if (e.cost_usd !== undefined) {
        run.cost = (run.cost || 0) + e.cost_usd;
        if (t) t.cost = (t.cost || 0) + e.cost_usd;
      }
      break;
    case 'committed':
      for (const n of e.tasks || []) {
        const ct = task(run, n);
        if (!ct.commits.some((c) => c.commit === e.commit)) ct.commits.push({ commit: e.commit, phase: e.phase || 'commit' });
      }
      break;
    case 'task_finished':
      if (e.final === false) break;
      t.status = e.interrupted ? 'interrupted' : e.ok ? 'done' : 'failed';
      t.ended = time;
      t.phase = '';
      t.review = e.no_changes ? 'no changes' : e.not_reviewed ? 'not reviewed'
        : e.review || (e.review_rounds >= 0 ? 'no findings' : '');
      t.left = e.findings_left || [];
      t.error = e.error || '';
      t.activity = [];
      break;
    case 'rate_limit_wait':
      run.wait = { line: e.wait, until: time + (e.duration_ms || 0) };
      break;
    case 'agent_fallback':
      run.fallback = e.line;
      break;
    case 'budget_stop':
      run.budgetStop = e.reason;
      break;
    case 'journal_trimmed':
      run.trimmed = true;
      break;
    case 'run_finished':
      run.finished = true;
      break;
    case 'run_ended':
      run.finished = true;
      run.exitCode = e.exit_code;
      for (const rt of run.tasks.values()) if (rt.status === 'running') rt.status = 'interrupted';
      break;
  }
}

// ---- the page's state ----------------------------------------------------------------------

const page = { states: [], run: null, source: null, picked: false, selectedTask: null, drawQueued: false, runStatus: '' };

function runLabel(state, r) {
  const id = r.id;
  const when = id.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z.*$/, '$1-$2-$3 $4:$5:$6 UTC');
  const tail = page.states.length > 1 ? ` - ${state.path}` : '';
  return `${when} (${r.status})${tail}`;
}

async function loadStates() {
  let data;
  try {
    data = await getJson('api/states');
  } catch (error) {
    showNotice(String(error.message || error));
    return;
  }
  page.states = data.states || [];
  const select = $('run-select');
  const chosen = select.value;
  select.replaceChildren();
  let newest = null;
  let running = null;
  for (const state of page.states) {
    const group = el('optgroup', { label: state.path });
    for (const r of state.runs) {
      if (!r.journal) continue;
      const value = `${state.key}/${r.id}`;
      group.append(el('option', { value, text: runLabel(state, r) }));
      if (!newest || r.id > newest.id) newest = { value, id: r.id };
      if (r.status === 'running' && (!running || r.id > running.id)) running = { value, id: r.id };
    }
    select.append(group);
  }
  const fromHash = decodeURIComponent(location.hash.slice(1));
  const wanted = page.picked ? chosen : fromHash || (running || newest || {}).value;
  if (!wanted) {
    showNotice(page.states.length ? 'No run has a journal here yet: start one (peal run) and it appears.'
      : 'No peal state directory found.');
    return;
  }
  hideNotice();
  select.value = wanted;
  if (!page.run || `${page.run.stateKey}/${page.run.id}` !== wanted) openRun(wanted);
  else updateRunStatus();
}

function updateRunStatus() {
  const [key, id] = `${page.run.stateKey}/${page.run.id}`.split('/');
  const state = page.states.find((s) => s.key === key);
  const r = state && state.runs.find((x) => x.id === id);
  page.runStatus = r ? r.status : '';
  queueDraw();
}

function openRun(value) {
  const [key, id] = value.split('/');
  if (page.source) page.source.close();
  page.run = newRun(key, id);
  page.selectedTask = null;
  $('task-view').hidden = true;
  history.replaceState(null, '', '#' + encodeURIComponent(value));
  updateRunStatus();
  setConnection('connecting');
  const source = new EventSource(`api/states/${key}/runs/${encodeURIComponent(id)}/events`);
  page.source = source;
  source.onopen = () => setConnection('live');
  source.onerror = () => setConnection(page.run.exitCode !== null ? 'ended' : 'lost');
  source.onmessage = (message) => {
    if (page.source !== source) return;
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    apply(page.run, event);
    if (event.kind === 'run_ended') {
      source.close();
      setConnection('ended');
      loadStates();
    }
    if (page.selectedTask && event.task === page.selectedTask && (event.kind === 'task_finished' || event.kind === 'agent_call_ended'))
      showTask(page.selectedTask);
    queueDraw();
  };
}

function setConnection(state) {
  const node = $('connection');
  node.dataset.state = state;
  node.textContent = { connecting: 'connecting', live: 'live', lost: 'reconnecting', ended: 'run ended' }[state];
}

function showNotice(text) {
  $('notice').textContent = text;
  $('notice').hidden = false;
}
function hideNotice() {
  $('notice').hidden = true;
}

function queueDraw() {
  if (page.drawQueued) return;
  page.drawQueued = true;
  requestAnimationFrame(() => {
    page.drawQueued = false;
    draw();
  });
}

// ---- drawing -------------------------------------------------------------------------------

function draw() {
  const run = page.run;
  if (!run) return;
  const tasks = run.order.map((n) => run.tasks.get(n)).sort((a, b) => a.n - b.n);
  const done = tasks.filter((t) => t.status === 'done').length;
  const status = run.exitCode !== null ? (run.exitCode === 0 ? 'done' : `ended, exit ${run.exitCode}`)
    : page.runStatus === 'ended without a record' ? 'stopped (no end recorded)'
    : run.finished ? 'finishing' : page.runStatus === 'running' || run.started ? 'running' : '-';
  $('run-status').textContent = status;
  $('run-status').dataset.status = status;
  $('tasks-done').textContent = `${done} / ${Math.max(run.taskCount, tasks.length)}`;
  const end = run.exitCode !== null || page.runStatus !== 'running' ? run.lastTime : Date.now();
  $('run-time').textContent = run.started ? duration(end - run.started) : '-';
  $('run-tokens').textContent = count(run.tokens);
  $('run-cost').textContent = run.cost === null ? 'not reported' : money(run.cost);
  const b = run.budgets;
  const before = run.spentBefore;
  $('budget-tokens').textContent = b.max_tokens ? `${count(before.tokens + run.tokens)} of ${count(b.max_tokens)} budget` : '';
  $('budget-cost').textContent = b.max_cost_usd ? `${money(before.cost_usd + (run.cost || 0))} of ${money(b.max_cost_usd)} budget` : '';
  drawWait(run);
  $('budget-stop').hidden = !run.budgetStop;
  $('budget-stop').textContent = run.budgetStop ? `budget reached: ${run.budgetStop}` : '';
  $('fallback').hidden = !run.fallback;
  $('fallback').textContent = run.fallback || '';
  drawTasks(tasks);
  drawActivity(tasks);
  drawGraph(run, tasks);
}

function drawWait(run) {
  const wait = $('wait');
  const left = run.wait ? run.wait.until - Date.now() : 0;
  wait.hidden = !(run.wait && left > 0 && run.exitCode === null);
  if (!wait.hidden) wait.textContent = `${run.wait.line} - ${duration(left)} to go`;
}

function drawTasks(tasks) {
  const body = $('tasks').tBodies[0];
  body.replaceChildren();
  for (const t of tasks) {
    const time = t.started ? duration((t.ended || (t.status === 'running' ? Date.now() : t.started)) - t.started) : '-';
    const left = t.left.length ? el('ul', { class: 'left' }, ...t.left.map((f) => el('li', { text: f }))) : null;
    const review = el('td', { 'data-label': 'review' }, el('span', { text: t.error || t.review || (t.doneBefore ? 'done before this run' : '') }), left);
    const row = el('tr', { 'data-task': t.n, 'data-status': t.status, class: page.selectedTask === t.n ? 'selected' : null,
      onclick: () => showTask(t.n) },
    el('td', { 'data-label': 'task' }, el('strong', { text: `Task ${t.n}` }), el('span', { class: 'title', text: t.title }),
      t.backEnds.length > 1 ? el('span', { class: 'title', text: `by ${t.backEnds.join(', ')}` }) : null),
    el('td', { 'data-label': 'status' }, el('span', { class: 'status', 'data-status': t.status, text: t.status })),
    el('td', { 'data-label': 'phase', text: t.phase || '-' }),
    el('td', { class: 'num', 'data-label': 'time', text: time }),
    el('td', { class: 'num', 'data-label': 'tokens', text: count(t.tokens) }),
    el('td', { class: 'num', 'data-label': 'cost', text: t.cost === null ? '-' : money(t.cost) }),
    review);
    body.append(row);
  }
}

function drawActivity(tasks) {
  const running = tasks.filter((t) => t.status === 'running');
  $('activity-section').hidden = running.length === 0;
  $('activity').replaceChildren(...running.map((t) => el('div', { class: 'agent', 'data-task': t.n },
    el('h4', { text: `Task ${t.n} - ${t.phase}` }),
    el('ol', {}, ...(t.activity.length ? t.activity : [{ text: 'no step reported yet', said: true }])
      .map((a) => el('li', { class: a.said ? 'said' : 'tool', text: a.text }))))));
}

// A graph plan, drawn in levels (a task one level right of the last task it waits for).
function drawGraph(run, tasks) {
  $('graph-section').hidden = !run.graph;
  if (!run.graph) return;
  const level = new Map();
  const levelOf = (t, seen = new Set()) => {
    if (level.has(t.n)) return level.get(t.n);
    if (seen.has(t.n)) return 0;
    seen.add(t.n);
    const l = t.after.length ? 1 + Math.max(...t.after.map((n) => (run.tasks.has(n) ? levelOf(run.tasks.get(n), seen) : 0))) : 0;
    level.set(t.n, l);
    return l;
  };
  const rows = new Map();
  const at = new Map();
  for (const t of tasks) {
    const l = levelOf(t);
    const row = rows.get(l) || 0;
    rows.set(l, row + 1);
    at.set(t.n, { x: 20 + l * 150, y: 20 + row * 60 });
  }
  const width = 20 + (Math.max(0, ...rows.keys()) + 1) * 150;
  const height = 20 + Math.max(1, ...rows.values()) * 60;
  const svg = $('graph');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const critical = new Set(run.criticalPath);
  const onPath = (a, b) => {
    const i = run.criticalPath.indexOf(a);
    return i >= 0 && run.criticalPath[i + 1] === b;
  };
  const parts = [];
  for (const t of tasks) {
    for (const n of t.after) {
      const from = at.get(n);
      const to = at.get(t.n);
      if (!from || !to) continue;
      const x1 = from.x + 110, y1 = from.y + 18, x2 = to.x, y2 = to.y + 18;
      parts.push(el('path', { svg: true, class: onPath(n, t.n) ? 'edge critical' : 'edge',
        d: `M${x1},${y1} C${x1 + 20},${y1} ${x2 - 20},${y2} ${x2},${y2}` }));
    }
  }
  for (const t of tasks) {
    const p = at.get(t.n);
    const node = el('g', { svg: true, class: critical.has(t.n) ? 'node critical' : 'node', 'data-task': t.n, 'data-status': t.status,
      transform: `translate(${p.x},${p.y})`, onclick: () => showTask(t.n) },
    el('rect', { svg: true, width: 110, height: 36 }),
    el('text', { svg: true, x: 10, y: 23, text: `Task ${t.n} - ${t.status}` }));
    parts.push(node);
  }
  svg.replaceChildren(...parts);
}

// ---- a task's own view: its calls, review and commits --------------------------------------

async function showTask(n) {
  const run = page.run;
  page.selectedTask = n;
  queueDraw();
  let data;
  try {
    data = await getJson(`api/states/${run.stateKey}/tasks/${n}`);
  } catch (error) {
    showNotice(String(error.message || error));
    return;
  }
  if (page.run !== run || page.selectedTask !== n) return;
  const t = run.tasks.get(n) || { title: '', commits: [] };
  $('task-view').hidden = false;
  $('task-title').textContent = `Task ${n}${t.title ? ' - ' + t.title : ''}`;
  $('task-commits').replaceChildren(...(t.commits.length
    ? [el('p', { text: 'commits: ' }, ...t.commits.map((c) => el('code', { text: `${c.commit.slice(0, 10)} (${c.phase}) ` })))]
    : [el('p', { class: 'hint', text: 'no commit in this run' })]));
  drawReview(data.review);
  drawCalls(data.calls || [], run.id);
}

function drawReview(review) {
  const box = $('task-review');
  if (!review) {
    box.replaceChildren(el('p', { class: 'hint', text: 'no review recorded' }));
    return;
  }
  const rounds = review.rounds || 0;
  const head = el('p', { text: `${rounds} round(s), ${review.resolved ? 'resolved' : 'findings left'}${review.stop_reason ? ' (' + review.stop_reason + ')' : ''}` });
  const findings = (review.findings || []).map((f) => {
    const fate = f.fate || 'left';
    const how = fate === 'dismissed' ? `dismissed in round ${f.round}: ${f.reason || ''}` : fate === 'fixed' ? `fixed in round ${f.round}` : fate;
    return el('p', { class: 'finding', 'data-fate': fate }, el('span', { class: 'fate', text: fate }), el('span', { text: `${f.finding} - ${how}` }));
  });
  box.replaceChildren(head, ...findings);
}

function drawCalls(calls, runId) {
  const box = $('task-calls');
  if (!calls.length) {
    box.replaceChildren(el('p', { class: 'hint', text: 'no agent call recorded' }));
    return;
  }
  box.replaceChildren(...calls.map((c) => {
    const call = c.call || {};
    const end = c.end || {};
    const ran = end.status ? `${end.status} in ${duration(end.duration_ms)}` : 'running';
    const usage = end.status ? `, ${count((end.input_tokens || 0) + (end.output_tokens || 0))} tokens${end.cost_usd !== undefined ? ', ' + money(end.cost_usd) : ''}` : '';
    const other = (call.run && call.run !== runId ? ` (run ${call.run})` : '')
      + (call.resumes ? ` - continued its conversation after: ${call.resumes.after}` : '');
    const lines = (c.events || []).map((e) => {
      if (e.kind === 'text') return el('li', { class: 'text', text: e.text });
      if (e.kind === 'tool_call') return el('li', { class: 'tool', text: `tool: ${e.name || ''} ${e.target || ''}` });
      if (e.kind === 'failure') return el('li', { class: 'failure', text: `error (${e.failure}): ${e.text}` });
      if (e.kind === 'session') return el('li', { class: 'hint', text: `session ${e.text}` });
      return null;
    }).filter(Boolean);
    if (c.events_left_out) lines.unshift(el('li', { class: 'hint', text: '(earlier events left out: peal logs shows them all)' }));
    if (end.error) lines.push(el('li', { class: 'failure', text: end.error }));
    return el('details', { class: 'call', 'data-mode': c.mode },
      el('summary', { text: `${c.mode} (attempt ${c.attempt}) with ${call.agent || 'agent'}${other}: ${ran}${usage}; prompt ${call.prompt_chars || 0} characters` }),
      el('ol', {}, ...lines));
  }));
}

// ---- start ---------------------------------------------------------------------------------

$('run-select').addEventListener('change', (e) => {
  page.picked = true;
  openRun(e.target.value);
});
// The list of runs is read again every few seconds; every second while no run is shown.
(function poll() {
  loadStates().finally(() => setTimeout(poll, page.run ? 5000 : 1000));
})();
setInterval(() => page.run && (page.run.exitCode === null) && queueDraw(), 1000);
