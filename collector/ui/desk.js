// SPDX-License-Identifier: GPL-2.0-only
// The raqib desk: a single page over the collector's API (docs/api.yaml). Plain JavaScript, no
// framework, nothing loaded from elsewhere. Every text that comes from the store is put in the
// page as text (textContent), never as HTML. The token is kept in sessionStorage only.
'use strict';

(function () {
  const I = window.RAQIB_I18N;
  const t = I.t;
  const main = document.getElementById('main');
  const state = { token: null, session: null, keys: null };

  try { state.token = sessionStorage.getItem('raqib.token'); } catch (e) { /* private mode */ }

  // ---- small helpers -------------------------------------------------------------------

  // h('tag#id.class', {attr: value, onclick: fn}, child, ...): an element; strings become text.
  function h(spec, attrs, ...children) {
    const [name, ...classes] = spec.split('.');
    const [tag, id] = name.split('#');
    const el = document.createElement(tag);
    if (id) el.id = id;
    if (classes.length) el.className = classes.join(' ');
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'text') el.textContent = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  // Text that reads left to right whatever the page's direction (paths, hashes, ids).
  function ltr(text, cls) {
    return h('bdi' + (cls ? '.' + cls : ''), { dir: 'ltr' }, text === undefined || text === null ? t('none') : String(text));
  }

  function get(obj, path) {
    let o = obj;
    for (const k of path.split('.')) {
      if (o === null || o === undefined) return undefined;
      o = o[k];
    }
    return o;
  }

  function sevName(n) {
    n = Number(n) || 0;
    return n >= 99 ? 'critical' : n >= 73 ? 'high' : n >= 47 ? 'medium' : 'low';
  }

  function sevBadge(n) {
    const name = sevName(n);
    return h('span.sev.sev-' + name, { title: String(n) }, t('sev_' + name));
  }

  function stateBadge(s) {
    return h('span.state.state-' + (s || 'new'), {}, t('st_' + (s || 'new')));
  }

  function toast(text, bad) {
    const el = document.getElementById('toast');
    el.textContent = text;
    el.className = bad ? 'show bad' : 'show';
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { el.className = ''; }, 6000);
  }

  function eventMs(alert, item) {
    const ts = Date.parse(get(alert, '@timestamp') || '');
    return Number.isFinite(ts) ? ts : (item && item.rx_ms) || 0;
  }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, opts) {
    const o = opts || {};
    let resp;
    try {
      resp = await fetch(path, {
        method: o.method || 'GET',
        headers: Object.assign({ Authorization: 'Bearer ' + (o.token || state.token || '') },
          o.json ? { 'Content-Type': 'application/json' } : {},
          o.text !== undefined ? { 'Content-Type': 'text/plain; charset=utf-8' } : {}),
        body: o.json ? JSON.stringify(o.json) : o.text,
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (e) {
      throw new ApiError(0, t('error_network'));
    }
    if (o.raw && resp.ok) return resp;
    let data = null;
    const type = resp.headers.get('Content-Type') || '';
    if (type.startsWith('application/json')) data = await resp.json();
    else data = { error: (await resp.text()).trim() };
    if (resp.status === 401 && !o.token) {
      signOut();
      throw new ApiError(401, t('bad_token'));
    }
    if (!resp.ok) throw new ApiError(resp.status, (data && data.error) || String(resp.status));
    return data;
  }

  function showError(container, e) {
    const msg = e.status === 403 ? t('error_forbidden', { msg: e.message }) :
      e.status === 0 ? e.message : t('error_server', { msg: e.message });
    container.replaceChildren(h('p.error', { role: 'alert' }, msg));
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    return s ? '?' + s : '';
  }

  // ---- what an alert says ---------------------------------------------------------------

  function alertWhat(a) {
    const path = get(a, 'file.path') || get(a, 'file.name');
    if (path) return path;
    const dst = get(a, 'destination.ip');
    return dst ? (get(a, 'network.protocol') || 'tcp') + ' → ' + dst + ':' + (get(a, 'destination.port') || '') : t('none');
  }

  function alertApp(a) {
    return get(a, 'raqib.channel.name') || get(a, 'raqib.app') || get(a, 'process.name') || t('none');
  }

  // The findings, masked, each isolated so that a right-to-left page keeps "CIN BK73****" whole.
  function findingsText(a) {
    const parts = [];
    for (const f of get(a, 'raqib.findings') || []) parts.push(ltr((f.type || '?') + ' ' + (f.masked || '')));
    const doc = get(a, 'raqib.document') || {};
    if (doc.official) parts.push(h('span.official', {}, t('official')));
    if (doc.level) parts.push(ltr(doc.level));
    if (!parts.length) return t('no_finding');
    return h('span.findings', {}, parts.flatMap((p, i) => (i ? [I.lang === 'ar' ? '، ' : ', ', p] : [p])));
  }

  function actionOf(a) {
    const ds = get(a, 'event.dataset');
    if (ds === 'raqib.at_rest') return 'holds_copy';
    if (ds === 'raqib.network') return 'sent_network';
    if (get(a, 'raqib.upload')) return 'sent';
    return 'opened';
  }

  // The story an alert tells, oldest step first: the app, the document opened, inspected,
  // the bytes sent, the alert. Times: the upload ends at @timestamp; it started delay_ms after
  // the document was opened.
  function alertSteps(item) {
    const a = item.alert;
    if (!a) return [{ kind: 'alert', ms: item.rx_ms, title: t('step_alert'), detail: [t('removed')] }];
    const steps = [];
    const ts = eventMs(a, item);
    const upload = get(a, 'raqib.upload');
    const opened = upload ? ts - (Number(upload.delay_ms) || 0) : ts;
    const started = Date.parse(get(a, 'raqib.app_instance.start') || get(a, 'process.start') || '');
    const ds = get(a, 'event.dataset');
    const host = get(a, 'host.name') || get(a, 'agent.id');
    if (ds === 'raqib.file') {
      const who = [alertApp(a)];
      if (get(a, 'process.name')) who.push(' (', ltr(get(a, 'process.name')), ', ', t('pid', { n: get(a, 'process.pid') }), ')');
      who.push(' ', t('on_host', { host: host }));
      steps.push({ kind: 'app', ms: Number.isFinite(started) ? started : opened,
        title: t(Number.isFinite(started) ? 'step_app_started' : 'step_app_running'), detail: who });
    }
    const path = get(a, 'file.path') || get(a, 'file.name');
    if (ds === 'raqib.at_rest') {
      steps.push({ kind: 'open', ms: ts, title: t('step_at_rest'), detail: [ltr(path), ' ', t('on_host', { host: host })] });
    } else if (path) {
      const size = get(a, 'file.size');
      steps.push({ kind: 'open', ms: opened, title: t('step_opened'),
        detail: [ltr(path), size !== undefined ? ' · ' + t('bytes', { n: I.number(size) }) : ''] });
    }
    steps.push({ kind: 'inspect', ms: opened, title: t('step_inspected'), detail: [findingsText(a)] });
    if (upload || get(a, 'destination.ip')) {
      const bytes = upload ? upload.bytes : get(a, 'source.bytes');
      const dst = get(a, 'destination.ip') ? get(a, 'destination.ip') + ':' + get(a, 'destination.port') : null;
      const server = get(a, 'raqib.server_name');
      const to = [server && server !== dst && server !== get(a, 'destination.ip') ? server : null, dst].filter(Boolean).join(' ');
      const detail = [ltr(to || t('none'))];
      if (bytes !== undefined) detail.push(' · ', t('bytes', { n: I.number(bytes) }));
      if (upload && upload.expected_bytes) detail.push(' (', t('expected', { n: I.number(upload.expected_bytes) }), ')');
      if (get(a, 'raqib.channel.name')) detail.push(' · ', get(a, 'raqib.channel.name'));
      steps.push({ kind: 'upload', ms: ts, title: t(upload ? 'step_uploaded' : 'step_sent_network'), detail });
    }
    steps.push({ kind: 'alert', ms: item.rx_ms, title: t('step_alert'),
      detail: [sevBadge(get(a, 'event.severity')), ' ', ltr(get(a, 'rule.id')), get(a, 'raqib.why') ? [' · ', h('bdi', {}, get(a, 'raqib.why'))] : ''] });
    return steps;
  }

  // A translation whose {name} parts are nodes (kept whole in a right-to-left sentence).
  function tNodes(key, params) {
    return t(key).split(/(\{[a-z]+\})/).map((part) => {
      const m = /^\{([a-z]+)\}$/.exec(part);
      return m && params[m[1]] !== undefined ? params[m[1]] : part;
    });
  }

  // What a coverage gap's detail says, for people: "2-3" rather than "<epoch>:2-3".
  function gapText(kind, detail) {
    const d = String(detail || '');
    let shown = d;
    if (kind === 'sequence') shown = d.slice(d.lastIndexOf(':') + 1).replace('-', '–');
    else if (kind === 'silent') shown = d.split('-').map((ms) => I.date(Number(ms))).join(' – ');
    else if (kind === 'degraded' || kind === 'refused') shown = d.slice(0, d.lastIndexOf(':') < 0 ? d.length : d.lastIndexOf(':'));
    return tNodes('gap_' + kind, { detail: ltr(shown) });
  }

  function gapStep(item) {
    const g = item.gap;
    return { kind: 'gap', ms: item.rx_ms, title: t('step_gap'),
      detail: [ltr(g.agent), ': ', gapText(g.kind, g.detail)] };
  }

  // The incident's story: each alert's steps under a line naming the host, the person and the
  // app; the alerts and the coverage gaps in the order they happened.
  function storyList(items) {
    const groups = [];
    for (const it of items) {
      if (it.gap) { groups.push({ ms: it.rx_ms, head: null, steps: [gapStep(it)] }); continue; }
      const steps = alertSteps(it);
      const a = it.alert || {};
      const head = [ltr(get(a, 'agent.id') || it.ref.split(':')[1])];
      if (get(a, 'host.name') && get(a, 'host.name') !== get(a, 'agent.id')) head.push(' (', ltr(get(a, 'host.name')), ')');
      head.push(' · ', t('site'), ' ', ltr(it.ref.split(':')[0]));
      if (get(a, 'user.id') !== undefined) head.push(' · ', t('user'), ' ', ltr(get(a, 'user.id')));
      groups.push({ ms: Math.min(...steps.map((x) => x.ms)), head, steps });
    }
    groups.sort((x, y) => x.ms - y.ms);
    const lis = [];
    for (const g of groups) {
      if (g.head) lis.push(h('li.group', {}, h('span', {}, g.head)));
      for (const st of g.steps) {
        lis.push(h('li.step.step-' + st.kind, {},
          h('time', { datetime: new Date(st.ms).toISOString() }, I.date(st.ms)),
          h('div.step-body', {}, h('strong', {}, st.title), h('div.step-detail', {}, st.detail))));
      }
    }
    return h('ol.story', {}, lis);
  }

  // ---- pages ----------------------------------------------------------------------------

  function setKeys(fn) {
    state.keys = fn;
  }

  document.addEventListener('keydown', (ev) => {
    if (!state.keys || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const typing = ev.target && /^(INPUT|SELECT|TEXTAREA)$/.test(ev.target.tagName);
    if (typing && ev.key !== 'Escape') return;
    state.keys(ev);
  });

  // A table whose rows move with j/k or arrows and open with Enter.
  function navTable(headers, rows, open) {
    const body = h('tbody');
    const table = h('table.list', {}, h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))), body);
    let at = -1;
    function select(i) {
      const trs = body.querySelectorAll('tr');
      if (!trs.length) return;
      at = Math.max(0, Math.min(trs.length - 1, i));
      trs.forEach((tr, j) => tr.setAttribute('aria-selected', j === at ? 'true' : 'false'));
      trs[at].focus();
    }
    function add(list) {
      for (const r of list) {
        const tr = h('tr', { tabindex: '-1', 'aria-selected': 'false', onclick: () => open(r.item), ondblclick: () => open(r.item) }, r.cells.map((c) => h('td', {}, c)));
        tr.addEventListener('focus', () => { at = [...body.children].indexOf(tr); });
        body.append(tr);
      }
    }
    add(rows);
    return {
      table, add, select,
      keys(ev) {
        if (ev.key === 'j' || ev.key === 'ArrowDown') { select(at + 1); ev.preventDefault(); }
        else if (ev.key === 'k' || ev.key === 'ArrowUp') { select(at - 1); ev.preventDefault(); }
        else if (ev.key === 'Enter' && at >= 0) { body.children[at].click(); ev.preventDefault(); }
        else return false;
        return true;
      },
      get selected() { return at; },
      count() { return body.children.length; },
    };
  }

  function filterForm(fields, values, onApply) {
    const form = h('form.filters', { onsubmit: (ev) => { ev.preventDefault(); onApply(read()); } });
    const inputs = {};
    for (const f of fields) {
      let input;
      if (f.options) {
        input = h('select', { name: f.name }, h('option', { value: '' }, t('any')),
          f.options.map((o) => h('option', { value: o.value, selected: values[f.name] === o.value }, o.label)));
      } else {
        input = h('input', { name: f.name, type: f.type || 'text', value: values[f.name] || '', dir: f.ltr ? 'ltr' : null,
          spellcheck: 'false', autocomplete: 'off', size: f.size || 14 });
      }
      inputs[f.name] = input;
      form.append(h('label', {}, h('span', {}, f.label), input));
    }
    function read() {
      const out = {};
      for (const f of fields) {
        const v = inputs[f.name].value.trim();
        if (!v) continue;
        out[f.name] = f.type === 'datetime-local' ? new Date(v).toISOString() : v;
      }
      return out;
    }
    form.append(h('div.buttons', {}, h('button', { type: 'submit' }, t('apply')),
      h('button', { type: 'button', onclick: () => onApply({}) }, t('reset'))));
    form.focusFirst = () => inputs[fields[0].name].focus();
    return form;
  }

  function hashParams() {
    const q = location.hash.indexOf('?');
    return q < 0 ? {} : Object.fromEntries(new URLSearchParams(location.hash.slice(q + 1)));
  }

  function localInput(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    if (!Number.isFinite(d.getTime())) return '';
    const pad = (n) => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }

  const sevOptions = () => ['low', 'medium', 'high', 'critical'].map((s) => ({ value: s, label: t('sev_' + s) }));
  const stateOptions = () => ['new', 'triage', 'confirmed', 'false_positive', 'closed'].map((s) => ({ value: s, label: t('st_' + s) }));

  function pageTitle(text, ...extra) {
    document.title = text + ' · raqib';
    return h('h1', {}, text, ...extra);
  }

  async function pageQueue() {
    const params = hashParams();
    const fields = [
      { name: 'from', label: t('from'), type: 'datetime-local', size: 18 },
      { name: 'to', label: t('to'), type: 'datetime-local', size: 18 },
      { name: 'site', label: t('site'), ltr: true, size: 10 },
      { name: 'host', label: t('host'), ltr: true, size: 12 },
      { name: 'user', label: t('user'), ltr: true, size: 12 },
      { name: 'app', label: t('app'), size: 10 },
      { name: 'rule', label: t('rule'), ltr: true, size: 18 },
      { name: 'severity', label: t('severity'), options: sevOptions() },
      { name: 'document', label: t('document'), ltr: true, size: 20 },
      { name: 'value', label: t('value_hash'), ltr: true, size: 20 },
    ];
    const values = Object.assign({}, params, { from: localInput(params.from), to: localInput(params.to) });
    const form = filterForm(fields, values, (v) => { location.hash = '#/queue' + query(v); });
    const list = h('div.listing', {}, h('p.muted', {}, t('loading')));
    const detail = h('aside.detail', { hidden: true, 'aria-label': t('alert_detail') });
    const more = h('button.more', { type: 'button', hidden: true }, t('more'));
    const count = h('span.count');
    main.replaceChildren(pageTitle(t('nav_queue')), form, h('p.keys', {}, t('keys_help')),
      h('div.split', {}, h('div', {}, list, h('div.pager', {}, more, count)), detail));
    let cursor = null;
    let nav = null;
    const apiParams = {};
    for (const f of fields) if (params[f.name]) apiParams[f.name] = params[f.name];
    async function load() {
      try {
        const data = await api('/api/alerts' + query(Object.assign({ limit: 50, cursor }, apiParams)));
        const rows = data.items.filter((x) => x.ref).map((x) => ({
          item: x,
          cells: [I.date(eventMs(x.alert, x)), x.alert ? sevBadge(get(x.alert, 'event.severity')) : '',
            hostCell(x), ltr(get(x.alert, 'user.id')),
            alertApp(x.alert || {}), ltr(alertWhat(x.alert || {}), 'path'), findingsText(x.alert || {}),
            ltr(get(x.alert, 'rule.id'))],
        }));
        if (!nav) {
          nav = navTable([t('time'), t('severity'), t('host'), t('user'), t('app'), t('what'), t('findings'), t('rule')], rows, showAlert);
          list.replaceChildren(rows.length ? nav.table : h('p.empty', {}, t('no_alerts')));
          if (rows.length) nav.select(0);
        } else {
          nav.add(rows);
        }
        cursor = data.cursor;
        more.hidden = !cursor;
        count.textContent = t('count_shown', { n: I.number(nav.count()) });
      } catch (e) { showError(list, e); }
    }
    function showAlert(item) {
      const a = item.alert || {};
      const links = [];
      const sha = get(a, 'file.hash.sha256');
      if (sha) links.push(h('a', { href: '#/provenance/' + sha }, t('open_provenance')));
      if (get(a, 'agent.id')) links.push(h('a', { href: '#/queue' + query({ host: get(a, 'agent.id') }) }, t('host_timeline')));
      const rows = [
        [t('time'), I.date(eventMs(a, item))], [t('severity'), sevBadge(get(a, 'event.severity'))],
        [t('host'), ltr(get(a, 'host.name'))], [t('agent'), ltr(get(a, 'agent.id'))], [t('user'), ltr(get(a, 'user.id'))],
        [t('app'), alertApp(a)], [t('what'), ltr(alertWhat(a), 'path')], [t('rule'), ltr(get(a, 'rule.id'))],
        ['', h('bdi', {}, get(a, 'raqib.why') || '')], [t('document'), ltr(sha, 'hash')],
      ];
      const findings = (get(a, 'raqib.findings') || []).map((f) =>
        h('li', {}, h('b', {}, f.type), ' ', ltr(f.masked), ' ×', I.number(f.occurrences || 1), ' ',
          h('a', { href: '#/queue' + query({ value: f.hash }), title: f.hash }, t('same_value'))));
      detail.replaceChildren(h('h2', {}, t('alert_detail')),
        h('dl.kv', {}, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
        h('h3', {}, t('findings')), findings.length ? h('ul.findings', {}, findings) : h('p', {}, t('no_finding')),
        h('p.links', {}, links),
        h('button', { type: 'button', onclick: () => { detail.hidden = true; } }, t('close')));
      detail.hidden = false;
    }
    more.addEventListener('click', load);
    setKeys((ev) => {
      if (nav && nav.keys(ev)) return;
      if (ev.key === '/') { form.focusFirst(); ev.preventDefault(); }
      else if (ev.key === 'm' && cursor) { load(); ev.preventDefault(); }
      else if (ev.key === 'Escape') { detail.hidden = true; }
    });
    await load();
  }

  // A host as the desk names it: its agent id (what filters take), its machine name beside.
  function hostCell(item) {
    const a = item.alert || {};
    const id = get(a, 'agent.id') || item.ref.split(':')[1];
    const name = get(a, 'host.name');
    return h('span', {}, ltr(id), name && name !== id ? h('span.muted', {}, ' ', ltr(name)) : null);
  }

  function incidentWho(x) {
    if (x.kind && x.kind !== 'local') return t('hosts') + ': ' + I.number(x.hosts || 0);
    return [x.host, x.user].filter(Boolean).join(' · ') || t('none');
  }

  async function pageIncidents() {
    const params = hashParams();
    const fields = [
      { name: 'state', label: t('state'), options: stateOptions() },
      { name: 'severity', label: t('severity'), options: sevOptions() },
      { name: 'kind', label: t('kind'), options: ['local', 'spread-document', 'spread-value', 'spread-fingerprint'].map((k) => ({ value: k, label: t('kind_' + k) })) },
      { name: 'assignee', label: t('assignee'), ltr: true, size: 12 },
      { name: 'site', label: t('site'), ltr: true, size: 10 },
    ];
    const form = filterForm(fields, params, (v) => { location.hash = '#/incidents' + query(v); });
    const list = h('div.listing', {}, h('p.muted', {}, t('loading')));
    const more = h('button.more', { type: 'button', hidden: true }, t('more'));
    main.replaceChildren(pageTitle(t('nav_incidents')), form, h('p.keys', {}, t('keys_help')), list, h('div.pager', {}, more));
    let cursor = null;
    let nav = null;
    async function load() {
      try {
        const data = await api('/api/incidents' + query(Object.assign({ limit: 50, cursor }, params)));
        const rows = data.items.map((x) => ({
          item: x,
          cells: [I.date(x.last), sevBadge(x.severity), stateBadge(x.state), t('kind_' + x.kind),
            h('span', {}, incidentWho(x)), x.app || t('none'), I.number(x.count || 0), ltr(x.assignee || t('unassigned')), ltr(x.id, 'id')],
        }));
        if (!nav) {
          nav = navTable([t('last'), t('severity'), t('state'), t('kind'), t('host'), t('app'), t('alerts'), t('assignee'), t('incident')], rows,
            (x) => { location.hash = '#/incident/' + encodeURIComponent(x.id); });
          list.replaceChildren(rows.length ? nav.table : h('p.empty', {}, t('no_incidents')));
          if (rows.length) nav.select(0);
        } else {
          nav.add(rows);
        }
        cursor = data.cursor;
        more.hidden = !cursor;
      } catch (e) { showError(list, e); }
    }
    more.addEventListener('click', load);
    setKeys((ev) => {
      if (nav && nav.keys(ev)) return;
      if (ev.key === '/') { form.focusFirst(); ev.preventDefault(); }
      else if (ev.key === 'm' && cursor) { load(); ev.preventDefault(); }
    });
    await load();
  }

  async function exportIncident(id) {
    toast(t('exporting'));
    try {
      const resp = await api('/api/export' + query({ id, lang: I.lang }), { raw: true });
      const blob = await resp.blob();
      const disp = resp.headers.get('Content-Disposition') || '';
      const m = /filename="([^"]+)"/.exec(disp);
      const a = h('a', { href: URL.createObjectURL(blob), download: m ? m[1] : 'raqib-case.html' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      toast(t('exported'));
    } catch (e) { toast(e.message, true); }
  }

  async function pageIncident(id) {
    main.replaceChildren(h('p.muted', {}, t('loading')));
    let data;
    try {
      data = await api('/api/incident' + query({ id, limit: 500 }));
    } catch (e) { showError(main, e); return; }
    const x = data.incident;
    const may = state.session.may;
    const summary = h('dl.kv.summary', {}, [
      [t('kind'), t('kind_' + x.kind)], [t('state'), stateBadge(x.state)], [t('severity'), sevBadge(x.severity)],
      [t('assignee'), ltr(x.assignee || t('unassigned'))], [t('first'), I.date(x.first)], [t('last'), I.date(x.last)],
      [t('alerts'), I.number(x.count || 0)], [t('hosts'), I.number(x.hosts || 0)],
      [t('host'), ltr(x.host)], [t('user'), ltr(x.user)], [t('app'), x.app || t('none')], [t('rule'), ltr(x.rule)],
      [t('document'), x.document ? h('a', { href: '#/provenance/' + x.document }, ltr(x.document, 'hash')) : t('none')],
      x.value ? [t('value_hash'), h('a', { href: '#/queue' + query({ value: x.value }) }, ltr(x.value, 'hash'))] : null,
    ].filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    const actions = h('div.actions', {},
      x.document ? h('a.button', { href: '#/provenance/' + x.document }, t('open_provenance')) : null,
      may.export ? h('button#export', { type: 'button', onclick: () => exportIncident(x.id) }, t('export')) : null);
    let triage;
    if (may.change_incident) {
      const stateSel = h('select#state', { name: 'state' }, stateOptions().map((o) => h('option', { value: o.value, selected: o.value === x.state }, o.label)));
      const assignee = h('input#assignee', { name: 'assignee', value: x.assignee || '', dir: 'ltr', autocomplete: 'off', spellcheck: 'false', size: 16 });
      const note = h('textarea#note', { name: 'note', rows: 3, maxlength: 1000, placeholder: t('add_note') });
      triage = h('form.triage', { onsubmit: async (ev) => {
        ev.preventDefault();
        const change = {};
        if (stateSel.value !== x.state) change.state = stateSel.value;
        if (assignee.value.trim() !== (x.assignee || '')) change.assignee = assignee.value.trim();
        if (note.value.trim()) change.note = note.value.trim();
        if (!Object.keys(change).length) return;
        try {
          await api('/api/incident' + query({ id: x.id }), { method: 'POST', json: change });
          toast(t('saved'));
          pageIncident(id);
        } catch (e) { toast(e.message, true); }
      } },
      h('h2', {}, t('triage')),
      h('label', {}, h('span', {}, t('state')), stateSel),
      h('label', {}, h('span', {}, t('assignee')), assignee,
        h('button', { type: 'button', onclick: () => { assignee.value = state.session.name; } }, t('assign_me'))),
      h('label.wide', {}, h('span', {}, t('note')), note),
      h('button#save', { type: 'submit' }, t('save')));
    } else {
      triage = h('p.muted', {}, t('read_only'));
    }
    const notes = data.notes.length ? h('ul.notes', {}, data.notes.map((n) =>
      h('li', {}, h('time', {}, I.date(n.ts)), ' ', h('b', {}, ltr(n.who)), ' ', h('bdi.note-text', {}, n.text)))) :
      h('p.muted', {}, t('no_notes'));
    const trail = h('section.trail');
    main.replaceChildren(
      h('p', {}, h('a', { href: '#/incidents' }, (I.lang === 'ar' ? '→ ' : '← ') + t('back'))),
      pageTitle(t('incident') + ' ', ltr(x.id, 'id')),
      h('div.incident', {},
        h('section', {}, summary, actions, triage),
        h('section', {}, h('h2', {}, t('story')), storyList(data.items),
          h('h2', {}, t('notes')), notes, trail)));
    if (may.read_incident_audit) {
      try {
        const au = await api('/api/audit' + query({ incident: x.id, limit: 100 }));
        trail.replaceChildren(h('h2', {}, t('audit_trail')), auditTable(au.items));
      } catch (e) { showError(trail, e); }
    }
    setKeys((ev) => { if (ev.key === 'Escape') location.hash = '#/incidents'; });
  }

  // The document's path across hosts and people, as swimlanes: a lane per host, time along
  // the lane (right to left in Arabic), a mark per event and a line that follows the document.
  function provenanceSvg(items) {
    const events = items.filter((x) => x.alert).map((x) => ({
      ms: eventMs(x.alert, x), site: x.ref.split(':')[0], host: get(x.alert, 'host.name') || get(x.alert, 'agent.id'),
      agent: get(x.alert, 'agent.id'), user: get(x.alert, 'user.id'), app: alertApp(x.alert), action: actionOf(x.alert),
      path: get(x.alert, 'file.path') || get(x.alert, 'file.name'),
      similarity: x.similar ? get(x.alert, 'raqib.document.similarity') : undefined,
    })).sort((a, b) => a.ms - b.ms);
    const lanes = [];
    for (const e of events) {
      const key = e.site + '/' + e.agent;
      if (!lanes.find((l) => l.key === key)) lanes.push({ key, site: e.site, host: e.host, agent: e.agent });
    }
    const NS = 'http://www.w3.org/2000/svg';
    const s = (tag, attrs, ...kids) => {
      const el = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
      for (const k of kids) el.append(k instanceof Node ? k : document.createTextNode(String(k)));
      return el;
    };
    const W = 900, LANE = 64, LABEL = 170, TOP = 10, PAD = 70;
    const H = TOP + lanes.length * LANE + 30;
    const rtl = document.documentElement.dir === 'rtl';
    const t0 = events.length ? events[0].ms : 0, t1 = events.length ? events[events.length - 1].ms : 1;
    const span = Math.max(1, t1 - t0);
    const xOf = (ms) => {
      const f = events.length > 1 ? (ms - t0) / span : 0.5;
      const x = LABEL + PAD + f * (W - LABEL - 2 * PAD);
      return rtl ? W - x : x;
    };
    const yOf = (e) => TOP + lanes.findIndex((l) => l.key === e.site + '/' + e.agent) * LANE + LANE / 2;
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'swimlanes', role: 'img', 'aria-label': t('provenance') });
    lanes.forEach((l, i) => {
      const y = TOP + i * LANE;
      svg.append(s('rect', { x: 0, y, width: W, height: LANE, class: i % 2 ? 'lane odd' : 'lane' }));
      const lx = rtl ? W - 10 : 10;
      svg.append(s('text', { x: lx, y: y + LANE / 2 - 4, class: 'lane-host', 'text-anchor': 'start' }, l.agent));
      svg.append(s('text', { x: lx, y: y + LANE / 2 + 14, class: 'lane-site', 'text-anchor': 'start' },
        t('site') + ' ' + l.site + (l.host && l.host !== l.agent ? ' · ' + l.host : '')));
    });
    if (events.length > 1) {
      let d = '';
      events.forEach((e, i) => { d += (i ? ' L ' : 'M ') + xOf(e.ms) + ' ' + yOf(e); });
      svg.append(s('path', { d, class: 'trail' }));
    }
    for (const e of events) {
      const x = xOf(e.ms), y = yOf(e);
      const g = s('g', { class: 'ev ev-' + e.action, tabindex: 0 });
      const title = [I.date(e.ms), t('act_' + e.action), e.host, e.user ? t('user') + ' ' + e.user : '', e.app, e.path,
        e.similarity !== undefined ? t('similarity', { n: e.similarity }) : ''].filter(Boolean).join(' · ');
      g.append(s('title', {}, title));
      if (e.action === 'holds_copy') g.append(s('rect', { x: x - 8, y: y - 8, width: 16, height: 16, rx: 3 }));
      else if (e.action === 'opened') g.append(s('circle', { cx: x, cy: y, r: 8 }));
      else g.append(s('path', { d: rtl ? `M ${x + 9} ${y - 9} L ${x - 10} ${y} L ${x + 9} ${y + 9} Z` : `M ${x - 9} ${y - 9} L ${x + 10} ${y} L ${x - 9} ${y + 9} Z` }));
      g.append(s('text', { x, y: y + 24, 'text-anchor': 'middle', class: 'ev-label' }, t('act_' + e.action) + (e.user !== undefined ? ' · ' + t('user') + ' ' + e.user : '') +
        (e.similarity !== undefined ? ' · ' + t('similarity', { n: e.similarity }) : '')));
      if (e.similarity !== undefined) g.classList.add('similar');
      svg.append(g);
    }
    if (events.length) {
      svg.append(s('text', { x: xOf(t0), y: H - 8, 'text-anchor': 'middle', class: 'axis' }, I.date(t0)));
      if (events.length > 1) svg.append(s('text', { x: xOf(t1), y: H - 8, 'text-anchor': 'middle', class: 'axis' }, I.date(t1)));
    }
    const legend = h('ul.legend', {}, ['opened', 'sent', 'sent_network', 'holds_copy'].map((k) => h('li.ev-' + k, {}, h('i'), t('act_' + k))));
    return h('figure.provenance', {}, svg, h('figcaption', {}, legend));
  }

  async function pageProvenance(sha) {
    main.replaceChildren(h('p.muted', {}, t('loading')));
    let data;
    try {
      data = await api('/api/provenance' + query({ document: sha, limit: 500 }));
    } catch (e) { showError(main, e); return; }
    const items = data.items.filter((x) => x.alert);
    // the registered documents' other versions (edited copies), marked with their similarity
    const versions = (data.registered || []).flatMap((r) => r.items.filter((x) => x.alert).map((x) => Object.assign({ similar: r.fingerprint }, x)));
    const table = (list) => h('table.list', {}, h('thead', {}, h('tr', {}, [t('time'), t('site'), t('host'), t('user'), t('app'), t('action'), t('what')].map((x) => h('th', {}, x)))),
      h('tbody', {}, list.slice().sort((x, y) => eventMs(x.alert, x) - eventMs(y.alert, y)).map((x) => h('tr', {},
        h('td', {}, I.date(eventMs(x.alert, x))), h('td', {}, ltr(x.ref.split(':')[0])),
        h('td', {}, hostCell(x)), h('td', {}, ltr(get(x.alert, 'user.id'))),
        h('td', {}, alertApp(x.alert)), h('td', {}, t('act_' + actionOf(x.alert)),
          x.similar ? [' · ', t('similarity', { n: get(x.alert, 'raqib.document.similarity') })] : ''),
        h('td', {}, ltr(get(x.alert, 'file.path') || get(x.alert, 'file.name'), 'path'))))));
    const registered = (data.registered || []).map((r) => [h('h2', {}, tNodes('registered_versions', { id: ltr(r.fingerprint) })),
      r.items.length ? table(r.items.map((x) => Object.assign({ similar: r.fingerprint }, x))) : h('p.muted', {}, t('no_versions'))]);
    main.replaceChildren(pageTitle(t('provenance_of')), h('p', {}, ltr(sha, 'hash')), h('p.muted', {}, t('provenance_help')),
      provenanceSvg(items.concat(versions)), table(items), registered.flat());
    setKeys(null);
  }

  async function pageSearch() {
    const may = state.session.may;
    const out = h('div.results');
    setKeys(null);
    if (!may.search_value || !state.session.value_search) {
      main.replaceChildren(pageTitle(t('search_title')),
        h('p.denied', { role: 'alert' }, may.search_value ? t('search_off') : t('search_denied', { role: t('role_' + state.session.role) })),
        h('form.search', {}, h('input', { disabled: true, 'aria-label': t('search_value') }), h('button', { disabled: true }, t('search_button'))));
      return;
    }
    const input = h('input#value', { name: 'value', type: 'password', autocomplete: 'off', spellcheck: 'false', maxlength: 256, 'aria-label': t('search_value'), dir: 'ltr' });
    const form = h('form.search', { onsubmit: async (ev) => {
      ev.preventDefault();
      const value = input.value;
      input.value = ''; // the value stays nowhere in the page
      if (!value.trim()) return;
      out.replaceChildren(h('p.muted', {}, t('loading')));
      try {
        const r = await api('/api/find', { method: 'POST', text: value });
        const rows = r.alerts.map((a) => h('tr', {}, h('td', {}, I.date(eventMs(a))), h('td', {}, sevBadge(get(a, 'event.severity'))),
          h('td', {}, ltr(get(a, 'host.name'))), h('td', {}, ltr(get(a, 'user.id'))), h('td', {}, alertApp(a)),
          h('td', {}, ltr(alertWhat(a), 'path')), h('td', {}, findingsText(a)),
          h('td', {}, get(a, 'file.hash.sha256') ? h('a', { href: '#/provenance/' + get(a, 'file.hash.sha256') }, t('provenance')) : '')));
        out.replaceChildren(h('p.summary', {}, r.total ? t('search_result', { n: I.number(r.total), type: r.type }) : t('search_none', { type: r.type })),
          r.waiting ? h('p.warn', {}, t('search_waiting', { n: I.number(r.waiting) })) : null,
          rows.length ? h('table.list', {}, h('thead', {}, h('tr', {}, [t('time'), t('severity'), t('host'), t('user'), t('app'), t('what'), t('findings'), ''].map((x) => h('th', {}, x)))), h('tbody', {}, rows)) : null);
      } catch (e) { showError(out, e); }
    } }, h('label', {}, h('span', {}, t('search_value')), input), h('button', { type: 'submit' }, t('search_button')));
    main.replaceChildren(pageTitle(t('search_title')), h('p.muted', {}, t('search_help')), form, out);
    input.focus();
  }

  function since(ms, now) {
    const s = Math.max(0, Math.round((now - ms) / 1000));
    const rtf = new Intl.RelativeTimeFormat(I.locale(), { numeric: 'auto' });
    if (s < 90) return rtf.format(-s, 'second');
    if (s < 5400) return rtf.format(-Math.round(s / 60), 'minute');
    if (s < 129600) return rtf.format(-Math.round(s / 3600), 'hour');
    return rtf.format(-Math.round(s / 86400), 'day');
  }

  async function pageAgents() {
    main.replaceChildren(h('p.muted', {}, t('loading')));
    setKeys(null);
    let data;
    try { data = await api('/api/agents'); } catch (e) { showError(main, e); return; }
    const rows = data.agents.map((a) => {
      const hb = a.heartbeat || {}, col = a.collector || {};
      const sensors = Object.keys(hb).filter((k) => k.startsWith('sensor.')).map((k) => k.slice(7) + ': ' + hb[k]);
      const drops = Object.keys(hb).filter((k) => /(^|\.)drops(\.|$)/.test(k) && Number(hb[k]) > 0).map((k) => k + ' ' + I.number(hb[k]));
      const seen = Number(get(hb, 'collector.rx') || hb.ts || 0);
      return h('tr', {}, h('td', {}, ltr(a.site)), h('td', {}, ltr(a.agent)), h('td', {}, h('span.status.status-' + a.status, {}, t('agent_' + a.status))),
        h('td', {}, seen ? h('span', { title: I.date(seen) }, since(seen, data.now)) : t('none')), h('td', {}, ltr(hb.version)),
        h('td', {}, ltr((hb.rules_hash || '').slice(0, 12), 'hash')), h('td', {}, sensors.length ? sensors.map((x) => h('div', {}, ltr(x))) : t('none')),
        h('td.num', {}, I.number(hb['spool.pending'] || 0)), h('td.num', {}, I.number(hb['outbox.refused'] || 0)),
        h('td.num', {}, I.number(col.missing || 0)), h('td', {}, drops.length ? drops.map((x) => h('div.drop', {}, ltr(x))) : I.number(0)));
    });
    const gaps = data.gaps.slice().sort((a, b) => Number(b.rx || 0) - Number(a.rx || 0)).map((g) => h('tr.gap', {},
      h('td', {}, I.date(g.rx)), h('td', {}, ltr(g.site)), h('td', {}, ltr(g.agent)), h('td', {}, t('gapkind_' + g.kind)),
      h('td', {}, gapText(g.kind, g.detail))));
    main.replaceChildren(pageTitle(t('agents_title')),
      h('table.list', {}, h('thead', {}, h('tr', {}, [t('site'), t('agent'), t('status'), t('last_seen'), t('version'), t('rules_hash'), t('sensors'), t('spool'), t('refused'), t('missing'), t('drops')].map((x) => h('th', {}, x)))), h('tbody', {}, rows)),
      h('h2', {}, t('coverage_gaps')), h('p.muted', {}, t('gaps_help')),
      gaps.length ? h('table.list.gaps', {}, h('thead', {}, h('tr', {}, [t('time'), t('site'), t('agent'), t('kind'), t('detail')].map((x) => h('th', {}, x)))), h('tbody', {}, gaps)) : h('p', {}, t('no_gaps')));
  }

  async function pageRules() {
    main.replaceChildren(h('p.muted', {}, t('loading')));
    setKeys(null);
    let data;
    try { data = await api('/api/rules'); } catch (e) { showError(main, e); return; }
    const max = Math.max(1, ...data.rules.map((r) => r.hits));
    const rows = data.rules.slice().sort((a, b) => b.hits - a.hits).map((r) => h('tr', {},
      h('td', {}, h('a', { href: '#/queue' + query({ rule: r.id }) }, ltr(r.id))), h('td', {}, t('mode_' + r.mode)),
      h('td.num', {}, I.number(r.hits)), h('td.bar', {}, h('span', { style: null, 'data-w': Math.round(100 * r.hits / max) }))));
    const b = data.packs.builtin;
    main.replaceChildren(pageTitle(t('rules_title')), h('p.muted', {}, t('hits_since', { when: I.date(data.since) })),
      rows.length ? h('table.list.rules', {}, h('thead', {}, h('tr', {}, [t('rule'), t('mode'), t('hits'), ''].map((x) => h('th', {}, x)))), h('tbody', {}, rows)) : h('p', {}, t('no_hits')),
      h('h2', {}, t('packs')),
      h('p', {}, [[b.detectors, 'detectors'], [b.markers, 'markers'], [b.policies, 'policies'], [b.apps, 'apps_n'], [b.fingerprints, 'fingerprints'], [b.exceptions, 'exceptions']]
        .map(([n, k]) => I.number(n) + ' ' + t(k)).join(' · '), ' · ', ltr((b.hash || '').slice(0, 16), 'hash')));
    // widths through CSSOM: the page's policy allows no inline style attribute
    for (const span of main.querySelectorAll('td.bar span')) span.style.width = span.getAttribute('data-w') + '%';
  }

  // The audit log's entries; withIncident: a column naming each entry's incident.
  function auditTable(items, withIncident) {
    const heads = [t('time'), t('who'), t('role'), t('action'), withIncident ? t('incident') : null, t('peer'), t('detail')].filter(Boolean);
    return h('table.list.audit', {}, h('thead', {}, h('tr', {}, heads.map((x) => h('th', {}, x)))),
      h('tbody', {}, items.map((e) => {
        const skip = new Set(['id', 'ts', 'who', 'role', 'action', 'incident', 'peer', 'via', 'prev', 'hash']);
        const rest = Object.keys(e).filter((k) => !skip.has(k)).map((k) => k + '=' + e[k]).join(' ');
        return h('tr', {}, h('td', {}, I.date(Number(e.ts))), h('td', {}, ltr(e.who)), h('td', {}, e.role ? t('role_' + e.role) : ''),
          h('td', {}, t('audit_' + e.action)),
          withIncident ? h('td', {}, e.incident ? h('a', { href: '#/incident/' + encodeURIComponent(e.incident) }, ltr(e.incident, 'id')) : '') : null,
          h('td', {}, ltr(e.peer || e.via || '')), h('td', {}, ltr(rest)));
      })));
  }

  async function pageAudit() {
    main.replaceChildren(h('p.muted', {}, t('loading')));
    setKeys(null);
    const status = h('p.chain');
    async function load(verify) {
      try {
        const data = await api('/api/audit' + query({ limit: 200, verify: verify ? 1 : null }));
        if (data.chain) {
          status.className = data.chain.intact ? 'chain intact' : 'chain broken';
          status.textContent = data.chain.intact ? t('chain_intact', { n: I.number(data.chain.entries), head: data.chain.head.slice(0, 16) }) :
            t('chain_broken', { id: data.chain.bad_id, reason: data.chain.reason });
        }
        table.replaceChildren(auditTable(data.items, true));
      } catch (e) { showError(table, e); }
    }
    const table = h('div');
    main.replaceChildren(pageTitle(t('audit_title')), h('p', {}, h('button#verify', { type: 'button', onclick: () => load(true) }, t('verify'))), status, table);
    await load(false);
  }

  function pageLogin(message) {
    setKeys(null);
    const input = h('input#token', { type: 'password', autocomplete: 'off', spellcheck: 'false', dir: 'ltr', size: 40, 'aria-label': t('token') });
    const err = h('p.error', { role: 'alert', hidden: !message }, message || '');
    const form = h('form.login', { onsubmit: async (ev) => {
      ev.preventDefault();
      const token = input.value.trim();
      try {
        const session = await api('/api/session', { token });
        state.token = token;
        state.session = session;
        try { sessionStorage.setItem('raqib.token', token); } catch (e) { /* private mode */ }
        input.value = '';
        chrome();
        location.hash = '#/incidents';
        route();
      } catch (e) {
        err.textContent = e.status === 401 ? t('bad_token') : e.message;
        err.hidden = false;
      }
    } }, h('h1', {}, t('sign_in_title')), h('label', {}, h('span', {}, t('token')), input), h('p.muted', {}, t('token_help')), err,
    h('button#signin', { type: 'submit' }, t('sign_in')));
    main.replaceChildren(form);
    document.title = t('sign_in') + ' · raqib';
    input.focus();
  }

  function signOut() {
    state.token = null;
    state.session = null;
    try { sessionStorage.removeItem('raqib.token'); } catch (e) { /* private mode */ }
    chrome();
  }

  // The header: words in the current language, the user, what their role may see.
  function chrome() {
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.getAttribute('data-t'));
    document.getElementById('lang').value = I.lang;
    const signedIn = !!state.session;
    document.getElementById('nav').hidden = !signedIn;
    document.getElementById('signout').hidden = !signedIn;
    const who = document.getElementById('whoami');
    who.hidden = !signedIn;
    if (signedIn) {
      who.replaceChildren(ltr(state.session.name), ' · ', t('role_' + state.session.role));
      document.getElementById('nav-audit').hidden = !state.session.may.read_audit;
    }
  }

  async function route() {
    const hash = location.hash.replace(/^#\/?/, '');
    const [path] = hash.split('?');
    const [page, ...rest] = path.split('/');
    const arg = rest.length ? decodeURIComponent(rest.join('/')) : '';
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('current', a.getAttribute('data-page') === page || (page === 'incident' && a.getAttribute('data-page') === 'incidents'));
    if (!state.token) { pageLogin(); return; }
    if (!state.session) {
      try { state.session = await api('/api/session'); } catch (e) { if (e.status !== 401) showError(main, e); else pageLogin(); return; }
      chrome();
    }
    const pages = { queue: pageQueue, incidents: pageIncidents, search: pageSearch, agents: pageAgents, rules: pageRules, audit: pageAudit };
    if (page === 'incident' && arg) await pageIncident(arg);
    else if (page === 'provenance' && /^[0-9a-f]{64}$/.test(arg)) await pageProvenance(arg);
    else if (pages[page]) await pages[page]();
    else { location.hash = '#/incidents'; return; }
    main.setAttribute('data-page', page);
  }

  document.getElementById('lang').addEventListener('change', (ev) => {
    I.setLang(ev.target.value, true);
    chrome();
    route();
  });
  document.getElementById('signout').addEventListener('click', () => { signOut(); location.hash = '#/login'; pageLogin(); });
  window.addEventListener('hashchange', route);
  chrome();
  route();
})();
