'use strict';
// The CapBuddy view: asks the server for the state, shows it in the panels, and sends the
// buttons' commands. Every command answers with the new state; no library, nothing fetched
// from anywhere but the server that served this page.

const $ = id => document.getElementById(id);
const hex = n => '0x' + Number(n).toString(16);
const count = n => Number(n).toLocaleString('en');

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function size(bytes) {
  const units = [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]];
  for (const [unit, n] of units) {
    if (bytes >= n && bytes % n === 0) return (bytes / n) + ' ' + unit;
  }
  return bytes >= 1024 ? (bytes / 1024).toFixed(1) + ' KiB' : bytes + ' B';
}

function row(cells) {
  const tr = el('tr');
  for (const c of cells) {
    const td = el('td');
    if (c instanceof Node) td.appendChild(c); else td.textContent = c;
    tr.appendChild(td);
  }
  return tr;
}

let busy = false;
let over = false;
let ended = false;

async function call(method, path) {
  const options = { method, headers: {} };
  if (method === 'POST') options.headers['X-CapBuddy-View'] = '1';
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || ('HTTP ' + response.status));
  return body;
}

function say(text, error) {
  const m = $('message');
  m.textContent = text;
  m.className = error ? 'error' : '';
}

function updateButtons() {
  for (const id of ['step', 'continue', 'run']) $(id).disabled = busy || over || ended;
  $('step-n').disabled = busy || over || ended;
  $('finish').disabled = busy || over || !ended;
  $('quit').disabled = busy || over;
}

async function command(path, words, closes) {
  busy = true;
  updateButtons();
  say(words + '...', false);
  try {
    const state = await call('POST', path);
    show(state);
    if (closes) {
      over = true;
      say('The session has ended: the report is in the terminal. You can close this page.', false);
    } else {
      say(state.program.ended ? 'The program has ended: press Finish for the report (in the terminal).' : '', false);
    }
  } catch (e) {
    say(e.message, true);
  } finally {
    busy = false;
    updateButtons();
  }
}

function showProgram(s) {
  const p = s.program;
  $('program-name').textContent = p.name;
  document.title = 'CapBuddy: ' + p.name;
  const status = $('status');
  let text = p.status.replace('_', ' ');
  if (p.status === 'exited') text += ' with status ' + p.exitCode;
  if (p.kill) text += ': ' + p.kill;
  status.textContent = text;
  status.className = 'status-' + p.status;
  $('reason').textContent = p.reason;
  $('pc').textContent = p.pc;
  $('next').textContent = p.next === null ? '(none: the program has ended)' : p.next;
  $('instructions').textContent = count(p.instructions);
  $('pause-on').textContent = p.pauseOn;
  const c = s.counters;
  $('faults').textContent = count(c.faults);
  $('syscalls').textContent = count(c.systemCalls);
  $('invocations').textContent = count(c.invocations);
  $('frames-in-use').textContent = count(c.framesInUse);
  $('pages-mapped').textContent = count(c.pagesMapped);
  const out = $('console');
  out.textContent = s.console === '' ? '(nothing written yet)' : s.console;
  out.scrollTop = out.scrollHeight;
  ended = p.ended;
}

function showEvents(events) {
  const list = $('events');
  list.replaceChildren();
  for (const e of events.shown) list.appendChild(el('li', null, e.text));
  $('events-left-out').textContent = events.leftOut > 0
    ? count(events.leftOut) + ' earlier events left out; the last ' + events.shown.length + ' follow.'
    : (events.shown.length === 0 ? 'No events since the last pause.' : '');
}

function showProcess(d) {
  const body = $('regions').tBodies[0];
  body.replaceChildren();
  if (d === null) {
    $('page-tables-summary').textContent = 'The process is gone.';
    $('page-tables').replaceChildren();
    return;
  }
  for (const r of d.regions) {
    body.appendChild(row([r.kind, hex(r.base), hex(r.end - 1), r.rights, size(r.end - r.base), r.contents]));
  }
  const t = d.pageTables;
  $('page-tables-summary').textContent = 'Process ' + d.pid + ', ASID ' + t.asid + ': ' + t.tables
    + ' paging structures, ' + count(t.pages) + ' pages mapped (SOS\'s shadow records ' + count(d.shadowPages) + ').';
  const list = $('page-tables');
  list.replaceChildren();
  for (const e of t.entries) {
    let text;
    if ('count' in e) { // a run of pages
      const indices = e.count === 1 ? '[' + e.firstIndex + ']' : '[' + e.firstIndex + '..' + (e.firstIndex + e.count - 1) + ']';
      const pages = e.count === 1 ? size(e.pageBytes) + ' page' : e.count + ' ' + size(e.pageBytes) + ' pages';
      const frames = e.count === 1 ? 'pa ' + hex(e.paddr) : 'pa ' + hex(e.paddr) + '-' + hex(e.paddr + e.count * e.pageBytes - 1);
      text = '  '.repeat(e.level + 1) + 'L' + e.level + indices + ' ' + hex(e.vaddr) + '-' + hex(e.vaddrLast) + '  '
        + pages + ' ' + e.rights + (e.executeNever ? ' xn' : ' x') + ' -> ' + frames;
    } else if (e.index < 0) {
      text = 'L' + e.level + ' table (root) at pa ' + hex(e.paddr) + (e.cap ? '  cap ' + e.cap : '');
    } else {
      text = '  '.repeat(e.level) + 'L' + (e.level - 1) + '[' + e.index + '] ' + hex(e.vaddr) + '-' + hex(e.vaddrLast)
        + '  -> L' + e.level + ' table at pa ' + hex(e.paddr) + (e.cap ? '  cap ' + e.cap : '');
    }
    list.appendChild(el('li', 'count' in e ? 'run' : 'table', text));
  }
}

function ranges(list) {
  return list.map(r => r.first === r.last ? String(r.first) : r.first + '-' + r.last).join(', ');
}

function showFrames(f) {
  $('frame-table').textContent = count(f.inUse) + ' of ' + count(f.limit) + ' frames in use (' + f.refBits
    + '-bit references), highest reference ' + f.highestRef + ', ' + f.windowTables + ' window page tables.';
  $('frame-refs').textContent = f.live.length === 0 ? 'No live references.' : 'Live references: ' + ranges(f.live);
}

function showPool(pool) {
  const box = $('pool');
  box.replaceChildren();
  if (pool === null) {
    box.appendChild(el('p', 'note', 'SOS takes its frames from plain allocman here: there is no CapBuddy pool.'));
    return;
  }
  box.appendChild(el('p', 'note', pool.trees.length + (pool.trees.length === 1 ? ' tree.' : ' trees.')));
  for (const t of pool.trees) {
    const card = el('div', 'tree-card');
    card.appendChild(el('div', 'code', 'tree at pa ' + hex(t.basePaddr) + '-' + hex(t.basePaddr + 4 * 2 ** 20 - 1)
      + (t.device ? ' (device)' : '') + ', caps from ' + hex(t.baseCptr) + ': ' + t.freeFrames + ' of 1024 frames free'));
    const table = el('table', 'orders');
    const head = el('tr');
    const free = el('tr');
    head.appendChild(el('th', null, 'order'));
    free.appendChild(el('th', null, 'free blocks'));
    t.freeBlocks.forEach((n, k) => {
      head.appendChild(el('th', null, String(k)));
      free.appendChild(el('td', null, String(n)));
    });
    table.append(head, free);
    card.appendChild(table);
    card.appendChild(el('div', 'code wrap', 'allocated frames: ' + (t.allocated.length === 0 ? 'none' : ranges(t.allocated))));
    box.appendChild(card);
  }
}

function showUntypeds(list) {
  const body = $('untypeds').tBodies[0];
  body.replaceChildren();
  for (const u of list) {
    const bar = el('span', 'bar');
    const fill = el('span');
    const where = u.paddr + (u.device ? ' (device)' : '');
    if (!u.found) {
      body.appendChild(row([u.bootCptr, where, size(u.bytes), '(cap gone)', '', '', bar]));
      continue;
    }
    if (!u.retyped) {
      body.appendChild(row([u.bootCptr, where, size(u.bytes), 'none', 'all', 'nothing', bar]));
      continue;
    }
    fill.style.width = (100 * u.liveBytes / u.bytes).toFixed(1) + '%';
    bar.appendChild(fill);
    body.appendChild(row([u.bootCptr, where, size(u.bytes), size(u.liveBytes), size(u.freeBytes),
      u.childUntypeds === 0 ? 'objects only' : count(u.childUntypeds) + ' untyped' + (u.childUntypeds === 1 ? '' : 's'), bar]));
  }
}

function showCdt(cdt) {
  $('cdt-summary').textContent = count(cdt.caps) + ' caps in ' + cdt.lines.length + ' lines.';
  const list = $('cdt');
  list.replaceChildren();
  for (const l of cdt.lines) {
    let text = '  '.repeat(l.depth) + (l.each ? 'each: ' : '') + (l.count === 1 ? l.type : l.count + ' x ' + l.type);
    if (l.object) text += ' ' + l.object + (l.lastObject ? ' .. ' + l.lastObject : '');
    if (l.detail) text += '  ' + l.detail;
    text += '  in ' + l.slot + (l.lastSlot ? ' .. ' + l.lastSlot : '');
    list.appendChild(el('li', 'cap-' + l.type.toLowerCase(), text));
  }
}

function show(s) {
  showProgram(s);
  showEvents(s.events);
  showProcess(s.process);
  showFrames(s.frames);
  showPool(s.pool);
  showUntypeds(s.untypeds);
  showCdt(s.cdt);
}

function stepCount() {
  const text = $('step-n').value.trim();
  return /^[1-9][0-9]*$/.test(text) ? text : null;
}

$('step').addEventListener('click', () => {
  const n = stepCount();
  if (n === null) {
    say('Step takes a whole number of instructions, 1 or more.', true);
    return;
  }
  command('/api/step?n=' + n, 'Stepping ' + n, false);
});
$('continue').addEventListener('click', () => command('/api/continue', 'Running to the next pause', false));
$('run').addEventListener('click', () => command('/api/run', 'Running to the end', false));
$('finish').addEventListener('click', () => command('/api/finish', 'Finishing', true));
$('quit').addEventListener('click', () => command('/api/quit', 'Quitting', true));

(async () => {
  busy = true;
  updateButtons();
  try {
    const state = await call('GET', '/api/state');
    show(state);
    say(state.program.ended ? 'The program has ended: press Finish for the report (in the terminal).'
      : state.program.instructions === 0 ? 'Paused before the first instruction.' : '', false);
  } catch (e) {
    say('Cannot read the state: ' + e.message, true);
  } finally {
    busy = false;
    updateButtons();
  }
})();
